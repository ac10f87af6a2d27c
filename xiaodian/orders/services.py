"""Writes for carts, addresses, checkout and the life of an order.

Every status change goes through `_move`, which checks `rules.TRANSITIONS`, updates the row only
if it still has the status we read (a conditional UPDATE), and records an `OrderEvent`. Side
effects (signals, payment close/refund calls, scheduled tasks) run on commit.
"""

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import CharField, F
from django.db.models.functions import Least
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiaodian.accounts.models import User
from xiaodian.catalog import services as catalog
from xiaodian.catalog.models import SKU
from xiaodian.catalog.rules import ProductState
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.text import contains_contact_details
from xiaodian.payments import services as payments
from xiaodian.payments.models import Payment, PaymentStatus, Purpose
from xiaodian.stores.models import Store
from xiaodian.stores.rules import StoreState

from . import rules, signals, sources, tasks
from .models import Address, CartItem, Checkout, Order, OrderEvent, OrderLine, Shipment, ShipmentLine
from .numbers import order_number
from .rules import EventNote, Scene, Status

_PHONE = re.compile(r"1[3-9]\d{9}")
_NUMBER_ATTEMPTS = 3


@dataclass(frozen=True)
class LineRequest:
    sku_id: int
    quantity: int


# A caller's extra hold on a new checkout (a live room's flash-sale stock): called inside the
# checkout's transaction with what was just written, before the SKU stock is taken. It raises a
# DomainError to refuse, and everything rolls back. A replayed checkout never calls it.
Hold = Callable[[Checkout, list[Order], list[OrderLine]], None]


SOURCE_PROBLEMS = {
    "scene": gettext_lazy("来源与场景不匹配。"),
    "flow": gettext_lazy("直播间的订单须在直播间里下单。"),
    "missing": gettext_lazy("来源不存在或未公开。"),
}


# ---------------------------------------------------------------------------------- addresses


def _clean_address(*, recipient: str, phone: str, region: str, detail: str) -> dict:
    values = {
        "recipient": recipient.strip(),
        "phone": phone.strip(),
        "region": region.strip(),
        "detail": detail.strip(),
    }
    for field, value in values.items():
        model_field = Address._meta.get_field(field)
        assert isinstance(model_field, CharField) and model_field.max_length  # four text columns
        if not value or len(value) > model_field.max_length:
            raise DomainError(
                "validation_error",
                _("%(field)s 需为 1–%(max)d 个字符。")
                % {"field": model_field.verbose_name, "max": model_field.max_length},
                field=f"address.{field}",
            )
    if not _PHONE.fullmatch(values["phone"]):
        raise DomainError("validation_error", _("请填写 11 位手机号。"), field="address.phone")
    return values


def save_address(
    *, buyer: User, recipient: str, phone: str, region: str, detail: str, is_default: bool = False
) -> Address:
    values = _clean_address(recipient=recipient, phone=phone, region=region, detail=detail)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=buyer.pk).first()  # one address book write at a time
        if Address.objects.filter(buyer=buyer).count() >= rules.ADDRESSES_MAX:
            raise DomainError("validation_error", _("最多保存 %(n)d 个地址。") % {"n": rules.ADDRESSES_MAX})
        first = not Address.objects.filter(buyer=buyer).exists()
        if is_default and not first:
            Address.objects.filter(buyer=buyer, is_default=True).update(is_default=False)
        return Address.objects.create(buyer=buyer, is_default=is_default or first, **values)


def delete_address(*, buyer: User, address_id: int) -> None:
    if not Address.objects.filter(buyer=buyer, pk=address_id).delete()[0]:
        raise DomainError("not_found")


# --------------------------------------------------------------------------------------- cart


def _buyable_skus(sku_ids) -> dict[int, SKU]:
    """SKUs that can be bought now (listed product, open store), with product and store, in one query."""
    return {
        sku.pk: sku
        for sku in SKU.objects.select_related("product__store").filter(
            pk__in=sku_ids,
            is_active=True,
            product__state=ProductState.LISTED,
            product__store__state=StoreState.OPEN,
        )
    }


