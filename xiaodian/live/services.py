"""Every write of the live app: schedule, start and end a room; put SKUs on its shelf at a live
price with a flash-sale stock, pin one; comments; viewers; buying in the room.

Flash-sale stock is taken with one conditional UPDATE (`... WHERE id = ? AND flash_stock >= n`,
row count checked) inside the order's own transaction (`orders.services.place_order`'s `hold`),
and given back once, by a conditional UPDATE on its hold row, when the order closes unpaid.
Broadcasts to the room's websocket viewers run on commit (`broadcast.send`).
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import partial

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.accounts.rules import Perm
from xiaodian.accounts.selectors import public_name
from xiaodian.accounts.services import validate_image
from xiaodian.catalog.models import SKU
from xiaodian.catalog.rules import ProductState
from xiaodian.content.models import VideoAccount
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.images import ensure_no_qr_code
from xiaodian.core.pagination import MAX_ID
from xiaodian.core.text import contains_contact_details, is_storable
from xiaodian.orders import services as orders
from xiaodian.orders.extensions import CheckoutContext, PriceAdjustment, Written
from xiaodian.orders.models import Order
from xiaodian.orders.rules import HOLDING_STOCK, Scene, Status
from xiaodian.orders.services import PlacedCheckout
from xiaodian.stores.access import has_perm
from xiaodian.stores.rules import LinkKind, LinkState
from xiaodian.stores.selectors import bound_stores

from . import broadcast, rules, selectors
from .models import FlashHold, LiveComment, LiveRoom, LiveViewer, ShelfItem
from .rules import RoomState

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------ checks


def _text(value: str, *, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value or len(value) > max_length or not is_storable(value):
        raise DomainError("validation_error", field=field)
    if contains_contact_details(value):
        raise DomainError("contact_details_not_allowed", field=field)
    return value


def _integer(value, *, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DomainError("validation_error", field=field)
    return value


def _scheduled_at(value) -> datetime:
    """A moment from a few minutes ago to 90 days ahead; a naive one is read in Shanghai time."""
    # The year is checked first: time-zone arithmetic on year 1 or 9999 overflows.
    if not isinstance(value, datetime) or not 2000 <= value.year <= 9000:
        raise DomainError("validation_error", field="scheduled_at")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    now = clock.now()
    if not now - rules.SCHEDULE_GRACE <= value <= now + rules.SCHEDULE_AHEAD_MAX:
        raise DomainError(
            "validation_error",
            _("开播时间须在现在到 %(days)d 天之内。") % {"days": rules.SCHEDULE_AHEAD_MAX.days},
            field="scheduled_at",
        )
    return value


def _owned_room(owner: User, room_id: int, *, lock: bool = False) -> LiveRoom:
    """The owner's room (locked for the transaction when asked); anyone else's answers 404."""
    rooms = LiveRoom.objects.select_related("account")
    if lock:
        rooms = rooms.select_for_update(of=("self",))
    room = rooms.filter(pk=room_id, account__owner_id=owner.pk).first() if 1 <= room_id <= MAX_ID else None
    if room is None:
        raise DomainError("not_found")
    return room


def _owned_item(owner: User, item_id: int) -> ShelfItem:
    item = (
        ShelfItem.objects.filter(
            pk=item_id, room__account__owner_id=owner.pk, removed_at__isnull=True
        ).first()
        if 1 <= item_id <= MAX_ID
        else None
    )
    if item is None:
        raise DomainError("not_found")
    return item


def _move(room: LiveRoom, to: str, **fields) -> LiveRoom:
    """Change the room's state if the table allows it and nobody moved it first."""
    if to not in rules.TRANSITIONS[room.state]:
        raise DomainError("invalid_transition")
    if not LiveRoom.objects.filter(pk=room.pk, state=room.state).update(state=to, **fields):
        raise DomainError("invalid_transition")
    room.state = to
    for name, value in fields.items():
        setattr(room, name, value)
    transaction.on_commit(lambda: broadcast.send(room.pk, {"type": "state", "state": to}))
    return room


# ------------------------------------------------------------------------------------ rooms


