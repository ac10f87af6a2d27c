"""Writes for carts, addresses, checkout and the life of an order.

Every status change goes through `_move`, which checks `rules.TRANSITIONS`, updates the row only
if it still has the status we read (a conditional UPDATE), and records an `OrderEvent`. Facts go
out as durable events (`events.py`), written in the same transaction; the side effects that hang
on them (closing or refunding the payment, scheduled tasks, other apps' stock) are their handlers.
"""

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import CharField, F
from django.db.models.functions import Least
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.catalog import services as catalog
from xiaodian.catalog.models import SKU
from xiaodian.catalog.rules import ProductState
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.pagination import MAX_ID
from xiaodian.core.text import is_storable
from xiaodian.payments import services as payments
from xiaodian.payments.models import Payment, PaymentStatus, Purpose
from xiaodian.stores.models import Store
from xiaodian.stores.rules import StoreState

from . import amounts, events, extensions, rules, selectors, sources, tasks
from .models import Address, CartItem, Checkout, Order, OrderEvent, OrderLine, Shipment, ShipmentLine
from .numbers import order_number
from .rules import EventNote, Scene, Status

_PHONE = re.compile(rules.PHONE_PATTERN)
_NUMBER_ATTEMPTS = 3


@dataclass(frozen=True)
class LineRequest:
    sku_id: int
    quantity: int


SOURCE_PROBLEMS = {
    "scene": gettext_lazy("来源与场景不匹配。"),
    "flow": gettext_lazy("直播间的订单须在直播间里下单。"),
    "missing": gettext_lazy("来源不存在或未公开。"),
}


# ---------------------------------------------------------------------------------- addresses


def clean_address(*, recipient: str, phone: str, region: str, detail: str, prefix: str = "address") -> dict:
    """An address's four fields, trimmed and checked (lengths, an 11-digit mobile number); a
    refusal names `<prefix>.<field>`. Delivery addresses and stores' return addresses alike."""
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
                field=f"{prefix}.{field}" if prefix else field,
            )
    if not _PHONE.match(values["phone"]):
        raise DomainError(
            "validation_error", _("请填写 11 位手机号。"), field=f"{prefix}.phone" if prefix else "phone"
        )
    return values


def save_address(
    *, buyer: User, recipient: str, phone: str, region: str, detail: str, is_default: bool = False
) -> Address:
    values = clean_address(recipient=recipient, phone=phone, region=region, detail=detail)
    with transaction.atomic():
        address = _add_address(buyer, values, is_default=is_default)
        if address is None:
            raise DomainError("validation_error", ADDRESS_BOOK_FULL % {"n": rules.ADDRESSES_MAX})
        return address


ADDRESS_BOOK_FULL = gettext_lazy("最多保存 %(n)d 个地址。")


def _add_address(buyer: User, values: dict, *, is_default: bool = False) -> Address | None:
    """Inside the caller's transaction: the address joins the buyer's book (None when the book is
    full). The first address, or one asked to be, is the default."""
    User.objects.select_for_update().filter(pk=buyer.pk).first()  # one address book write at a time
    count = Address.objects.filter(buyer=buyer).count()
    if count >= rules.ADDRESSES_MAX:
        return None
    if is_default and count:
        Address.objects.filter(buyer=buyer, is_default=True).update(is_default=False)
    return Address.objects.create(buyer=buyer, is_default=is_default or not count, **values)


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
    if (
        scene not in Scene.values
        or len(source_type) > rules.SOURCE_TYPE_MAX
        or not sources.allowed(scene, source_type)
    ):
        raise DomainError("validation_error", SOURCE_PROBLEMS["scene"], field="source_type")
    sku = _buyable_skus([sku_id]).get(sku_id)
    if sku is None:
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
        _check_stock(sku, quantity + (item.quantity if item else 0))
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


def _check_stock(sku: SKU, quantity: int) -> None:
    """The cart never holds more than the stock allows, and says how many are left (checkout
    takes the stock for real, under its own lock: this only spares the buyer a surprise there)."""
    if quantity > sku.stock:
        message = (
            ngettext("库存不足，只剩 %(n)d 件。", "库存不足，只剩 %(n)d 件。", sku.stock) % {"n": sku.stock}
            if sku.stock
            else _("已售罄。")
        )
        raise DomainError("out_of_stock", message, field="quantity")


def set_cart_quantity(*, buyer: User, item_id: int, quantity: int) -> CartItem:
    if not 1 <= quantity <= rules.QUANTITY_MAX:
        raise DomainError("validation_error", field="quantity")
    item = CartItem.objects.filter(buyer=buyer, pk=item_id).select_related("sku").first()
    if item is None:
        raise DomainError("not_found")
    _check_stock(item.sku, quantity)
    if not CartItem.objects.filter(buyer=buyer, pk=item_id).update(quantity=quantity):
        raise DomainError("not_found")
    return CartItem.objects.get(pk=item_id)


