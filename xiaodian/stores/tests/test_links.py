"""Linked accounts (DOMAIN.md "Touchpoints"): the store invites, the account's owner consents."""

from datetime import timedelta

import pytest

from xiaodian.accounts.rules import Role
from xiaodian.content import services as content
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.stores import selectors, services
from xiaodian.stores.models import Store, StoreLink
from xiaodian.stores.rules import LINK_INVITE_TTL, LinkKind, LinkState


@pytest.fixture
def creator(make_user):
    return make_user("creator")


@pytest.fixture
def official(creator):
    return content.create_official_account(owner=creator, name="山野日记")


@pytest.fixture
def video_account(creator):
    return content.create_video_account(owner=creator, name="山野视频")


@pytest.fixture
def program(creator):
    return content.create_mini_program(
        owner=creator, name="山野商城", app_id="wx0123456789abcdef", mall_path="/pages/mall"
    )


def invite(store, merchant, kind, account):
    return services.invite_link(store=store, user=merchant, kind=kind, account_id=account.pk)


def test_a_merchant_cannot_bind_an_account_it_does_not_own_without_consent(store, merchant, official):
    link = invite(store, merchant, LinkKind.OFFICIAL_ACCOUNT, official)
    assert link.state == LinkState.INVITED
    assert selectors.bound_account_ids(store, LinkKind.OFFICIAL_ACCOUNT) == []
    assert list(selectors.bound_stores(LinkKind.OFFICIAL_ACCOUNT, official.pk)) == []
    # The merchant cannot answer its own invitation: only the account's owner can.
    with pytest.raises(DomainError) as refused:
        services.accept_link(user=merchant, link_id=link.pk)
    assert refused.value.code == "not_found"
    link.refresh_from_db()
    assert link.state == LinkState.INVITED


def test_the_owner_accepts_and_the_profile_shows_the_store(store, merchant, creator, official):
    link = invite(store, merchant, LinkKind.OFFICIAL_ACCOUNT, official)
    accepted = services.accept_link(user=creator, link_id=link.pk)
    assert accepted.state == LinkState.BOUND
    assert selectors.bound_account_ids(store, LinkKind.OFFICIAL_ACCOUNT) == [official.pk]
    assert list(selectors.bound_stores(LinkKind.OFFICIAL_ACCOUNT, official.pk)) == [store]
    with pytest.raises(DomainError) as again:
        services.accept_link(user=creator, link_id=link.pk)
    assert again.value.code == "invalid_transition"


def test_an_owner_linking_their_own_account_has_consented(store, merchant):
    own = content.create_video_account(owner=merchant, name="拾光视频")
    link = invite(store, merchant, LinkKind.VIDEO_ACCOUNT, own)
    assert link.state == LinkState.BOUND
    assert selectors.bound_account_ids(store, LinkKind.VIDEO_ACCOUNT) == [own.pk]


def test_rejected_invitations_bind_nothing_and_may_be_sent_again(store, merchant, creator, program):
    link = invite(store, merchant, LinkKind.MINI_PROGRAM, program)
    assert services.reject_link(user=creator, link_id=link.pk).state == LinkState.REJECTED
    assert selectors.bound_account_ids(store, LinkKind.MINI_PROGRAM) == []
    again = invite(store, merchant, LinkKind.MINI_PROGRAM, program)
    assert again.state == LinkState.INVITED


def test_one_open_link_per_account(store, merchant, official):
    invite(store, merchant, LinkKind.OFFICIAL_ACCOUNT, official)
    with pytest.raises(DomainError) as twice:
        invite(store, merchant, LinkKind.OFFICIAL_ACCOUNT, official)
    assert twice.value.code == "link_exists"


def test_invitations_expire_after_seven_days(store, merchant, creator, official):
    with clock.travel_to(clock.now()):
        link = invite(store, merchant, LinkKind.OFFICIAL_ACCOUNT, official)
        clock.advance(LINK_INVITE_TTL)
        with pytest.raises(DomainError) as late:
            services.accept_link(user=creator, link_id=link.pk)
    assert late.value.code == "link_expired"
    link.refresh_from_db()
    assert link.state == LinkState.EXPIRED


