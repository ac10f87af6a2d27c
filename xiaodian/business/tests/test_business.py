"""Business contacts (DOMAIN.md "Social graph and private domain"; docs/business.md): consent,
inviting, the staff gate, the verified subject on every staff message, and scene 13."""

from datetime import timedelta

import pytest

from xiaodian.accounts import services as accounts
from xiaodian.accounts.rules import Verification
from xiaodian.business import services
from xiaodian.business.models import Consent, Contact
from xiaodian.chats import services as chats
from xiaodian.chats.models import Message
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.service import services as service


def _code(call) -> str:
    with pytest.raises(DomainError) as refused:
        call()
    return refused.value.code


def _say(user, contact, text="您好"):
    return chats.send_message(user=user, conversation_id=contact.conversation_id, text=text)[0]


# -- consent ----------------------------------------------------------------------------------


def test_consent_is_given_withdrawn_and_given_again(buyer, store):
    consent, changed = services.give_consent(buyer=buyer, store_id=store.pk)
    assert changed and consent.active
    assert services.give_consent(buyer=buyer, store_id=store.pk) == (consent, False)
    withdrawn = services.withdraw_consent(buyer=buyer, store_id=store.pk)
    assert withdrawn.withdrawn_at is not None
    again, changed = services.give_consent(buyer=buyer, store_id=store.pk)
    assert changed and again.active and Consent.objects.count() == 1


def test_consent_needs_an_open_store_and_withdrawing_needs_one_given(
    buyer, make_user, make_store, make_subject
):
    owner = make_user("pending_owner")
    opening = make_store(owner, make_subject(owner, verified=False), name="未开业")
    assert _code(lambda: services.give_consent(buyer=buyer, store_id=opening.pk)) == "not_found"
    assert _code(lambda: services.withdraw_consent(buyer=buyer, store_id=opening.pk)) == "not_found"


# -- inviting ---------------------------------------------------------------------------------


def test_staff_invite_only_a_buyer_who_consented(buyer, store, agent, staff_of):
    staff_of(store, agent)
    assert _code(lambda: services.invite_contact(staff=agent, store=store, buyer_id=buyer.pk)) == (
        "business_no_consent"
    )
    services.give_consent(buyer=buyer, store_id=store.pk)
    contact, created = services.invite_contact(staff=agent, store=store, buyer_id=buyer.pk)
    assert created and contact.conversation.kind == "business"
    assert services.invite_contact(staff=agent, store=store, buyer_id=buyer.pk) == (contact, False)


def test_staff_without_customer_service_cannot_invite(buyer, store, make_user, staff_of):
    finance = staff_of(store, make_user("finance"), role="finance")
    services.give_consent(buyer=buyer, store_id=store.pk)
    assert _code(lambda: services.invite_contact(staff=finance, store=store, buyer_id=buyer.pk)) == (
        "permission_denied"
    )


# -- messages ---------------------------------------------------------------------------------


def test_every_staff_message_carries_the_verified_subject(legacy_contact, agent, buyer, subject):
    first = _say(agent, legacy_contact)  # the legacy customer service writes first
    reply = _say(buyer, legacy_contact, "在的")
    second = _say(agent, legacy_contact, "今天有新品")
    assert first.sender_subject == second.sender_subject == subject.name
    assert reply.sender_subject == ""  # the buyer's own


def test_staff_cannot_message_after_the_buyer_withdraws(legacy_contact, agent, buyer, legacy_store):
    _say(agent, legacy_contact)
    services.withdraw_consent(buyer=buyer, store_id=legacy_store.pk)
    assert _code(lambda: _say(agent, legacy_contact)) == "business_no_consent"
    assert Message.objects.filter(conversation_id=legacy_contact.conversation_id).count() == 1
    _say(buyer, legacy_contact, "我撤回了授权")  # the buyer may still write
    services.give_consent(buyer=buyer, store_id=legacy_store.pk)
    _say(agent, legacy_contact, "欢迎回来")


def test_a_staff_member_who_left_the_store_cannot_message(legacy_contact, agent, merchant, legacy_store):
    from xiaodian.stores import access
    from xiaodian.stores import services as stores
    from xiaodian.stores.models import StoreStaff

    managed = access.store_for(merchant, legacy_store.pk, "manage_staff")
    stores.remove_staff(store=managed, staff_id=StoreStaff.objects.get(store=legacy_store, user=agent).pk)
    assert _code(lambda: _say(agent, legacy_contact)) == "permission_denied"


def test_an_unverified_subject_cannot_message(legacy_contact, agent, subject, operator):
    accounts.set_subject_verification(operator=operator, subject=subject, verification=Verification.REJECTED)
    assert _code(lambda: _say(agent, legacy_contact)) == "business_subject_unverified"


def test_an_ordinary_store_writes_first_only_to_buyers_who_consulted_or_ordered(
    buyer, store, agent, staff_of, sku, place
):
    staff_of(store, agent)
    services.give_consent(buyer=buyer, store_id=store.pk)
    contact = services.invite_contact(staff=agent, store=store, buyer_id=buyer.pk)[0]
    assert _code(lambda: _say(agent, contact)) == "cold_outreach"
    _say(buyer, contact, "请问有货吗")  # the buyer wrote: a reply is not cold outreach
    assert _say(agent, contact, "有的").sender_subject


def test_an_ordinary_store_may_write_first_to_a_buyer_who_ordered(buyer, store, agent, staff_of, sku, place):
    staff_of(store, agent)
    place(sku, 1)
    services.give_consent(buyer=buyer, store_id=store.pk)
    contact = services.invite_contact(staff=agent, store=store, buyer_id=buyer.pk)[0]
    assert _say(agent, contact).sender_subject


