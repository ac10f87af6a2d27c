"""After-sales (DOMAIN.md "After-sales"): eligibility, every transition, amounts, stock, timeouts."""

from datetime import timedelta

import pytest

from xiaodian.aftersales import rules, services, tasks
from xiaodian.aftersales.models import AfterSale, AfterSaleEvent
from xiaodian.aftersales.rules import Kind, State
from xiaodian.catalog.models import SKU
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.orders.models import Order
from xiaodian.orders.rules import Status


def ask(buyer, order, *, line=0, kind=Kind.REFUND, quantity=1, reason_code="quality"):
    target = order.lines.order_by("pk")[line]
    return services.request_aftersale(
        buyer=buyer,
        order_id=order.pk,
        line_id=target.pk,
        kind=kind,
        quantity=quantity,
        reason_code=reason_code,
    )


def code_of(call) -> str:
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value.code


# ------------------------------------------------------------------------------- eligibility


def test_a_refund_request_waits_for_the_merchant_with_its_amount(buyer, paid_order):
    order = paid_order()
    aftersale = ask(buyer, order, quantity=2)
    assert aftersale.state == State.MERCHANT_PROCESSING
    assert aftersale.amount_fen == 2000  # 2 of 3 units at ¥10.00, no shipping or discount to share
    assert aftersale.merchant_deadline == aftersale.created_at + timedelta(hours=48)
    assert list(AfterSaleEvent.objects.filter(aftersale=aftersale).values_list("to_state", flat=True)) == [
        State.MERCHANT_PROCESSING
    ]


def test_unpaid_orders_and_strangers_cannot_ask(buyer, place, make_sku, store, make_user, paid_order):
    unpaid = place(make_sku(store), 1).orders.get()
    assert code_of(lambda: ask(buyer, unpaid)) == "aftersale_not_allowed"
    assert code_of(lambda: ask(make_user(), paid_order())) == "not_found"


def test_the_after_sale_period_is_seven_days_after_receipt(buyer, shipped_order):
    with clock.travel_to(clock.now()):
        order = shipped_order()
        clock.advance(rules.AFTERSALE_PERIOD)
        assert ask(buyer, order).state == State.MERCHANT_PROCESSING  # the last moment
    with clock.travel_to(order.received_at + rules.AFTERSALE_PERIOD + timedelta(seconds=1)):
        assert code_of(lambda: ask(buyer, order, line=1)) == "aftersale_period_over"


def test_one_open_request_per_line_and_fewer_than_five_attempts(buyer, paid_order):
    order = paid_order()
    first = ask(buyer, order)
    assert code_of(lambda: ask(buyer, order)) == "aftersale_open_exists"
    assert ask(buyer, order, line=1).state == State.MERCHANT_PROCESSING  # other lines are free
    services.cancel_aftersale(buyer=buyer, aftersale_id=first.pk)
    for _ in range(4):
        services.cancel_aftersale(buyer=buyer, aftersale_id=ask(buyer, order).pk)
    assert AfterSale.objects.filter(line=first.line).count() == 5
    assert code_of(lambda: ask(buyer, order)) == "aftersale_attempts_exhausted"


def test_units_already_asked_for_cannot_be_asked_again(buyer, paid_order, merchant_view):
    order = paid_order()
    first = ask(buyer, order, quantity=2)
    services.approve_aftersale(store=merchant_view, aftersale_id=first.pk)
    services.refund_succeeded(f"AS{first.pk}")
    assert code_of(lambda: ask(buyer, order, quantity=2)) == "aftersale_quantity_exceeded"
    assert ask(buyer, order, quantity=1).amount_fen == 1000


def test_returns_and_exchanges_need_the_goods_shipped(buyer, paid_order):
    order = paid_order()
    assert code_of(lambda: ask(buyer, order, kind=Kind.RETURN)) == "aftersale_not_allowed"
    assert code_of(lambda: ask(buyer, order, kind=Kind.EXCHANGE)) == "aftersale_not_allowed"


def test_reasons_with_contact_details_are_refused(buyer, paid_order):
    order = paid_order()
    line = order.lines.first()
    assert (
        code_of(
            lambda: services.request_aftersale(
                buyer=buyer,
                order_id=order.pk,
                line_id=line.pk,
                kind=Kind.REFUND,
                quantity=1,
                reason_code="other",
                reason="加我微信 abc12345 私下退",
            )
        )
        == "contact_details_not_allowed"
    )


