"""Reads of traffic distribution: the candidate pools of one buyer's feed page (bounded, one
indexed range scan each), the feed impression as an order's source, and the exposure report.

The pools (docs/distribution.md, "Candidates"): the newest items of the accounts the buyer follows;
the items the buyer's contacts liked or bought (FriendProof, the fan-out of their actions); the
newest items of stores the buyer bought from; the newest items anywhere; the newest items of new
and small stores. A page costs a fixed number of queries whatever the buyer's contacts or the
catalog's size."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q

from xiaodian.accounts.models import User
from xiaodian.content.models import OfficialAccountFollow, VideoAccountFollow
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.orders import sources
from xiaodian.orders.models import OrderLine

from . import rules
from .models import DailyExposure, FeedItem, FriendProof, ServedPage, StoreReach
from .rules import Creator, Kind, Surface

ITEM_COLUMNS = (
    "pk",
    "kind",
    "object_id",
    "store_id",
    "creator_type",
    "creator_id",
    "category_id",
    "title",
    "image",
    "price_fen",
    "published_at",
    "likes",
    "followers",
    "on_air",
    "explore",
)


@dataclass
class Pool:
    """A buyer's candidates and what the ranking reads about them."""

    items: dict[int, tuple] = field(default_factory=dict)  # FeedItem pk → ITEM_COLUMNS values
    friends: Counter = field(default_factory=Counter)  # FeedItem pk → contacts who liked or bought it
    followed: set[tuple[int, int]] = field(default_factory=set)  # (creator_type, creator_id)
    history_stores: set[int] = field(default_factory=set)
    categories: set[int] = field(default_factory=set)
    reach: dict[int, tuple[float, int, int, bool, bool]] = field(default_factory=dict)  # StoreReach by store

    def add(self, rows) -> None:
        for row in rows:
            self.items.setdefault(row[0], row)


def _newest(queryset, n: int) -> list[tuple]:
    return list(queryset.order_by("-published_at").values_list(*ITEM_COLUMNS)[:n])


def feed_pool(viewer: User | None) -> Pool:
    """The feed's candidates: 8 queries for a signed-in buyer, 3 signed out."""
    pool = Pool()
    visible = FeedItem.objects.filter(visible=True)
    since = clock.now() - rules.FRESH_WINDOW
    if viewer is not None:
        video = VideoAccountFollow.objects.filter(user=viewer).order_by("-id").values("account_id")
        official = OfficialAccountFollow.objects.filter(user=viewer).order_by("-id").values("account_id")
        follows = visible.filter(
            Q(creator_type=Creator.VIDEO_ACCOUNT, creator_id__in=video[: rules.FOLLOWS_MAX])
            | Q(creator_type=Creator.OFFICIAL_ACCOUNT, creator_id__in=official[: rules.FOLLOWS_MAX]),
            published_at__gte=since,
        )
        rows = _newest(follows, rules.POOL_FOLLOWS)
        pool.add(rows)
        pool.followed = {(r[4], r[5]) for r in rows}
        proofs = FriendProof.objects.filter(viewer=viewer).order_by("-at").values_list("item_id", "friend_id")
        seen: set[tuple[int, int]] = set()
        for item_id, friend_id in proofs[: rules.POOL_FRIENDS]:
            if (item_id, friend_id) not in seen:
                seen.add((item_id, friend_id))
                pool.friends[item_id] += 1
        lines = (
            OrderLine.objects.filter(order__buyer=viewer, order__paid_at__isnull=False)
            .order_by("-order__created_at")
            .values_list("order__store_id", "product__category_id")[: rules.HISTORY_ORDERS]
        )
        for store_id, category_id in lines:
            if len(pool.history_stores) < rules.HISTORY_STORES:
                pool.history_stores.add(store_id)
            pool.categories.add(category_id)
        if pool.history_stores:
            history = visible.filter(store_id__in=sorted(pool.history_stores), published_at__gte=since)
            pool.add(_newest(history, rules.POOL_HISTORY))
        if pool.friends:
            pool.add(visible.filter(pk__in=list(pool.friends)).values_list(*ITEM_COLUMNS))
    pool.add(_newest(visible, rules.POOL_FRESH))
    pool.add(_newest(visible.filter(explore=True), rules.POOL_EXPLORE))
    pool.reach = reach({row[3] for row in pool.items.values()})
    return pool


