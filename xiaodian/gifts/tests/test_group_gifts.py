"""Group gifts (DOMAIN.md "Gifts"): the giver sets how many, who may draw and a message; members
draw once each; each winner accepts with an address; unclaimed gifts refund after 24 hours; the
draw is committed to before it starts and verifiable after it closes."""

import hashlib
from datetime import timedelta

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiaodian.chats import selectors as chat_selectors
from xiaodian.chats import services as chats
from xiaodian.chats.models import Message
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.gifts import draw, rules, selectors, services
from xiaodian.gifts.models import GiftDraw, GiftUnit
from xiaodian.gifts.rules import GiftState, SentFrom
from xiaodian.ledger import reconcile
from xiaodian.ledger import selectors as ledger
from xiaodian.ledger.models import OrderMoney
from xiaodian.ledger.tests.test_postings import assert_books_add_up
from xiaodian.orders import services as orders
from xiaodian.orders.models import Order
from xiaodian.orders.rules import Status
from xiaodian.orders.tests.conftest import ADDRESS
from xiaodian.payments.models import Refund, RefundStatus

from .conftest import drain

pytestmark = pytest.mark.django_db


def draw_in_turn(gift, people) -> list[int | None]:
    """Each draws in turn until the draw closes (every gift won); their outcomes."""
    outcomes: list[int | None] = []
    for person in people:
        gift.refresh_from_db()
        if gift.won_count == gift.count:
            with pytest.raises(DomainError) as closed:
                services.draw_gift(user=person, gift_id=gift.pk)
            assert closed.value.code == "gift_draw_closed"
            break
        outcomes.append(services.draw_gift(user=person, gift_id=gift.pk).unit_index)
    return outcomes


def test_a_group_gift_is_one_order_per_gift_paid_together_and_committed_to(send_group, pay, members, giver):
    gift = send_group(count=3, who=[*members, giver])  # the giver is left out of the draw
    assert gift.members_count == len(members)
    assert gift.commitment == hashlib.sha256(bytes.fromhex(gift.seed)).hexdigest()
    units = list(Order.objects.filter(gift_unit__gift=gift).order_by("pk"))
    assert len(units) == 3 and {o.checkout_id for o in units} == {gift.checkout_id}
    assert all(o.open_gift and o.recipient_id is None and o.total_fen == 9_900 for o in units)
    assert gift.checkout.total_fen == 3 * 9_900
    pay(gift)
    assert {o.status for o in Order.objects.filter(gift_unit__gift=gift)} == {Status.GIFT_PENDING}
    # an open gift nobody was named for is no one's order yet, not even the giver's to receive
    assert not Order.objects.filter(orders_received_filter(giver)).exists()


def orders_received_filter(user):
    from xiaodian.orders.selectors import received_by

    return received_by(user)


def test_the_group_gift_s_count_message_and_members_are_checked(send_group, giver, members):
    with pytest.raises(DomainError) as too_many:
        send_group(count=rules.GROUP_GIFTS_MAX + 1)
    assert too_many.value.field == "count"
    with pytest.raises(DomainError) as only_giver:
        send_group(who=[giver])
    assert only_giver.value.field == "member_ids"
    with pytest.raises(DomainError) as ghost:
        services.send_group_gift(
            giver=giver,
            sku_id=members[0].pk * 0 + 1,
            count=1,
            member_ids=[10**9],
            idempotency_key="x",
            sent_from=SentFrom.VIDEO_ACCOUNT,
        )
    assert ghost.value.code == "not_found"
    with pytest.raises(DomainError) as long:
        send_group(message="字" * (rules.MESSAGE_MAX + 1))
    assert long.value.field == "message"


def test_members_draw_once_each_and_the_winners_follow_from_the_seed(send_group, pay, members, make_user):
    gift = send_group(count=2)
    with pytest.raises(DomainError) as early:
        services.draw_gift(user=members[0], gift_id=gift.pk)
    assert early.value.code == "gift_draw_closed"  # not paid yet
    pay(gift)
    with pytest.raises(DomainError) as stranger:
        services.draw_gift(user=make_user(), gift_id=gift.pk)
    assert stranger.value.code == "not_found"
    services.draw_gift(user=members[0], gift_id=gift.pk)
    with pytest.raises(DomainError) as again:
        services.draw_gift(user=members[0], gift_id=gift.pk)
    assert again.value.code == "gift_already_drawn"
    outcomes = [GiftDraw.objects.get(gift=gift, user=members[0]).unit_index, *draw_in_turn(gift, members[1:])]
    drew = members[: len(outcomes)]
    expected = draw.assign(
        seed=gift.seed, gift_id=gift.pk, members=len(members), count=2, drawers=[m.pk for m in drew]
    )
    assert outcomes == expected
    assert sorted(i for i in outcomes if i is not None) == [0, 1]  # everyone drew: every gift won
    for member, index in zip(drew, outcomes, strict=True):
        unit = selectors.unit_of(gift, member)
        assert (unit.index if unit else None) == index
        if unit:
            assert Order.objects.get(pk=unit.order_id).recipient_id == member.pk