def test_someone_outside_the_chat_cannot_write_in_it(legacy_contact, make_user):
    stranger = make_user("stranger")
    assert _code(lambda: _say(stranger, legacy_contact)) == "not_found"


# -- the shares' membership check --------------------------------------------------------------


def test_a_business_chat_share_verifies_only_for_its_buyer_since_the_contact(legacy_contact, buyer, agent):
    from xiaodian.business.selectors import is_chat_buyer

    later = clock.now() + timedelta(minutes=1)
    assert is_chat_buyer(legacy_contact.conversation_id, buyer.pk, later)
    assert not is_chat_buyer(legacy_contact.conversation_id, agent.pk, later)
    assert not is_chat_buyer(
        legacy_contact.conversation_id, buyer.pk, legacy_contact.created_at - timedelta(1)
    )


# -- the legacy customer service and its upgrade ------------------------------------------------


def test_the_store_upgrade_alone_keeps_the_legacy_customer_service(legacy_contact, legacy_store, agent):
    from xiaodian.business.selectors import service_mode
    from xiaodian.stores import services as stores

    stores.upgrade_store(store=legacy_store)
    assert service_mode(legacy_store) == "legacy"
    _say(agent, legacy_contact)  # still writes first


def test_only_the_owner_upgrades_customer_service_and_only_once(
    legacy_store, agent, staff_of, merchant, store
):
    staff_of(legacy_store, agent, role="admin")
    assert _code(lambda: services.upgrade_service(user=agent, store=legacy_store, mode="workbench")) == (
        "permission_denied"
    )
    assert _code(lambda: services.upgrade_service(user=merchant, store=store, mode="workbench")) == (
        "service_upgrade_not_legacy"
    )
    assert _code(lambda: services.upgrade_service(user=merchant, store=legacy_store, mode="legacy")) == (
        "validation_error"
    )
    services.upgrade_service(user=merchant, store=legacy_store, mode="workbench")
    assert _code(lambda: services.upgrade_service(user=merchant, store=legacy_store, mode="workbench")) == (
        "service_already_upgraded"
    )


def test_after_the_upgrade_proactive_messages_end_and_the_old_history_is_not_shown(
    legacy_contact, legacy_store, agent, buyer, merchant
):
    from xiaodian.business.selectors import service_mode, store_contacts
    from xiaodian.chats.selectors import my_conversations

    _say(agent, legacy_contact, "旧客服的消息")
    services.upgrade_service(user=merchant, store=legacy_store, mode="workbench")
    assert service_mode(legacy_store) == "workbench"
    # the legacy chat is over: the staff left it, the buyer keeps their copy and cannot write in it
    assert _code(lambda: _say(agent, legacy_contact)) == "not_found"
    assert _code(lambda: _say(buyer, legacy_contact)) == "business_chat_closed"
    assert store_contacts(legacy_store)[1] == 0
    assert [r.id for r in my_conversations(agent)[0]] == []
    assert legacy_contact.conversation_id in [r.id for r in my_conversations(buyer)[0]]
    # a new contact starts with no history, and the staff may no longer write first
    contact, created = services.invite_contact(staff=agent, store=legacy_store, buyer_id=buyer.pk)
    assert created and contact.conversation_id != legacy_contact.conversation_id and not contact.legacy
    assert not Message.objects.filter(conversation_id=contact.conversation_id).exists()
    assert _code(lambda: _say(agent, contact)) == "business_proactive_ended"
    _say(buyer, contact, "还在吗")
    assert _say(agent, contact, "在的").sender_subject  # answering is not proactive
    assert Contact.objects.filter(store=legacy_store, closed_at__isnull=False).count() == 1


def test_upgrading_to_self_built_answers_the_signing_secret_once(legacy_store, merchant, settings):
    settings.XIAODIAN_WEBHOOK_ALLOW_LOOPBACK_HTTP = True
    upgrade, secret = services.upgrade_service(
        user=merchant, store=legacy_store, mode="self_built", webhook_url="http://127.0.0.1:9/hook"
    )
    assert upgrade.mode == "self_built" and secret and len(secret) == 64
    assert service.settings_for(legacy_store.pk).mode == "self_built"


def test_self_built_needs_an_endpoint_and_a_refused_upgrade_changes_nothing(legacy_store, merchant):
    from xiaodian.business.models import ServiceUpgrade

    assert _code(lambda: services.upgrade_service(user=merchant, store=legacy_store, mode="self_built")) == (
        "validation_error"
    )
    assert not ServiceUpgrade.objects.exists()


def test_the_contact_lists_cost_a_fixed_number_of_queries(
    legacy_store, agent, staff_of, make_user, django_assert_max_num_queries
):
    from xiaodian.business.selectors import buyer_consents, buyer_contacts, consenting_buyers, store_contacts

    staff_of(legacy_store, agent)
    buyers = [make_user(f"b{n}") for n in range(4)]
    for buyer in buyers:
        services.give_consent(buyer=buyer, store_id=legacy_store.pk)
    for buyer in buyers[:3]:
        services.invite_contact(staff=agent, store=legacy_store, buyer_id=buyer.pk)
    with django_assert_max_num_queries(2):
        rows, count = store_contacts(legacy_store)
        assert count == 3 and [str(r.buyer) for r in rows] and all(r.consenting for r in rows)
    with django_assert_max_num_queries(1):
        assert [c.buyer_id for c in consenting_buyers(legacy_store, agent)] == [buyers[3].pk]
    with django_assert_max_num_queries(2):
        assert [c.store.subject.name for c in buyer_contacts(buyers[0])]
        assert [c.store.name for c in buyer_consents(buyers[0])]
