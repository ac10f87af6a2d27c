"""Service metrics with a controlled clock: a human reply at 2:59 counts, at 3:01 does not; a
session at 23:30 is not counted; bot replies never count. The store score reads them."""

from datetime import datetime, timedelta

import pytest

from xiaodian.core import clock
from xiaodian.scoring import metrics
from xiaodian.scoring.days import SHANGHAI, window
from xiaodian.scoring.models import ServiceSessionFact
from xiaodian.service import selectors, services

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 6, 1, tzinfo=SHANGHAI)


def session(shop, buyer, agent, *, at: datetime, reply_after: timedelta | None, bot_first: bool = False):
    with clock.travel_to(at):
        conversation, _ = services.open_conversation(buyer=buyer, store_id=shop.pk)
        services.send_message(user=buyer, conversation_id=conversation.pk, text="请问有货吗")
    if reply_after is not None:
        with clock.travel_to(at + reply_after):
            services.send_message(user=agent, conversation_id=conversation.pk, text="有的")
    with clock.travel_to(at + timedelta(minutes=10)):
        services.close_conversation(user=agent, conversation_id=conversation.pk)
    return conversation


def fact(conversation):
    return ServiceSessionFact.objects.get(session_key=f"conversation:{conversation.pk}")


def test_a_reply_at_2_59_counts_and_at_3_01_does_not(shop, make_user, agent):
    fast = session(
        shop, make_user(), agent, at=DAY.replace(hour=10), reply_after=timedelta(minutes=2, seconds=59)
    )
    slow = session(
        shop, make_user(), agent, at=DAY.replace(hour=11), reply_after=timedelta(minutes=3, seconds=1)
    )
    assert fact(fast).first_human_reply_seconds == 179
    assert fact(slow).first_human_reply_seconds == 181
    start, end = window(DAY.date())
    rate = metrics.measure(start=start, end=end)[shop.pk].metrics["reply_3min_rate"]
    assert rate == (0.5, 1, 2)


def test_a_session_at_23_30_is_not_counted(shop, make_user, agent):
    late = session(
        shop, make_user(), agent, at=DAY.replace(hour=23, minute=30), reply_after=timedelta(seconds=30)
    )
    early = session(
        shop, make_user(), agent, at=DAY.replace(hour=7, minute=59), reply_after=timedelta(seconds=30)
    )
    on_time = session(shop, make_user(), agent, at=DAY.replace(hour=8), reply_after=timedelta(minutes=5))
    assert (fact(late).in_service_hours, fact(early).in_service_hours, fact(on_time).in_service_hours) == (
        False,
        False,
        True,
    )
    start, end = window(DAY.date())
    assert metrics.measure(start=start, end=end)[shop.pk].metrics["reply_3min_rate"] == (0.0, 0, 1)


def test_bot_replies_do_not_count(shop, make_user, agent):
    services.add_auto_reply(user=agent_owner(shop), store=shop, keyword="有货", reply="都有现货。")
    conversation = session(
        shop, make_user(), agent, at=DAY.replace(hour=10), reply_after=timedelta(minutes=4)
    )
    senders = list(conversation.messages.values_list("sender", flat=True))
    assert senders[:3] == ["buyer", "bot", "agent"]  # the bot answered at once
    assert fact(conversation).first_human_reply_seconds == 240  # but only the human reply counts


def test_no_human_reply_is_counted_as_missed(shop, make_user, agent):
    conversation = session(shop, make_user(), agent, at=DAY.replace(hour=10), reply_after=None)
    assert fact(conversation).first_human_reply_seconds is None
    start, end = window(DAY.date())
    assert metrics.measure(start=start, end=end)[shop.pk].metrics["reply_3min_rate"] == (0.0, 0, 1)


def test_the_rating_reaches_the_fact_and_the_panel(shop, make_user, agent):
    buyer = make_user()
    conversation = session(shop, buyer, agent, at=DAY.replace(hour=10), reply_after=timedelta(minutes=1))
    with clock.travel_to(DAY.replace(hour=12)):
        services.rate_conversation(buyer=buyer, conversation_id=conversation.pk, rating=5)
    session(shop, make_user(), agent, at=DAY.replace(hour=11), reply_after=timedelta(minutes=5))
    assert fact(conversation).rating == 5
    panel = selectors.service_stats(shop, start=DAY.date(), end=DAY.date())
    assert panel["sessions"] == 2
    assert panel["counted"] == 2 and panel["within_3min"] == 1 and panel["within_3min_rate"] == 0.5
    assert panel["average_first_reply_seconds"] == 180.0  # (60 + 300) / 2
    assert panel["rated"] == 1 and panel["satisfaction"] == 5.0


def agent_owner(shop):
    from xiaodian.accounts.rules import Role
    from xiaodian.stores.models import StoreStaff

    return StoreStaff.objects.get(store=shop, role=Role.OWNER).user