# ------------------------------------------------------------------------------- the paths


def test_refund_approved_then_refunded_returns_stock_when_nothing_shipped(buyer, paid_order, merchant_view):
    order = paid_order()
    line = order.lines.order_by("pk").first()
    stock_before = SKU.objects.get(pk=line.sku_id).stock
    aftersale = ask(buyer, order, quantity=3)
    services.approve_aftersale(store=merchant_view, aftersale_id=aftersale.pk)
    aftersale.refresh_from_db()
    assert (aftersale.state, aftersale.out_refund_no) == (State.PLATFORM_REFUNDING, f"AS{aftersale.pk}")
    services.refund_succeeded(aftersale.out_refund_no)
    aftersale.refresh_from_db()
    assert aftersale.state == State.MERCHANT_REFUND_SUCCESS and aftersale.refunded_at
    assert SKU.objects.get(pk=line.sku_id).stock == stock_before + 3
    assert Order.objects.get(pk=order.pk).status == Status.TO_SHIP  # line B is still owed


def test_the_order_ends_as_200_when_every_unit_is_refunded(buyer, paid_order, merchant_view):
    order = paid_order()
    for line, quantity in ((0, 3), (1, 1)):
        aftersale = ask(buyer, order, line=line, quantity=quantity)
        services.approve_aftersale(store=merchant_view, aftersale_id=aftersale.pk)
        services.refund_succeeded(f"AS{aftersale.pk}")
    assert Order.objects.get(pk=order.pk).status == Status.CANCELLED_REFUNDED
    assert sum(a.amount_fen for a in AfterSale.objects.filter(order=order)) == order.total_fen


def test_return_path_ship_back_receive_refund(buyer, shipped_order, merchant_view):
    order = shipped_order()
    line = order.lines.order_by("pk").first()
    aftersale = ask(buyer, order, kind=Kind.RETURN, quantity=2)
    with clock.travel_to(clock.now()):
        services.approve_aftersale(store=merchant_view, aftersale_id=aftersale.pk)
        assert (
            AfterSale.objects.get(pk=aftersale.pk).return_deadline == clock.now() + rules.RETURN_SHIP_WITHIN
        )
    aftersale.refresh_from_db()
    assert aftersale.state == State.USER_WAIT_RETURN
    services.ship_return(buyer=buyer, aftersale_id=aftersale.pk, carrier="顺丰", tracking_no="SF7654321")
    stock_before = SKU.objects.get(pk=line.sku_id).stock
    services.receive_return(store=merchant_view, aftersale_id=aftersale.pk)
    aftersale.refresh_from_db()
    assert aftersale.state == State.PLATFORM_REFUNDING and aftersale.restocked_quantity == 2
    assert SKU.objects.get(pk=line.sku_id).stock == stock_before + 2
    services.refund_succeeded(aftersale.out_refund_no)
    assert AfterSale.objects.get(pk=aftersale.pk).state == State.MERCHANT_RETURN_SUCCESS


def test_exchange_path_moves_no_money(buyer, shipped_order, merchant_view):
    order = shipped_order()
    aftersale = ask(buyer, order, kind=Kind.EXCHANGE, quantity=1)
    assert aftersale.amount_fen == 0
    services.approve_aftersale(store=merchant_view, aftersale_id=aftersale.pk)
    services.ship_return(buyer=buyer, aftersale_id=aftersale.pk, carrier="顺丰", tracking_no="SF7654321")
    with pytest.raises(DomainError):
        services.receive_return(store=merchant_view, aftersale_id=aftersale.pk)  # the replacement's tracking
    services.receive_return(
        store=merchant_view, aftersale_id=aftersale.pk, carrier="顺丰", tracking_no="SF1111111"
    )
    services.confirm_exchange(buyer=buyer, aftersale_id=aftersale.pk)
    aftersale.refresh_from_db()
    assert aftersale.state == State.MERCHANT_RETURN_SUCCESS and aftersale.out_refund_no is None