def add_to_cart(
    *,
    buyer: User,
    sku_id: int,
    quantity: int = 1,
    scene: int = Scene.OTHER,
    source_type: str = "",
    source_id=None,
) -> CartItem:
    """Add a SKU (again: the quantities add up). Where it was added from is kept as the item's
    last touch when it names a scene; a checkout from the cart records it (`cart_scene`)."""
    if not 1 <= quantity <= rules.QUANTITY_MAX:
        raise DomainError("validation_error", field="quantity")
    if scene not in Scene.values or len(source_type) > 20 or not sources.allowed(scene, source_type):
        raise DomainError("validation_error", SOURCE_PROBLEMS["scene"], field="source_type")
    if sku_id not in _buyable_skus([sku_id]):
        raise DomainError("product_not_available", field="sku_id")
    touch = {}
    if scene != Scene.OTHER or source_type:
        touch = {
            "scene": scene,
            "source_type": source_type,
            "source_id": source_id,
            "touched_at": clock.now(),
        }
    with transaction.atomic():
        item = CartItem.objects.filter(buyer=buyer, sku_id=sku_id).first()
        if item is not None:
            CartItem.objects.filter(pk=item.pk).update(
                quantity=Least(F("quantity") + quantity, rules.QUANTITY_MAX), **touch
            )
            item.refresh_from_db()
            return item
        if CartItem.objects.filter(buyer=buyer).count() >= rules.CART_ITEMS_MAX:
            raise DomainError("validation_error", _("购物车已满。"), field="sku_id")
        try:
            with transaction.atomic():
                return CartItem.objects.create(buyer=buyer, sku_id=sku_id, quantity=quantity, **touch)
        except IntegrityError:  # the same SKU added twice at once: the other insert won
            return add_to_cart(
                buyer=buyer,
                sku_id=sku_id,
                quantity=quantity,
                scene=scene,
                source_type=source_type,
                source_id=source_id,
            )


def set_cart_quantity(*, buyer: User, item_id: int, quantity: int) -> CartItem:
    if not 1 <= quantity <= rules.QUANTITY_MAX:
        raise DomainError("validation_error", field="quantity")
    if not CartItem.objects.filter(buyer=buyer, pk=item_id).update(quantity=quantity):
        raise DomainError("not_found")
    return CartItem.objects.get(pk=item_id)


def remove_cart_item(*, buyer: User, item_id: int) -> None:
    if not CartItem.objects.filter(buyer=buyer, pk=item_id).delete()[0]:
        raise DomainError("not_found")


# ----------------------------------------------------------------------------------- checkout