def schedule_live_room(
    *,
    owner: User,
    account_id: int,
    title: str,
    scheduled_at: datetime,
    cover: UploadedFile | None = None,
) -> LiveRoom:
    """A room of the owner's video account, to start at `scheduled_at` (from now to 90 days
    ahead); at most 20 waiting rooms per account. No contact details in the title."""
    account = (
        VideoAccount.objects.filter(pk=account_id, owner_id=owner.pk).first()
        if 1 <= account_id <= MAX_ID
        else None
    )
    if account is None:
        raise DomainError("not_found")
    title = _text(title, field="title", max_length=rules.TITLE_MAX)
    scheduled_at = _scheduled_at(scheduled_at)
    if cover is not None:
        try:
            validate_image(cover, max_bytes=rules.COVER_MAX_BYTES, max_pixels=rules.COVER_MAX_PIXELS)
        except DomainError as exc:
            raise DomainError(exc.code, field="cover") from exc
        ensure_no_qr_code(cover, field="cover")
    with transaction.atomic():
        VideoAccount.objects.select_for_update().filter(pk=account.pk).first()  # serialise the count
        if LiveRoom.objects.filter(account=account, state=RoomState.SCHEDULED).count() >= rules.SCHEDULED_MAX:
            raise DomainError("live_room_limit_reached")
        room = LiveRoom(account=account, title=title, scheduled_at=scheduled_at)
        if cover is not None:
            room.cover.save(cover.name or "cover", cover, save=False)
        room.save()
    return room


def start_live_room(*, owner: User, room_id: int) -> LiveRoom:
    """Go live: scheduled → live. One live room per video account at a time."""
    with transaction.atomic():
        room = _owned_room(owner, room_id, lock=True)
        if room.state == RoomState.SCHEDULED and (
            LiveRoom.objects.filter(account_id=room.account_id, state=RoomState.LIVE).exists()
        ):
            raise DomainError("live_room_already_live")
        try:
            with transaction.atomic():
                return _move(room, RoomState.LIVE, started_at=clock.now())
        except IntegrityError as exc:  # another room of the account went live in between
            raise DomainError("live_room_already_live") from exc


def end_live_room(*, owner: User, room_id: int) -> LiveRoom:
    """End the broadcast (live → ended), or call off a room that never started (scheduled → ended).
    Nothing can be bought in an ended room; its page and comments stay."""
    with transaction.atomic():
        room = _owned_room(owner, room_id, lock=True)
        return _move(room, RoomState.ENDED, ended_at=clock.now())


# ------------------------------------------------------------------------------------ shelf


def _shelf_frame(item: ShelfItem | None, room_id: int, kind: str) -> dict:
    return {"type": kind, "room": room_id, "item": item.pk if item is not None else None}


def add_shelf_item(
    *,
    owner: User,
    room_id: int,
    sku_id: int,
    live_price_fen: int,
    flash_stock: int,
    position: int | None = None,
    pinned: bool = False,
) -> ShelfItem:
    """Put a SKU of a store the room's video account is bound to on the shelf, at a live price
    (more than 0, at most the SKU's price) with a flash-sale stock (0 or more). Pinning it
    unpins the room's pinned item."""
    sku_id = _integer(sku_id, field="sku_id", low=1, high=MAX_ID)
    live_price_fen = _integer(live_price_fen, field="live_price_fen", low=-MAX_ID, high=MAX_ID)
    flash_stock = _integer(flash_stock, field="flash_stock", low=0, high=rules.FLASH_STOCK_MAX)
    if position is not None:
        position = _integer(position, field="position", low=0, high=rules.POSITION_MAX)
    with transaction.atomic():
        room = _owned_room(owner, room_id, lock=True)  # one shelf change per room at a time
        if room.state == RoomState.ENDED:
            raise DomainError("invalid_transition")
        sku = (
            SKU.objects.select_related("product")
            .filter(pk=sku_id, is_active=True, product__state=ProductState.LISTED)
            .first()
        )
        if sku is None:
            raise DomainError("product_not_available", field="sku_id")
        if not bound_stores(LinkKind.VIDEO_ACCOUNT, room.account_id).filter(pk=sku.product.store_id).exists():
            raise DomainError("shelf_store_not_bound", field="sku_id")
        # A live price is the store's to set: the room's owner must manage the store's products
        # (a binding alone lets an account show the store, not sell its goods at any price).
        if not has_perm(owner, sku.product.store_id, Perm.MANAGE_PRODUCTS):
            raise DomainError(
                "permission_denied", _("只有能管理该店铺商品的人才能把它的商品放上货架。"), field="sku_id"
            )
        if not 1 <= live_price_fen <= sku.price_fen:
            raise DomainError("live_price_invalid", field="live_price_fen")
        shelf = ShelfItem.objects.filter(room=room, removed_at__isnull=True)
        if shelf.filter(sku=sku).exists():
            raise DomainError("shelf_item_exists", field="sku_id")
        if shelf.count() >= rules.SHELF_MAX:
            raise DomainError("shelf_full")
        if position is None:
            position = min((shelf.aggregate(last=Max("position"))["last"] or 0) + 1, rules.POSITION_MAX)
        if pinned:
            shelf.filter(is_pinned=True).update(is_pinned=False)
        try:
            with transaction.atomic():
                item = ShelfItem.objects.create(
                    room=room,
                    product=sku.product,
                    sku=sku,
                    live_price_fen=live_price_fen,
                    flash_stock=flash_stock,
                    flash_stock_initial=flash_stock,
                    position=position,
                    is_pinned=pinned,
                )
        except IntegrityError as exc:  # the same SKU added at once from two places
            raise DomainError("shelf_item_exists", field="sku_id") from exc
        transaction.on_commit(lambda: broadcast.send(room.pk, _shelf_frame(item, room.pk, "shelf")))
        if pinned:
            transaction.on_commit(lambda: broadcast.send(room.pk, _shelf_frame(item, room.pk, "pinned")))
    return item