def remove_cart_item(*, buyer: User, item_id: int) -> None:
    if not CartItem.objects.filter(buyer=buyer, pk=item_id).delete()[0]:
        raise DomainError("not_found")


# ----------------------------------------------------------------------------------- checkout


@dataclass(frozen=True)
class PlacedCheckout:
    """What a checkout answers: the checkout, its orders (one per store, in store order) with their
    lines, and whether this was a replay of an earlier request with the same key and body (then
    the orders were read back, and nothing was written, saved or cleared)."""

    checkout: Checkout
    orders: list[Order]
    lines: dict[int, list[OrderLine]]  # by order id
    replayed: bool
    address_saved: bool = False

    @property
    def order_ids(self) -> list[int]:
        return [order.pk for order in self.orders]


def fingerprint(
    *,
    items: Mapping[int, int],
    address: dict | None,
    address_id: int | None,
    scene: int,
    source_type: str,
    source_id: int | None,
    options: Mapping[str, Any],
    recipient_id: int | None,
    note: str = "",
    coupon_ids: Sequence[int] = (),
    open_gift: bool = False,
) -> str:
    """The one fingerprint of a checkout request, whichever door it came through (API, page, live
    room): the same lines, address, source, flow options and gift recipient give the same hash,
    whatever the order of lines or keys."""
    payload: dict[str, Any] = {
        "items": sorted([sku_id, quantity] for sku_id, quantity in items.items()),
        "address": address,
        "address_id": address_id,
        "scene": scene,
        "source_type": source_type,
        "source_id": source_id,
        "options": dict(options),
        "recipient_id": recipient_id,
    }
    if note:  # (only when there is one: the fingerprints of checkouts without a note stay as they were)
        payload["note"] = note
    if coupon_ids:  # (likewise: only when coupons were chosen)
        payload["coupon_ids"] = sorted(set(coupon_ids))
    if open_gift:  # (likewise)
        payload["open_gift"] = True
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


def _replay(buyer: User, idempotency_key: str, fingerprint: str) -> PlacedCheckout | None:
    existing = Checkout.objects.filter(buyer=buyer, idempotency_key=idempotency_key).first()
    if existing is None:
        return None
    if existing.request_hash != fingerprint:
        raise DomainError("idempotency_conflict")
    orders = list(
        Order.objects.filter(checkout=existing)
        .select_related("store")
        .prefetch_related("lines", "shipments")
        .order_by("pk")
    )
    lines = {order.pk: list(order.lines.all()) for order in orders}
    return PlacedCheckout(checkout=existing, orders=orders, lines=lines, replayed=True)