def test_an_invitation_answered_a_second_before_its_deadline_binds(store, merchant, creator, official):
    with clock.travel_to(clock.now()):
        link = invite(store, merchant, LinkKind.OFFICIAL_ACCOUNT, official)
        clock.advance(LINK_INVITE_TTL - timedelta(seconds=1))
        assert services.accept_link(user=creator, link_id=link.pk).state == LinkState.BOUND


def test_the_scheduled_expiry_marks_unanswered_invitations_only(store, merchant, creator, official, program):
    with clock.travel_to(clock.now()):
        waiting = invite(store, merchant, LinkKind.OFFICIAL_ACCOUNT, official)
        answered = invite(store, merchant, LinkKind.MINI_PROGRAM, program)
        services.accept_link(user=creator, link_id=answered.pk)
        assert services.expire_link_invitation(waiting.pk) is False  # not due yet
        clock.advance(LINK_INVITE_TTL)
        assert services.expire_link_invitation(waiting.pk) is True
        assert services.expire_link_invitation(answered.pk) is False
    assert StoreLink.objects.get(pk=waiting.pk).state == LinkState.EXPIRED
    assert StoreLink.objects.get(pk=answered.pk).state == LinkState.BOUND


def test_five_links_of_each_kind_counting_open_invitations(store, merchant, make_user):
    accounts = [content.create_official_account(owner=make_user(), name=f"号{n}") for n in range(6)]
    for account in accounts[:5]:
        invite(store, merchant, LinkKind.OFFICIAL_ACCOUNT, account)
    with pytest.raises(DomainError) as sixth:
        invite(store, merchant, LinkKind.OFFICIAL_ACCOUNT, accounts[5])
    assert sixth.value.code == "link_limit_reached"
    # Another kind has its own five.
    video = content.create_video_account(owner=make_user(), name="另一个视频号")
    assert invite(store, merchant, LinkKind.VIDEO_ACCOUNT, video).state == LinkState.INVITED
    # An expired or rejected invitation frees its place.
    StoreLink.objects.filter(official_account=accounts[0]).update(expires_at=clock.now())
    assert invite(store, merchant, LinkKind.OFFICIAL_ACCOUNT, accounts[5]).state == LinkState.INVITED


def test_the_limit_is_a_live_platform_rule(store, merchant, make_user):
    rules_row = selectors.platform_rules()
    rules_row.links_per_kind = 1
    rules_row.save()
    invite(
        store,
        merchant,
        LinkKind.OFFICIAL_ACCOUNT,
        content.create_official_account(owner=make_user(), name="甲"),
    )
    with pytest.raises(DomainError) as second:
        invite(
            store,
            merchant,
            LinkKind.OFFICIAL_ACCOUNT,
            content.create_official_account(owner=make_user(), name="乙"),
        )
    assert second.value.code == "link_limit_reached"


def test_either_side_unbinds(store, merchant, creator, official, video_account):
    by_account = invite(store, merchant, LinkKind.OFFICIAL_ACCOUNT, official)
    services.accept_link(user=creator, link_id=by_account.pk)
    ended = services.unbind_link(user=creator, link_id=by_account.pk)
    assert (ended.state, ended.unbound_by) == (LinkState.UNBOUND, "account")

    by_store = invite(store, merchant, LinkKind.VIDEO_ACCOUNT, video_account)
    services.accept_link(user=creator, link_id=by_store.pk)
    ended = services.unbind_link(user=merchant, link_id=by_store.pk)
    assert (ended.state, ended.unbound_by) == (LinkState.UNBOUND, "store")
    assert list(selectors.bound_stores(LinkKind.VIDEO_ACCOUNT, video_account.pk)) == []
    with pytest.raises(DomainError) as twice:
        services.unbind_link(user=merchant, link_id=by_store.pk)
    assert twice.value.code == "invalid_transition"