def live_pool(viewer: User | None) -> Pool:
    """The live square's candidates: rooms on air first, then the soonest scheduled (2 queries), and
    the buyer's friends' proof on them (1 more signed in)."""
    pool = Pool()
    rooms = FeedItem.objects.filter(visible=True, kind=Kind.LIVE).order_by("-on_air", "-published_at")
    pool.add(rooms.values_list(*ITEM_COLUMNS)[: rules.POOL_LIVE])
    if viewer is not None and pool.items:
        proofs = FriendProof.objects.filter(viewer=viewer, item_id__in=list(pool.items)).values_list(
            "item_id", flat=True
        )
        pool.friends.update(proofs)
    pool.reach = reach({row[3] for row in pool.items.values()})
    return pool


def reach(store_ids) -> dict[int, tuple[float, int, int, bool, bool]]:
    """Stores' (traffic weight, paid orders, private orders, boosted, small or new), one query;
    a store not yet refreshed is an unscored small store."""
    rows = StoreReach.objects.filter(store_id__in=list(store_ids)).values_list(
        "store_id", "traffic_weight", "paid_orders", "private_orders", "boosted", "small_or_new"
    )
    found = {row[0]: row[1:] for row in rows}
    return {s: found.get(s, (1.0, 0, 0, False, True)) for s in store_ids}


def session_served(session_id: int) -> set[tuple[int, int]]:
    """(kind, object id) of every item the cursor chain already showed."""
    shown: set[tuple[int, int]] = set()
    for page in ServedPage.objects.filter(Q(pk=session_id) | Q(session_id=session_id)):
        arrays = page.arrays()
        shown.update(zip(arrays["kinds"].tolist(), arrays["objects"].tolist(), strict=True))
    return shown


def item(kind: int, object_id: int) -> FeedItem | None:
    return FeedItem.objects.filter(kind=kind, object_id=object_id).first()


# ------------------------------------------------------------------- scene 8's source


def verify_impression(claim: sources.Claim) -> bool:
    """orders.sources: a checkout of scene 8 keeps it only when the page it names was served to
    this buyer within the last 7 days and showed what is bought (the product, or an item of its
    store: a video, live room or article leads to its store's products). One query."""
    page = ServedPage.objects.filter(pk=claim.source_id).first()
    if page is None or page.viewer_id is None or page.viewer_id != claim.buyer.pk:
        return False
    if page.served_at < clock.now() - rules.SOURCE_VALID:
        return False
    arrays = page.arrays()
    products = {int(o) for k, o in zip(arrays["kinds"], arrays["objects"], strict=True) if k == Kind.PRODUCT}
    stores = {int(s) for k, s in zip(arrays["kinds"], arrays["stores"], strict=True) if k != Kind.PRODUCT}
    return bool(products & claim.product_ids) or bool(stores & claim.store_ids)


def impression_sources(ids: list[int]) -> dict[int, sources.Source]:
    """An order's source, for the order page: the surface it came from (who saw it is not shown)."""
    rows = ServedPage.objects.filter(pk__in=ids).values_list("pk", "surface")
    return {pk: sources.Source(str(Surface(surface).label)) for pk, surface in rows}


# ------------------------------------------------------------------------- exposure report


def exposure(*, start: date, end: date, surface: int = Surface.FEED) -> list[DailyExposure]:
    """The days from `start` to `end` (inclusive) that have figures, oldest first."""
    if end < start or (end - start).days >= rules.EXPOSURE_DAYS_MAX:
        raise DomainError("validation_error", field="end")
    return list(DailyExposure.objects.filter(surface=surface, day__gte=start, day__lte=end).order_by("day"))


def default_window(days: int = rules.EXPOSURE_DAYS) -> tuple[date, date]:
    end = clock.today() - timedelta(days=1)
    return end - timedelta(days=days - 1), end