def test_the_seed_is_shown_only_after_the_draw_closes_and_then_verifies(send_group, pay, members):
    gift = send_group(count=2)
    pay(gift)
    services.draw_gift(user=members[0], gift_id=gift.pk)
    gift.refresh_from_db()
    open_report = selectors.draw_report(gift, clock.now())
    assert (open_report.closed, open_report.seed, open_report.verified) == (False, "", None)
    later = clock.now() + rules.ACCEPT_WITHIN
    closed = selectors.draw_report(gift, later)
    assert closed.closed and closed.seed == gift.seed and closed.verified is True
    with clock.travel_to(later), pytest.raises(DomainError) as late:
        services.draw_gift(user=members[1], gift_id=gift.pk)
    assert late.value.code == "gift_draw_closed"


def test_a_tampered_record_does_not_verify(send_group, pay, members):
    gift = send_group(count=1)
    pay(gift)
    draw_in_turn(gift, members)
    gift.refresh_from_db()
    assert selectors.draw_report(gift, clock.now()).verified is True
    GiftDraw.objects.filter(gift=gift, unit_index=0).update(unit_index=None)  # the win "disappears"
    report = selectors.draw_report(gift, clock.now())
    assert report.verification.commitment_ok and not report.verification.assignment_ok
    gift.seed = draw.new_seed()  # another seed than the one committed to
    assert not selectors.draw_report(gift, clock.now()).verification.commitment_ok


def test_a_winner_accepts_with_an_address_and_the_rest_refund_after_a_day(
    send_group, pay, members, store, django_capture_on_commit_callbacks
):
    gift = send_group(count=3)
    pay(gift)
    outcomes = draw_in_turn(gift, members)
    winners = [m for m, unit in zip(members, outcomes, strict=False) if unit is not None]
    assert len(winners) == 3
    losers = [m for m in members if m not in winners]
    with pytest.raises(DomainError) as not_theirs:
        services.accept_gift(user=losers[0], gift_id=gift.pk, address=ADDRESS)
    assert not_theirs.value.code == "not_found"
    unit = services.accept_gift(user=winners[0], gift_id=gift.pk, address=ADDRESS)
    assert Order.objects.get(pk=unit.order_id).status == Status.TO_SHIP
    with clock.travel_to(clock.now() + rules.ACCEPT_WITHIN + timedelta(seconds=1)):
        assert drain(django_capture_on_commit_callbacks, orders.cancel_unaccepted_gifts) == 2
    gift.refresh_from_db()
    assert gift.state == GiftState.REFUNDED_AFTER_TIMEOUT
    states = sorted(GiftUnit.objects.filter(gift=gift).values_list("state", flat=True))
    assert states == [GiftState.CLAIMED, GiftState.REFUNDED_AFTER_TIMEOUT, GiftState.REFUNDED_AFTER_TIMEOUT]
    refunds = Refund.objects.filter(payment__reference_id=gift.checkout_id, status=RefundStatus.SUCCEEDED)
    assert refunds.aggregate(t=Sum("amount_fen"))["t"] == 2 * gift.unit_fen
    # the ledger took the two refunds back out of the store's pending, and the books reconcile
    money = OrderMoney.objects.filter(order_id__in=GiftUnit.objects.filter(gift=gift).values("order_id"))
    assert money.aggregate(t=Sum("refunded_fen"))["t"] == 2 * gift.unit_fen
    assert ledger.balance(store).pending_fen == sum(m.pending_fen for m in money)
    assert_books_add_up()
    assert reconcile.reconcile(grace=timedelta(0)).ok