def test_a_failed_refund_is_visible_and_retried(buyer, paid_order, merchant_view, operator):
    aftersale = ask(buyer, paid_order())
    services.approve_aftersale(store=merchant_view, aftersale_id=aftersale.pk)
    services.refund_failed(f"AS{aftersale.pk}", final=False, reason="bank declined")
    assert AfterSale.objects.get(pk=aftersale.pk).state == State.PLATFORM_REFUND_FAIL
    services.refund_failed(f"AS{aftersale.pk}", final=True, reason="retries exhausted")
    assert AfterSale.objects.get(pk=aftersale.pk).state == State.MERCHANT_REFUND_RETRY_FAIL
    services.retry_refund(operator=operator, aftersale_id=aftersale.pk)
    assert AfterSale.objects.get(pk=aftersale.pk).state == State.PLATFORM_REFUNDING
    services.refund_succeeded(f"AS{aftersale.pk}")
    assert AfterSale.objects.get(pk=aftersale.pk).state == State.MERCHANT_REFUND_SUCCESS


# --------------------------------------------------------------------------------- timeouts


def test_48_hours_without_an_answer_approve_a_refund(buyer, paid_order):
    with clock.travel_to(clock.now()):
        aftersale = ask(buyer, paid_order())
        clock.advance(timedelta(hours=47, minutes=59))
        assert tasks.approve_overdue_refund.call(aftersale.pk) is False
        clock.advance(timedelta(minutes=1))
        assert tasks.approve_overdue_refund.call(aftersale.pk) is True
    aftersale.refresh_from_db()
    assert aftersale.state == State.PLATFORM_REFUNDING
    states = list(aftersale.events.values_list("to_state", flat=True))
    assert states == [State.MERCHANT_PROCESSING, State.MERCHANT_OVERDUE_REFUND, State.PLATFORM_REFUNDING]


def test_returns_not_shipped_within_7_days_close(buyer, shipped_order, merchant_view):
    with clock.travel_to(clock.now()):
        aftersale = ask(buyer, shipped_order(), kind=Kind.RETURN)
        services.approve_aftersale(store=merchant_view, aftersale_id=aftersale.pk)
        clock.advance(rules.RETURN_SHIP_WITHIN - timedelta(seconds=1))
        assert tasks.close_unreturned.call(aftersale.pk) is False
        clock.advance(timedelta(seconds=1))
        assert tasks.close_unreturned.call(aftersale.pk) is True
    assert AfterSale.objects.get(pk=aftersale.pk).state == State.RETURN_CLOSED


def test_a_dispute_within_7_days_of_the_rejection(buyer, paid_order, merchant_view, operator):
    with clock.travel_to(clock.now()):
        order = paid_order()
        late = ask(buyer, order, line=1)
        services.reject_aftersale(store=merchant_view, aftersale_id=late.pk, reason="已发货")
        clock.advance(rules.DISPUTE_WITHIN + timedelta(seconds=1))
        assert code_of(
            lambda: services.open_dispute(buyer=buyer, aftersale_id=late.pk, statement="没收到")
        ) == ("dispute_window_over")
        aftersale = ask(buyer, order)
        services.reject_aftersale(store=merchant_view, aftersale_id=aftersale.pk, reason="不同意")
        clock.advance(rules.DISPUTE_WITHIN)
        dispute = services.open_dispute(buyer=buyer, aftersale_id=aftersale.pk, statement="商品有质量问题")
    assert code_of(lambda: ask(buyer, order)) == "aftersale_open_exists"  # the dispute keeps it open
    decided = services.decide_dispute(
        operator=operator, dispute_id=dispute.pk, decision="buyer", note="证据充分"
    )
    assert (decided.status, decided.decision) == ("decided", "buyer")
    assert AfterSale.objects.get(pk=aftersale.pk).state == State.PLATFORM_REFUNDING


def test_a_dispute_decided_for_the_merchant_ends_the_request(
    buyer, shipped_order, merchant_view, operator, merchant
):
    aftersale = ask(buyer, shipped_order(), kind=Kind.RETURN)
    services.reject_aftersale(store=merchant_view, aftersale_id=aftersale.pk, reason="人为损坏")
    dispute = services.open_dispute(buyer=buyer, aftersale_id=aftersale.pk, statement="不是人为损坏")
    assert code_of(
        lambda: services.decide_dispute(operator=merchant, dispute_id=dispute.pk, decision="buyer")
    ) == ("permission_denied")
    services.decide_dispute(operator=operator, dispute_id=dispute.pk, decision="merchant")
    assert AfterSale.objects.get(pk=aftersale.pk).state == State.MERCHANT_FAIL
    assert code_of(
        lambda: services.decide_dispute(operator=operator, dispute_id=dispute.pk, decision="buyer")
    ) == ("invalid_transition")


