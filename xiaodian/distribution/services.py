"""Writes of traffic distribution: the candidate table kept in step with products, videos,
articles and live rooms; the per-store aggregates; the fan-out of contacts' likes and purchases;
a page of the feed or the live square served and logged; a day's exposure concentration."""

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, Min, Q

from xiaodian.catalog.models import SKU, Product, ProductImage
from xiaodian.catalog.rules import ProductState
from xiaodian.content.models import Article, ArticleLike, Video, VideoLike
from xiaodian.core import clock
from xiaodian.core.clock import SHANGHAI
from xiaodian.live.models import LiveRoom, ShelfItem
from xiaodian.live.rules import RoomState
from xiaodian.orders.models import Order, OrderLine
from xiaodian.scoring import selectors as scoring_selectors
from xiaodian.social.models import Contact
from xiaodian.stores.models import Store, StoreLink
from xiaodian.stores.rules import LinkState

from . import concentration, ranking, rules
from .models import DailyExposure, FeedItem, FriendProof, ServedPage, StoreReach, Watermark
from .rules import Creator, Kind, Surface

ITEM_FIELDS = [
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
    "visible",
]


def _upsert(items: list[FeedItem]) -> None:
    """Insert or update by (kind, object_id); `explore` stays as StoreReach set it (new rows take
    their store's flag)."""
    if not items:
        return
    small = set(
        StoreReach.objects.filter(store_id__in={i.store_id for i in items}, small_or_new=True).values_list(
            "store_id", flat=True
        )
    )
    for item in items:
        item.explore = item.store_id in small
    FeedItem.objects.bulk_create(
        items,
        update_conflicts=True,
        unique_fields=["kind", "object_id"],
        update_fields=ITEM_FIELDS,
        batch_size=500,
    )


def _hide(kind: int, object_ids) -> None:
    FeedItem.objects.filter(kind=kind, object_id__in=list(object_ids)).update(visible=False)


# ----------------------------------------------------------------------------- products


def index_products(*, product_ids: list[int]) -> int:
    """catalog.product_changed: listed products become (or stay) feed items; others are hidden.
    Idempotent: it reads the products as they are now."""
    ids = sorted(set(product_ids))
    products = {
        p.pk: p
        for p in Product.objects.filter(
            pk__in=ids, state=ProductState.LISTED, banned_at__isnull=True
        ).select_related("store")
    }
    prices = dict(
        SKU.objects.filter(product_id__in=list(products), is_active=True)
        .values("product_id")
        .annotate(low=Min("price_fen"))
        .values_list("product_id", "low")
    )
    images: dict[int, str] = {}
    for product_id, image in (
        ProductImage.objects.filter(product_id__in=list(products))
        .order_by("-position")
        .values_list("product_id", "image")
    ):
        images[product_id] = image  # the lowest position wins (read last)
    items = [
        FeedItem(
            kind=Kind.PRODUCT,
            object_id=p.pk,
            store_id=p.store_id,
            creator_type=Creator.STORE,
            creator_id=p.store_id,
            category_id=p.category_id,
            title=p.title[:200],
            image=images.get(p.pk, ""),
            price_fen=prices.get(p.pk),
            published_at=p.listed_at or p.created_at,
            visible=p.store.state == "open",
        )
        for p in products.values()
    ]
    _upsert(items)
    _hide(Kind.PRODUCT, set(ids) - set(products))
    return len(items)


# ------------------------------------------------------------------ videos, articles, live rooms


def _bound_stores(field: str, account_ids) -> dict[int, int]:
    """The store each account is bound to (its newest binding)."""
    rows = (
        StoreLink.objects.filter(**{f"{field}_id__in": list(account_ids)}, state=LinkState.BOUND)
        .order_by("id")
        .values_list(f"{field}_id", "store_id")
    )
    return dict(rows)


def _product_stores(product_ids) -> dict[int, int]:
    return dict(Product.objects.filter(pk__in=list(product_ids)).values_list("pk", "store_id"))