def test_an_open_gift_s_recipient_is_named_once(send_group, pay, members):
    gift = send_group(count=1)
    pay(gift)
    order_id = GiftUnit.objects.get(gift=gift).order_id
    orders.assign_gift(order_id=order_id, recipient=members[0])
    with pytest.raises(DomainError) as twice:
        orders.assign_gift(order_id=order_id, recipient=members[1])
    assert twice.value.code == "invalid_transition"


# ------------------------------------------------------------------------- sent into a group


def test_a_group_gift_sent_into_a_group_posts_its_card_there_once_paid(
    send_to_group, pay, group, giver, members, make_user
):
    gift = send_to_group(count=2)
    assert (gift.sent_from, gift.conversation_id, gift.members_count) == (SentFrom.GROUP_CHAT, group.pk, 5)
    assert not gift.members.exists()  # no snapshot: the group's members when they draw
    assert not Message.objects.filter(card_kind="gift").exists()
    pay(gift)
    card = Message.objects.get(conversation=group, card_kind="gift")
    assert (card.sender_id, card.card_id) == (giver.pk, gift.pk)
    assert services.post_gift_card(gift_id=gift.pk) is True  # once: the same message answers
    assert Message.objects.filter(conversation=group, card_kind="gift").count() == 1
    # every member sees the card; someone outside the group does not
    assert chat_selectors.frames([card], members[3].pk)[0]["card"]["view"]["url"] == f"/gifts/{gift.pk}/"
    assert chat_selectors.frames([card], make_user("outside").pk)[0]["card"]["view"] is None
    assert gift in selectors.received_by(members[3]) and gift not in selectors.received_by(giver)


def test_only_the_group_s_members_at_the_time_of_drawing_may_draw(
    send_to_group, pay, group, giver, members, make_user, befriend
):
    gift = send_to_group(count=2)
    pay(gift)
    # someone in the group when it was sent who has left since may not draw, nor see it
    chats.leave_group(user=members[4], conversation_id=group.pk)
    with pytest.raises(DomainError) as left:
        services.draw_gift(user=members[4], gift_id=gift.pk)
    assert (left.value.code, left.value.status) == ("gift_not_group_member", 403)
    assert selectors.visible_gift(members[4], gift.pk) is None
    # someone who joined after it was sent may
    newcomer = make_user("newcomer")
    befriend(giver, newcomer)
    invitation = chats.invite(user=giver, conversation_id=group.pk, invitee_id=newcomer.pk)
    chats.accept_invitation(user=newcomer, invitation_id=invitation.pk)
    with pytest.raises(DomainError) as stranger:
        services.draw_gift(user=make_user("stranger"), gift_id=gift.pk)
    assert (stranger.value.code, stranger.value.status) == ("gift_not_group_member", 403)
    with pytest.raises(DomainError) as own:
        services.draw_gift(user=giver, gift_id=gift.pk)
    assert (own.value.code, own.value.status) == ("gift_giver_cannot_draw", 403)
    drawers = [newcomer, *members[:4]]
    outcomes = draw_in_turn(gift, drawers)
    # the outcomes follow from the seed with M = the group's size when sent (the giver left out)
    expected = draw.assign(
        seed=gift.seed,
        gift_id=gift.pk,
        members=gift.members_count,
        count=2,
        drawers=[m.pk for m in drawers[: len(outcomes)]],
    )
    assert outcomes == expected
    gift.refresh_from_db()
    assert selectors.draw_report(gift, clock.now() + rules.ACCEPT_WITHIN).verified is True
    # a winner who leaves the group still holds their gift and accepts it
    winner = next(m for m, unit in zip(drawers, outcomes, strict=False) if unit is not None)
    if winner.pk != group.created_by_id:
        chats.leave_group(user=winner, conversation_id=group.pk)
    assert selectors.visible_gift(winner, gift.pk) is not None
    unit = services.accept_gift(user=winner, gift_id=gift.pk, address=ADDRESS)
    assert Order.objects.get(pk=unit.order_id).recipient_id == winner.pk