def place_order(
    *,
    buyer: User,
    items: Sequence[LineRequest],
    idempotency_key: str,
    address: dict | None = None,
    address_id: int | None = None,
    scene: int = Scene.OTHER,
    source_type: str = "",
    source_id: int | None = None,
    options: Mapping[str, Any] | None = None,
    recipient: User | None = None,
    save_address: bool = False,
    cart_item_ids: Sequence[int] = (),
    note: str = "",
    coupon_ids: Sequence[int] = (),
    open_gift: bool = False,
) -> PlacedCheckout:
    """The one checkout: one order per store, their stock taken, all or nothing, in one
    transaction. The API, the checkout page and the live room all come here.

    The same `idempotency_key` with the same request (see `fingerprint`) answers the first
    checkout again (`replayed`); with another request it is refused (`idempotency_conflict`).

    A source that does not fit its scene, does not exist, or names a live room outside the room is
    refused (`validation_error`, field `source_type`); a scene claimed with no source, or with one
    that does not verify for this buyer and these products (`sources.recorded`), is recorded as
    scene 1 with no source (DOMAIN.md "Orders": only a verifiable source makes a scene).

    `options` are a flow's own choices (a live room's shelf item), for the extensions
    (orders.extensions: price adjustments, holds, attribution). A `recipient` makes it a gift
    order: paid, it waits for the recipient (12), who gives the address (`accept_gift`), so none is
    asked for here. `save_address` keeps a new address in the buyer's book (when there is room)
    and `cart_item_ids` are taken out of the cart, both in the same transaction. `note` is the
    buyer's note to the store (rules.NOTE_MAX characters), kept on each of the checkout's orders.
    `coupon_ids` are the buyer's coupons to use (at most one per store order; the coupons app
    checks and takes them through the `discounts` extension and its hold).

    `open_gift` makes a gift whose recipients are named after payment (a group gift): one SKU,
    each unit its own order of one, at the SKU's (adjusted) price with no discounts, all paid
    together; each waits (12) until `assign_gift` names its recipient, who accepts it as any
    gift, and is cancelled and refunded a day after payment if nobody did."""
    if not 1 <= len(idempotency_key) <= rules.IDEMPOTENCY_KEY_MAX:
        raise DomainError("validation_error", field="Idempotency-Key")
    if scene not in Scene.values:
        raise DomainError("validation_error", field="scene")
    options = dict(options or {})
    note = clean_note(note)
    wanted = _merged(items)
    coupons = _coupon_ids(coupon_ids)
    if recipient is not None and recipient.pk == buyer.pk:
        raise DomainError("validation_error", _("不能把礼物送给自己。"), field="recipient_id")
    if open_gift and (recipient is not None or coupons or len(wanted) != 1):
        raise DomainError("validation_error", _("群礼物只能是一种商品，且不用优惠券。"), field="items")
    is_gift = recipient is not None or open_gift
    snapshot = {} if is_gift else _address_snapshot(buyer, address, address_id)
    request_fingerprint = fingerprint(
        items=wanted,
        address=address,
        address_id=address_id,
        scene=scene,
        source_type=source_type,
        source_id=source_id,
        options=options,
        recipient_id=recipient.pk if recipient is not None else None,
        note=note,
        coupon_ids=coupons,
        open_gift=open_gift,
    )
    skus = _buyable_skus(wanted)
    why = sources.problem(
        scene,
        source_type,
        source_id,
        store_ids={s.product.store_id for s in skus.values()},
        held=bool(options),
    )
    if why:
        raise DomainError("validation_error", SOURCE_PROBLEMS[why], field="source_type")
    # What the orders record: the claimed scene only with a source that verifies (DOMAIN.md "Orders").
    scene, source_type, source_id = sources.recorded(
        scene,
        source_type,
        source_id,
        buyer=buyer,
        store_ids={s.product.store_id for s in skus.values()},
        product_ids={s.product_id for s in skus.values()},
    )
    if len(skus) != len(wanted):
        # A replay must answer as the first time did, even if the product sold out since.
        if (existing := _replay(buyer, idempotency_key, request_fingerprint)) is not None:
            return existing
        raise DomainError("product_not_available", field="items")
    context = extensions.CheckoutContext(
        buyer=buyer,
        scene=scene,
        source_type=source_type,
        source_id=source_id,
        options=options,
        lines=tuple(
            extensions.DraftLine(
                sku_id=sku_id,
                product_id=skus[sku_id].product_id,
                store_id=skus[sku_id].product.store_id,
                quantity=quantity,
                list_price_fen=skus[sku_id].price_fen,
            )
            for sku_id, quantity in sorted(wanted.items())
        ),
        coupon_ids=coupons,
    )
    draft = _Draft(
        buyer=buyer,
        wanted=wanted,
        skus=skus,
        address=snapshot,
        recipient=recipient,
        context=context,
        idempotency_key=idempotency_key,
        fingerprint=request_fingerprint,
        save_address=address if save_address and address is not None and not is_gift else None,
        cart_item_ids=tuple(cart_item_ids),
        note=note,
        open_gift=open_gift,
    )
    for attempt in range(_NUMBER_ATTEMPTS):
        try:
            return _create_checkout(draft)
        except IntegrityError:
            # The key was used before (replay it, or refuse another body), or an order number collided.
            if (existing := _replay(buyer, idempotency_key, request_fingerprint)) is not None:
                return existing
            if attempt == _NUMBER_ATTEMPTS - 1:
                raise
        except DomainError:
            # Out of stock: a replay of a checkout that succeeded earlier still gets its first answer.
            if (existing := _replay(buyer, idempotency_key, request_fingerprint)) is not None:
                return existing
            raise
    raise AssertionError("unreachable")


def _coupon_ids(coupon_ids: Sequence[int]) -> tuple[int, ...]:
    """The chosen coupons, each once, in id order."""
    ids = tuple(sorted(set(coupon_ids)))
    if len(ids) > rules.LINES_MAX or any(type(i) is not int or not 1 <= i <= MAX_ID for i in ids):
        raise DomainError("validation_error", field="coupon_ids")
    return ids


def _address_snapshot(buyer: User, address: dict | None, address_id: int | None) -> dict:
    if address_id is not None:
        saved = Address.objects.filter(buyer=buyer, pk=address_id).first()
        if saved is None:
            raise DomainError("not_found", field="address_id")
        return saved.snapshot()
    if address is None:
        raise DomainError("validation_error", _("请填写收货地址。"), field="address")
    return clean_address(**address)


@dataclass(frozen=True)
class _Draft:
    """A checkout request, checked and resolved, ready to be written."""

    buyer: User
    wanted: dict[int, int]
    skus: dict[int, SKU]
    address: dict
    recipient: User | None
    context: extensions.CheckoutContext
    idempotency_key: str
    fingerprint: str
    save_address: dict | None
    cart_item_ids: tuple[int, ...]
    note: str = ""
    open_gift: bool = False  # one order per unit, each waiting for a recipient


