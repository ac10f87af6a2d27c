"""`xiaodian ledger reconcile`: the gateway's payments, refunds and transfers against the ledger's
journals and back, and `--repair`, which posts what is missing through the events' handlers."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command

from xiaodian.aftersales import services as aftersales
from xiaodian.ledger import reconcile, selectors, services
from xiaodian.ledger.models import Journal
from xiaodian.orders import services as orders
from xiaodian.orders.tests.conftest import ADDRESS
from xiaodian.payments import services as payments
from xiaodian.payments.models import Refund
from xiaodian.stores import services as stores
from xiaodian.wechatpay_sandbox.testing import pay_deposit_in_sandbox, pay_in_sandbox

pytestmark = pytest.mark.django_db
NOW = timedelta(0)  # no grace: everything so far is checked


def check(**kwargs) -> reconcile.Report:
    return reconcile.reconcile(grace=NOW, **kwargs)


def refund_one(buyer, order, store, capture) -> Refund:
    """An after-sale refund of one unit, through the sandbox."""
    aftersale = aftersales.request_aftersale(
        buyer=buyer,
        order_id=order.pk,
        line_id=order.lines.get().pk,
        kind="refund",
        quantity=1,
        reason_code="quality",
    )
    with capture(execute=True):
        aftersales.approve_aftersale(store=store, aftersale_id=aftersale.pk)
    return Refund.objects.get(out_refund_no=f"AS{aftersale.pk}")


def test_payments_refunds_deposits_and_transfers_that_were_posted_reconcile(
    buyer, really_paid, merchant_view, merchant, store, categories, django_capture_on_commit_callbacks
):
    order, _payment = really_paid
    refund = refund_one(buyer, order, merchant_view, django_capture_on_commit_callbacks)
    assert refund.status == "succeeded"
    with django_capture_on_commit_callbacks(execute=True):
        pay_deposit_in_sandbox(stores.pay_deposit(store=store, category_id=categories["女装"].pk))

    report = check()
    assert report.ok, report.differences
    assert report.checked["payment"] == 1 and report.checked["deposit"] == 1 and report.checked["refund"] == 1
    assert selectors.balance(store).deposit_fen == 200_000


def test_a_payment_whose_posting_was_lost_is_found_and_repaired(buyer, make_sku, store):
    """Paid, but the `order_paid` handlers never ran (the commit's callbacks are not run here)."""
    sku = make_sku(store, price_fen=2500, stock=5)
    placed = orders.place_order(
        buyer=buyer, items=[orders.LineRequest(sku.pk, 2)], address=ADDRESS, idempotency_key="lost"
    )
    payment = orders.pay_checkout(buyer=buyer, order_id=placed.orders[0].pk)
    pay_in_sandbox(payment)
    assert not Journal.objects.exists()

    report = check()
    assert [(d.kind, d.record, d.gateway_fen, d.ledger_fen) for d in report.differences] == [
        ("missing_journal", payment.out_trade_no, 5000, 0)
    ]
    repaired = check(repair=True)
    assert repaired.repaired["payments"] == 1
    assert repaired.ok, repaired.differences
    assert selectors.balance(store).pending_fen == 5000 - 100
    assert check(repair=True).repaired["payments"] == 0  # nothing twice


def test_a_refund_the_ledger_never_saw_and_a_journal_the_gateway_never_made_are_reported(
    buyer, really_paid, store, django_capture_on_commit_callbacks
):
    order, payment = really_paid
    with django_capture_on_commit_callbacks(execute=True):
        payments.refund_payment(payment=payment, amount_fen=300, reason="by hand", out_refund_no="HAND1")
    line = order.lines.get()
    services.post_line_refund(line_id=line.pk, amount_fen=200, quantity=0, out_refund_no="GHOST1")

    found = {(d.kind, d.record): (d.gateway_fen, d.ledger_fen) for d in check().differences}
    assert found == {
        ("missing_journal", "HAND1"): (300, 0),
        ("journal_without_record", "refund:GHOST1"): (0, 200),
    }


def test_records_within_the_grace_period_wait(buyer, make_sku, store):
    sku = make_sku(store, price_fen=2500, stock=5)
    placed = orders.place_order(
        buyer=buyer, items=[orders.LineRequest(sku.pk, 1)], address=ADDRESS, idempotency_key="fresh"
    )
    pay_in_sandbox(orders.pay_checkout(buyer=buyer, order_id=placed.orders[0].pk))
    assert reconcile.reconcile(grace=timedelta(minutes=10)).ok
    assert not check().ok


def test_the_command_prints_the_report_and_fails_when_something_differs(buyer, make_sku, store, capsys):
    assert_exit = pytest.raises(SystemExit)
    call_command("ledger", "reconcile", "--grace-minutes", "0")
    assert "the ledger agrees with the gateway" in capsys.readouterr().out

    sku = make_sku(store, price_fen=2500, stock=5)
    placed = orders.place_order(
        buyer=buyer, items=[orders.LineRequest(sku.pk, 1)], address=ADDRESS, idempotency_key="cmd"
    )
    payment = orders.pay_checkout(buyer=buyer, order_id=placed.orders[0].pk)
    pay_in_sandbox(payment)
    with assert_exit as exited:
        call_command("ledger", "reconcile", "--grace-minutes", "0", "--json")
    assert exited.value.code == 1
    body = json.loads(capsys.readouterr().out)
    assert body["ok"] is False
    assert body["differences"][0]["record"] == payment.out_trade_no

    call_command("ledger", "reconcile", "--grace-minutes", "0", "--repair")
    out = capsys.readouterr().out
    assert "repaired: payments 1" in out and "the ledger agrees" in out
