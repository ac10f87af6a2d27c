"""Reads of search: the stores tab and the products tab (docs/search.md).

A query's documents are those that hold every word of it, and when few do, those that hold most
(`text.Query.relaxed`). They are taken from the full-text index in index order, at most
`rules.CANDIDATES` of them (both engines stop early without an ORDER BY, which keeps a one-
character query over a million products fast), and ranked exactly:

1. more of the query's words first (all of them before most of them);
2. on the stores tab, stores with listed products before those without (but the store whose full
   name is the query);
3. score = text relevance × the store's traffic weight × freshness (× 100 for the exact name);
4. ties (to `rules.SCORE_DIGITS` significant digits) go to the product that sold more.

Each result carries these factors so its place can be explained.
"""

import json
import math
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from xiaodian.catalog.models import Product, ProductImage
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.scenes import Scene
from xiaodian.scoring import selectors as scoring_selectors
from xiaodian.scoring.models import CurrentScore
from xiaodian.stores.models import BrandAuthorization, Category, Store
from xiaodian.stores.rules import AuthorizationStatus
from xiaodian.stores.selectors import CategoryTree

from . import backends, rules, text
from .models import StoreDocument
from .rules import Tab
from .services import name_key

TABLES: dict[str, str] = {Tab.STORES: "search_storedocument", Tab.PRODUCTS: "search_productdocument"}


@dataclass
class Result:
    kind: str  # "store" or "product"
    id: int
    title: str
    store_id: int
    price_min_fen: int | None
    score: float
    factors: dict = field(default_factory=dict)  # see `_result`
    sales: int = 0  # a product's units sold
    product_count: int = 0  # a store's listed products
    # What a page shows with it, read for the page only (`_describe`):
    store_name: str = ""
    image_url: str = ""  # a product's first photo
    category_name: str = ""  # a store's main category
    store_score: str = ""  # the store score, "4.86", or "" before it has one
    badges: list[dict] = field(default_factory=list)  # [{code, name}]

    @property
    def url(self) -> str:
        """Where the result leads: a store's homepage, or the product page with scene 7 (search)."""
        if self.kind == "store":
            return reverse("stores:shop", args=[self.id])
        params = urlencode({"scene": Scene.SEARCH, "source_type": "search"})
        return f"{reverse('catalog:product', args=[self.id])}?{params}"


@dataclass(frozen=True)
class Results:
    query: str  # normalised
    tab: str
    items: list[Result]
    count: int  # the documents found and ranked (at most about `rules.CANDIDATES`)
    has_more: bool
    limit: int
    offset: int


def _subtree(category_id: int) -> list[int]:
    """The category and everything under it (a product sits on a leaf)."""
    tree = CategoryTree()
    if category_id not in tree.by_id:
        raise DomainError("not_found", field="category")
    found, stack = [], [category_id]
    while stack:
        node = stack.pop()
        found.append(node)
        stack += [c.pk for c in tree.children.get(node, [])]
    return found


