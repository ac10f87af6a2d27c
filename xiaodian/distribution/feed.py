"""A page of the discovery feed or the live square: gather the buyer's candidates (selectors),
rank them with the one ranking (`ranking`, shared with `xiaodian simulate`), log the page served
(the exposure log, and the impression an order of scene 8 names), describe what the buyer sees.

Pages chain by a signed cursor: the chain's first page, the next rank and the page number. A next
page ranks the candidates again, leaving out what the chain already showed."""

import functools
import math
from dataclasses import asdict, dataclass, field
from urllib.parse import urlencode

import numpy as np
from django.core import signing
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.scenes import Scene

from . import ranking, rules, selectors, services
from .models import FeedItem, ServedPage
from .rules import SLUGS, Kind, Surface

CURSOR_SALT = "xiaodian.distribution.cursor"


@dataclass
class Item:
    """What the buyer sees of one item: never its creator's follower count."""

    type: str
    id: int
    title: str
    url: str
    image_url: str
    price_fen: int | None
    store_id: int
    store_name: str
    rank: int
    friends: int
    friends_text: str
    on_air: bool


@dataclass
class FeedPage:
    items: list[Item]
    next_cursor: str | None
    impression_id: int | None  # the ServedPage (None: nothing to show)
    count: int = 0
    factors: list[dict] = field(default_factory=list)  # per item, for tests and the operator's view


RANKING_KIND = {
    Kind.PRODUCT: ranking.Kind.PRODUCT,
    Kind.VIDEO: ranking.Kind.VIDEO,
    Kind.LIVE: ranking.Kind.LIVE,
    Kind.ARTICLE: ranking.Kind.ARTICLE,
}


def policy() -> ranking.Policy:
    return ranking.Policy.default()


# ------------------------------------------------------------------------------- cursors


def _cursor(session_id: int, next_rank: int, number: int, surface: int) -> str:
    return signing.dumps([session_id, next_rank, number, surface], salt=CURSOR_SALT, compress=False)


def _read_cursor(cursor: str, surface: int) -> tuple[int, int, int]:
    try:
        session_id, next_rank, number, cursor_surface = signing.loads(cursor, salt=CURSOR_SALT)
        valid = cursor_surface == surface and all(isinstance(v, int) for v in (session_id, next_rank, number))
    except (signing.BadSignature, ValueError, TypeError):
        valid = False
    if not valid:
        raise DomainError("validation_error", _("这个游标无效，请从第一页开始。"), field="cursor")
    return session_id, next_rank, number


# ------------------------------------------------------------------------------- ranking


def candidates(pool: selectors.Pool, rows: list[tuple], now) -> ranking.Candidates:
    """The ranking's arrays for these rows (ITEM_COLUMNS) of the pool."""
    n = len(rows)
    ts = now.timestamp()
    reach = pool.reach
    proof_at = pool.proof_at
    interest = np.full(n, rules.INTEREST_BASE)
    likes_full = math.log1p(rules.INTEREST_LIKES_FULL)
    arrays = {
        "item_id": np.fromiter((r[0] for r in rows), dtype=np.int64, count=n),
        "kind": np.fromiter((RANKING_KIND[r[1]] for r in rows), dtype=np.int8, count=n),
        "store_id": np.fromiter((r[3] for r in rows), dtype=np.int64, count=n),
        # one id space for the per-creator cap: the creator's type in the high bits
        "creator_id": np.fromiter(((r[4] << 48) | r[5] for r in rows), dtype=np.int64, count=n),
        "friends": np.fromiter((pool.friends.get(r[0], 0) for r in rows), dtype=np.int64, count=n),
        # a contact's like or purchase is news: a vouched-for item's age counts from the newest proof
        "age_hours": np.fromiter(
            (max(0.0, (ts - max(float(r[10]), proof_at.get(r[0], 0.0))) / 3600) for r in rows),
            dtype=np.float64,
            count=n,
        ),
        # nobody follows a store: its products rank with a median creator's reach (rules)
        "followers": np.fromiter(
            (rules.PRODUCT_FOLLOWERS if r[1] == Kind.PRODUCT else r[12] for r in rows),
            dtype=np.int64,
            count=n,
        ),
        "traffic_weight": np.fromiter((reach[r[3]][0] for r in rows), dtype=np.float64, count=n),
        "private_share": np.fromiter(
            ((reach[r[3]][2] / reach[r[3]][1]) if reach[r[3]][1] else 0.0 for r in rows),
            dtype=np.float64,
            count=n,
        ),
        "private_orders": np.fromiter((reach[r[3]][2] for r in rows), dtype=np.int64, count=n),
        "is_small_or_new": np.fromiter((reach[r[3]][4] for r in rows), dtype=bool, count=n),
    }
    for i, r in enumerate(rows):
        if r[6] is not None and r[6] in pool.categories:
            interest[i] += rules.INTEREST_CATEGORY
        if r[3] in pool.history_stores:
            interest[i] += rules.INTEREST_HISTORY_STORE
        if (r[4], r[5]) in pool.followed:
            interest[i] += rules.INTEREST_FOLLOWED
        interest[i] += rules.INTEREST_LIKES * min(1.0, math.log1p(r[11]) / likes_full)
    arrays["interest"] = np.minimum(interest, 1.0)
    return ranking.Candidates(**arrays)


# ------------------------------------------------------------------------------- a page