def request_hash(payload: dict) -> str:
    """The fingerprint of a checkout request: same body, same hash, whatever the key order."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _merged(items: Sequence[LineRequest]) -> dict[int, int]:
    if not 1 <= len(items) <= rules.LINES_MAX:
        raise DomainError("validation_error", field="items")
    wanted: dict[int, int] = defaultdict(int)
    for item in items:
        if not 1 <= item.quantity <= rules.QUANTITY_MAX:
            raise DomainError("validation_error", field="items.quantity")
        wanted[item.sku_id] += item.quantity
    if any(q > rules.QUANTITY_MAX for q in wanted.values()):
        raise DomainError("validation_error", field="items.quantity")
    return dict(wanted)


def _replay(buyer: User, idempotency_key: str, fingerprint: str) -> Checkout | None:
    existing = Checkout.objects.filter(buyer=buyer, idempotency_key=idempotency_key).first()
    if existing is not None and existing.request_hash != fingerprint:
        raise DomainError("idempotency_conflict")
    return existing


def place_order(
    *,
    buyer: User,
    items: Sequence[LineRequest],
    address: dict | None = None,
    address_id: int | None = None,
    scene: int = Scene.OTHER,
    source_type: str = "",
    source_id: int | None = None,
    idempotency_key: str,
    fingerprint: str,
    unit_prices: Mapping[int, int] | None = None,
    hold: Hold | None = None,
) -> Checkout:
    """Create one order per store and take their stock, all or nothing.

    The same `idempotency_key` with the same `fingerprint` returns the first checkout; with
    another fingerprint it is refused (`idempotency_conflict`).

    `unit_prices` ({sku_id: fen}) lowers some lines' unit price (a live room's price): never
    above the SKU's own price. `hold` runs inside the transaction of a new checkout (see `Hold`)."""
    if not 1 <= len(idempotency_key) <= rules.IDEMPOTENCY_KEY_MAX:
        raise DomainError("validation_error", field="Idempotency-Key")
    if scene not in Scene.values:
        raise DomainError("validation_error", field="scene")
    wanted = _merged(items)
    prices = dict(unit_prices or {})
    if any(sku_id not in wanted or not isinstance(fen, int) or fen < 1 for sku_id, fen in prices.items()):
        raise DomainError("validation_error", field="unit_prices")
    snapshot = _address_snapshot(buyer, address, address_id)
    skus = _buyable_skus(wanted)
    why = sources.problem(
        scene,
        source_type,
        source_id,
        store_ids={s.product.store_id for s in skus.values()},
        held=hold is not None,
    )
    if why:
        raise DomainError("validation_error", SOURCE_PROBLEMS[why], field="source_type")
    if len(skus) != len(wanted):
        # A replay must answer as the first time did, even if the product sold out since.
        if (existing := _replay(buyer, idempotency_key, fingerprint)) is not None:
            return existing
        raise DomainError("product_not_available", field="items")
    for attempt in range(_NUMBER_ATTEMPTS):
        try:
            return _create_checkout(
                buyer,
                wanted,
                skus,
                snapshot,
                scene,
                source_type,
                source_id,
                idempotency_key,
                fingerprint,
                prices=prices,
                hold=hold,
            )
        except IntegrityError:
            # The key was used before (replay it, or refuse another body), or an order number collided.
            if (existing := _replay(buyer, idempotency_key, fingerprint)) is not None:
                return existing
            if attempt == _NUMBER_ATTEMPTS - 1:
                raise
        except DomainError:
            # Out of stock: a replay of a checkout that succeeded earlier still gets its first answer.
            if (existing := _replay(buyer, idempotency_key, fingerprint)) is not None:
                return existing
            raise
    raise AssertionError("unreachable")


def _address_snapshot(buyer: User, address: dict | None, address_id: int | None) -> dict:
    if address_id is not None:
        saved = Address.objects.filter(buyer=buyer, pk=address_id).first()
        if saved is None:
            raise DomainError("not_found", field="address_id")
        return saved.snapshot()
    if address is None:
        raise DomainError("validation_error", _("请填写收货地址。"), field="address")
    return _clean_address(**address)


def _create_checkout(
    buyer,
    wanted,
    skus,
    snapshot,
    scene,
    source_type,
    source_id,
    idempotency_key,
    fingerprint,
    *,
    prices: Mapping[int, int],
    hold: Hold | None,
):
    now = clock.now()
    by_store: dict[int, list[SKU]] = defaultdict(list)
    for sku_id in sorted(wanted):
        by_store[skus[sku_id].product.store_id].append(skus[sku_id])
    unit = {sku_id: min(sku.price_fen, prices.get(sku_id, sku.price_fen)) for sku_id, sku in skus.items()}
    totals = {store_id: sum(unit[s.pk] * wanted[s.pk] for s in group) for store_id, group in by_store.items()}
    with transaction.atomic():
        checkout = Checkout.objects.create(
            buyer=buyer,
            idempotency_key=idempotency_key,
            request_hash=fingerprint,
            total_fen=sum(totals.values()),
            created_at=now,
        )
        orders = Order.objects.bulk_create(
            Order(
                number=order_number(now),
                checkout=checkout,
                buyer=buyer,
                store_id=store_id,
                status=Status.UNPAID,
                scene=scene,
                source_type=source_type,
                source_id=source_id,
                address=snapshot,
                goods_fen=totals[store_id],
                shipping_fen=0,
                total_fen=totals[store_id],
                created_at=now,
                pay_deadline=now + rules.PAY_WITHIN,
            )
            for store_id in sorted(by_store)
        )
        lines = OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                sku=sku,
                product_id=sku.product_id,
                title=sku.product.title,
                specs=sku.specs,
                unit_price_fen=unit[sku.pk],
                quantity=wanted[sku.pk],
            )
            for order in orders
            for sku in by_store[order.store_id]
        )
        OrderEvent.objects.bulk_create(
            OrderEvent(order=order, from_status=None, to_status=Status.UNPAID, actor="buyer", at=now)
            for order in orders
        )
        # The close task is a row in this database, written in this transaction (an outbox): it
        # exists exactly when the orders do, and the checkout costs one commit, not two.
        tasks.close_unpaid_checkout.using(run_after=now + rules.PAY_WITHIN).enqueue(checkout.pk)
        if hold is not None:
            hold(checkout, orders, lines)
        # Stock last: the hot SKU rows stay locked only from here to the commit.
        catalog.take_stock(wanted.items())
        transaction.on_commit(lambda: signals.order_placed.send(sender=Order, orders=orders))
    # Hand the caller the orders as written (store, lines, no shipments yet): no read-back queries.
    for order in orders:
        order.store = by_store[order.store_id][0].product.store
        order._prefetched_objects_cache = {  # type: ignore[attr-defined]  # Django's own prefetch cache
            "lines": [ln for ln in lines if ln.order is order],
            "shipments": [],
        }
    checkout.placed_orders = orders
    return checkout


