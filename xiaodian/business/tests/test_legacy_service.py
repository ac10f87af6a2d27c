"""The legacy customer service switches the workbench off (docs/business.md "The legacy customer
service and its upgrade"): until its owner upgrades customer service, a legacy video store opens no
workbench session (409 `service_legacy_mode`); 联系客服 on its product, homepage and order pages
leads to the buyer's business chat or to the consent page; the order page links the consent page.
After the upgrade 联系客服 opens the workbench as anywhere else."""

import re

import pytest
from django.urls import reverse

from xiaodian.business import services
from xiaodian.chats import services as chats
from xiaodian.chats.models import Message
from xiaodian.core.errors import DomainError
from xiaodian.service import services as service
from xiaodian.service.models import Conversation

pytestmark = pytest.mark.django_db


def contact_forms(page) -> list[str]:
    """The 联系客服 forms of a page (each posts to service:contact)."""
    return re.findall(r'<form[^>]*id="contact-service".*?</form>', page.content.decode(), re.S)


def test_a_legacy_store_opens_no_workbench_session(buyer, legacy_store, agent, staff_of):
    staff_of(legacy_store, agent)
    with pytest.raises(DomainError) as caught:
        service.open_conversation(buyer=buyer, store_id=legacy_store.pk)
    assert (caught.value.code, caught.value.status) == ("service_legacy_mode", 409)
    with pytest.raises(DomainError) as caught:
        service.start_conversation(agent=agent, store=legacy_store, buyer_id=buyer.pk)
    assert caught.value.code == "service_legacy_mode"
    assert not Conversation.objects.exists()


def test_opening_a_session_over_the_api_answers_409_until_the_upgrade(api_for, buyer, legacy_store, merchant):
    refused = api_for(buyer).post(f"/stores/{legacy_store.pk}/conversations")
    assert (refused.status_code, refused.json()["code"]) == (409, "service_legacy_mode")
    assert not Conversation.objects.exists()
    services.upgrade_service(user=merchant, store=legacy_store, mode="workbench")
    opened = api_for(buyer).post(f"/stores/{legacy_store.pk}/conversations")
    assert opened.status_code == 201 and opened.json()["mode"] == "workbench"


def test_an_ordinary_store_and_the_store_upgrade_alone_change_nothing(api_for, buyer, store, legacy_store):
    assert api_for(buyer).post(f"/stores/{store.pk}/conversations").status_code == 201
    # the store's own upgrade is not the customer-service upgrade: still legacy
    from xiaodian.stores import services as stores

    stores.upgrade_store(store=legacy_store)
    assert legacy_store.upgraded_at is not None
    refused = api_for(buyer).post(f"/stores/{legacy_store.pk}/conversations")
    assert refused.json()["code"] == "service_legacy_mode"


@pytest.mark.parametrize("where", ["product", "shop", "order"])
def test_contact_on_every_page_of_a_legacy_store_leads_to_the_consent_page_then_the_chat(
    client, where, buyer, legacy_store, legacy_sku, agent, staff_of, place
):
    order = place(legacy_sku, 1)
    client.force_login(buyer)
    page = client.get(
        {
            "product": reverse("catalog:product", args=[legacy_sku.product_id]),
            "shop": reverse("stores:shop", args=[legacy_store.pk]),
            "order": reverse("orders:order_detail", args=[order.pk]),
        }[where]
    )
    (form,) = contact_forms(page)
    fields = dict(re.findall(r'name="(store_id|product_id|order_id)" value="(\d+)"', form))
    consent_url = reverse("business:consent", args=[legacy_store.pk])

    # no consent yet: the page that says the store serves through business contacts, and the switch
    went = client.post(reverse("service:contact"), fields)
    assert went.status_code == 302 and went.url == consent_url
    explained = client.get(consent_url).content.decode()
    assert 'id="legacy-service"' in explained and 'id="consent-give"' in explained
    client.post(consent_url, {"action": "give"})
    # consented, not added yet: the same page says so
    assert client.post(reverse("service:contact"), fields).url == consent_url
    assert 'id="legacy-service-waiting"' in client.get(consent_url).content.decode()

    # a staff member adds them: 联系客服 opens that business chat, and the buyer writes first
    staff_of(legacy_store, agent)
    contact, _ = services.invite_contact(staff=agent, store=legacy_store, buyer_id=buyer.pk)
    chat_url = reverse("chats:conversation", args=[contact.conversation_id])
    assert client.post(reverse("service:contact"), fields).url == chat_url
    assert 'id="legacy-service-chat"' in client.get(consent_url).content.decode()
    assert client.get(chat_url).status_code == 200
    sent, _ = chats.send_message(
        user=buyer, conversation_id=contact.conversation_id, kind="text", text="请问什么时候发货？"
    )
    assert (
        sent.sender_id == buyer.pk
        and Message.objects.filter(conversation_id=contact.conversation_id).count() == 1
    )
    assert not Conversation.objects.exists()  # no workbench session anywhere on the way

    # withdrawn: back to the consent page
    client.post(consent_url, {"action": "withdraw"})
    assert client.post(reverse("service:contact"), fields).url == consent_url


def test_after_the_upgrade_contact_opens_the_workbench(client, buyer, legacy_store, legacy_contact, merchant):
    services.upgrade_service(user=merchant, store=legacy_store, mode="workbench")
    client.force_login(buyer)
    went = client.post(reverse("service:contact"), {"store_id": legacy_store.pk})
    conversation = Conversation.objects.get(buyer=buyer, store=legacy_store)
    assert conversation.mode == "workbench"
    assert went.url == reverse("service:chat", args=[conversation.pk])


def test_the_order_page_links_the_consent_page_of_a_legacy_store_only(
    client, buyer, legacy_store, legacy_sku, sku, merchant, place
):
    legacy_order, other_order = place(legacy_sku, 1), place(sku, 1)
    client.force_login(buyer)
    consent_url = reverse("business:consent", args=[legacy_store.pk])
    page = client.get(reverse("orders:order_detail", args=[legacy_order.pk])).content.decode()
    assert f'href="{consent_url}" class="meta" id="business-consent-link"' in page
    other = client.get(reverse("orders:order_detail", args=[other_order.pk])).content.decode()
    assert 'id="business-consent-link"' not in other
    # the store's staff see no such link on the same order
    client.force_login(merchant)
    staff_page = client.get(reverse("orders:order_detail", args=[legacy_order.pk])).content.decode()
    assert 'id="business-consent-link"' not in staff_page
    # after the customer-service upgrade the store is an ordinary one here too
    services.upgrade_service(user=merchant, store=legacy_store, mode="workbench")
    client.force_login(buyer)
    page = client.get(reverse("orders:order_detail", args=[legacy_order.pk])).content.decode()
    assert 'id="business-consent-link"' not in page