def remove_shelf_item(*, owner: User, item_id: int) -> None:
    """Take an item off the shelf. Its row stays (unpaid orders may still hold its flash stock)."""
    with transaction.atomic():
        item = _owned_item(owner, item_id)
        room = _owned_room(owner, item.room_id, lock=True)
        if not ShelfItem.objects.filter(pk=item.pk, removed_at__isnull=True).update(
            removed_at=clock.now(), is_pinned=False
        ):
            raise DomainError("not_found")
        transaction.on_commit(lambda: broadcast.send(room.pk, _shelf_frame(item, room.pk, "shelf")))
        if item.is_pinned:
            transaction.on_commit(lambda: broadcast.send(room.pk, _shelf_frame(None, room.pk, "pinned")))


def pin_shelf_item(*, owner: User, item_id: int) -> ShelfItem:
    """Pin the item (shown first, highlighted); the room's previously pinned item is unpinned."""
    with transaction.atomic():
        item = _owned_item(owner, item_id)
        room = _owned_room(owner, item.room_id, lock=True)
        ShelfItem.objects.filter(room=room, is_pinned=True).exclude(pk=item.pk).update(is_pinned=False)
        if not ShelfItem.objects.filter(pk=item.pk, removed_at__isnull=True).update(is_pinned=True):
            raise DomainError("not_found")  # removed meanwhile
        item.is_pinned = True
        transaction.on_commit(lambda: broadcast.send(room.pk, _shelf_frame(item, room.pk, "pinned")))
    return item


def unpin_shelf_item(*, owner: User, item_id: int) -> ShelfItem:
    with transaction.atomic():
        item = _owned_item(owner, item_id)
        room = _owned_room(owner, item.room_id, lock=True)
        if ShelfItem.objects.filter(pk=item.pk, is_pinned=True).update(is_pinned=False):
            transaction.on_commit(lambda: broadcast.send(room.pk, _shelf_frame(None, room.pk, "pinned")))
        item.is_pinned = False
    return item


# --------------------------------------------------------------------------- comments, viewers


def comment_frame(comment: LiveComment) -> dict:
    return {
        "type": "comment",
        "id": comment.pk,
        "user": public_name(comment.user),
        "text": comment.text,
        "at": timezone.localtime(comment.created_at).isoformat(),
    }


def post_comment(*, user: User, room_id: int, text: str) -> LiveComment:
    """A comment in a live room (1–140 characters, no contact details), sent to every viewer."""
    text = _text(text, field="text", max_length=rules.COMMENT_MAX)
    room = LiveRoom.objects.filter(pk=room_id).only("state").first() if 1 <= room_id <= MAX_ID else None
    if room is None:
        raise DomainError("not_found")
    if room.state != RoomState.LIVE:
        raise DomainError("live_room_not_live")
    comment = LiveComment.objects.create(room=room, user=user, text=text, created_at=clock.now())
    frame = comment_frame(comment)
    transaction.on_commit(lambda: broadcast.send(room_id, frame))
    return comment