# ------------------------------------------------------------------------------------ payment


def pay_checkout(*, buyer: User, order_id: int, channel: str = "native", payer_openid: str = "") -> Payment:
    """Start (or resume) the one payment for the order's whole checkout."""
    order = Order.objects.select_related("checkout").filter(buyer=buyer, pk=order_id).first()
    if order is None:
        raise DomainError("not_found")
    checkout = order.checkout
    if order.status != Status.UNPAID or clock.now() >= order.pay_deadline:
        raise DomainError("invalid_transition", _("订单已无法支付。"))
    # One payment per checkout (unique in payments): asking again answers the same one.
    return payments.create_payment(
        purpose=Purpose.CHECKOUT,
        reference_id=checkout.pk,
        amount_fen=checkout.total_fen,
        description=_("小店订单 %(number)s") % {"number": order.number},
        channel=channel,
        payer_openid=payer_openid,
    )


def apply_payment(payment: Payment) -> list[Order]:
    """A checkout's payment succeeded: its unpaid orders move to 20 (called inside the
    notification's transaction). Orders that closed meanwhile take their stock again, or are
    cancelled as oversold and refunded."""
    now = clock.now()
    orders = list(Order.objects.select_for_update().filter(checkout_id=payment.reference_id).order_by("pk"))
    paid, oversold = [], []
    for order in orders:
        if order.status == Status.UNPAID:
            _move(order, Status.TO_SHIP, actor="payment", paid_at=now)
            paid.append(order)
        elif order.status == Status.CANCELLED_UNPAID:
            try:
                with transaction.atomic():
                    catalog.take_stock((line.sku_id, line.quantity) for line in order.lines.all())
            except DomainError:
                _move(
                    order,
                    Status.CANCELLED_OVERSOLD,
                    actor="payment",
                    note=EventNote.PAID_AFTER_CLOSING_SOLD_OUT,
                )
                oversold.append(order)
            else:
                _move(order, Status.TO_SHIP, actor="payment", paid_at=now, note=EventNote.PAID_AFTER_CLOSING)
                paid.append(order)
    if paid:
        transaction.on_commit(lambda: signals.order_paid.send(sender=Order, orders=paid))
    for order in oversold:
        transaction.on_commit(_oversold_refund(payment, order))
    return paid


def _oversold_refund(payment: Payment, order: Order) -> Callable[[], object]:
    """The refund of an order paid after its stock went to someone else, to run on commit."""
    return lambda: payments.refund_payment(payment=payment, amount_fen=order.total_fen, reason="oversold")


# ---------------------------------------------------------------------------- status changes


def _move(order: Order, to: int, *, actor: str, note: str = "", **fields) -> Order:
    """Change the order's status if the transition table allows it and nobody changed it first."""
    if to not in rules.TRANSITIONS[order.status]:
        raise DomainError("invalid_transition")
    if not Order.objects.filter(pk=order.pk, status=order.status).update(status=to, **fields):
        raise DomainError("invalid_transition")
    OrderEvent.objects.create(
        order=order, from_status=order.status, to_status=to, actor=actor, note=note, at=clock.now()
    )
    order.status = to
    for name, value in fields.items():
        setattr(order, name, value)
    return order