def clean_note(note: str) -> str:
    """The buyer's note as kept: spaces around cut, at most rules.NOTE_MAX characters."""
    note = note.strip()
    if len(note) > rules.NOTE_MAX or not is_storable(note):
        raise DomainError(
            "validation_error", _("留言最多 %(n)d 个字。") % {"n": rules.NOTE_MAX}, field="note"
        )
    return note


def _unit_prices(draft: _Draft) -> dict[int, int]:
    """Each SKU's unit price: its own, lowered by any price adjustment (never raised, never below 1)."""
    unit = {sku_id: sku.price_fen for sku_id, sku in draft.skus.items()}
    for adjuster in extensions.price_adjustments:
        for adjustment in adjuster(draft.context):
            fen = adjustment.unit_price_fen
            if adjustment.sku_id not in unit or type(fen) is not int or fen < 1:
                raise DomainError("validation_error", field="unit_price")
            unit[adjustment.sku_id] = min(unit[adjustment.sku_id], fen)
    return unit


@dataclass(frozen=True)
class _StoreDiscount:
    amount_fen: int
    detail: list[dict]
    lines: dict[int, int]  # the discount's part per SKU


def _discounts(
    draft: _Draft, by_store: Mapping[int, list[SKU]], unit: Mapping[int, int]
) -> dict[int, _StoreDiscount]:
    """Each store order's discount from the `discounts` extensions: added up, capped
    (`amounts.max_discount`), and split over the order's lines (`amounts.split_discount`)."""
    wanted = draft.wanted
    drafts = {
        store_id: extensions.StoreOrderDraft(
            store=group[0].product.store,
            lines=tuple(
                extensions.PricedLine(
                    sku_id=sku.pk,
                    product_id=sku.product_id,
                    quantity=wanted[sku.pk],
                    unit_price_fen=unit[sku.pk],
                )
                for sku in group
            ),
        )
        for store_id, group in by_store.items()
    }
    found: dict[int, list[extensions.Discount]] = defaultdict(list)
    for discounter in extensions.discounts:
        for discount in discounter(draft.context, drafts):
            fen = discount.amount_fen
            if discount.store_id not in drafts or type(fen) is not int or fen < 0:
                raise DomainError("validation_error", field="discount")
            if fen:
                found[discount.store_id].append(discount)
    result = {}
    for store_id, given in found.items():
        store_order = drafts[store_id]
        room = amounts.max_discount(store_order.goods_fen)
        detail: list[dict[str, Any]] = []
        for discount in given:
            take = min(discount.amount_fen, room)
            if not take:  # the order is at its 1-fen floor: this one takes nothing (a coupon stays unused)
                continue
            room -= take
            detail.append(
                {
                    "reason": discount.reason,
                    "reference": discount.reference,
                    "label": discount.label,
                    "amount_fen": take,
                }
            )
        total = sum(d["amount_fen"] for d in detail)
        split = amounts.split_discount(total, [line.total_fen for line in store_order.lines])
        result[store_id] = _StoreDiscount(
            amount_fen=total,
            detail=detail,
            lines={line.sku_id: part for line, part in zip(store_order.lines, split, strict=True)},
        )
    return result


_NO_DISCOUNT = _StoreDiscount(amount_fen=0, detail=[], lines={})


def _attributions(draft: _Draft) -> dict[int, extensions.Attribution]:
    """Each line's attribution: the first extension to name it, else the order's own scene and source."""
    context = draft.context
    found: dict[int, extensions.Attribution] = {}
    for attributor in extensions.attributions:
        for sku_id, attribution in attributor(context).items():
            found.setdefault(sku_id, attribution)
    own = extensions.Attribution(
        scene=context.scene, source_type=context.source_type, source_id=context.source_id
    )
    return {sku_id: found.get(sku_id, own) for sku_id in draft.wanted}


