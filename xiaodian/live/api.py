"""The live-room endpoints: rooms of a video account, their shelf, comments, and buying in a
room. Parse, call a service or selector, return a schema.

Rooms, shelves and comments are public; managing a room is its video account owner's (anyone
else gets 404). Commenting and buying need a signed-in user.
"""

from ninja import Header, Query, Router

from xiaodian.accounts.auth import public_auth
from xiaodian.content import selectors as content
from xiaodian.core import throttle
from xiaodian.core.openapi import refuses
from xiaodian.core.pagination import ObjectId, Page, PageParams, paginate
from xiaodian.orders import rules as order_rules
from xiaodian.orders.api import checkout_answer
from xiaodian.orders.schemas import CheckoutOut

from . import rules, selectors, services
from .schemas import BuyIn, CommentIn, CommentOut, RoomDetailOut, RoomIn, RoomOut, ShelfItemIn, ShelfItemOut

router = Router(tags=["live"])


def _detail(room_id: int):
    page = selectors.room_page(room_id)
    page.room.viewer_count, page.room.shelf_items = page.viewer_count, page.shelf
    return page.room


@router.post("/video-accounts/{account_id}/live-rooms", response={201: RoomOut})
def schedule_live_room(request, account_id: ObjectId, body: RoomIn):
    """Schedule a room of the caller's video account (cover images are uploaded on the owner's page)."""
    room = services.schedule_live_room(
        owner=request.auth, account_id=account_id, title=body.title, scheduled_at=body.scheduled_at
    )
    return 201, room


@router.get("/video-accounts/{account_id}/live-rooms", response=Page[RoomOut], auth=public_auth)
def list_live_rooms(request, account_id: ObjectId, page: Query[PageParams]):
    """The account's rooms: live first, then scheduled, then ended."""
    account = content.video_account(account_id)
    return paginate(selectors.account_rooms(account.pk), page)


@router.get("/live-rooms/{room_id}", response=RoomDetailOut, auth=public_auth)
def get_live_room(request, room_id: ObjectId):
    """A room in any state, with its shelf (pinned item first) and viewer count."""
    return _detail(room_id)


@router.post("/live-rooms/{room_id}/start", response=RoomOut)
def start_live_room(request, room_id: ObjectId):
    """scheduled → live; 409 `live_room_already_live` while another room of the account is live."""
    return services.start_live_room(owner=request.auth, room_id=room_id)


@router.post("/live-rooms/{room_id}/end", response=RoomOut)
def end_live_room(request, room_id: ObjectId):
    """live → ended (or call off a scheduled room)."""
    return services.end_live_room(owner=request.auth, room_id=room_id)


@router.post("/live-rooms/{room_id}/shelf", response={201: ShelfItemOut})
def add_shelf_item(request, room_id: ObjectId, body: ShelfItemIn):
    """Put a SKU of a bound store on the shelf at a live price with a flash-sale stock."""
    return 201, services.add_shelf_item(owner=request.auth, room_id=room_id, **body.dict())


@router.delete("/live-rooms/{room_id}/shelf/{shelf_item_id}", response={204: None})
def remove_shelf_item(request, room_id: ObjectId, shelf_item_id: ObjectId):
    selectors.owned_room(request.auth, room_id)
    selectors.shelf_item(room_id, shelf_item_id)
    services.remove_shelf_item(owner=request.auth, item_id=shelf_item_id)
    return 204, None


@router.post("/live-rooms/{room_id}/shelf/{shelf_item_id}/pin", response=ShelfItemOut)
def pin_shelf_item(request, room_id: ObjectId, shelf_item_id: ObjectId):
    """Pin the item; the room's previously pinned item is unpinned."""
    selectors.owned_room(request.auth, room_id)
    selectors.shelf_item(room_id, shelf_item_id)
    services.pin_shelf_item(owner=request.auth, item_id=shelf_item_id)
    return selectors.shelf_item(room_id, shelf_item_id)


@router.delete("/live-rooms/{room_id}/shelf/{shelf_item_id}/pin", response=ShelfItemOut)
def unpin_shelf_item(request, room_id: ObjectId, shelf_item_id: ObjectId):
    selectors.owned_room(request.auth, room_id)
    selectors.shelf_item(room_id, shelf_item_id)
    services.unpin_shelf_item(owner=request.auth, item_id=shelf_item_id)
    return selectors.shelf_item(room_id, shelf_item_id)


@router.get("/live-rooms/{room_id}/comments", response=Page[CommentOut], auth=public_auth)
def list_comments(request, room_id: ObjectId, page: Query[PageParams]):
    """The room's comments, newest first."""
    room = selectors.room(room_id)
    return paginate(selectors.comments(room.pk), page)


@router.post("/live-rooms/{room_id}/comments", response={201: CommentOut})
@refuses("rate_limited")
def post_comment(request, room_id: ObjectId, body: CommentIn):
    """Comment in a live room (also sent to its websocket viewers); 409 `live_room_not_live` otherwise;
    429 `rate_limited` past the commenter's limit (rules.COMMENT_PER_USER)."""
    throttle.hit(rules.COMMENT_PER_USER, request.auth.pk)
    return 201, services.post_comment(user=request.auth, room_id=room_id, text=body.text)


@router.post("/live-rooms/{room_id}/orders", response={201: CheckoutOut})
def buy_in_room(
    request,
    room_id: ObjectId,
    body: BuyIn,
    idempotency_key: str = Header(..., alias="Idempotency-Key", max_length=order_rules.IDEMPOTENCY_KEY_MAX),
):
    """Buy a shelf item at its live price: an order with scene 2 and this room as its source,
    paid like any order (`POST /orders/{order_id}/pay`). Same Idempotency-Key + same body → the
    same answer; another body → 409 `idempotency_conflict`."""
    placed = services.buy_in_room(
        buyer=request.auth,
        room_id=room_id,
        shelf_item_id=body.shelf_item_id,
        quantity=body.quantity,
        address=body.address.dict() if body.address is not None else None,
        address_id=body.address_id,
        idempotency_key=idempotency_key,
        coupon_ids=body.coupon_ids,
    )
    return 201, checkout_answer(placed)
