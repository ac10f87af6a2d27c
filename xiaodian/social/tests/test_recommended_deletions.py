"""Recommended deletions (DOMAIN.md "Social graph and private domain"): only when the list is
full, 5 at a time, only contacts who no longer have the user, each with its grey notes; no
manual trigger."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xiaodian.accounts import services as accounts
from xiaodian.accounts.models import ApiToken, User
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.social import rules, selectors, services
from xiaodian.social.models import Contact


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(rules, "CONTACTS_MAX", 8)
    return 8


@pytest.fixture
def owner(make_user):
    return make_user("owner")


def fill(owner, make_user, befriend, n):
    others = [make_user() for _ in range(n)]
    for other in others:
        befriend(other, owner)
        clock.advance(timedelta(minutes=1))
    return others


def ids(found):
    return [r.contact.other_id for r in found]


def test_nothing_is_recommended_below_the_limit(owner, make_user, befriend, small_limit):
    others = fill(owner, make_user, befriend, small_limit - 1)
    for other in others:
        services.delete_contact(owner=other, other_id=owner.pk)  # all one-way
    assert selectors.recommended_deletions(owner.pk) == []


def test_when_full_only_one_way_contacts_five_at_a_time(owner, make_user, befriend, small_limit):
    others = fill(owner, make_user, befriend, small_limit)
    assert selectors.recommended_deletions(owner.pk) == []  # full, but everyone still has owner
    gone = others[:7]
    for other in gone:
        services.delete_contact(owner=other, other_id=owner.pk)
    first = selectors.recommended_deletions(owner.pk)
    assert ids(first) == [o.pk for o in gone[:5]]  # least recently in touch first
    assert others[7].pk not in ids(first)  # mutual: never recommended
    services.delete_contact(owner=owner, other_id=gone[0].pk)
    assert selectors.recommended_deletions(owner.pk) == []  # no longer full
    assert services.send_contact_request(sender=owner, recipient_id=make_user().pk).state == "pending"


def test_the_least_recently_in_touch_come_first(owner, make_user, befriend, small_limit):
    others = fill(owner, make_user, befriend, small_limit)
    for other in others:
        services.delete_contact(owner=other, other_id=owner.pk)
    services.note_chat(a_id=owner.pk, b_id=others[0].pk, at=clock.now())
    assert others[0].pk not in ids(selectors.recommended_deletions(owner.pk))


def notes(owner, other):
    found = {r.contact.other_id: r for r in selectors.recommended_deletions(owner.pk)}
    return {n.code: n.text for n in found[other.pk].notes}


def test_grey_notes_say_exactly_what_holds(owner, make_user, befriend, small_limit):
    others = fill(owner, make_user, befriend, small_limit)
    quiet, chatty, active, token_user = others[:4]
    for other in others[:4]:
        services.delete_contact(owner=other, other_id=owner.pk)
    # Right after: nobody is inactive, nobody out of touch, no chat history for anyone.
    fresh = notes(owner, quiet)
    assert set(fresh) == {"added", "no_chat_history"}
    assert "对方通过搜索添加你" in fresh["added"]  # quiet asked, owner accepted
    assert clock.now().astimezone(clock.SHANGHAI).date().isoformat() in fresh["added"]

    clock.advance(rules.INACTIVE_AFTER - timedelta(days=1))
    services.note_chat(a_id=owner.pk, b_id=chatty.pk, at=clock.now())
    User.objects.filter(pk=active.pk).update(last_login=clock.now())
    accounts.issue_token(user=token_user, name="app")
    ApiToken.objects.filter(user=token_user).update(last_used_at=clock.now())
    assert set(notes(owner, quiet)) == {"added", "no_chat_history"}  # a day short of both
    clock.advance(timedelta(days=1))
    assert set(notes(owner, quiet)) == {"stopped_using", "no_contact", "added", "no_chat_history"}
    assert set(notes(owner, chatty)) == {"stopped_using", "added"}  # chatted a day ago
    assert set(notes(owner, active)) == {"no_contact", "added", "no_chat_history"}  # signed in
    assert set(notes(owner, token_user)) == {"no_contact", "added", "no_chat_history"}  # used the API


def test_the_endpoint_answers_them_only_when_full(api_for, owner, make_user, befriend, small_limit):
    others = fill(owner, make_user, befriend, small_limit)
    services.delete_contact(owner=others[2], other_id=owner.pk)
    found = api_for(owner).get("/contacts/recommended-deletions").json()
    assert found["full"] is True and found["count"] == 1
    assert found["items"][0]["contact"]["user"]["id"] == others[2].pk
    assert {n["code"] for n in found["items"][0]["notes"]} == {"added", "no_chat_history"}


def test_at_ten_thousand_the_list_is_full(owner, make_user, django_assert_max_num_queries):
    """The real limit: 10,000 edges (laid down in bulk as setup), of which some are one-way."""
    stamp = timezone.now()
    User.objects.bulk_create(
        User(username=f"crowd{n}", password="!", date_joined=stamp) for n in range(rules.CONTACTS_MAX)
    )
    crowd = list(
        User.objects.filter(username__startswith="crowd").order_by("pk").values_list("pk", flat=True)
    )
    Contact.objects.bulk_create(
        Contact(owner=owner, other_id=pk, added_at=clock.now(), source="search") for pk in crowd
    )
    Contact.objects.bulk_create(
        Contact(owner_id=pk, other=owner, added_at=clock.now(), source="search", added_by_owner=False)
        for pk in crowd[10:]
    )
    with django_assert_max_num_queries(3):
        found = selectors.recommended_deletions(owner.pk)
    assert ids(found) == crowd[:5]
    with pytest.raises(DomainError) as refused:
        services.send_contact_request(sender=owner, recipient_id=make_user().pk)
    assert refused.value.code == "contact_limit_reached"
    newcomer = make_user()
    asked = services.send_contact_request(sender=newcomer, recipient_id=owner.pk)
    with pytest.raises(DomainError):
        services.accept_contact_request(user=owner, request_id=asked.pk)
    services.delete_contact(owner=owner, other_id=crowd[0])
    assert selectors.recommended_deletions(owner.pk) == []
    services.accept_contact_request(user=owner, request_id=asked.pk)
    assert Contact.objects.filter(owner=owner).count() == rules.CONTACTS_MAX