def _refresh(kind: int, objects: list, item: Callable[[Any], FeedItem | None]) -> int:
    """Each object's feed item written, or hidden where `item` gives none; answers how many are
    candidates."""
    items = []
    hidden = []
    for obj in objects:
        made = item(obj)
        if made is None:
            hidden.append(obj.pk)
        else:
            items.append(made)
    _upsert(items)
    _hide(kind, hidden)
    return len(items)


def sync_videos(video_ids=None) -> int:
    """Published videos of accounts bound to a store (or carrying a product card) become feed
    items; the others are hidden. All of them when `video_ids` is None."""
    chosen = Video.objects.all() if video_ids is None else Video.objects.filter(pk__in=list(video_ids))
    videos = list(chosen.select_related("account"))
    bound = _bound_stores("video_account", {v.account_id for v in videos})
    by_product = _product_stores({v.product_id for v in videos if v.product_id})

    def item(v: Video) -> FeedItem | None:
        store_id = (by_product.get(v.product_id) if v.product_id else None) or bound.get(v.account_id)
        if v.state != "published" or store_id is None:
            return None
        return FeedItem(
            kind=Kind.VIDEO,
            object_id=v.pk,
            store_id=store_id,
            creator_type=Creator.VIDEO_ACCOUNT,
            creator_id=v.account_id,
            title=v.title[:200],
            image=(v.cover.name or "") if v.cover else "",
            published_at=v.published_at or v.created_at,
            likes=v.like_count,
            followers=v.account.follower_count,
        )

    return _refresh(Kind.VIDEO, videos, item)


def sync_articles(article_ids=None) -> int:
    chosen = (
        Article.objects.all() if article_ids is None else Article.objects.filter(pk__in=list(article_ids))
    )
    articles = list(chosen.select_related("account"))
    bound = _bound_stores("official_account", {a.account_id for a in articles})
    first_products = {a.pk: a.product_ids[0] for a in articles if a.product_ids}
    by_product = _product_stores(set(first_products.values()))

    def item(a: Article) -> FeedItem | None:
        product_id = first_products.get(a.pk)
        store_id = bound.get(a.account_id) or (by_product.get(product_id) if product_id else None)
        if a.state != "published" or store_id is None:
            return None
        return FeedItem(
            kind=Kind.ARTICLE,
            object_id=a.pk,
            store_id=store_id,
            creator_type=Creator.OFFICIAL_ACCOUNT,
            creator_id=a.account_id,
            title=a.title[:200],
            published_at=a.published_at or a.created_at,
            likes=a.like_count,
            followers=a.account.follower_count,
        )

    return _refresh(Kind.ARTICLE, articles, item)


def sync_live_rooms(room_ids=None) -> int:
    """Rooms scheduled or on air are candidates of the feed and the live square; ended ones leave."""
    chosen = LiveRoom.objects.all() if room_ids is None else LiveRoom.objects.filter(pk__in=list(room_ids))
    rooms = list(chosen.select_related("account"))
    bound = _bound_stores("video_account", {r.account_id for r in rooms})
    shelf = dict(
        ShelfItem.objects.filter(room_id__in=[r.pk for r in rooms], removed_at__isnull=True)
        .order_by("-id")
        .values_list("room_id", "product__store_id")
    )

    def item(r: LiveRoom) -> FeedItem | None:
        store_id = shelf.get(r.pk) or bound.get(r.account_id)
        if r.state not in (RoomState.SCHEDULED, RoomState.LIVE) or store_id is None:
            return None
        return FeedItem(
            kind=Kind.LIVE,
            object_id=r.pk,
            store_id=store_id,
            creator_type=Creator.VIDEO_ACCOUNT,
            creator_id=r.account_id,
            title=r.title[:200],
            image=(r.cover.name or "") if r.cover else "",
            published_at=r.started_at or r.scheduled_at,
            followers=r.account.follower_count,
            on_air=r.state == RoomState.LIVE,
        )

    return _refresh(Kind.LIVE, rooms, item)


def sync_content() -> dict:
    """The sweep (tasks.sync_feed): videos, articles and live rooms as they are now. Content and
    live send no events, so the candidate table reads them; bounded by what exists (small next to
    products, which follow catalog's event)."""
    return {"videos": sync_videos(), "articles": sync_articles(), "live_rooms": sync_live_rooms()}