def _create_checkout(draft: _Draft) -> PlacedCheckout:
    now = clock.now()
    wanted, skus, context = draft.wanted, draft.skus, draft.context
    by_store: dict[int, list[SKU]] = defaultdict(list)
    for sku_id in sorted(wanted):
        by_store[skus[sku_id].product.store_id].append(skus[sku_id])
    unit = _unit_prices(draft)
    attribution = _attributions(draft)
    discounts = {} if draft.open_gift else _discounts(draft, by_store, unit)
    off = {store_id: discounts.get(store_id, _NO_DISCOUNT) for store_id in by_store}
    # What each order holds, {sku id: quantity}: one order per store, or per unit for an open gift.
    shapes: list[tuple[int, dict[int, int]]] = (
        [(store_id, {sku.pk: 1}) for store_id, (sku,) in by_store.items() for _ in range(wanted[sku.pk])]
        if draft.open_gift
        else [(store_id, {s.pk: wanted[s.pk] for s in by_store[store_id]}) for store_id in sorted(by_store)]
    )
    goods = [sum(unit[sku_id] * q for sku_id, q in shape.items()) for _, shape in shapes]
    totals = [g - off[store_id].amount_fen for g, (store_id, _) in zip(goods, shapes, strict=True)]
    address_saved = False
    with transaction.atomic():
        checkout = Checkout.objects.create(
            buyer=draft.buyer,
            idempotency_key=draft.idempotency_key,
            request_hash=draft.fingerprint,
            total_fen=sum(totals),
            created_at=now,
        )
        orders = Order.objects.bulk_create(
            Order(
                number=order_number(now),
                checkout=checkout,
                buyer=draft.buyer,
                store_id=store_id,
                status=Status.UNPAID,
                scene=context.scene,
                source_type=context.source_type,
                source_id=context.source_id,
                address=draft.address,
                note=draft.note,
                recipient=draft.recipient,
                open_gift=draft.open_gift,
                goods_fen=goods[i],
                shipping_fen=0,
                discount_fen=off[store_id].amount_fen,
                discounts=off[store_id].detail,
                total_fen=totals[i],
                created_at=now,
                pay_deadline=now + rules.PAY_WITHIN,
            )
            for i, (store_id, _) in enumerate(shapes)
        )
        lines = OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                sku=sku,
                product_id=sku.product_id,
                title=sku.product.title,
                specs=sku.specs,
                unit_price_fen=unit[sku.pk],
                quantity=shape[sku.pk],
                discount_fen=off[order.store_id].lines.get(sku.pk, 0),
                scene=attribution[sku.pk].scene,
                source_type=attribution[sku.pk].source_type,
                source_id=attribution[sku.pk].source_id,
                promoter_id=attribution[sku.pk].promoter_id,
                sales_channel=attribution[sku.pk].sales_channel,
            )
            for order, (_, shape) in zip(orders, shapes, strict=True)
            for sku in by_store[order.store_id]
        )
        OrderEvent.objects.bulk_create(
            OrderEvent(order=order, from_status=None, to_status=Status.UNPAID, actor="buyer", at=now)
            for order in orders
        )
        # The close task is a row in this database, written in this transaction (an outbox): it
        # exists exactly when the orders do, and the checkout costs one commit, not two.
        tasks.close_unpaid_checkout.using(run_after=now + rules.PAY_WITHIN).enqueue(checkout.pk)
        written = extensions.Written(checkout=checkout, orders=orders, lines=lines)
        for hold in extensions.holds:
            hold(context, written)
        if draft.save_address is not None:  # if there is room; the order stands either way
            address_saved = _add_address(draft.buyer, draft.address) is not None
        if draft.cart_item_ids:
            CartItem.objects.filter(buyer=draft.buyer, pk__in=draft.cart_item_ids).delete()
        events.order_placed.emit(order_ids=[order.pk for order in orders])
        # Stock last: the hot SKU rows stay locked only from here to the commit.
        catalog.take_stock(wanted.items())
    stores = {store_id: group[0].product.store for store_id, group in by_store.items()}
    for order in orders:
        order.store = stores[order.store_id]
    by_order: dict[int, list[OrderLine]] = defaultdict(list)
    for line in lines:
        by_order[line.order_id].append(line)
    return PlacedCheckout(
        checkout=checkout, orders=orders, lines=dict(by_order), replayed=False, address_saved=address_saved
    )


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
    paid, reopened, oversold = [], [], []
    for order in orders:
        if order.status == Status.UNPAID:
            _move(order, _paid_status(order), actor="payment", paid_at=now)
            paid.append(order)
        elif order.status == Status.CANCELLED_UNPAID:
            note = EventNote.PAID_AFTER_CLOSING_SOLD_OUT
            try:
                with transaction.atomic():
                    catalog.take_stock((line.sku_id, line.quantity) for line in order.lines.all())
                    note = EventNote.PAID_AFTER_CLOSING_HOLD_GONE
                    for hold in extensions.reopen_holds:  # e.g. its coupon, if not used elsewhere
                        hold(order)
            except DomainError:
                _move(order, Status.CANCELLED_OVERSOLD, actor="payment", note=note)
                oversold.append(order)
            else:
                _move(
                    order,
                    _paid_status(order),
                    actor="payment",
                    paid_at=now,
                    note=EventNote.PAID_AFTER_CLOSING,
                )
                paid.append(order)
                reopened.append(order)
    for order in paid:
        if order.status == Status.GIFT_PENDING:  # the recipient has a day to accept
            tasks.cancel_unaccepted_gift.using(run_after=now + rules.GIFT_ACCEPT_WITHIN).enqueue(order.pk)
    if paid:
        events.order_paid.emit(order_ids=[order.pk for order in paid])
    if reopened:  # other apps take back what they gave back when these closed
        events.order_reopened.emit(order_ids=[order.pk for order in reopened])
    if oversold:  # their payment goes back: `settle_cancelled_payment`
        events.order_cancelled.emit(order_ids=[order.pk for order in oversold])
    return paid