def search(
    q: str,
    *,
    tab: str = Tab.STORES,
    category: int | None = None,
    min_price_fen: int | None = None,
    max_price_fen: int | None = None,
    limit: int = 20,
    offset: int = 0,
) -> Results:
    if tab not in TABLES:
        raise DomainError("validation_error", field="tab")
    if len((q or "").strip()) > rules.QUERY_MAX:
        raise DomainError("validation_error", field="q")
    if not 1 <= limit <= rules.PAGE_MAX or not 0 <= offset < rules.CANDIDATES:
        raise DomainError("validation_error", field="limit" if not 1 <= limit <= rules.PAGE_MAX else "offset")
    learn_vocabulary()
    query = text.query(q)
    category_ids = _subtree(category) if category is not None else None
    prices = tab == Tab.PRODUCTS  # a store has no price
    filters: dict[str, Any] = {
        "category_ids": category_ids,
        "min_price_fen": min_price_fen if prices else None,
        "max_price_fen": max_price_fen if prices else None,
    }
    found = [(hit, 1.0) for hit in backends.match(TABLES[tab], query, **filters)]
    seen = {hit.id for hit, _ in found}
    for level in (query.relaxed, query.split):
        if len(found) >= rules.RELAX_BELOW:
            break
        # few hold every word: also those that hold most of them (then, most of their characters)
        for relaxed in level():
            coverage = relaxed.holds / query.chars
            for hit in backends.match(TABLES[tab], relaxed, limit=rules.RELAXED_CANDIDATES, **filters):
                if hit.id not in seen:
                    seen.add(hit.id)
                    found.append((hit, coverage))
    exact_key = name_key(q or "")
    if tab == Tab.STORES and exact_key and all(h.name_key != exact_key for h, _ in found):
        found += [(hit, 1.0) for hit in _exact_stores(exact_key, category_ids)]
    top = max((h.relevance for h, _ in found), default=1.0) or 1.0
    now = clock.now().timestamp()
    stores = tab == Tab.STORES
    # rank on plain numbers (one pass, no objects); only the page's results get their factors
    fresh: dict[int | None, float] = {}
    scored = []
    for h, coverage in found:
        exact = stores and h.name_key == exact_key
        if h.fresh_ts not in fresh:
            fresh[h.fresh_ts] = freshness(h.fresh_ts, now)
        relevance = (h.relevance if h.relevance > 0 else top) * coverage
        score = relevance * h.traffic_weight * fresh[h.fresh_ts] * (rules.EXACT_NAME_BOOST if exact else 1.0)
        scored.append((score, h, coverage, exact))
    # scores within 1 / 10^SCORE_DIGITS of the best score of each other are tied: sales decide
    scale = 10**rules.SCORE_DIGITS / max((row[0] for row in scored), default=1.0) if scored else 1.0
    keyed = sorted(
        (
            (
                -coverage,
                not (exact or not stores or h.product_count > 0),  # stores without products last
                -round(score * scale),
                -h.sales,
                -h.object_id,
            ),
            h,
            coverage,
            exact,
        )
        for score, h, coverage, exact in scored
    )
    page = [
        _result(tab, h, exact=exact, top=top, coverage=coverage, now=now)
        for _key, h, coverage, exact in keyed[offset : offset + limit]
    ]
    _describe(tab, page)
    return Results(query.text, tab, page, len(keyed), len(keyed) > offset + limit, limit, offset)


def _score(hit: backends.Hit, coverage: float, exact: bool, top: float, now: float) -> float:
    relevance = (hit.relevance if hit.relevance > 0 else top) * coverage
    boost = rules.EXACT_NAME_BOOST if exact else 1.0
    return relevance * hit.traffic_weight * freshness(hit.fresh_ts, now) * boost


def _describe(tab: str, page: list[Result]) -> None:
    """What the page shows with each result: a product's photo and store name; a store's main
    category, score and badges. One query for the page, written out (the ORM's compiling of the
    same query with its subquery cost more than the query: ~2 ms of a ~7 ms search)."""
    if not page:
        return
    if tab == Tab.PRODUCTS:
        ids = [r.id for r in page]
        storage = ProductImage._meta.get_field("image").storage
        shown = {
            pk: (store_name, storage.url(image) if image else "")
            for pk, store_name, image in backends.fetch(_PRODUCT_CARDS.format(marks=_marks(ids)), ids)
        }
        for r in page:
            r.store_name, r.image_url = shown.get(r.id, ("", ""))
        return
    ids = [r.store_id for r in page]
    described = {
        pk: (category, value, badges)
        for pk, category, value, badges in backends.fetch(_STORE_CARDS.format(marks=_marks(ids)), ids)
    }
    for r in page:
        category, value, badges = described.get(r.store_id, ("", None, None))
        if isinstance(badges, str):  # SQLite gives the JSON column's text
            badges = json.loads(badges)
        r.store_name, r.category_name = r.title, category or ""
        r.store_score = f"{Decimal(str(value)):.2f}" if value is not None else ""
        r.badges = [
            {"code": code, "name": str(scoring_selectors.SHOWN_BADGES.get(code, code))}
            for code in badges or []
        ]


def _marks(ids: list) -> str:
    return ", ".join(["%s"] * len(ids))


def _table(model) -> str:
    return model._meta.db_table