def _close_unpaid(orders: list[Order], *, actor: str, note: str) -> list[Order]:
    closed = []
    now = clock.now()
    for order in orders:
        if order.status != Status.UNPAID:
            continue
        _move(order, Status.CANCELLED_UNPAID, actor=actor, note=note, closed_at=now)
        catalog.release_stock((line.sku_id, line.quantity) for line in order.lines.all())
        closed.append(order)
    return closed


def _after_close(checkout_id: int, closed: list[Order]) -> None:
    if not closed:
        return
    payment = Payment.objects.filter(purpose=Purpose.CHECKOUT, reference_id=checkout_id).first()
    if payment is not None and payment.status == PaymentStatus.CREATED:
        payments.close_payment(payment)
    signals.order_cancelled.send(sender=Order, orders=closed)


def cancel_order(*, buyer: User, order_id: int) -> list[Order]:
    """The buyer cancels before paying. A checkout is paid together, so it is cancelled together."""
    order = Order.objects.filter(buyer=buyer, pk=order_id).first()
    if order is None:
        raise DomainError("not_found")
    with transaction.atomic():
        orders = list(
            Order.objects.select_for_update()
            .filter(checkout_id=order.checkout_id)
            .prefetch_related("lines")
            .order_by("pk")
        )
        if not any(o.status == Status.UNPAID for o in orders):
            raise DomainError("invalid_transition")
        closed = _close_unpaid(orders, actor="buyer", note=EventNote.CANCELLED_BY_BUYER)
        transaction.on_commit(lambda: _after_close(order.checkout_id, closed))
    return closed


def close_unpaid_checkout(checkout_id: int) -> list[Order]:
    """The 15-minute timeout: unpaid orders of the checkout whose deadline has passed close (250)."""
    with transaction.atomic():
        orders = list(
            Order.objects.select_for_update()
            .filter(checkout_id=checkout_id, status=Status.UNPAID, pay_deadline__lte=clock.now())
            .prefetch_related("lines")
            .order_by("pk")
        )
        closed = _close_unpaid(orders, actor="system", note=EventNote.NOT_PAID_IN_TIME)
        transaction.on_commit(lambda: _after_close(checkout_id, closed))
    return closed


def close_expired_orders() -> int:
    """Sweep every checkout with an overdue unpaid order (a safety net behind the scheduled tasks)."""
    due = (
        Order.objects.filter(status=Status.UNPAID, pay_deadline__lte=clock.now())
        .values_list("checkout_id", flat=True)
        .distinct()
    )
    return sum(len(close_unpaid_checkout(checkout_id)) for checkout_id in list(due))


def ship_order(
    *, store: Store, order_id: int, carrier: str, tracking_no: str, line_ids: Sequence[int] | None = None
) -> Order:
    """Ship the remaining units of the given lines (all lines when none are named): 21 while
    something is left to ship, 30 when everything has gone."""
    carrier, tracking_no = carrier.strip(), tracking_no.strip()
    if not carrier or len(carrier) > 30 or contains_contact_details(carrier):
        raise DomainError("validation_error", field="carrier")
    if not re.fullmatch(r"[A-Za-z0-9-]{4,40}", tracking_no):
        raise DomainError("validation_error", _("运单号为 4–40 位字母或数字。"), field="tracking_no")
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(store=store, pk=order_id).first()
        if order is None:
            raise DomainError("not_found")
        if order.status not in (Status.TO_SHIP, Status.PARTLY_SHIPPED):
            raise DomainError("invalid_transition")
        if line_ids is not None and not line_ids:
            raise DomainError("validation_error", _("请选择要发货的商品。"), field="line_ids")
        lines = list(order.lines.all())
        chosen = lines if line_ids is None else [line for line in lines if line.pk in set(line_ids)]
        if line_ids is not None and len(chosen) != len(set(line_ids)):
            raise DomainError("not_found", field="line_ids")
        chosen = [line for line in chosen if line.to_ship > 0]
        if not chosen:
            raise DomainError("invalid_transition", _("这些商品已经发货。"), field="line_ids")
        now = clock.now()
        shipment = Shipment.objects.create(
            order=order, carrier=carrier, tracking_no=tracking_no, created_at=now
        )
        ShipmentLine.objects.bulk_create(
            ShipmentLine(shipment=shipment, line=line, quantity=line.to_ship) for line in chosen
        )
        OrderLine.objects.filter(pk__in=[line.pk for line in chosen]).update(
            shipped_quantity=F("quantity") - F("withdrawn_quantity")
        )
        done = all(line.to_ship == 0 or line in chosen for line in lines)
        if done:
            _move(order, Status.SHIPPED, actor="merchant", shipped_at=now)
            transaction.on_commit(lambda: _after_shipping(order, shipped_at=now))
        else:
            _move(order, Status.PARTLY_SHIPPED, actor="merchant")
    return order