def _paid_status(order: Order) -> int:
    """A paid order is to ship; a paid gift waits for its recipient first."""
    return Status.GIFT_PENDING if order.recipient_id is not None or order.open_gift else Status.TO_SHIP


# ---------------------------------------------------------------------------------------- gifts


def accept_gift(
    *,
    recipient: User,
    order_id: int,
    address: dict | None = None,
    address_id: int | None = None,
    sku_id: int | None = None,
) -> Order:
    """The recipient accepts a paid gift within rules.GIFT_ACCEPT_WITHIN of its payment and says
    where it goes: 12 → 20. Someone else's gift is not found. `sku_id` switches a one-line gift
    to another style of the same product at the price paid for it (`switch_gift_style`)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(recipient=recipient, pk=order_id).first()
        if order is None:
            raise DomainError("not_found")
        if order.status != Status.GIFT_PENDING:
            raise DomainError("invalid_transition")
        if order.paid_at is None or clock.now() > order.paid_at + rules.GIFT_ACCEPT_WITHIN:
            raise DomainError("invalid_transition", _("礼物领取已超时。"))
        snapshot = _address_snapshot(recipient, address, address_id)
        if sku_id is not None:
            _switch_gift_style(order, sku_id)
        _move(order, Status.TO_SHIP, actor="recipient", address=snapshot)
    return order


def _switch_gift_style(order: Order, sku_id: int) -> None:
    """Inside the acceptance: the gift's one line becomes another active style (SKU) of the same
    product whose price is the unit price paid, so the money is unchanged; the new style's stock
    is taken and the old one's given back (in primary-key order, one conditional UPDATE each)."""
    lines = list(OrderLine.objects.select_for_update().filter(order=order))
    if len(lines) != 1:
        raise DomainError("validation_error", _("这份礼物不能换款。"), field="sku_id")
    line = lines[0]
    if line.sku_id == sku_id:
        return
    new = SKU.objects.filter(pk=sku_id, product_id=line.product_id, is_active=True).first()
    if new is None:
        raise DomainError("not_found", field="sku_id")
    if new.price_fen != line.unit_price_fen:
        raise DomainError("validation_error", _("只能换成同价的款式。"), field="sku_id")
    for sku, delta in sorted([(line.sku_id, line.quantity), (new.pk, -line.quantity)]):
        if delta > 0:
            catalog.release_stock([(sku, delta)])
        else:
            catalog.take_stock([(sku, -delta)])
    OrderLine.objects.filter(pk=line.pk).update(sku=new, specs=new.specs)


def assign_gift(*, order_id: int, recipient: User) -> Order:
    """Name the recipient of an open gift (a group gift's unit, drawn): a paid open gift waiting
    (12) with nobody named yet; it is then the recipient's to accept like any gift. Inside the
    caller's transaction when there is one."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id, open_gift=True).first()
        if order is None:
            raise DomainError("not_found")
        if order.status != Status.GIFT_PENDING or order.recipient_id is not None:
            raise DomainError("invalid_transition")
        if recipient.pk == order.buyer_id:
            raise DomainError("validation_error", _("不能把礼物送给自己。"), field="recipient_id")
        Order.objects.filter(pk=order.pk).update(recipient=recipient)
        order.recipient = recipient
    return order


def cancel_gift(*, order_id: int, note: str = EventNote.GIFT_DECLINED) -> Order:
    """A gift not accepted in time (or declined): 12 → 250, its stock back, and its payment
    refunded (`settle_cancelled_payment`, through `order_cancelled`). The gifts app decides when."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).prefetch_related("lines").first()
        if order is None:
            raise DomainError("not_found")
        if order.status != Status.GIFT_PENDING:
            raise DomainError("invalid_transition")
        _move(order, Status.CANCELLED_UNPAID, actor="system", note=note, closed_at=clock.now())
        catalog.release_stock((line.sku_id, line.quantity) for line in order.lines.all())
        events.order_cancelled.emit(order_ids=[order.pk])
    return order


def cancel_unaccepted_gift(order_id: int) -> Order | None:
    """A day after payment, a gift still waiting for its recipient is cancelled and refunded."""
    due = Order.objects.filter(
        pk=order_id, status=Status.GIFT_PENDING, paid_at__lte=clock.now() - rules.GIFT_ACCEPT_WITHIN
    )
    if not due.exists():
        return None
    try:
        return cancel_gift(order_id=order_id)
    except DomainError:  # accepted or cancelled just now
        return None