def serve(
    *,
    viewer: User | None,
    surface: int = Surface.FEED,
    cursor: str | None = None,
    size: int = rules.PAGE_SIZE,
) -> FeedPage:
    if not 1 <= size <= rules.PAGE_MAX:
        raise DomainError("validation_error", field="limit")
    session_id, first_rank, number = _read_cursor(cursor, surface) if cursor else (None, 1, 0)
    if number >= rules.SESSION_PAGES:
        return FeedPage([], None, None)
    now = clock.now()
    pool = selectors.feed_pool(viewer) if surface == Surface.FEED else selectors.live_pool(viewer)
    shown = selectors.session_served(session_id) if session_id else set()
    rows = [r for r in pool.items.values() if (r[1], r[2]) not in shown]
    if not rows:
        return FeedPage([], None, None)
    c = candidates(pool, rows, now)
    seed = (
        (session_id or 0) * 1000 + number
        if viewer is None
        else (viewer.pk * 7919 + (session_id or 0)) * 1000 + number
    )
    rule = policy()
    scores, factors = ranking.score(c, rule)
    picked = list(ranking.page(c, rule, size, np.random.default_rng(seed), scores=scores))
    page_rows = [rows[i] for i in picked]
    boosted = [reach_boosted(pool, r[3]) for r in page_rows]
    served = services.log_page(
        viewer_id=viewer.pk if viewer else None,
        session_id=session_id,
        surface=surface,
        first_rank=first_rank,
        kinds=[r[1] for r in page_rows],
        objects=[r[2] for r in page_rows],
        stores=[r[3] for r in page_rows],
        flags=[
            (ServedPage.EXPLORE if r[14] or pool.reach[r[3]][4] else 0) | (ServedPage.BOOSTED if b else 0)
            for r, b in zip(page_rows, boosted, strict=True)
        ],
    )
    items = _describe(page_rows, pool, served.pk, first_rank)
    more = 0 < len(picked) < len(rows)  # a page the cap left short still has a next one
    next_cursor = (
        _cursor(session_id or served.pk, first_rank + len(picked), number + 1, surface) if more else None
    )
    return FeedPage(
        items,
        next_cursor,
        served.pk,
        count=len(items),
        factors=[
            {name: float(values[i]) for name, values in factors.items()} | {"score": float(scores[i])}
            for i in picked
        ],
    )


def reach_boosted(pool: selectors.Pool, store_id: int) -> bool:
    return bool(pool.reach[store_id][3])


@functools.cache
def _pattern(name: str) -> str:
    """The page's URL with "{}" for the id (reverse() once per name, not per item)."""
    try:
        return reverse(name, args=[918273645]).replace("918273645", "{}")
    except NoReverseMatch:
        return ""


def _url(name: str, pk: int, params: dict | None = None) -> str:
    pattern = _pattern(name)
    if not pattern:
        return ""
    url = pattern.format(pk)
    return f"{url}?{urlencode(params)}" if params else url


def item_url(kind: int, object_id: int, impression_id: int | None) -> str:
    """A product opens with scene 8 and this impression as its source; a video, live room or article
    opens its own page (whose product links carry their own scene)."""
    if kind == Kind.PRODUCT:
        params = {"scene": Scene.FEED, "source_type": rules.SOURCE_TYPE}
        if impression_id:
            params["source_id"] = impression_id
        return _url("catalog:product", object_id, params)
    name = {Kind.VIDEO: "content:video", Kind.LIVE: "live:room", Kind.ARTICLE: "content:article"}[kind]
    return _url(name, object_id)


def _media(name: str) -> str:
    from django.conf import settings

    return f"{settings.MEDIA_URL}{name}" if name else ""


def _describe(rows: list[tuple], pool: selectors.Pool, impression_id: int, first_rank: int) -> list[Item]:
    """No query: the pool read the stores' names with the items."""
    names = pool.store_names
    items = []
    for offset, r in enumerate(rows):
        friends = pool.friends.get(r[0], 0)
        items.append(
            Item(
                type=SLUGS[r[1]],
                id=r[2],
                title=r[7],
                url=item_url(r[1], r[2], impression_id),
                image_url=_media(r[8]),
                price_fen=r[9],
                store_id=r[3],
                store_name=names.get(r[3], ""),
                rank=first_rank + offset,
                friends=friends,
                friends_text=str(rules.FRIENDS_SHOWN) % {"n": friends} if friends else "",
                on_air=r[13],
            )
        )
    return items


# ------------------------------------------------------------------------------- explain


def explain(*, user: User, slug: str, object_id: int) -> dict:
    """The factors of one item's rank and their values, for a neutral buyer (no contacts, no
    history: what the item brings by itself): to its store's staff and to operators only."""
    from xiaodian.core.permissions import require_user
    from xiaodian.stores.access import has_perm

    require_user(user)
    kind = rules.KIND_OF_SLUG.get(slug)
    if kind is None:
        raise DomainError("not_found")
    found: FeedItem | None = selectors.item(kind, object_id)
    if found is None:
        raise DomainError("not_found")
    if not user.is_staff and not has_perm(user, found.store_id, "view"):
        raise DomainError("permission_denied")
    pool = selectors.Pool()
    row = tuple(
        found.published_at.timestamp() if c == "published_at" else getattr(found, c)
        for c in selectors.ITEM_COLUMNS
    )
    pool.add([row])
    pool.reach = selectors.reach({found.store_id})
    c = candidates(pool, [row], clock.now())
    scores, factors = ranking.score(c, policy())
    weight, paid, private, boosted, small = pool.reach[found.store_id]
    return {
        "type": slug,
        "id": object_id,
        "store_id": found.store_id,
        "score": float(scores[0]),
        "factors": [{"name": name, "value": float(values[0])} for name, values in factors.items()],
        "store": {
            "traffic_weight": weight,
            "paid_orders_30d": paid,
            "private_orders_30d": private,
            "private_share_30d": round(private / paid, 4) if paid else 0.0,
            "incentive": boosted,
            "small_or_new": small,
        },
        "policy": asdict(policy()),
    }