def _after_shipping(order: Order, *, shipped_at: datetime) -> None:
    tasks.auto_confirm_order.using(run_after=shipped_at + rules.AUTO_CONFIRM_AFTER).enqueue(order.pk)
    signals.order_shipped.send(sender=Order, orders=[order])


def confirm_receipt(*, buyer: User, order_id: int) -> Order:
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(buyer=buyer, pk=order_id).first()
        if order is None:
            raise DomainError("not_found")
        _move(order, Status.COMPLETED, actor="buyer", received_at=clock.now())
        transaction.on_commit(lambda: signals.order_confirmed.send(sender=Order, orders=[order]))
    return order


def auto_confirm(order_id: int) -> Order | None:
    """Ten days after shipping, a shipped order completes by itself."""
    now = clock.now()
    with transaction.atomic():
        order = (
            Order.objects.select_for_update()
            .filter(pk=order_id, status=Status.SHIPPED, shipped_at__lte=now - rules.AUTO_CONFIRM_AFTER)
            .first()
        )
        if order is None:
            return None
        _move(
            order, Status.COMPLETED, actor="system", note=EventNote.CONFIRMED_AUTOMATICALLY, received_at=now
        )
        transaction.on_commit(lambda: signals.order_confirmed.send(sender=Order, orders=[order]))
    return order


def auto_confirm_due_orders() -> int:
    due = Order.objects.filter(status=Status.SHIPPED, shipped_at__lte=clock.now() - rules.AUTO_CONFIRM_AFTER)
    return sum(auto_confirm(pk) is not None for pk in list(due.values_list("pk", flat=True)))


def withdraw_units(*, line_id: int, quantity: int) -> int:
    """Units refunded before they shipped stop being owed (called inside the refund's
    transaction). Returns how many were withdrawn: at most what is still unshipped. An order
    whose remaining units are all shipped then counts as shipped."""
    with transaction.atomic():
        line = OrderLine.objects.select_for_update().get(pk=line_id)
        take = max(0, min(quantity, line.to_ship))
        if not take:
            return 0
        OrderLine.objects.filter(pk=line.pk).update(withdrawn_quantity=F("withdrawn_quantity") + take)
        order = Order.objects.select_for_update().get(pk=line.order_id)
        rest = OrderLine.objects.filter(order=order).exclude(pk=line.pk)
        nothing_left = line.to_ship == take and all(other.to_ship == 0 for other in rest)
        shipped_some = order.status == Status.PARTLY_SHIPPED
        if nothing_left and shipped_some:
            shipped_at = clock.now()
            _move(order, Status.SHIPPED, actor="system", shipped_at=shipped_at)
            transaction.on_commit(lambda: _after_shipping(order, shipped_at=shipped_at))
    return take


def mark_fully_refunded(*, order_id: int) -> Order:
    """Every unit of the order was refunded (the after-sales app decides): the order ends as 200."""
    order = Order.objects.select_for_update().get(pk=order_id)
    _move(
        order, Status.CANCELLED_REFUNDED, actor="system", note=EventNote.FULLY_REFUNDED, closed_at=clock.now()
    )
    transaction.on_commit(lambda: signals.order_cancelled.send(sender=Order, orders=[order]))
    return order


def deadline_of(order: Order) -> datetime | None:
    """When the order's next automatic step happens, if any."""
    if order.status == Status.UNPAID:
        return order.pay_deadline
    if order.status == Status.SHIPPED and order.shipped_at:
        return order.shipped_at + rules.AUTO_CONFIRM_AFTER
    return None
