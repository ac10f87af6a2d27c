"""A line's after-sale period ends once, when nothing is open on it (the moment commissions and the
merchant's money settle); a refund whose submission was lost is submitted again by the sweep."""

from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from xiaodian.aftersales import events, rules, services, tasks
from xiaodian.aftersales.models import AfterSale, PeriodEnd
from xiaodian.aftersales.rules import State
from xiaodian.core import clock
from xiaodian.core.events import handler_name, pending, run_pending
from xiaodian.orders import events as order_events
from xiaodian.orders import services as orders
from xiaodian.payments.models import Refund


def settle(**payload):
    """Stands for the ledger's handler."""


@pytest.fixture
def ended():
    """The `aftersale_period_ended` events written so far, as (order_id, line_id)."""
    events.aftersale_period_ended.connect(settle)
    try:
        yield lambda: sorted(
            (row.args_kwargs["args"][2]["order_id"], row.args_kwargs["args"][2]["line_id"])
            for row in pending(events.aftersale_period_ended)
            if row.args_kwargs["args"][1] == handler_name(settle)
        )
    finally:
        events.aftersale_period_ended.disconnect(settle)


def _ask(buyer, order, line, kind="refund"):
    return services.request_aftersale(
        buyer=buyer, order_id=order.pk, line_id=line.pk, kind=kind, quantity=1, reason_code="quality"
    )


def test_each_line_ends_once_after_the_period(ended, shipped_order):
    with clock.travel_to(clock.now()):
        order = shipped_order()
        lines = list(order.lines.order_by("pk"))
        assert services.end_aftersale_periods(order.pk) == []  # not yet
        clock.advance(rules.AFTERSALE_PERIOD + timedelta(seconds=1))
        assert services.end_aftersale_periods(order.pk) == [line.pk for line in lines]
        assert services.end_aftersale_periods(order.pk) == []  # once
        assert services.sweep()["periods_ended"] == 0
    assert ended() == [(order.pk, line.pk) for line in lines]
    assert PeriodEnd.objects.filter(order=order).count() == 2


def test_a_line_with_an_open_request_waits_until_it_ends(ended, shipped_order, buyer, merchant_view):
    with clock.travel_to(clock.now()):
        order = shipped_order()
        asked, other = order.lines.order_by("pk")
        request = _ask(buyer, order, asked)
        clock.advance(rules.AFTERSALE_PERIOD + timedelta(seconds=1))
        assert services.end_aftersale_periods(order.pk) == [other.pk]
        services.reject_aftersale(store=merchant_view, aftersale_id=request.pk, reason="看过照片，没有问题")
        assert services.sweep()["periods_ended"] == 0  # the buyer may still dispute the rejection
        clock.advance(rules.DISPUTE_WITHIN + timedelta(seconds=1))
        assert services.sweep()["periods_ended"] == 1
    assert ended() == sorted([(order.pk, other.pk), (order.pk, asked.pk)])


def test_an_order_not_completed_has_no_period_end(ended, paid_order):
    order = paid_order()
    with clock.travel_to(clock.now() + timedelta(days=30)):
        assert services.end_aftersale_periods(order.pk) == []
        assert services.sweep()["periods_ended"] == 0
    assert ended() == []


def test_confirmation_queues_the_check_for_the_periods_end(paid_order, store, buyer):
    order = paid_order()
    orders.ship_order(store=store, order_id=order.pk, carrier="SF", tracking_no="SF1234567890123")
    orders.confirm_receipt(buyer=buyer, order_id=order.pk)
    order.refresh_from_db()
    assert run_pending(order_events.order_confirmed) == 1
    queued = DBTaskResult.objects.get(task_path=tasks.end_periods.module_path)
    assert queued.args_kwargs["args"] == [order.pk]
    assert queued.run_after == order.received_at + rules.AFTERSALE_PERIOD


def test_schedule_period_end_is_idempotent(shipped_order):
    order = shipped_order()
    services.schedule_period_end(order_ids=[order.pk])
    services.schedule_period_end(order_ids=[order.pk])
    with clock.travel_to(order.received_at + rules.AFTERSALE_PERIOD + timedelta(seconds=1)):
        for task in DBTaskResult.objects.filter(task_path=tasks.end_periods.module_path):
            tasks.end_periods.call(*task.args_kwargs["args"])
    assert PeriodEnd.objects.filter(order=order).count() == 2  # two checks, each line ended once


def test_a_refund_whose_submission_was_lost_is_submitted_again_by_the_sweep(
    buyer, really_paid, merchant_view
):
    order, payment = really_paid
    with clock.travel_to(clock.now()):
        aftersale = _ask(buyer, order, order.lines.get())
        # Approved, but the process died before the refund reached the payments app: no on-commit
        # run here, and the worker never ran its handler.
        services.approve_aftersale(store=merchant_view, aftersale_id=aftersale.pk)
        assert AfterSale.objects.get(pk=aftersale.pk).state == State.PLATFORM_REFUNDING
        assert not Refund.objects.filter(out_refund_no=f"AS{aftersale.pk}").exists()
        assert services.sweep()["resubmitted"] == 0  # too early: the handler may still run
        clock.advance(rules.RESUBMIT_AFTER + timedelta(seconds=1))
        assert services.sweep()["resubmitted"] == 1
    assert AfterSale.objects.get(pk=aftersale.pk).state == State.MERCHANT_REFUND_SUCCESS
    assert Refund.objects.get(out_refund_no=f"AS{aftersale.pk}").payment_id == payment.pk


def test_at_the_periods_last_moment_a_request_may_open_and_the_period_has_not_ended(
    ended, shipped_order, buyer
):
    order = shipped_order()
    first, second = order.lines.order_by("pk")
    with clock.travel_to(order.received_at + rules.AFTERSALE_PERIOD):
        assert services.end_aftersale_periods(order.pk) == []
        _ask(buyer, order, first)
    with clock.travel_to(order.received_at + rules.AFTERSALE_PERIOD + timedelta(microseconds=1)):
        assert services.end_aftersale_periods(order.pk) == [second.pk]
    assert ended() == [(order.pk, second.pk)]
