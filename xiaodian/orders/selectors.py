"""Reads for carts, addresses and orders, each in a fixed number of queries."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.accounts.rules import ROLE_PERMS, Perm
from xiaodian.catalog.models import SKU
from xiaodian.catalog.rules import ProductState
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.stores.access import store_for
from xiaodian.stores.models import Store, StoreStaff
from xiaodian.stores.rules import StoreState

from .models import Address, CartItem, Order, OrderEvent, OrderLine, Shipment
from .numbers import SHANGHAI
from .rules import EXPORT_CHUNK, NEARLY_LATE, SHIP_FILTERS, SHIP_WITHIN, WAITING_TO_SHIP, Status


def cart_of(buyer: User) -> QuerySet[CartItem]:
    return CartItem.objects.filter(buyer=buyer).select_related("sku__product__store")


def addresses_of(buyer: User) -> QuerySet[Address]:
    return Address.objects.filter(buyer=buyer)


def _with_details(qs: QuerySet[Order]) -> QuerySet[Order]:
    return qs.select_related("store").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("pk")),
        Prefetch("shipments", queryset=Shipment.objects.prefetch_related("lines")),
    )


def _filtered(qs: QuerySet[Order], *, status: int | None, date_from: date | None, date_to: date | None):
    if status is not None:
        qs = qs.filter(status=status)
    if date_from is not None:
        qs = qs.filter(created_at__gte=datetime.combine(date_from, time.min, tzinfo=SHANGHAI))
    if date_to is not None:
        qs = qs.filter(
            created_at__lt=datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=SHANGHAI)
        )
    return qs


def orders_of_buyer(buyer: User, *, status=None, date_from=None, date_to=None) -> QuerySet[Order]:
    return _with_details(
        _filtered(Order.objects.filter(buyer=buyer), status=status, date_from=date_from, date_to=date_to)
    )


def orders_of_store(store: Store, *, status=None, date_from=None, date_to=None) -> QuerySet[Order]:
    return _with_details(
        _filtered(Order.objects.filter(store=store), status=status, date_from=date_from, date_to=date_to)
    )


def order_for(user: User, order_id: int) -> Order:
    """An order its buyer sees, the recipient of a paid gift, or staff of its store with the order
    permission; anyone else: 404."""
    order = _with_details(Order.objects.filter(pk=order_id)).first()
    if order is None:
        raise DomainError("not_found")
    if order.recipient_id == user.pk and order.paid_at is not None:
        return order
    if order.buyer_id != user.pk:
        store_for(user, order.store_id, Perm.MANAGE_ORDERS)
    return order


def order_cards(ids: list[int], viewer_id: int | None) -> dict[int, dict]:
    """`social.cards.resolvers["order"]`: the order cards of chats, groups and Moments, answered
    only for the orders `order_for` shows the viewer (the buyer, the recipient of a paid gift, the
    store's staff with the order permission); anyone else sees the card as unavailable. One
    query."""
    if viewer_id is None:
        return {}
    roles = [role for role, perms in ROLE_PERMS.items() if Perm.MANAGE_ORDERS in perms]
    staffed = StoreStaff.objects.filter(user_id=viewer_id, role__in=roles).values("store_id")
    visible = (
        Q(buyer_id=viewer_id) | Q(recipient_id=viewer_id, paid_at__isnull=False) | Q(store_id__in=staffed)
    )
    rows = Order.objects.filter(visible, pk__in=list(ids)).values("pk", "number", "status")
    return {
        row["pk"]: {
            "title": _("订单 %(number)s") % {"number": row["number"]},
            "subtitle": str(Status(row["status"]).label) if row["status"] in Status.values else "",
            "image_url": "",
            "url": reverse("orders:order_detail", args=[row["pk"]]),
        }
        for row in rows
    }


# ------------------------------------------------------------------------- for the pages (views.py)


@dataclass
class CheckoutLine:
    """One line the buyer is about to buy: a SKU (with product and store), a quantity, and the
    cart item it came from (None for buy-now). `problem` says why it cannot be bought now."""

    sku: SKU
    quantity: int
    item_id: int | None = None
    problem: str = ""
    touch: dict | None = None  # a cart item's last touch: {scene, source_type, source_id, touched_at}

    @property
    def total_fen(self) -> int:
        return self.sku.price_fen * self.quantity


@dataclass
class StoreLines:
    store: Store
    lines: list
    subtotal_fen: int
    # The checkout page's coupon choice (orders.extensions.checkout_offers): the offers, the chosen
    # coupon and what it takes off.
    offers: list = field(default_factory=list)
    chosen_coupon: int | None = None
    coupon_off_fen: int = 0


def _problem(sku: SKU, quantity: int) -> str:
    product = sku.product
    if not sku.is_active or product.state != ProductState.LISTED or product.store.state != StoreState.OPEN:
        return "product_not_available"
    if sku.stock < quantity:
        return "out_of_stock"
    return ""


def by_store(lines: list) -> list[StoreLines]:
    """Lines (anything with `.sku` and `.total_fen`) grouped by store, in the order stores first appear."""
    groups: dict[int, StoreLines] = {}
    for line in lines:
        store = line.sku.product.store
        group = groups.setdefault(store.pk, StoreLines(store=store, lines=[], subtotal_fen=0))
        group.lines.append(line)
        group.subtotal_fen += line.total_fen
    return list(groups.values())


def cart_lines(buyer: User, item_ids=None) -> list[CheckoutLine]:
    """The buyer's cart (or the chosen items of it) as lines, newest first; one query."""
    items = cart_of(buyer)
    if item_ids is not None:
        items = items.filter(pk__in=item_ids)
    return [
        CheckoutLine(
            item.sku,
            item.quantity,
            item_id=item.pk,
            problem=_problem(item.sku, item.quantity),
            touch=_touch(item),
        )
        for item in items
    ]


def _touch(item: CartItem) -> dict | None:
    if item.touched_at is None:
        return None
    return {
        "scene": item.scene,
        "source_type": item.source_type,
        "source_id": item.source_id,
        "touched_at": item.touched_at,
    }


def cart_scene(lines: list[CheckoutLine]) -> dict | None:
    """The scene a checkout from the cart records: the last touch among its items (the one added
    most recently from a scene), or None when none was added from one."""
    touches = [line.touch for line in lines if line.touch]
    if not touches:
        return None
    last = max(touches, key=lambda t: t["touched_at"])
    return {k: last[k] for k in ("scene", "source_type", "source_id")}


def sku_lines(wanted: dict[int, int], item_ids: dict[int, int] | None = None) -> list[CheckoutLine]:
    """SKUs and quantities (a buy-now, or a checkout form's lines) as lines; one query. SKUs that
    no longer exist are left out (placing the order then refuses them)."""
    skus = SKU.objects.select_related("product__store").in_bulk(list(wanted))
    item_ids = item_ids or {}
    return [
        CheckoutLine(sku=skus[pk], quantity=qty, item_id=item_ids.get(pk), problem=_problem(skus[pk], qty))
        for pk, qty in wanted.items()
        if pk in skus
    ]


def _in_statuses(qs: QuerySet[Order], statuses) -> QuerySet[Order]:
    return qs if statuses is None else qs.filter(status__in=statuses)


def buyer_orders(
    buyer: User, *, statuses=None, date_from=None, date_to=None, q: str = "", ship: str = "", now=None
) -> QuerySet[Order]:
    """The buyer's orders in any of `statuses` (all when None), newest first, with their details;
    `q` and `ship` as for `store_orders`."""
    rows = _in_statuses(orders_of_buyer(buyer, date_from=date_from, date_to=date_to), statuses)
    return _narrowed(rows, q=q, ship=ship, now=now)


def _narrowed(rows: QuerySet[Order], *, q: str, ship: str, now: datetime | None) -> QuerySet[Order]:
    rows = search(rows, q)
    if ship in SHIP_FILTERS:
        rows = rows.filter(ship_filters(now or clock.now())[ship]).order_by("paid_at", "pk")
    return rows


def search(qs: QuerySet[Order], q: str) -> QuerySet[Order]:
    """The orders `q` finds: part of the order number, the buyer's phone (the address's) or name
    (the address's recipient, or the buyer's display name). Blank `q` finds them all."""
    q = q.strip()
    if not q:
        return qs
    return qs.filter(
        Q(number__contains=q)
        | Q(address__phone__icontains=q)
        | Q(address__recipient__icontains=q)
        | Q(buyer__display_name__icontains=q)
    )


def store_orders(
    store: Store,
    *,
    statuses=None,
    date_from=None,
    date_to=None,
    ship: str = "",
    q: str = "",
    now: datetime | None = None,
) -> QuerySet[Order]:
    """The store's orders in any of `statuses` (all when None), newest first, with their details.
    `ship` (rules.SHIP_FILTERS) keeps the orders still to ship (`waiting`), or only the `late` or
    `nearly` late ones at `now`, most urgent (earliest ship-by) first; `q` searches (`search`)."""
    rows = _in_statuses(orders_of_store(store, date_from=date_from, date_to=date_to), statuses)
    return _narrowed(rows, q=q, ship=ship, now=now)


def export_orders(orders: QuerySet[Order]) -> Iterator[Order]:
    """The orders (a filtered `store_orders`) one by one with their buyer, lines and shipments,
    read rules.EXPORT_CHUNK at a time: an export of any size holds one chunk in memory."""
    return orders.select_related("buyer").iterator(chunk_size=EXPORT_CHUNK)


def status_counts(*, buyer: User | None = None, store: Store | None = None) -> dict[int, int]:
    """How many orders the buyer (or the store) has in each status; one query."""
    qs = Order.objects.filter(buyer=buyer) if buyer is not None else Order.objects.filter(store=store)
    return dict(qs.order_by().values_list("status").annotate(n=Count("pk")))


def store_order(store: Store, order_id: int) -> Order:
    """One of the store's orders with its details; another store's: not_found."""
    order = _with_details(Order.objects.filter(store=store, pk=order_id)).first()
    if order is None:
        raise DomainError("not_found")
    return order


def events_of(order: Order) -> list[OrderEvent]:
    return list(OrderEvent.objects.filter(order=order).order_by("pk"))


def placed_orders(placed) -> list[Order]:
    """A checkout's orders as the order pages and schemas read them (`order.lines.all()`,
    `order.shipments.all()`), with no further query: a replay's were read back with them; a new
    checkout's lines are the ones it wrote (and it has no shipments yet), seeded into the prefetch
    cache as `prefetch_related` would fill it."""
    for order in placed.orders:
        if not hasattr(order, "_prefetched_objects_cache"):
            order._prefetched_objects_cache = {"lines": placed.lines.get(order.pk, []), "shipments": []}
    return placed.orders


def received_by(user) -> Q:
    """Orders whose goods go to `user`: their own orders, except gifts, and gifts sent to them (a
    gift is the recipient's to confirm and to ask after-sales about, not the giver's; an open gift
    nobody was named for yet is no one's)."""
    return Q(buyer=user, recipient__isnull=True, open_gift=False) | Q(recipient=user)


@dataclass(frozen=True)
class ShipDue:
    """A store's orders waiting to ship, by how close each is to its ship-by time (paid + SHIP_WITHIN)."""

    to_ship: int
    nearly_late: int  # ship-by within `rules.NEARLY_LATE`
    late: int  # ship-by passed


def ship_filters(now: datetime) -> dict[str, Q]:
    """The orders still to ship, and those late (past their ship-by time, paid + 48 h) or nearly
    late (within NEARLY_LATE of it) at `now`; `Order.ship_flag` draws the same lines."""
    late_paid_before = now - SHIP_WITHIN
    nearly_paid_before = now - SHIP_WITHIN + NEARLY_LATE
    waiting = Q(status__in=WAITING_TO_SHIP, paid_at__isnull=False)
    return {
        "waiting": waiting,
        "late": waiting & Q(paid_at__lt=late_paid_before),
        "nearly": waiting & Q(paid_at__gte=late_paid_before, paid_at__lt=nearly_paid_before),
    }


def ship_due(store: Store, now: datetime) -> ShipDue:
    """One query: the store's paid, not fully shipped orders, and how many are nearly late or late."""
    due = ship_filters(now)
    waiting = Order.objects.filter(store=store, status__in=WAITING_TO_SHIP)
    counts = waiting.aggregate(
        to_ship=Count("pk"),
        late=Count("pk", filter=due["late"]),
        nearly=Count("pk", filter=due["nearly"]),
    )
    return ShipDue(to_ship=counts["to_ship"], nearly_late=counts["nearly"], late=counts["late"])


@dataclass(frozen=True)
class Takings:
    paid_fen: int
    orders: int


def takings(store: Store, start: datetime, end: datetime) -> Takings:
    """What buyers paid the store in [start, end): the orders paid then (cancelled unpaid never
    were; later refunds do not undo a payment here: this is takings, not settlement). One query."""
    row = Order.objects.filter(store=store, paid_at__gte=start, paid_at__lt=end).aggregate(
        paid=Sum("total_fen"), n=Count("pk")
    )
    return Takings(paid_fen=row["paid"] or 0, orders=row["n"])