# ------------------------------------------------------------------------- the whole table


@pytest.mark.parametrize("action", sorted(rules.TRANSITIONS))
def test_every_transition_moves_only_from_its_states(buyer, paid_order, action):
    order = paid_order()
    aftersale = ask(buyer, order)
    for state in State:
        AfterSale.objects.filter(pk=aftersale.pk).update(state=state)
        aftersale.refresh_from_db()
        target = rules.TRANSITIONS[action].get(state)
        if target is None:
            assert (
                code_of(lambda a=aftersale: services._move(a, action, actor="test")) == "invalid_transition"
            )
            assert AfterSale.objects.get(pk=aftersale.pk).state == state
        else:
            services._move(aftersale, action, actor="test")
            assert AfterSale.objects.get(pk=aftersale.pk).state == target


def test_every_state_is_reachable_and_every_action_is_used_by_a_service():
    import inspect

    source = inspect.getsource(services)
    for action in rules.TRANSITIONS:
        assert f'"{action}"' in source, f"no service performs {action}"
    reachable = {State.MERCHANT_PROCESSING} | {
        t for moves in rules.TRANSITIONS.values() for t in moves.values()
    }
    assert reachable == set(State)


def test_the_docs_print_the_transition_table():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "docs" / "aftersales.md").read_text()
    for action, moves in rules.TRANSITIONS.items():
        for source, target in moves.items():
            assert f"| `{action}` | `{source}` | `{target}` |" in text


def test_operators_see_requests_in_the_admin_and_resend_a_failed_refund(
    client, operator, buyer, paid_order, merchant_view
):
    from django.urls import reverse

    aftersale = ask(buyer, paid_order())
    services.approve_aftersale(store=merchant_view, aftersale_id=aftersale.pk)
    services.refund_failed(f"AS{aftersale.pk}", final=True, reason="retries exhausted")
    from xiaodian.accounts.models import User

    User.objects.filter(pk=operator.pk).update(is_superuser=True)
    client.force_login(operator)
    assert client.get(reverse("admin:aftersales_aftersale_change", args=[aftersale.pk])).status_code == 200
    assert client.get(reverse("admin:aftersales_dispute_changelist")).status_code == 200
    client.post(
        reverse("admin:aftersales_aftersale_changelist"),
        {"action": "retry_refund", "_selected_action": [aftersale.pk]},
    )
    assert AfterSale.objects.get(pk=aftersale.pk).state == State.PLATFORM_REFUNDING


def test_units_refunded_before_shipping_are_not_shipped(buyer, paid_order, merchant_view, store):
    from xiaodian.orders import services as orders

    order = paid_order()
    line = order.lines.order_by("pk").first()  # 3 units
    aftersale = ask(buyer, order, quantity=2)
    services.approve_aftersale(store=merchant_view, aftersale_id=aftersale.pk)
    services.refund_succeeded(f"AS{aftersale.pk}")
    line.refresh_from_db()
    assert (line.withdrawn_quantity, line.to_ship) == (2, 1)
    orders.ship_order(store=store, order_id=order.pk, carrier="SF", tracking_no="SF1234567890123")
    line.refresh_from_db()
    order.refresh_from_db()
    assert (line.shipped_quantity, order.status) == (1, Status.SHIPPED)
    assert order.shipments.get().lines.get(line=line).quantity == 1


def test_a_partly_shipped_order_is_shipped_once_the_rest_is_refunded(buyer, paid_order, merchant_view, store):
    from xiaodian.orders import services as orders

    order = paid_order()
    first, _second = order.lines.order_by("pk")
    orders.ship_order(
        store=store, order_id=order.pk, carrier="SF", tracking_no="SF1234567890123", line_ids=[first.pk]
    )
    aftersale = ask(buyer, order, line=1, quantity=1)
    services.approve_aftersale(store=merchant_view, aftersale_id=aftersale.pk)
    services.refund_succeeded(f"AS{aftersale.pk}")
    order.refresh_from_db()
    assert order.status == Status.SHIPPED and order.shipped_at is not None