_PRODUCT_CARDS = (
    f"SELECT p.id, s.name, (SELECT i.image FROM {_table(ProductImage)} i WHERE i.product_id = p.id "
    "ORDER BY i.position, i.id LIMIT 1) "
    f"FROM {_table(Product)} p JOIN {_table(Store)} s ON s.id = p.store_id WHERE p.id IN ({{marks}})"
)
_STORE_CARDS = (
    f"SELECT s.id, c.name, cs.value, cs.badges FROM {_table(Store)} s "
    f"JOIN {_table(Category)} c ON c.id = s.main_category_id "
    f"LEFT JOIN {_table(CurrentScore)} cs ON cs.store_id = s.id WHERE s.id IN ({{marks}})"
)


_vocabulary_state = {"at": -math.inf, "store_pk": 0}


def forget_vocabulary() -> None:
    """Start the vocabulary again: the next search learns every name (tests)."""
    text.forget_vocabulary()
    _vocabulary_state.update(at=-math.inf, store_pk=0)


def learn_vocabulary() -> None:
    """Teach the query cutter the catalog's words (`text.add_vocabulary`): category names,
    approved brands and store names; every VOCABULARY_TTL_S, the names added since."""
    now = time.monotonic()
    if now - _vocabulary_state["at"] < rules.VOCABULARY_TTL_S:
        return
    _vocabulary_state["at"] = now
    text.add_vocabulary(Category.objects.values_list("name", flat=True))
    text.add_vocabulary(
        BrandAuthorization.objects.filter(status=AuthorizationStatus.APPROVED).values_list("brand", flat=True)
    )
    newer = StoreDocument.objects.filter(object_id__gt=_vocabulary_state["store_pk"])
    for pk, title in newer.order_by("object_id").values_list("object_id", "title").iterator(chunk_size=5_000):
        text.add_vocabulary([title])
        _vocabulary_state["store_pk"] = pk


def _exact_stores(key: str, category_ids) -> list[backends.Hit]:
    """The store named exactly `key`, found by its name even when the index's first matches did
    not include it (one indexed query, written out: the ORM's compiling cost more than it)."""
    sql = (
        "SELECT id, object_id, store_id, title, name_key, traffic_weight, fresh_ts, product_count "
        f"FROM {_table(StoreDocument)} WHERE name_key = %s"
    )
    args: list = [key]
    if category_ids is not None:
        sql += f" AND category_id IN ({_marks(list(category_ids))})"
        args += list(category_ids)
    return [
        backends.Hit(
            id=pk,
            object_id=object_id,
            store_id=store_id,
            title=title,
            name_key=name_key,
            traffic_weight=weight,
            relevance=0.0,
            fresh_ts=fresh_ts,
            product_count=count,
        )
        for pk, object_id, store_id, title, name_key, weight, fresh_ts, count in backends.fetch(
            sql + " LIMIT 1", args
        )
    ]


def freshness(fresh_ts: int | None, now: float) -> float:
    """1 + FRESH_BOOST for a store opened or a product listed just now, the boost halving every
    FRESH_HALF_LIFE_DAYS; 1.0 without a date."""
    if fresh_ts is None:
        return 1.0
    age_days = max(now - fresh_ts, 0.0) / 86_400
    return 1.0 + rules.FRESH_BOOST * 0.5 ** (age_days / rules.FRESH_HALF_LIFE_DAYS)


def _result(tab: str, hit: backends.Hit, *, exact: bool, top: float, coverage: float, now: float) -> Result:
    # an exact name found by name alone has the best relevance; a document that holds only most
    # of the query's words counts the share of its characters that it holds
    relevance = (hit.relevance if hit.relevance > 0 else top) * coverage
    fresh = freshness(hit.fresh_ts, now)
    store = tab == Tab.STORES
    factors = {
        "relevance": float(f"{relevance:.6g}"),  # six significant digits
        "traffic_weight": hit.traffic_weight,
        "freshness": float(f"{fresh:.4g}"),
        "exact_name": exact,
        "words_matched": float(f"{coverage:.4g}"),  # share of the query's characters held
    }
    if store:
        factors["listed_products"] = hit.product_count
    else:
        factors["sales"] = hit.sales  # the tiebreaker
    return Result(
        kind="store" if store else "product",
        id=hit.object_id,
        title=hit.title,
        store_id=hit.store_id,
        price_min_fen=hit.price_min_fen,
        score=_score(hit, coverage, exact, top, now),
        factors=factors,
        sales=hit.sales,
        product_count=hit.product_count,
    )
