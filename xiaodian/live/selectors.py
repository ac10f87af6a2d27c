"""Reads of the live app. Rooms, their shelves and comments are public in every state; the
owner's reads (`owned_room`, `shelf_choices`) answer `not_found` to anyone else. Each page reads
a fixed number of queries however long the shelf or the comment list."""

from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db.models import Case, OuterRef, QuerySet, Subquery, Value, When
from django.urls import reverse

from xiaodian.catalog.models import SKU, ProductImage
from xiaodian.catalog.rules import ProductState
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.pagination import MAX_ID
from xiaodian.orders.sources import Source
from xiaodian.stores.rules import LinkKind, LinkState
from xiaodian.stores.selectors import bound_stores

from . import rules
from .models import LiveComment, LiveRoom, LiveViewer, ShelfItem
from .rules import RoomState


def _user_id(viewer) -> int | None:
    return viewer.pk if viewer is not None and viewer.is_authenticated else None


def _get(queryset: QuerySet, pk: int):
    obj = queryset.filter(pk=pk).first() if 1 <= pk <= MAX_ID else None
    if obj is None:
        raise DomainError("not_found")
    return obj


def room(pk: int) -> LiveRoom:
    """Any room, with its video account (public in every state)."""
    return _get(LiveRoom.objects.select_related("account"), pk)


def owned_room(owner, pk: int) -> LiveRoom:
    return _get(LiveRoom.objects.select_related("account").filter(account__owner_id=_user_id(owner)), pk)


def is_owner(viewer, live_room: LiveRoom) -> bool:
    return live_room.account.owner_id == _user_id(viewer)


def account_rooms(account_id: int) -> QuerySet[LiveRoom]:
    """A video account's rooms: the live one first, then those to come, then those ended; latest
    start first within each."""
    rank = Case(
        When(state=RoomState.LIVE, then=Value(0)),
        When(state=RoomState.SCHEDULED, then=Value(1)),
        default=Value(2),
    )
    return (
        LiveRoom.objects.select_related("account")
        .filter(account_id=account_id)
        .order_by(rank, "-scheduled_at", "-id")
    )


def shelf(room_id: int) -> list[ShelfItem]:
    """The items on the shelf, pinned first, then by position; each with its product, SKU and
    the product's first image (`image_url`). One query."""
    first_image = (
        ProductImage.objects.filter(product=OuterRef("product_id"))
        .order_by("position", "pk")
        .values("image")[:1]
    )
    rows = (
        ShelfItem.objects.filter(room_id=room_id, removed_at__isnull=True)
        .select_related("product", "sku")
        .annotate(image=Subquery(first_image))
        .order_by("-is_pinned", "position", "id")
    )
    items: list[ShelfItem] = []
    for item in rows:
        item.image_url = default_storage.url(item.image) if item.image else ""
        items.append(item)
    return items


def shelf_item(room_id: int, item_id: int) -> ShelfItem:
    """One item on the room's shelf (public)."""
    return _get(
        ShelfItem.objects.select_related("product", "sku").filter(room_id=room_id, removed_at__isnull=True),
        item_id,
    )


def comments(room_id: int) -> QuerySet[LiveComment]:
    """The room's comments, newest first, with their authors."""
    return LiveComment.objects.select_related("user").filter(room_id=room_id).order_by("-id")


def viewer_count(room_id: int) -> int:
    """Open websockets on the room, in every server process (one row each), heard from within
    `rules.VIEWER_TTL`."""
    return LiveViewer.objects.filter(room_id=room_id, seen_at__gte=clock.now() - rules.VIEWER_TTL).count()


@dataclass(frozen=True)
class RoomPage:
    """Everything the public room page shows, in four queries."""

    room: LiveRoom
    shelf: list[ShelfItem]
    comments: list[LiveComment]  # oldest first, the latest COMMENTS_ON_PAGE
    viewer_count: int

    @property
    def pinned(self) -> ShelfItem | None:
        return next((item for item in self.shelf if item.is_pinned), None)


def room_page(pk: int) -> RoomPage:
    live_room = room(pk)
    latest = list(comments(live_room.pk)[: rules.COMMENTS_ON_PAGE])
    return RoomPage(
        room=live_room,
        shelf=shelf(live_room.pk),
        comments=latest[::-1],
        viewer_count=viewer_count(live_room.pk),
    )


def shelf_choices(account_id: int) -> list[SKU]:
    """SKUs the account's rooms may sell: active SKUs of listed products of open stores the video
    account is bound to, with product and store. One query."""
    stores = bound_stores(LinkKind.VIDEO_ACCOUNT, account_id).values("pk")
    return list(
        SKU.objects.select_related("product__store")
        .filter(is_active=True, product__state=ProductState.LISTED, product__store__in=stores)
        .order_by("product__store_id", "product_id", "pk")[: rules.SHELF_CHOICES_MAX]
    )


def order_sources(ids: list[int]) -> dict:
    """What an order bought in a room names as its source (`orders.sources`): the room's title
    and page. One query."""
    rows = LiveRoom.objects.filter(pk__in=ids).values_list("pk", "title")
    return {pk: Source(title, reverse("live:room", args=[pk])) for pk, title in rows}


def store_on_live_shelf(store) -> bool:
    """The touchpoint report's live-room shelf: a product of the store is on the shelf of a
    scheduled or live room of a video account bound to the store (one query)."""
    return ShelfItem.objects.filter(
        product__store=store,
        removed_at__isnull=True,
        room__state__in=(RoomState.SCHEDULED, RoomState.LIVE),
        room__account__store_links__store=store,
        room__account__store_links__state=LinkState.BOUND,
    ).exists()


def profile_rooms(account_id: int) -> list[dict]:
    """The rooms a video account's public profile lists (registered as `content.cards.
    live_rooms_resolver`): the live one and those to come."""
    rooms = account_rooms(account_id).filter(state__in=(RoomState.LIVE, RoomState.SCHEDULED))[
        : rules.PROFILE_ROOMS
    ]
    return [
        {
            "id": r.pk,
            "title": r.title,
            "state": r.state,
            "state_label": str(r.get_state_display()),
            "scheduled_at": r.scheduled_at,
            "url": reverse("live:room", args=[r.pk]),
        }
        for r in rooms
    ]