def cancel_unaccepted_gifts() -> int:
    """The sweep's part: every gift past its day."""
    due = Order.objects.filter(
        status=Status.GIFT_PENDING, paid_at__lte=clock.now() - rules.GIFT_ACCEPT_WITHIN
    ).values_list("pk", flat=True)
    return sum(cancel_unaccepted_gift(pk) is not None for pk in list(due))


def gift_refund_no(order: Order) -> str:
    """The out_refund_no of a cancelled gift's refund: asking twice refunds once."""
    return f"GC{order.pk}"


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


def oversold_refund_no(order: Order) -> str:
    """The out_refund_no of an oversold order's refund: asking twice refunds once."""
    return f"OS{order.pk}"


def settle_cancelled_payment(*, order_ids: list[int]) -> None:
    """`order_cancelled`'s handler in orders: a checkout whose orders closed unpaid has its payment
    closed at WeChat Pay (no one can pay it any more); an order cancelled as oversold, or a paid
    gift nobody accepted, has its money refunded. Idempotent: closing a closed payment does
    nothing, and a refund's number is the order's, so a second run answers the first refund."""
    cancelled = list(
        Order.objects.filter(
            pk__in=order_ids, status__in=(Status.CANCELLED_UNPAID, Status.CANCELLED_OVERSOLD)
        ).order_by("pk")
    )
    checkouts = {order.checkout_id for order in cancelled}
    found = Payment.objects.filter(purpose=Purpose.CHECKOUT, reference_id__in=checkouts)
    by_checkout = {payment.reference_id: payment for payment in found}
    for order in cancelled:
        payment = by_checkout.get(order.checkout_id)
        if payment is None:
            continue
        if order.status == Status.CANCELLED_OVERSOLD:
            _refund(payment, order, reason="oversold", out_refund_no=oversold_refund_no(order))
        elif order.paid_at is not None:  # a paid gift nobody accepted
            _refund(payment, order, reason="gift not accepted", out_refund_no=gift_refund_no(order))
        elif payment.status == PaymentStatus.CREATED:
            payments.close_payment(payment)


def _refund(payment: Payment, order: Order, *, reason: str, out_refund_no: str) -> None:
    try:
        payments.refund_payment(
            payment=payment, amount_fen=order.total_fen, reason=reason, out_refund_no=out_refund_no
        )
    except DomainError as exc:
        if exc.code != "refund_failed":  # a failed refund is recorded and retried by payments
            raise


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
        events.order_cancelled.emit(order_ids=[o.pk for o in closed])
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
        if closed:
            events.order_cancelled.emit(order_ids=[o.pk for o in closed])
    return closed


def close_expired_orders() -> int:
    """Sweep every checkout with an overdue unpaid order (a safety net behind the scheduled tasks)."""
    due = (
        Order.objects.filter(status=Status.UNPAID, pay_deadline__lte=clock.now())
        .values_list("checkout_id", flat=True)
        .distinct()
    )
    return sum(len(close_unpaid_checkout(checkout_id)) for checkout_id in list(due))


def check_tracking(carrier: str, tracking_no: str) -> tuple[rules.Carrier, str]:
    """The listed carrier `carrier` names (its code, or its Chinese or English name) and the
    tracking number in upper case, checked against that carrier's pattern."""
    found = rules.find_carrier(carrier)
    if found is None:
        raise DomainError("unknown_carrier", field="carrier")
    tracking_no = tracking_no.strip().upper()
    if not rules.TRACKING_NO.fullmatch(tracking_no):
        raise DomainError("validation_error", rules.TRACKING_NO_HINT, field="tracking_no")
    if not found.pattern.fullmatch(tracking_no):
        raise DomainError(
            "tracking_no_mismatch",
            _("这不是%(carrier)s的运单号（例如 %(example)s）。")
            % {"carrier": rules.carrier_name(found.code, get_language() or ""), "example": found.example},
            field="tracking_no",
        )
    return found, tracking_no


def ship_order(
    *, store: Store, order_id: int, carrier: str, tracking_no: str, line_ids: Sequence[int] | None = None
) -> Order:
    """Ship the remaining units of the given lines (all lines when none are named): 21 while
    something is left to ship, 30 when everything has gone. `carrier` is one of rules.CARRIERS
    (its code or name) and the tracking number must fit its pattern."""
    listed, tracking_no = check_tracking(carrier, tracking_no)
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
            order=order,
            carrier=listed.name_zh,
            carrier_code=listed.code,
            tracking_no=tracking_no,
            created_at=now,
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
            _shipped(order, now)
        else:
            _move(order, Status.PARTLY_SHIPPED, actor="merchant")
    return order