# ------------------------------------------------------------------------- store aggregates


def refresh_store_reach(*, now: datetime | None = None) -> int:
    """Every store with feed items: its traffic weight, its 30-day paid and private-domain orders,
    the incentive (DOMAIN.md: ≥ 20% of paid orders through scenes 9–13, ≥ 10 of them) and whether
    it is new or small; then the items' `explore` flag follows. Three reads and bulk writes."""
    now = now or clock.now()
    store_ids = sorted(set(FeedItem.objects.values_list("store_id", flat=True).distinct()))
    weights = scoring_selectors.traffic_weights(store_ids)
    counts: dict[int, Any] = {
        row["store_id"]: row
        for row in Order.objects.filter(
            store_id__in=store_ids,
            paid_at__gte=now - timedelta(days=rules.PRIVATE_WINDOW_DAYS),
            paid_at__isnull=False,
        )
        .values("store_id")
        .annotate(paid=Count("id"), private=Count("id", filter=Q(scene__in=rules.PRIVATE_SCENES)))
    }
    opened = dict(Store.objects.filter(pk__in=store_ids).values_list("pk", "opened_at"))
    rows = []
    for store_id in store_ids:
        paid = counts.get(store_id, {}).get("paid", 0)
        private = counts.get(store_id, {}).get("private", 0)
        opened_at = opened.get(store_id)
        rows.append(
            StoreReach(
                store_id=store_id,
                traffic_weight=weights[store_id].traffic_weight if store_id in weights else 1.0,
                paid_orders=paid,
                private_orders=private,
                boosted=incentive_applies(paid, private),
                small_or_new=paid <= rules.SMALL_STORE_ORDERS
                or (opened_at is not None and opened_at >= now - rules.NEW_STORE_AGE),
                refreshed_at=now,
            )
        )
    with transaction.atomic():
        StoreReach.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["store"],
            update_fields=[
                "traffic_weight",
                "paid_orders",
                "private_orders",
                "boosted",
                "small_or_new",
                "refreshed_at",
            ],
            batch_size=1000,
        )
        small = [r.store_id for r in rows if r.small_or_new]
        big = [r.store_id for r in rows if not r.small_or_new]
        for chunk in _chunks(small):
            FeedItem.objects.filter(store_id__in=chunk, explore=False).update(explore=True)
        for chunk in _chunks(big):
            FeedItem.objects.filter(store_id__in=chunk, explore=True).update(explore=False)
    return len(rows)


def incentive_applies(paid: int, private: int) -> bool:
    """DOMAIN.md: at least 20% of the 30 days' paid orders private-domain, and at least 10 of them
    (the ranking's rule, `ranking.incentive_eligible`, with the default policy)."""
    share = private / paid if paid else 0.0
    return bool(
        ranking.incentive_eligible(np.array([share]), np.array([private]), ranking.Policy.default())[0]
    )


def _chunks(values: list, size: int = 900):
    for i in range(0, len(values), size):
        yield values[i : i + size]


# ------------------------------------------------------------------------ friends' proof


def _fan_out(actions: list[tuple[int, int, int, datetime]]) -> int:
    """(friend, item, verb, at) → a FriendProof row for each user who has `friend` in their
    contacts. Repeats change nothing (one row per viewer, item and friend)."""
    by_friend: dict[int, list[tuple[int, int, datetime]]] = defaultdict(list)
    for friend, item, verb, at in actions:
        by_friend[friend].append((item, verb, at))
    viewers: dict[int, list[int]] = defaultdict(list)
    for owner, other in Contact.objects.filter(other_id__in=list(by_friend)).values_list(
        "owner_id", "other_id"
    ):
        viewers[other].append(owner)
    rows = [
        FriendProof(viewer_id=viewer, item_id=item, friend_id=friend, verb=verb, at=at)
        for friend, acts in by_friend.items()
        for item, verb, at in acts
        for viewer in viewers.get(friend, ())
    ]
    FriendProof.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(rows)