def join_room(*, room_id: int, channel_name: str, user: User | None = None) -> int:
    """A websocket opened on the room: one viewer row (and the room's stale rows go). Answers the
    room's viewer count."""
    now = clock.now()
    signed_in = user if user is not None and user.is_authenticated else None
    LiveViewer.objects.filter(room_id=room_id, seen_at__lt=now - rules.VIEWER_TTL).delete()
    LiveViewer.objects.create(
        room_id=room_id, channel_name=channel_name, user=signed_in, joined_at=now, seen_at=now
    )
    return selectors.viewer_count(room_id)


def touch_viewer(*, channel_name: str) -> None:
    """The page's heartbeat (or any frame it sends): the connection is still there."""
    LiveViewer.objects.filter(channel_name=channel_name).update(seen_at=clock.now())


def leave_room(*, room_id: int, channel_name: str) -> int:
    """The websocket closed: its row goes (once; a second call changes nothing). Answers the count."""
    LiveViewer.objects.filter(channel_name=channel_name).delete()
    return selectors.viewer_count(room_id)


# ------------------------------------------------------------------------------- buying


def _shelf_item(context: CheckoutContext) -> ShelfItem:
    """The shelf item a live-room checkout buys (loaded once per checkout: its price step and its
    hold both need it). Not this room's, or not there at all: not found."""
    if "shelf_item" not in context.memo:
        item_id = context.options.get("shelf_item_id")
        item = (
            ShelfItem.objects.filter(pk=item_id, room_id=context.source_id).first()
            if type(item_id) is int and 1 <= item_id <= MAX_ID
            else None
        )
        if item is None or [line.sku_id for line in context.lines] != [item.sku_id]:
            raise DomainError("not_found", field="shelf_item_id")
        context.memo["shelf_item"] = item
    return context.memo["shelf_item"]


def live_price(context: CheckoutContext) -> list[PriceAdjustment]:
    """The orders' price adjustment: a live-room checkout pays the shelf item's live price."""
    if context.source_type != rules.SOURCE_TYPE:
        return []
    item = _shelf_item(context)
    return [PriceAdjustment(sku_id=item.sku_id, unit_price_fen=item.live_price_fen, reason="live_price")]


def take_flash_stock(context: CheckoutContext, written: Written) -> None:
    """The orders' hold, inside the checkout's transaction: the room must be live, the item on the
    shelf, and the quantity's flash units left; one conditional UPDATE takes them, a hold row
    records it."""
    if context.source_type != rules.SOURCE_TYPE:
        return
    item = _shelf_item(context)
    (order,), (line,) = written.orders, written.lines
    quantity = line.quantity
    # The room's state and the account's binding to the store are part of the one conditional
    # UPDATE: a room that ended, or a store that unbound the account, sells nothing more.
    sellable = ShelfItem.objects.filter(
        pk=item.pk,
        removed_at__isnull=True,
        room__state=RoomState.LIVE,
        product__store__links__video_account_id=F("room__account_id"),
        product__store__links__state=LinkState.BOUND,
    )
    taken = ShelfItem.objects.filter(pk__in=sellable.values("pk"), flash_stock__gte=quantity).update(
        flash_stock=F("flash_stock") - quantity
    )
    if not taken:
        if not LiveRoom.objects.filter(pk=item.room_id, state=RoomState.LIVE).exists():
            raise DomainError("live_room_not_live")
        if sellable.exists():
            raise DomainError("flash_sold_out", field="quantity")
        raise DomainError("product_not_available", field="shelf_item_id")
    FlashHold.objects.create(item=item, order=order, line=line, quantity=quantity, created_at=clock.now())
    transaction.on_commit(lambda: broadcast.send(item.room_id, stock_frame(item.pk)))


def stock_frame(item_id: int) -> dict:
    left = ShelfItem.objects.filter(pk=item_id).values_list("flash_stock", flat=True).first()
    return {"type": "stock", "item": item_id, "flash_stock": left}


def _send_stock(room_id: int, item_id: int) -> None:
    broadcast.send(room_id, stock_frame(item_id))