def test_strangers_and_staff_without_the_permission_cannot_unbind(
    store, merchant, creator, official, make_user
):
    link = invite(store, merchant, LinkKind.OFFICIAL_ACCOUNT, official)
    services.accept_link(user=creator, link_id=link.pk)
    stranger = make_user()
    with pytest.raises(DomainError) as foreign:
        services.unbind_link(user=stranger, link_id=link.pk)
    assert foreign.value.code == "not_found"
    operator_staff = make_user()
    services.add_staff(store=store, user_id=operator_staff.pk, role=Role.OPERATOR)
    with pytest.raises(DomainError) as denied:
        services.unbind_link(user=operator_staff, link_id=link.pk)
    assert denied.value.code == "permission_denied"
    assert StoreLink.objects.get(pk=link.pk).state == LinkState.BOUND


def test_unknown_accounts_are_not_found(store, merchant):
    with pytest.raises(DomainError) as missing:
        services.invite_link(store=store, user=merchant, kind=LinkKind.VIDEO_ACCOUNT, account_id=999_999)
    assert missing.value.code == "not_found"


# --------------------------------------------------------------------------------------- API


def test_api_invite_accept_and_list(api, api_for, store, creator, official):
    invited = api.post(f"/stores/{store.pk}/links", {"kind": "official_account", "account_id": official.pk})
    assert invited.status_code == 201, invited.content
    body = invited.json()
    assert (body["state"], body["account_name"], body["store_name"]) == ("invited", "山野日记", store.name)

    as_creator = api_for(creator)
    waiting = as_creator.get("/links", {"state": "invited"}).json()
    assert [item["id"] for item in waiting["items"]] == [body["id"]]
    accepted = as_creator.post(f"/links/{body['id']}/accept")
    assert accepted.status_code == 200 and accepted.json()["state"] == "bound"

    listed = api.get(f"/stores/{store.pk}/links", {"kind": "official_account"}).json()
    assert [(item["id"], item["state"]) for item in listed["items"]] == [(body["id"], "bound")]
    assert api.get(f"/stores/{store.pk}/links", {"kind": "mini_program"}).json()["items"] == []


def test_api_merchant_cannot_accept_for_the_account(api, store, official):
    link = api.post(
        f"/stores/{store.pk}/links", {"kind": "official_account", "account_id": official.pk}
    ).json()
    refused = api.post(f"/links/{link['id']}/accept")
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"


def test_api_bad_input_is_a_clear_4xx(api, store, official):
    wrong_kind = api.post(f"/stores/{store.pk}/links", {"kind": "moments", "account_id": official.pk})
    assert wrong_kind.status_code == 422
    assert wrong_kind.json()["code"] == "validation_error"
    api.post(f"/stores/{store.pk}/links", {"kind": "official_account", "account_id": official.pk})
    twice = api.post(f"/stores/{store.pk}/links", {"kind": "official_account", "account_id": official.pk})
    assert (twice.status_code, twice.json()["code"]) == (409, "link_exists")
    assert StoreLink.objects.count() == 1


def test_an_overdue_invitation_reads_as_expired_before_the_task_marks_it(api, store, official):
    with clock.travel_to(clock.now()):
        link = api.post(
            f"/stores/{store.pk}/links", {"kind": "official_account", "account_id": official.pk}
        ).json()
        clock.advance(LINK_INVITE_TTL)
        listed = api.get(f"/stores/{store.pk}/links").json()["items"]
    assert [(item["id"], item["state"]) for item in listed] == [(link["id"], "expired")]
    assert StoreLink.objects.get(pk=link["id"]).state == LinkState.INVITED  # reading writes nothing


def test_a_closed_store_cannot_be_accepted(store, merchant, creator, official):
    link = invite(store, merchant, LinkKind.OFFICIAL_ACCOUNT, official)
    Store.objects.filter(pk=store.pk).update(state="closed")
    with pytest.raises(DomainError) as refused:
        services.accept_link(user=creator, link_id=link.pk)
    assert refused.value.code == "store_not_open"
    assert StoreLink.objects.get(pk=link.pk).state == LinkState.INVITED


def test_the_owner_unbinding_an_invitation_rejects_it(store, merchant, creator, official):
    link = invite(store, merchant, LinkKind.OFFICIAL_ACCOUNT, official)
    assert services.unbind_link(user=creator, link_id=link.pk).state == LinkState.REJECTED
