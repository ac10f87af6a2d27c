"""The customer-service endpoints: open, list, talk, transfer, close, rate, settings, replies,
presence and the data panel."""

import pytest

from xiaodian.accounts.rules import Role
from xiaodian.scoring.tests.facts import Facts
from xiaodian.stores.models import StoreStaff

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer_api(api_for, buyer):
    return api_for(buyer)


@pytest.fixture
def agent_api(api_for, agent):
    return api_for(agent)


def test_a_buyer_consults_and_an_agent_answers(
    shop, buyer_api, agent_api, agent, at_noon, django_assert_max_num_queries
):
    opened = buyer_api.post(f"/stores/{shop.pk}/conversations")
    assert opened.status_code == 201
    conversation = opened.json()
    assert (conversation["store_name"], conversation["agent_id"]) == (shop.name, agent.pk)
    assert buyer_api.post(f"/stores/{shop.pk}/conversations").status_code == 200  # the same one

    path = f"/conversations/{conversation['id']}/messages"
    sent = buyer_api.post(path, {"text": "有 M 码吗？", "client_id": "m1"})
    assert sent.status_code == 201 and sent.json()["sender"] == "buyer"
    assert buyer_api.post(path, {"text": "有 M 码吗？", "client_id": "m1"}).status_code == 200  # a resend
    assert agent_api.post(path, {"text": "有的"}).json()["sender"] == "agent"

    with django_assert_max_num_queries(5):
        page = agent_api.get(path, {"limit": 1})
    assert [m["text"] for m in page.json()["items"]] == ["有的"] and page.json()["has_more"] is True
    older = agent_api.get(path, {"before": page.json()["items"][0]["id"]}).json()["items"]
    assert [m["text"] for m in older] == ["有 M 码吗？"]

    listed = agent_api.get("/conversations", {"role": "store", "store_id": shop.pk, "mine": True}).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == conversation["id"]
    assert buyer_api.get("/conversations").json()["count"] == 1

    assert agent_api.post(f"/conversations/{conversation['id']}/close").json()["status"] == "closed"
    rated = buyer_api.post(f"/conversations/{conversation['id']}/rate", {"rating": 5, "comment": "快"})
    assert rated.json()["rating"] == 5


def test_bad_input_is_a_clear_4xx(shop, buyer_api, conversation):
    path = f"/conversations/{conversation.pk}/messages"
    assert buyer_api.post(path, {"text": ""}).json()["code"] == "validation_error"
    assert buyer_api.post(path, {"kind": "video", "text": "x"}).status_code == 422
    assert buyer_api.post(path, {"text": "x", "client_id": "c" * 65}).status_code == 422
    assert buyer_api.get(path, {"limit": 0}).status_code == 422
    assert buyer_api.post(f"/conversations/{conversation.pk}/rate", {"rating": 9}).status_code == 422
    assert buyer_api.get("/conversations", {"role": "store"}).json()["field"] == "store_id"


def test_strangers_get_404(api_for, make_user, conversation, shop):
    stranger = api_for(make_user())
    assert stranger.get(f"/conversations/{conversation.pk}/messages").status_code == 404
    assert stranger.post(f"/conversations/{conversation.pk}/messages", {"text": "hi"}).status_code == 404
    assert stranger.get("/conversations", {"role": "store", "store_id": shop.pk}).status_code == 404
    assert stranger.get(f"/stores/{shop.pk}/service-settings").status_code == 404


def test_a_store_starts_a_session_only_with_its_customers(shop, agent_api, make_user, at_noon):
    stranger, customer = make_user(), make_user()
    Facts(customer).order(shop)
    refused = agent_api.post(f"/stores/{shop.pk}/conversations", {"buyer_id": stranger.pk})
    assert (refused.status_code, refused.json()["code"]) == (403, "cold_outreach")
    assert agent_api.post(f"/stores/{shop.pk}/conversations", {"buyer_id": customer.pk}).status_code == 201


def test_settings_replies_presence_and_stats(shop, api, agent_api, agent, make_user, conversation):
    settings = api.put(
        f"/stores/{shop.pk}/service-settings",
        {"welcome_message": "欢迎光临", "max_sessions": 3, "opens_at": "09:00:00"},
    )
    assert settings.status_code == 200
    assert (settings.json()["max_sessions"], settings.json()["opens_at"]) == (3, "09:00:00")
    assert agent_api.put(f"/stores/{shop.pk}/service-settings", {"max_sessions": 4}).status_code == 403
    assert api.put(f"/stores/{shop.pk}/service-settings", {"max_sessions": 0}).status_code == 422
    assert (
        api.put(f"/stores/{shop.pk}/service-settings", {"opens_at": "23:30:00"}).json()["field"] == "opens_at"
    )

    quick = agent_api.post(f"/stores/{shop.pk}/quick-replies", {"text": "稍等，我查一下"})
    assert quick.status_code == 201
    assert [q["text"] for q in agent_api.get(f"/stores/{shop.pk}/quick-replies").json()] == ["稍等，我查一下"]
    assert agent_api.delete(f"/stores/{shop.pk}/quick-replies/{quick.json()['id']}").status_code == 204
    assert (
        agent_api.post(f"/stores/{shop.pk}/auto-replies", {"keyword": "x", "reply": "y"}).status_code == 403
    )
    auto = api.post(f"/stores/{shop.pk}/auto-replies", {"keyword": "退货", "reply": "7 天无理由"})
    assert auto.status_code == 201
    assert api.post(f"/stores/{shop.pk}/auto-replies", {"keyword": "退货", "reply": "z"}).status_code == 409

    away = agent_api.put(f"/stores/{shop.pk}/service/presence", {"status": "away"})
    assert away.json()["status"] == "away"
    stats = agent_api.get(
        f"/stores/{shop.pk}/service/stats", {"from": "2026-06-01", "to": "2026-06-01"}
    ).json()
    assert stats["from"] == "2026-06-01" and stats["target"] == 0.99


def test_transfer_by_api(conversation, agent_api, make_agent, api_for, shop):
    other = make_agent("agent_c")
    moved = agent_api.post(f"/conversations/{conversation.pk}/transfer", {"to_user_id": other.pk})
    assert moved.json()["agent_id"] == other.pk
    finance = api_for(_finance(shop))
    assert (
        finance.post(f"/conversations/{conversation.pk}/transfer", {"to_user_id": other.pk}).status_code
        == 404
    )


def _finance(shop):
    from xiaodian.accounts.models import User

    user = User.objects.create_user(username="finance_one", password="x" * 12)
    StoreStaff.objects.create(store=shop, user=user, role=Role.FINANCE)
    return user