def buy_in_room(
    *,
    buyer: User,
    room_id: int,
    shelf_item_id: int,
    quantity: int,
    idempotency_key: str,
    address: dict | None = None,
    address_id: int | None = None,
    save_address: bool = False,
    coupon_ids: Sequence[int] = (),
) -> PlacedCheckout:
    """Buy a shelf item of a live room at its live price: an order with scene 2 (live room) and
    the room as its source, taking the item's flash-sale stock and the SKU's stock in the same
    transaction (the orders' checkout, with this app's price adjustment and hold). The same
    Idempotency-Key and body answer the first checkout again (even after the room ended); another
    body with that key is refused (`idempotency_conflict`). `coupon_ids`: the buyer's coupon (a
    live coupon is usable only here, in its room)."""
    quantity = _integer(quantity, field="quantity", low=1, high=rules.BUY_QUANTITY_MAX)
    sku_id = (
        ShelfItem.objects.filter(pk=shelf_item_id, room_id=room_id).values_list("sku_id", flat=True).first()
        if 1 <= shelf_item_id <= MAX_ID and 1 <= room_id <= MAX_ID
        else None
    )
    if sku_id is None:
        raise DomainError("not_found", field="shelf_item_id")
    return orders.place_order(
        buyer=buyer,
        items=[orders.LineRequest(sku_id=sku_id, quantity=quantity)],
        address=address,
        address_id=address_id,
        scene=Scene.LIVE_ROOM,
        source_type=rules.SOURCE_TYPE,
        source_id=room_id,
        options={"shelf_item_id": shelf_item_id},
        idempotency_key=idempotency_key,
        save_address=save_address,
        coupon_ids=coupon_ids,
    )


def release_flash_stock(*, order_ids: Iterable[int]) -> int:
    """Give back the flash-sale units held by orders that closed unpaid (250): each hold once,
    however often this is called, and only while its order is still closed (the order's row is
    locked, as a late payment locks it to reopen the order). Answers how many units went back."""
    returned = 0
    holds = (
        FlashHold.objects.select_related("item")
        .filter(order_id__in=list(order_ids), order__status=Status.CANCELLED_UNPAID, released_at__isnull=True)
        .order_by("item_id", "pk")
    )
    for hold in holds:
        with transaction.atomic():
            if not _locked_order_in(hold.order_id, {Status.CANCELLED_UNPAID}):
                continue  # paid meanwhile: the units stay sold
            if FlashHold.objects.filter(pk=hold.pk, released_at__isnull=True).update(released_at=clock.now()):
                ShelfItem.objects.filter(pk=hold.item_id).update(flash_stock=F("flash_stock") + hold.quantity)
                returned += hold.quantity
                transaction.on_commit(partial(_send_stock, hold.item.room_id, hold.item_id))
    return returned


def _locked_order_in(order_id: int, statuses) -> bool:
    return Order.objects.select_for_update().filter(pk=order_id, status__in=statuses).exists()


class _NoFlashStockLeft(Exception):
    pass


def retake_flash_stock(*, order_ids: Iterable[int]) -> int:
    """A payment arrived after its order had closed and the order went on (orders took its SKU
    stock again): take its flash-sale units again too, if they are still there. If they are not,
    the hold stays released and the sale is logged: the buyer has paid the live price, and the
    flash stock never goes below zero."""
    taken = 0
    holds = FlashHold.objects.filter(
        order_id__in=list(order_ids), order__status__in=HOLDING_STOCK, released_at__isnull=False
    ).order_by("item_id", "pk")
    for hold in holds:
        try:
            with transaction.atomic():
                if not _locked_order_in(hold.order_id, HOLDING_STOCK):
                    continue  # closed again meanwhile
                if not FlashHold.objects.filter(pk=hold.pk, released_at__isnull=False).update(
                    released_at=None
                ):
                    continue
                if not ShelfItem.objects.filter(pk=hold.item_id, flash_stock__gte=hold.quantity).update(
                    flash_stock=F("flash_stock") - hold.quantity
                ):
                    raise _NoFlashStockLeft
        except _NoFlashStockLeft:
            log.warning(
                "order %s paid after closing; shelf item %s has no flash stock left",
                hold.order_id,
                hold.item_id,
            )
            continue
        taken += hold.quantity
    return taken