def record_purchases(*, order_ids: list[int]) -> int:
    """orders.order_paid: each product bought is a purchase the buyer's contacts' feeds can show
    ("n 位朋友赞过"). Idempotent (one proof per viewer, item and friend)."""
    lines = list(
        OrderLine.objects.filter(order_id__in=order_ids, order__paid_at__isnull=False).values_list(
            "order__buyer_id", "product_id", "order__paid_at"
        )
    )
    items = dict(
        FeedItem.objects.filter(kind=Kind.PRODUCT, object_id__in={p for _b, p, _t in lines}).values_list(
            "object_id", "pk"
        )
    )
    actions = [(buyer, items[p], FriendProof.BOUGHT, at) for buyer, p, at in lines if p in items and at]
    return _fan_out(actions)


def collect_likes(*, batch: int = 5000) -> int:
    """The sweep: likes of videos and articles since the last run fan out to the likers' contacts.
    Content sends no event for a like, so the sweep reads new rows past a watermark."""
    done = 0
    for name, model, kind, field in (
        ("video_likes", VideoLike, Kind.VIDEO, "video_id"),
        ("article_likes", ArticleLike, Kind.ARTICLE, "article_id"),
    ):
        mark, _ = Watermark.objects.get_or_create(name=name)
        rows = list(
            model.objects.filter(pk__gt=mark.last_id)
            .order_by("pk")
            .values_list("pk", "user_id", field, "created_at")[:batch]
        )
        if not rows:
            continue
        items = dict(
            FeedItem.objects.filter(kind=kind, object_id__in={r[2] for r in rows}).values_list(
                "object_id", "pk"
            )
        )
        done += _fan_out(
            [(user, items[obj], FriendProof.LIKED, at) for _pk, user, obj, at in rows if obj in items]
        )
        Watermark.objects.filter(name=name).update(last_id=rows[-1][0])
    return done


# -------------------------------------------------------------------------- exposure log


def log_page(
    *,
    viewer_id: int | None,
    session_id: int | None,
    surface: int,
    first_rank: int,
    kinds,
    objects,
    stores,
    flags,
) -> ServedPage:
    """One INSERT for a page served. On PostgreSQL its commit does not wait for the WAL flush
    (`synchronous_commit = off` for this transaction only): a crash may lose the last fraction of a
    second of impressions (an order naming one then records scene 1), never corrupt anything, and
    the page saves the flush's milliseconds (docs/distribution.md)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        return _insert_page(viewer_id, session_id, surface, first_rank, kinds, objects, stores, flags)


def _insert_page(viewer_id, session_id, surface, first_rank, kinds, objects, stores, flags) -> ServedPage:
    return ServedPage.objects.create(
        viewer_id=viewer_id,
        session_id=session_id,
        surface=surface,
        served_at=clock.now(),
        first_rank=first_rank,
        kinds=np.asarray(kinds, dtype="<u1").tobytes(),
        object_ids=np.asarray(objects, dtype="<i8").tobytes(),
        stores=np.asarray(stores, dtype="<i8").tobytes(),
        flags=np.asarray(flags, dtype="<u1").tobytes(),
    )


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI)
    return start, start + timedelta(days=1)


def summarize_exposure(*, day: date) -> list[DailyExposure]:
    """A day's concentration per surface, from its served pages (replaces an earlier run's rows)."""
    start, end = day_bounds(day)
    per_surface: dict[int, list[dict]] = defaultdict(list)
    for page in ServedPage.objects.filter(served_at__gte=start, served_at__lt=end).iterator(chunk_size=2000):
        per_surface[page.surface].append(page.arrays())
    rows = []
    for surface in Surface.values:
        pages = per_surface.get(surface, [])
        stores = np.concatenate([p["stores"] for p in pages]) if pages else np.zeros(0, dtype=np.int64)
        flags = np.concatenate([p["flags"] for p in pages]) if pages else np.zeros(0, dtype=np.uint8)
        figures = concentration.figures(stores, flags)
        rows.append(DailyExposure(day=day, surface=surface, computed_at=clock.now(), **figures))
    with transaction.atomic():
        DailyExposure.objects.filter(day=day).delete()
        DailyExposure.objects.bulk_create(rows)
    return rows
