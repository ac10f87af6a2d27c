"""Business contacts over /api/v1/business-contacts and their pages."""

import pytest

from xiaodian.business import services
from xiaodian.business.models import Contact


@pytest.fixture
def held(buyer, legacy_store, agent, staff_of):
    staff_of(legacy_store, agent)
    services.give_consent(buyer=buyer, store_id=legacy_store.pk)
    return services.invite_contact(staff=agent, store=legacy_store, buyer_id=buyer.pk)[0]


def test_a_buyer_gives_and_withdraws_consent_over_the_api(api_for, buyer, store, subject):
    api = api_for(buyer)
    given = api.put(f"/business-contacts/consents/{store.pk}")
    assert (
        given.status_code == 201 and given.json()["active"] and given.json()["subject_name"] == subject.name
    )
    assert api.put(f"/business-contacts/consents/{store.pk}").status_code == 200
    withdrawn = api.delete(f"/business-contacts/consents/{store.pk}")
    assert withdrawn.status_code == 200 and not withdrawn.json()["active"]
    assert [c["active"] for c in api.get("/business-contacts/consents").json()] == [False]
    assert api.put("/business-contacts/consents/999999").json()["code"] == "not_found"


def test_staff_invite_over_the_api_and_a_refusal_is_clear(api_for, buyer, legacy_store, agent, staff_of):
    staff_of(legacy_store, agent)
    api = api_for(agent)
    refused = api.post(f"/business-contacts/stores/{legacy_store.pk}", {"buyer_id": buyer.pk})
    assert (refused.status_code, refused.json()["code"]) == (403, "business_no_consent")
    api_for(buyer).put(f"/business-contacts/consents/{legacy_store.pk}")
    assert [
        b["buyer_id"] for b in api.get(f"/business-contacts/stores/{legacy_store.pk}/consenting").json()
    ] == [buyer.pk]
    invited = api.post(f"/business-contacts/stores/{legacy_store.pk}", {"buyer_id": buyer.pk})
    assert invited.status_code == 201 and invited.json()["consenting"]
    assert api.post(f"/business-contacts/stores/{legacy_store.pk}", {"buyer_id": buyer.pk}).status_code == 200
    listed = api.get(f"/business-contacts/stores/{legacy_store.pk}").json()
    assert listed["count"] == 1 and listed["items"][0]["buyer_id"] == buyer.pk


def test_the_subject_is_on_every_staff_message_in_the_api(api_for, held, agent, buyer, subject):
    chat = f"/chats/{held.conversation_id}/messages"
    sent = api_for(agent).post(chat, {"text": "新品到了"})
    assert sent.status_code == 201 and sent.json()["sender_subject"] == subject.name
    api_for(buyer).post(chat, {"text": "好的"})
    items = api_for(buyer).get(chat).json()["items"]
    assert [m["sender_subject"] for m in items] == [subject.name, ""]
    mine = api_for(buyer).get("/business-contacts").json()
    assert [(c["subject_name"], c["conversation_id"]) for c in mine] == [(subject.name, held.conversation_id)]


def test_a_withdrawn_consent_refuses_staff_messages_with_403(api_for, held, agent, buyer, legacy_store):
    api_for(buyer).delete(f"/business-contacts/consents/{legacy_store.pk}")
    refused = api_for(agent).post(f"/chats/{held.conversation_id}/messages", {"text": "在吗"})
    assert (refused.status_code, refused.json()["code"]) == (403, "business_no_consent")


def test_the_service_mode_and_its_upgrade_over_the_api(api_for, held, merchant, agent, legacy_store):
    mode = api_for(agent).get(f"/business-contacts/stores/{legacy_store.pk}/service").json()
    assert mode["mode"] == "legacy" and mode["legacy_video_store"] and mode["service_upgraded_at"] is None
    path = f"/business-contacts/stores/{legacy_store.pk}/service/upgrade"
    refused = api_for(agent).post(path, {"mode": "workbench"})
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")  # the owner's alone
    done = api_for(merchant).post(path, {"mode": "workbench"})
    assert (
        done.status_code == 201
        and done.json()["mode"] == "workbench"
        and done.json()["signing_secret"] is None
    )
    again = api_for(merchant).post(path, {"mode": "workbench"})
    assert (again.status_code, again.json()["code"]) == (409, "service_already_upgraded")
    assert (
        api_for(merchant).get(f"/business-contacts/stores/{legacy_store.pk}/service").json()["mode"]
        == "workbench"
    )
    assert Contact.objects.get().closed_at is not None


def test_an_admin_may_not_upgrade_customer_service(api_for, legacy_store, make_user, staff_of):
    admin = staff_of(legacy_store, make_user("admin"), role="admin")
    refused = api_for(admin).post(
        f"/business-contacts/stores/{legacy_store.pk}/service/upgrade", {"mode": "workbench"}
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")


# -- pages ------------------------------------------------------------------------------------


def test_the_consent_page_switches_consent_on_and_off(client, buyer, store, subject):
    client.force_login(buyer)
    page = client.get(f"/business/stores/{store.pk}/consent/")
    assert page.status_code == 200 and subject.name in page.content.decode()
    client.post(f"/business/stores/{store.pk}/consent/", {"action": "give"})
    assert "撤回授权" in client.get(f"/business/stores/{store.pk}/consent/").content.decode()
    client.post(f"/business/stores/{store.pk}/consent/", {"action": "withdraw"})
    assert "已撤回" in client.get("/business/").content.decode()


def test_the_staff_page_invites_and_sends_a_card_and_the_buyer_sees_the_subject(
    client, buyer, legacy_store, agent, staff_of, legacy_sku, subject
):
    staff_of(legacy_store, agent)
    services.give_consent(buyer=buyer, store_id=legacy_store.pk)
    client.force_login(agent)
    page = client.get(f"/stores/{legacy_store.pk}/business/").content.decode()
    assert f'id="invite-{buyer.pk}"' in page and "旧版客服" in page
    client.post(f"/stores/{legacy_store.pk}/business/invite/", {"buyer_id": buyer.pk})
    contact = Contact.objects.get()
    sent = client.post(
        f"/stores/{legacy_store.pk}/business/contacts/{contact.pk}/card/",
        {"product_id": legacy_sku.product_id},
    )
    assert sent.status_code == 302 and sent["Location"] == f"/chats/{contact.conversation_id}/"
    client.force_login(buyer)
    chat = client.get(f"/chats/{contact.conversation_id}/").content.decode()
    assert f"{subject.name} · 已认证" in chat and "/s/" in chat
    assert subject.name in client.get("/business/").content.decode()


def test_the_upgrade_page_says_what_changes_and_only_the_owner_upgrades(
    client, legacy_store, merchant, agent, staff_of, store
):
    staff_of(legacy_store, agent)
    client.force_login(agent)
    page = client.get(f"/stores/{legacy_store.pk}/service/upgrade/").content.decode()
    assert "历史记录不会迁移" in page and "主动消息结束" in page and 'id="upgrade-form"' not in page
    assert (
        client.post(f"/stores/{legacy_store.pk}/service/upgrade/", {"mode": "workbench"}).status_code == 403
    )
    client.force_login(merchant)
    assert client.get(f"/stores/{store.pk}/service/upgrade/").status_code == 404  # not a legacy store
    done = client.post(f"/stores/{legacy_store.pk}/service/upgrade/", {"mode": "workbench"})
    assert done.status_code == 302
    assert 'id="upgrade-done"' in client.get(f"/stores/{legacy_store.pk}/service/upgrade/").content.decode()
