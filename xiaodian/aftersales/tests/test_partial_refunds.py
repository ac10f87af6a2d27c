"""Refunding less than asked (issue 17 point 6): the merchant names the amount and the reason, the
sandbox refunds exactly that, the buyer may dispute the difference, and the platform's decision
either tops it up with a second refund or keeps the partial one. Money never exceeds what was asked."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiaodian.aftersales import services
from xiaodian.aftersales.models import AfterSale, AfterSaleEvent
from xiaodian.aftersales.rules import State
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.events import handler_name, pending
from xiaodian.orders import events as order_events
from xiaodian.orders.models import Order
from xiaodian.payments.models import Refund


def ask(buyer, order, quantity=2, kind="refund"):
    return services.request_aftersale(
        buyer=buyer,
        order_id=order.pk,
        line_id=order.lines.order_by("pk").first().pk,
        kind=kind,
        quantity=quantity,
        reason_code="quality",
    )


def refunded_fen(aftersale) -> int:
    return sum(
        Refund.objects.filter(out_refund_no__startswith=f"AS{aftersale.pk}", status="succeeded").values_list(
            "amount_fen", flat=True
        )
    )


def test_a_refund_of_less_than_asked_pays_exactly_that_with_the_reason(
    buyer, really_paid, merchant_view, django_capture_on_commit_callbacks
):
    order, _payment = really_paid
    aftersale = ask(buyer, order)
    assert aftersale.amount_fen == 3998
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_aftersale(
            store=merchant_view, aftersale_id=aftersale.pk, refund_fen=2500, reason="一件已拆封使用"
        )
    aftersale.refresh_from_db()
    assert aftersale.state == State.MERCHANT_REFUND_SUCCESS
    assert (aftersale.refund_fen, aftersale.short_reason, aftersale.short) == (2500, "一件已拆封使用", True)
    assert Refund.objects.get(out_refund_no=f"AS{aftersale.pk}").amount_fen == 2500
    note = AfterSaleEvent.objects.filter(aftersale=aftersale, to_state=State.PLATFORM_REFUNDING).get().note
    assert note == "一件已拆封使用"
    assert Order.objects.get(pk=order.pk).status == 200  # both units refunded, for less money


@pytest.mark.parametrize(
    ("refund_fen", "reason", "code", "field"),
    [
        (0, "x", "refund_amount_invalid", "refund_fen"),
        (-5, "x", "refund_amount_invalid", "refund_fen"),
        ("asked + 1", "x", "refund_amount_invalid", "refund_fen"),
        ("half", "", "validation_error", "reason"),
        ("half", "   ", "validation_error", "reason"),
        ("half", "加微信 wxid_abc123 私聊", "contact_details_not_allowed", "reason"),
    ],
)
def test_a_bad_amount_or_a_missing_reason_is_refused_and_nothing_moves(
    buyer, paid_order, merchant_view, refund_fen, reason, code, field
):
    aftersale = ask(buyer, paid_order(), quantity=1)
    asked = aftersale.amount_fen
    refund_fen = {"asked + 1": asked + 1, "half": asked // 2}.get(refund_fen, refund_fen)
    with pytest.raises(DomainError) as refused:
        services.approve_aftersale(
            store=merchant_view, aftersale_id=aftersale.pk, refund_fen=refund_fen, reason=reason
        )
    assert (refused.value.code, refused.value.field) == (code, field)
    after = AfterSale.objects.get(pk=aftersale.pk)
    assert (after.state, after.refund_fen, after.out_refund_no) == (State.MERCHANT_PROCESSING, None, None)


def test_the_whole_amount_named_is_a_full_refund_without_a_reason(buyer, paid_order, merchant_view):
    aftersale = ask(buyer, paid_order(), quantity=1)
    services.approve_aftersale(
        store=merchant_view, aftersale_id=aftersale.pk, refund_fen=aftersale.amount_fen
    )
    after = AfterSale.objects.get(pk=aftersale.pk)
    assert (after.refund_fen, after.refund_due_fen, after.short) == (None, aftersale.amount_fen, False)


def test_a_return_is_refunded_less_when_the_goods_arrive(buyer, shipped_order, merchant_view):
    order = shipped_order()
    line = order.lines.order_by("pk").first()
    aftersale = services.request_aftersale(
        buyer=buyer, order_id=order.pk, line_id=line.pk, kind="return", quantity=1, reason_code="quality"
    )
    with pytest.raises(DomainError) as early:
        services.approve_aftersale(store=merchant_view, aftersale_id=aftersale.pk, refund_fen=1)
    assert early.value.field == "refund_fen"  # a return's amount is agreed on receipt
    services.approve_aftersale(store=merchant_view, aftersale_id=aftersale.pk)
    services.ship_return(
        buyer=buyer, aftersale_id=aftersale.pk, carrier="顺丰速运", tracking_no="SF1234567890"
    )
    services.receive_return(store=merchant_view, aftersale_id=aftersale.pk, refund_fen=100, reason="吊牌已剪")
    after = AfterSale.objects.get(pk=aftersale.pk)
    assert (after.state, after.refund_due_fen, after.short_reason) == (
        State.PLATFORM_REFUNDING,
        100,
        "吊牌已剪",
    )


def _partly_refunded(buyer, really_paid, merchant_view, capture):
    order, _payment = really_paid
    aftersale = ask(buyer, order)
    with capture(execute=True):
        services.approve_aftersale(
            store=merchant_view, aftersale_id=aftersale.pk, refund_fen=2500, reason="已使用"
        )
    aftersale.refresh_from_db()
    return aftersale


def test_the_buyer_disputes_the_difference_and_the_platform_tops_it_up(
    buyer, really_paid, merchant_view, operator, django_capture_on_commit_callbacks
):
    aftersale = _partly_refunded(buyer, really_paid, merchant_view, django_capture_on_commit_callbacks)
    dispute = services.open_dispute(buyer=buyer, aftersale_id=aftersale.pk, statement="商品没有使用过")
    services.answer_dispute(store=merchant_view, aftersale_id=aftersale.pk, statement="有使用痕迹")
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_dispute(operator=operator, dispute_id=dispute.pk, decision="buyer", note="证据不足")
    after = AfterSale.objects.get(pk=aftersale.pk)
    assert after.state == State.MERCHANT_REFUND_SUCCESS
    topup = Refund.objects.get(out_refund_no=f"AS{aftersale.pk}-2")
    assert (topup.status, topup.amount_fen) == ("succeeded", 3998 - 2500)
    assert refunded_fen(after) == after.amount_fen == 3998  # the whole amount asked, not more


def test_decided_for_the_merchant_the_partial_refund_stands(
    buyer, really_paid, merchant_view, operator, django_capture_on_commit_callbacks
):
    aftersale = _partly_refunded(buyer, really_paid, merchant_view, django_capture_on_commit_callbacks)
    dispute = services.open_dispute(buyer=buyer, aftersale_id=aftersale.pk, statement="不合理")
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_dispute(operator=operator, dispute_id=dispute.pk, decision="merchant")
    after = AfterSale.objects.get(pk=aftersale.pk)
    assert after.state == State.MERCHANT_REFUND_SUCCESS and refunded_fen(after) == 2500
    assert AfterSaleEvent.objects.filter(aftersale=after, note="short_kept").exists()
    assert not Refund.objects.filter(out_refund_no=f"AS{aftersale.pk}-2").exists()


def test_the_difference_may_be_disputed_for_7_days(
    buyer, really_paid, merchant_view, django_capture_on_commit_callbacks
):
    aftersale = _partly_refunded(buyer, really_paid, merchant_view, django_capture_on_commit_callbacks)
    late_by_a_second = aftersale.refunded_at + services.rules.DISPUTE_WITHIN + timedelta(seconds=1)
    with clock.travel_to(late_by_a_second), pytest.raises(DomainError) as late:
        services.open_dispute(buyer=buyer, aftersale_id=aftersale.pk, statement="晚了")
    assert late.value.code == "dispute_window_over"


def test_nothing_to_dispute_after_a_full_refund(buyer, paid_order, merchant_view):
    aftersale = ask(buyer, paid_order(), quantity=1)
    services.approve_aftersale(store=merchant_view, aftersale_id=aftersale.pk)
    services.refund_succeeded(f"AS{aftersale.pk}")
    with pytest.raises(DomainError) as refused:
        services.open_dispute(buyer=buyer, aftersale_id=aftersale.pk, statement="想再要点")
    assert refused.value.code == "invalid_transition"


def _note(**payload):
    """A handler on `line_refunded`, so its rows are written and can be read back."""


@pytest.fixture
def line_refunds():
    """The `line_refunded` facts written so far for a line: (amount_fen, quantity) each."""
    order_events.line_refunded.connect(_note)
    try:
        yield lambda line_id: [
            (row.args_kwargs["args"][2]["amount_fen"], row.args_kwargs["args"][2]["quantity"])
            for row in pending()
            if row.args_kwargs["args"][1] == handler_name(_note)
            and row.args_kwargs["args"][2]["line_id"] == line_id
        ]
    finally:
        order_events.line_refunded.disconnect(_note)


@pytest.mark.django_db
@given(asked_units=st.integers(1, 3), share=st.integers(1, 10_000), topped_up=st.booleans())
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_money_refunded_is_what_was_agreed_and_never_more_than_asked(
    buyer, paid_order, merchant_view, operator, line_refunds, asked_units, share, topped_up
):
    """Any partial amount (a share of what was asked, to the fen), then a dispute decided either
    way: the line's refund facts add up to the agreed amount, or after a top-up to exactly what
    was asked, and count the units once."""
    order = paid_order()
    line = order.lines.order_by("pk").first()
    aftersale = services.request_aftersale(
        buyer=buyer,
        order_id=order.pk,
        line_id=line.pk,
        kind="refund",
        quantity=min(asked_units, line.quantity),
        reason_code="other",
    )
    agreed = max(1, aftersale.amount_fen * share // 10_001)
    services.approve_aftersale(
        store=merchant_view, aftersale_id=aftersale.pk, refund_fen=agreed, reason="部分"
    )
    services.refund_succeeded(f"AS{aftersale.pk}")
    expected = agreed
    if agreed < aftersale.amount_fen:
        dispute = services.open_dispute(buyer=buyer, aftersale_id=aftersale.pk, statement="申诉")
        decision = "buyer" if topped_up else "merchant"
        services.decide_dispute(operator=operator, dispute_id=dispute.pk, decision=decision)
        if topped_up:
            services.refund_succeeded(f"AS{aftersale.pk}-2")
            services.refund_succeeded(f"AS{aftersale.pk}-2")  # a repeated notification changes nothing
            expected = aftersale.amount_fen
    facts = line_refunds(line.pk)
    assert sum(amount for amount, _units in facts) == expected <= aftersale.amount_fen
    assert sum(units for _amount, units in facts) == aftersale.quantity  # units counted once
    assert AfterSale.objects.get(pk=aftersale.pk).state == State.MERCHANT_REFUND_SUCCESS