def test_a_group_gift_goes_only_into_a_group_the_giver_is_in(
    send_to_group, giver, make_group, make_user, members
):
    theirs = make_group(make_user("owner"), members[0])
    for conversation_id in (theirs.pk, 10**9):
        with pytest.raises(DomainError) as not_in:
            send_to_group(conversation_id=conversation_id)
        assert (not_in.value.code, not_in.value.field) == ("not_found", "conversation_id")
    alone = make_group(giver, title="一个人的群")
    with pytest.raises(DomainError) as empty:
        send_to_group(conversation_id=alone.pk)
    assert empty.value.field == "conversation_id"
    with pytest.raises(DomainError) as named:
        send_to_group(member_ids=[members[0].pk])
    assert named.value.field == "member_ids"
    with pytest.raises(DomainError) as elsewhere:
        send_to_group(sent_from=SentFrom.MINI_PROGRAM)
    assert elsewhere.value.field == "sent_from"
    with pytest.raises(DomainError) as no_group:
        services.send_group_gift(
            giver=giver, sku_id=1, count=1, member_ids=[members[0].pk], idempotency_key="ng"
        )
    assert no_group.value.field == "conversation_id"  # sent from a group chat names its group


def test_a_group_gift_sent_into_a_group_replays_only_for_the_same_group(
    send_to_group, make_group, giver, members
):
    gift = send_to_group(count=1, idempotency_key="same")
    assert send_to_group(count=1, idempotency_key="same").pk == gift.pk
    other = make_group(giver, members[0], title="另一个群")
    with pytest.raises(DomainError) as conflict:
        send_to_group(count=1, idempotency_key="same", conversation_id=other.pk)
    assert conflict.value.code == "idempotency_conflict"


# ------------------------------------------------------------------------------- properties


@given(
    seed=st.binary(min_size=rules.SEED_BYTES, max_size=rules.SEED_BYTES).map(bytes.hex),
    gift_id=st.integers(1, 10**12),
    members=st.integers(1, 60),
    count=st.integers(1, 30),
    data=st.data(),
)
def test_any_seed_gives_a_verifiable_reproducible_assignment(seed, gift_id, members, count, data):
    users = data.draw(st.lists(st.integers(1, 10**9), min_size=members, max_size=members, unique=True))
    drawers = data.draw(
        st.permutations(users).flatmap(lambda p: st.integers(0, members).map(lambda n: p[:n]))
    )
    first = draw.assign(seed=seed, gift_id=gift_id, members=members, count=count, drawers=drawers)
    again = draw.assign(seed=seed, gift_id=gift_id, members=members, count=count, drawers=drawers)
    assert first == again  # reproducible
    won = [unit for unit in first if unit is not None]
    assert won == list(range(len(won)))  # each unit once, in order: no gift drawn twice
    assert len(won) <= count
    if len(drawers) == members:  # everyone drew: every gift that can be won was
        assert len(won) == min(count, members)
    check = draw.verify(
        seed=seed,
        published=draw.commitment(seed),
        gift_id=gift_id,
        members=members,
        count=count,
        draws=list(zip(drawers, first, strict=True)),
    )
    assert check.ok
    other = draw.new_seed()
    assert not draw.verify(
        seed=other, published=draw.commitment(seed), gift_id=gift_id, members=members, count=count, draws=[]
    ).commitment_ok


@pytest.mark.django_db
@given(count=st.integers(1, 4), drawing=st.integers(0, 5), accepting=st.integers(0, 4))
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_refunds_equal_the_unclaimed_gifts(
    send_group, pay, members, django_capture_on_commit_callbacks, count, drawing, accepting
):
    with clock.travel_to(clock.now()):
        gift = send_group(count=count)
        pay(gift)
        outcomes = draw_in_turn(gift, members[:drawing])
        winners = [m for m, unit in zip(members, outcomes, strict=False) if unit is not None]
        accepted = winners[:accepting]
        for winner in accepted:
            services.accept_gift(user=winner, gift_id=gift.pk, address=ADDRESS)
        clock.advance(rules.ACCEPT_WITHIN + timedelta(seconds=1))
        drain(django_capture_on_commit_callbacks, orders.cancel_unaccepted_gifts)
    unclaimed = count - len(accepted)
    refunded = Refund.objects.filter(payment__reference_id=gift.checkout_id, status=RefundStatus.SUCCEEDED)
    assert refunded.count() == unclaimed
    assert (refunded.aggregate(t=Sum("amount_fen"))["t"] or 0) == unclaimed * gift.unit_fen
    states = list(GiftUnit.objects.filter(gift=gift).values_list("state", flat=True))
    assert states.count(GiftState.CLAIMED) == len(accepted)
    assert states.count(GiftState.REFUNDED_AFTER_TIMEOUT) == unclaimed
    gift.refresh_from_db()
    assert gift.state == rules.gift_state(states)