@dataclass(frozen=True)
class ShipRequest:
    """One order of a bulk shipment: all its remaining units, with this carrier and number."""

    order_id: int
    carrier: str
    tracking_no: str


@dataclass(frozen=True)
class ShipResult:
    """How one order of a bulk shipment went: shipped (`order`), or refused (`error`)."""

    order_id: int
    order: Order | None = None
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def ship_orders(*, store: Store, requests: Sequence[ShipRequest]) -> list[ShipResult]:
    """Ship several of the store's orders at once (each all its remaining units), per order: each
    goes through `ship_order` in its own transaction, so one that cannot ship (already shipped,
    refunded meanwhile, a number that does not fit its carrier) is reported in its result and
    the others ship. The request itself (1–BULK_SHIP_MAX orders, each once) is all or nothing."""
    if not 1 <= len(requests) <= rules.BULK_SHIP_MAX:
        raise DomainError(
            "validation_error",
            _("一次可发 1–%(n)d 个订单。") % {"n": rules.BULK_SHIP_MAX},
            field="orders",
        )
    if len({r.order_id for r in requests}) != len(requests):
        raise DomainError("validation_error", _("同一个订单只能出现一次。"), field="orders")
    results = []
    for request in requests:
        try:
            order = ship_order(
                store=store,
                order_id=request.order_id,
                carrier=request.carrier,
                tracking_no=request.tracking_no,
            )
        except DomainError as exc:
            results.append(ShipResult(order_id=request.order_id, error=exc))
        else:
            results.append(ShipResult(order_id=request.order_id, order=order))
    return results


def _shipped(order: Order, shipped_at: datetime) -> None:
    """Inside the shipping transaction: the 10-day confirmation is queued and the fact recorded."""
    tasks.auto_confirm_order.using(run_after=shipped_at + rules.AUTO_CONFIRM_AFTER).enqueue(order.pk)
    events.order_shipped.emit(order_ids=[order.pk])


def confirm_receipt(*, buyer: User, order_id: int) -> Order:
    """The buyer (a gift's recipient) confirms receipt: 30 → 100."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(selectors.received_by(buyer), pk=order_id).first()
        if order is None:
            raise DomainError("not_found")
        _move(order, Status.COMPLETED, actor="buyer", received_at=clock.now())
        events.order_confirmed.emit(order_ids=[order.pk])
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
        events.order_confirmed.emit(order_ids=[order.pk])
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
            now = clock.now()
            _move(order, Status.SHIPPED, actor="system", shipped_at=now)
            _shipped(order, now)
    return take


def mark_fully_refunded(*, order_id: int) -> Order:
    """Every unit of the order was refunded (the after-sales app decides): the order ends as 200."""
    order = Order.objects.select_for_update().get(pk=order_id)
    _move(
        order, Status.CANCELLED_REFUNDED, actor="system", note=EventNote.FULLY_REFUNDED, closed_at=clock.now()
    )
    events.order_cancelled.emit(order_ids=[order.pk])
    return order


def record_line_refund(*, line_id: int, amount_fen: int, quantity: int, out_refund_no: str) -> None:
    """Money went back for `quantity` units of the line (after-sales calls this inside the refund
    notification's transaction): the order's `line_refunded` fact, for the ledger and the alliance."""
    events.line_refunded.emit(
        line_id=line_id, amount_fen=amount_fen, quantity=quantity, out_refund_no=out_refund_no
    )


def record_gift_refund(*, out_refund_no: str) -> bool:
    """A cancelled gift's refund (`gift_refund_no`) succeeded (payments' `refund_succeeded`, inside
    the refund's transaction): every line's paid share went back, as `line_refunded` facts keyed
    by the refund and the line. False when the number is not a gift's refund."""
    if not out_refund_no.startswith("GC") or not out_refund_no[2:].isdigit():
        return False
    order = Order.objects.filter(
        pk=int(out_refund_no[2:]), status=Status.CANCELLED_UNPAID, paid_at__isnull=False
    ).first()
    if order is None or gift_refund_no(order) != out_refund_no:
        return False
    lines = list(OrderLine.objects.filter(order=order).order_by("pk"))
    shares = amounts.line_paid_shares(order, lines)
    for line, share in zip(lines, shares, strict=True):
        if share:
            record_line_refund(
                line_id=line.pk,
                amount_fen=share,
                quantity=line.quantity,
                out_refund_no=f"{out_refund_no}-{line.pk}",
            )
    return True


def deadline_of(order: Order) -> datetime | None:
    """When the order's next automatic step happens, if any."""
    if order.status == Status.UNPAID:
        return order.pay_deadline
    if order.status == Status.SHIPPED and order.shipped_at:
        return order.shipped_at + rules.AUTO_CONFIRM_AFTER
    return None
