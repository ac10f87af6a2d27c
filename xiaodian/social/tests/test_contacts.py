"""Contacts: DOMAIN.md "Social graph and private domain" (directed edges, acceptance, one-way
deletion, the 10,000 limit)."""

from datetime import timedelta

import pytest

from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.social import rules, selectors, services
from xiaodian.social.models import Contact
from xiaodian.social.rules import RequestState


def test_adding_needs_the_others_acceptance(make_user):
    a, b = make_user(), make_user()
    request = services.send_contact_request(sender=a, recipient_id=b.pk, source="qr", greeting="你好")
    assert request.state == RequestState.PENDING
    assert not selectors.has_contact(a.pk, b.pk) and not selectors.has_contact(b.pk, a.pk)
    services.accept_contact_request(user=b, request_id=request.pk)
    assert selectors.has_contact(a.pk, b.pk) and selectors.has_contact(b.pk, a.pk)
    assert selectors.is_mutual(a.pk, b.pk) and selectors.is_mutual(b.pk, a.pk)
    mine, theirs = Contact.objects.get(owner=a), Contact.objects.get(owner=b)
    assert (mine.source, mine.added_by_owner) == ("qr", True)
    assert (theirs.source, theirs.added_by_owner) == ("qr", False)


def test_declining_creates_no_edge_and_the_sender_may_ask_again(make_user):
    a, b = make_user(), make_user()
    request = services.send_contact_request(sender=a, recipient_id=b.pk)
    services.decline_contact_request(user=b, request_id=request.pk)
    assert not Contact.objects.exists()
    with pytest.raises(DomainError) as refused:
        services.accept_contact_request(user=b, request_id=request.pk)
    assert refused.value.code == "invalid_transition"
    again = services.send_contact_request(sender=a, recipient_id=b.pk)
    assert again.pk != request.pk and again.state == RequestState.PENDING


def test_only_the_recipient_may_answer_a_request(make_user):
    a, b, c = make_user(), make_user(), make_user()
    request = services.send_contact_request(sender=a, recipient_id=b.pk)
    for user in (a, c):
        with pytest.raises(DomainError) as refused:
            services.accept_contact_request(user=user, request_id=request.pk)
        assert refused.value.code == "not_found"
    assert not Contact.objects.exists()


def test_sending_twice_answers_the_pending_request_and_crossing_requests_accept(make_user):
    a, b = make_user(), make_user()
    first = services.send_contact_request(sender=a, recipient_id=b.pk)
    assert services.send_contact_request(sender=a, recipient_id=b.pk).pk == first.pk
    crossing = services.send_contact_request(sender=b, recipient_id=a.pk)
    assert crossing.pk == first.pk and crossing.state == RequestState.ACCEPTED
    assert selectors.is_mutual(a.pk, b.pk)


def test_adding_oneself_or_someone_one_has_is_refused(make_user, befriend):
    a, b = make_user(), make_user()
    with pytest.raises(DomainError) as refused:
        services.send_contact_request(sender=a, recipient_id=a.pk)
    assert refused.value.code == "validation_error"
    befriend(a, b)
    with pytest.raises(DomainError) as refused:
        services.send_contact_request(sender=a, recipient_id=b.pk)
    assert refused.value.code == "contact_exists"


def test_deleting_removes_only_the_deleters_edge(make_user, befriend):
    a, b = make_user(), make_user()
    befriend(a, b)
    services.delete_contact(owner=a, other_id=b.pk)
    assert not selectors.has_contact(a.pk, b.pk)
    assert selectors.has_contact(b.pk, a.pk)  # b still has a: one-way
    assert not selectors.is_mutual(a.pk, b.pk)
    with pytest.raises(DomainError) as refused:
        services.delete_contact(owner=a, other_id=b.pk)
    assert refused.value.code == "not_found"


def test_re_adding_after_a_deletion_creates_only_the_missing_edge(make_user, befriend):
    a, b = make_user(), make_user()
    befriend(a, b)
    kept = Contact.objects.get(owner=b, other=a)
    services.delete_contact(owner=a, other_id=b.pk)
    befriend(a, b)
    assert selectors.is_mutual(a.pk, b.pk)
    assert Contact.objects.get(owner=b, other=a).added_at == kept.added_at  # b's edge untouched
    assert Contact.objects.count() == 2


def test_note_chat_records_the_last_chat_on_the_edges_that_exist(make_user, befriend):
    a, b = make_user(), make_user()
    befriend(a, b)
    services.delete_contact(owner=a, other_id=b.pk)
    at = clock.now()
    services.note_chat(a_id=a.pk, b_id=b.pk, at=at)
    assert Contact.objects.get(owner=b, other=a).last_chat_at == at
    services.note_chat(a_id=b.pk, b_id=a.pk, at=at - timedelta(hours=1))  # never backwards
    assert Contact.objects.get(owner=b, other=a).last_chat_at == at
    assert Contact.objects.count() == 1


def test_the_contact_limit_holds_for_sender_and_recipient(make_user, monkeypatch):
    monkeypatch.setattr(rules, "CONTACTS_MAX", 2)
    a, b, c, d = make_user(), make_user(), make_user(), make_user()
    to_d = services.send_contact_request(sender=a, recipient_id=d.pk)
    for other in (b, c):
        request = services.send_contact_request(sender=other, recipient_id=a.pk)
        services.accept_contact_request(user=a, request_id=request.pk)
    # a is full: a cannot ask, nobody's acceptance can give a a third contact
    with pytest.raises(DomainError) as refused:
        services.send_contact_request(sender=a, recipient_id=make_user().pk)
    assert refused.value.code == "contact_limit_reached"
    with pytest.raises(DomainError) as refused:
        services.accept_contact_request(user=d, request_id=to_d.pk)
    assert refused.value.code == "contact_limit_reached"
    assert not Contact.objects.filter(owner__in=(a, d), other__in=(a, d)).exists()  # all or nothing
    assert Contact.objects.filter(owner=a).count() == 2


def test_the_limit_is_ten_thousand():
    assert rules.CONTACTS_MAX == 10_000


def test_search_follows_a_new_nickname(make_user, befriend):
    from xiaodian.accounts import services as accounts

    a, b = make_user(), make_user(display_name="老王")
    befriend(a, b)
    assert [c.other_id for c in selectors.contacts(a.pk, q="老王")] == [b.pk]
    accounts.update_profile(user=b, display_name="小张")
    assert list(selectors.contacts(a.pk, q="老王")) == []
    assert [c.other_id for c in selectors.contacts(a.pk, q="小张")] == [b.pk]
    items, count = selectors.contact_page(a.pk, q="小", limit=10)
    assert count == 1 and items[0].other.display_name == "小张"
