"""Writes of the search index: one store's or product's document, everything that hangs on a
category, or the whole index. The receivers call these on commit of the change that needs them;
`xiaodian reindex` rebuilds everything."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypedDict

from django.db import transaction
from django.db.models import Count, Min, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from xiaodian.catalog.models import Product
from xiaodian.catalog.rules import ProductState
from xiaodian.core import clock
from xiaodian.orders.models import OrderLine
from xiaodian.scoring.models import CurrentScore
from xiaodian.stores.models import Category, Store
from xiaodian.stores.rules import StoreState

from . import backends, rules, text
from .models import ProductDocument, StoreDocument

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django_stubs_ext import WithAnnotations


class _PriceMin(TypedDict):
    price_min_fen: int | None


BATCH = 2_000
PARALLEL_MIN = 20_000  # documents from which `reindex_all` cuts text in worker processes
IN_FLIGHT = 3  # chunks queued per worker ahead of the writes


def name_key(name: str) -> str:
    """A name as an exact query matches it: normalised, without spaces."""
    return text.normalize(name).replace(" ", "")


def _category_names() -> dict[int, str]:
    return dict(Category.objects.values_list("pk", "name"))


# A document as a row: these columns in this order, then `indexed_at` (the bulk path in
# `reindex_all` writes the tuples as they are; the one-object path builds a model from them).
COLUMNS = (
    "object_id",
    "store_id",
    "category_id",
    "title",
    "name_key",
    "name_terms",
    "context_terms",
    "traffic_weight",
    "fresh_ts",
)
STORE_COLUMNS = (*COLUMNS, "product_count")
PRODUCT_COLUMNS = (*COLUMNS, "price_min_fen", "sales")


def _ts(moment) -> int | None:
    """A datetime as Unix seconds (the documents' `fresh_ts`)."""
    return int(moment.timestamp()) if moment is not None else None


def _joined(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _cut_store(
    pk: int,
    name: str,
    category_id: int,
    category_terms: str,
    fresh_ts: int | None = None,
    product_count: int = 0,
) -> tuple[tuple, str]:
    """A store's document row, and the plain terms of its name (its products' documents carry
    them)."""
    name_terms = text.terms(name)
    row = (
        pk,
        pk,
        category_id,
        name,
        name_key(name),
        " ".join(name_terms + text.pinyin_terms(name)),
        category_terms,
        rules.DEFAULT_TRAFFIC_WEIGHT,
        fresh_ts,
        product_count,
    )
    return row, " ".join(name_terms)


def _product_row(
    pk: int,
    store_id: int,
    category_id: int,
    title: str,
    price_min_fen: int | None,
    fresh_ts: int | None,
    context_terms: str,
    sales: int = 0,
) -> tuple:
    return (
        pk,
        store_id,
        category_id,
        title[:100],
        name_key(title),
        " ".join(text.terms(title)),
        context_terms,
        rules.DEFAULT_TRAFFIC_WEIGHT,
        fresh_ts,
        price_min_fen,
        sales,
    )


def _store_document(store: Store, categories: dict[int, str]) -> StoreDocument:
    category_terms = " ".join(text.terms(categories.get(store.main_category_id, "")))
    row, _ = _cut_store(store.pk, store.name, store.main_category_id, category_terms, _ts(store.opened_at))
    return StoreDocument(**dict(zip(STORE_COLUMNS, row, strict=True)), indexed_at=clock.now())


def _product_document(
    product: WithAnnotations[Product, _PriceMin], store_name: str, categories: dict[int, str], sales: int
) -> ProductDocument:
    context = _joined(
        " ".join(text.terms(categories.get(product.category_id, ""))), " ".join(text.terms(store_name))
    )
    row = _product_row(
        product.pk,
        product.store_id,
        product.category_id,
        product.title,
        product.price_min_fen,
        _ts(product.listed_at),
        context,
        sales,
    )
    return ProductDocument(**dict(zip(PRODUCT_COLUMNS, row, strict=True)), indexed_at=clock.now())


def _listed_products() -> QuerySet[WithAnnotations[Product, _PriceMin]]:
    return Product.objects.filter(state=ProductState.LISTED, store__state=StoreState.OPEN).annotate(
        price_min_fen=Min("skus__price_fen", filter=Q(skus__is_active=True))
    )


def _replace(model, documents: list, object_ids: Iterable[int]) -> None:
    with transaction.atomic():
        model.objects.filter(object_id__in=list(object_ids)).delete()
        model.objects.bulk_create(documents, batch_size=BATCH)


def set_traffic_weights(
    store_ids: Iterable[int] | None = None, *, models=(StoreDocument, ProductDocument)
) -> int:
    """Copy the stores' current traffic weights (the store score) into their documents, all
    stores' when `store_ids` is None; a store without a score weighs 1.0. One UPDATE per table,
    writing only the documents whose weight changes; answers how many changed."""
    weight = Coalesce(
        Subquery(CurrentScore.objects.filter(store_id=OuterRef("store_id")).values("traffic_weight")[:1]),
        Value(rules.DEFAULT_TRAFFIC_WEIGHT),
    )
    changed = 0
    for model in models:
        documents = model.objects.all()
        if store_ids is not None:
            documents = documents.filter(store_id__in=list(store_ids))
        changed += documents.exclude(traffic_weight=weight).update(traffic_weight=weight)
    return changed


def index_store(store_id: int) -> bool:
    """Index the store (if open; otherwise take it out) and re-cut its products, whose documents
    carry its name. Answers whether the store is searchable now."""
    store = Store.objects.filter(pk=store_id).first()
    categories = _category_names()
    open_store = store if store is not None and store.state == StoreState.OPEN else None
    _replace(StoreDocument, [_store_document(open_store, categories)] if open_store else [], [store_id])
    products = list(_listed_products().filter(store_id=store_id)) if open_store else []
    stale = ProductDocument.objects.filter(store_id=store_id).values_list("object_id", flat=True)
    store_name = open_store.name if open_store else ""  # no products to cut when it is not open
    sold = sales_of([p.pk for p in products])
    documents = [_product_document(p, store_name, categories, sold.get(p.pk, 0)) for p in products]
    _replace(ProductDocument, documents, list(stale))
    if open_store:
        set_traffic_weights([store_id])
        count_products([store_id])
    return open_store is not None


def index_product(product_id: int) -> bool:
    """Index a listed product of an open store, or take it out. Answers whether it is searchable."""
    product = _listed_products().select_related("store").filter(pk=product_id).first()
    documents = []
    if product is not None:
        sold = sales_of([product_id]).get(product_id, 0)
        documents = [_product_document(product, product.store.name, _category_names(), sold)]
    store_ids = list(ProductDocument.objects.filter(object_id=product_id).values_list("store_id", flat=True))
    _replace(ProductDocument, documents, [product_id])
    if product is not None:  # the store's own document is not touched by a product
        set_traffic_weights([product.store_id], models=(ProductDocument,))
        store_ids.append(product.store_id)
    count_products(set(store_ids))
    return product is not None


def count_products(store_ids: Iterable[int] | None = None) -> int:
    """Copy the number of each store's indexed products into its document (all stores' when
    `store_ids` is None): one UPDATE; answers how many documents changed."""
    count = Coalesce(
        Subquery(
            ProductDocument.objects.filter(store_id=OuterRef("store_id"))
            .order_by()
            .values("store_id")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        Value(0),
    )
    documents = StoreDocument.objects.all()
    if store_ids is not None:
        documents = documents.filter(store_id__in=list(store_ids))
    return documents.exclude(product_count=count).update(product_count=count)


def sales_of(product_ids: Iterable[int]) -> dict[int, int]:
    """Units of each product sold in orders that are paid and not cancelled."""
    lines = OrderLine.objects.filter(product_id__in=list(product_ids), order__status__in=rules.SOLD_STATUSES)
    return dict(
        lines.order_by().values("product_id").annotate(n=Sum("quantity")).values_list("product_id", "n")
    )


def index_products(*, product_ids: list[int]) -> None:
    """`product_changed`'s handler: index each product again (idempotent)."""
    for product_id in product_ids:
        index_product(product_id)


def index_stores(*, store_ids: list[int]) -> None:
    """`store_changed`'s handler: index each store and its products again (idempotent)."""
    for store_id in store_ids:
        index_store(store_id)


def index_category(category_id: int) -> None:
    """A category's name changed: re-cut the stores whose main category it is and its products."""
    for store_id in Store.objects.filter(main_category_id=category_id).values_list("pk", flat=True):
        index_store(store_id)
    for product_id in Product.objects.filter(category_id=category_id).values_list("pk", flat=True):
        index_product(product_id)


def reindex_all(
    progress: Callable[[str, int, int], None] | None = None, *, workers: int | None = None
) -> dict[str, int]:
    """Rebuild the whole index: open stores, then listed products, in batches. `progress(kind,
    done, total)` is told after each batch.

    Cutting the text (jieba, pinyin, traditional-to-simplified) is most of the work, so past
    PARALLEL_MIN documents it runs in `workers` processes (default: one per core) while this one
    reads rows and writes documents; a product's context (its category's and its store's terms) is
    cut once per category and store. The rows go in by the backend's bulk path
    (`backends.bulk_rebuild`: COPY, or one prepared INSERT per batch, with the full-text index
    built after the load)."""
    say = progress or (lambda kind, done, total: None)
    category_terms = {pk: " ".join(text.terms(name)) for pk, name in _category_names().items()}
    stores = Store.objects.filter(state=StoreState.OPEN).order_by("-pk")
    products = _listed_products().order_by("-pk")
    # each store's listed products, counted up front so the store rows go in complete (an UPDATE
    # of every store row after the load would leave PostgreSQL a table of dead rows to read)
    listed = Product.objects.filter(state=ProductState.LISTED, store__state=StoreState.OPEN).order_by()
    product_counts = dict(listed.values("store_id").annotate(n=Count("pk")).values_list("store_id", "n"))
    store_total, product_total = stores.count(), products.count()
    if workers is None:
        workers = (os.cpu_count() or 1) if store_total + product_total >= PARALLEL_MIN else 0
    with _cutters(workers, category_terms) as cut, backends.bulk_rebuild():
        store_terms: dict[int, str] = {}

        def write_stores(cut_rows: list) -> None:
            backends.insert_rows(StoreDocument._meta.db_table, STORE_COLUMNS, [row for row, _ in cut_rows])
            store_terms.update((row[0], terms) for row, terms in cut_rows)
            say("stores", len(store_terms), store_total)

        say("stores", 0, store_total)
        store_rows = (
            (pk, name, category_id, _ts(opened_at), product_counts.get(pk, 0))
            for pk, name, category_id, opened_at in stores.values_list(
                "pk", "name", "main_category_id", "opened_at"
            ).iterator(chunk_size=BATCH)
        )
        cut(_cut_stores, _chunks(store_rows), write_stores)

        done = 0

        def write_products(rows: list) -> None:
            nonlocal done
            backends.insert_rows(ProductDocument._meta.db_table, PRODUCT_COLUMNS, rows)
            done += len(rows)
            say("products", done, product_total)

        say("products", 0, product_total)
        product_rows = products.values_list(
            "pk", "store_id", "category_id", "title", "price_min_fen", "listed_at"
        ).iterator(chunk_size=BATCH)
        chunks = (
            [
                (*row[:5], _ts(row[5]), _joined(category_terms.get(row[2], ""), store_terms.get(row[1], "")))
                for row in chunk
            ]
            for chunk in _chunks(product_rows)
        )
        cut(_cut_products, chunks, write_products)
    set_traffic_weights()
    refresh_sales()
    return {"stores": StoreDocument.objects.count(), "products": ProductDocument.objects.count()}


def refresh_sales() -> int:
    """Every product document's sales counted again from the orders (after a full reindex, and
    nightly with the drift check; a product's own changes count them when it is indexed). The
    payment path is left alone: a sale does not wait for the index. Answers how many changed."""
    sold = OrderLine.objects.filter(order__status__in=rules.SOLD_STATUSES).order_by().values("product_id")
    counts = dict(sold.annotate(n=Sum("quantity")).values_list("product_id", "n"))
    changed = []
    for chunk in _chunks(list(counts.items())):
        shown = ProductDocument.objects.filter(object_id__in=[pk for pk, _ in chunk])
        indexed = dict(shown.values_list("object_id", "sales"))
        changed += [(pk, n) for pk, n in chunk if pk in indexed and indexed[pk] != n]
    unsold = ProductDocument.objects.filter(sales__gt=0).values_list("object_id", flat=True)
    changed += [(pk, 0) for pk in unsold.iterator(chunk_size=BATCH) if pk not in counts]
    for chunk in _chunks(changed):
        with transaction.atomic():
            for object_id, n in chunk:
                ProductDocument.objects.filter(object_id=object_id).update(sales=n)
    return len(changed)


def _chunks(rows: Iterable, size: int = BATCH) -> Iterator[list]:
    chunk: list = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# The worker processes' copy of the categories' terms (set by the pool's initializer).
_worker_category_terms: dict[int, str] = {}


def _init_worker(category_terms: dict[int, str]) -> None:
    global _worker_category_terms
    _worker_category_terms = category_terms


def _cut_stores(rows: list[tuple[int, str, int, int | None, int]]) -> list[tuple[tuple, str]]:
    return [
        _cut_store(pk, name, category_id, _worker_category_terms.get(category_id, ""), fresh_ts, count)
        for pk, name, category_id, fresh_ts, count in rows
    ]


def _cut_products(rows: list[tuple]) -> list[tuple]:
    return [_product_row(*row) for row in rows]


@contextmanager
def _cutters(workers: int, category_terms: dict[int, str]):
    """Yields `cut(function, chunks, write)`: `write(function(chunk))` for every chunk, in order.
    With workers, the chunks are cut in that many forked processes, at most IN_FLIGHT per worker
    ahead of the writes; without, here."""
    _init_worker(category_terms)
    text.terms("预热")  # load jieba's dictionary once, before the fork: the workers share it
    if workers < 1:

        def cut_here(function, chunks, write) -> None:
            for chunk in chunks:
                write(function(chunk))

        yield cut_here
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_init_worker, initargs=(category_terms,)) as pool:

        def cut_there(function, chunks, write) -> None:
            pending: deque = deque()
            for chunk in chunks:
                pending.append(pool.apply_async(function, (chunk,)))
                while len(pending) > workers * IN_FLIGHT:
                    write(pending.popleft().get())
            while pending:
                write(pending.popleft().get())

        yield cut_there


# ------------------------------------------------------------------------------ drift check


class Drift(TypedDict):
    stores_checked: int
    products_checked: int
    stores_missing: int  # open, not in the index
    stores_stale: int  # in the index, not open (or gone)
    stores_changed: int  # indexed with another name or category
    products_missing: int
    products_stale: int
    products_changed: int  # indexed with another title, store, category or price
    sales_changed: int  # products whose sales count moved since
    repaired: int  # documents indexed again


def _merge(catalog: Iterator[tuple], index: Iterator[tuple]) -> Iterator[tuple[int, str]]:
    """Walk two row streams ordered by id (the first column); yields (id, "missing" | "stale" |
    "changed") for every id where they differ."""
    a, b = next(catalog, None), next(index, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a[0] < b[0]):
            yield a[0], "missing"  # type: ignore[index]
            a = next(catalog, None)
        elif a is None or b[0] < a[0]:
            yield b[0], "stale"
            b = next(index, None)
        else:
            if a != b:
                yield a[0], "changed"
            a, b = next(catalog, None), next(index, None)


def check_index(*, repair: bool = True) -> Drift:
    """Compare the index with the catalog — every open store and listed product of an open store
    has a document with its current name/title, store, category and lowest price, and no other
    document exists — and (with `repair`) index again every one that differs. Answers what it
    found. The nightly task and `xiaodian check_search_index` run it; both sides are read in id
    order in batches, so memory stays flat at a million products."""
    found: Drift = dict.fromkeys(Drift.__annotations__, 0)  # type: ignore[assignment]
    stores = (
        Store.objects.filter(state=StoreState.OPEN)
        .order_by("pk")
        .values_list("pk", "name", "main_category_id")
        .iterator(chunk_size=BATCH)
    )
    store_docs = StoreDocument.objects.order_by("object_id").values_list("object_id", "title", "category_id")
    drifted_stores = []
    for store_id, kind in _merge(_counted(stores, found, "stores_checked"), store_docs.iterator(BATCH)):
        found[f"stores_{kind}"] += 1  # type: ignore[literal-required]
        drifted_stores.append(store_id)
    products = (
        _listed_products()
        .order_by("pk")
        .values_list("pk", "store_id", "category_id", "title", "price_min_fen")
        .iterator(chunk_size=BATCH)
    )
    product_docs = ProductDocument.objects.order_by("object_id").values_list(
        "object_id", "store_id", "category_id", "title", "price_min_fen"
    )
    titled = ((pk, s, c, title[:100], p) for pk, s, c, title, p in products)
    drifted_products = []
    for product_id, kind in _merge(_counted(titled, found, "products_checked"), product_docs.iterator(BATCH)):
        found[f"products_{kind}"] += 1  # type: ignore[literal-required]
        drifted_products.append(product_id)
    if repair:
        for store_id in drifted_stores:
            index_store(store_id)
        for product_id in drifted_products:
            index_product(product_id)
        found["repaired"] = len(drifted_stores) + len(drifted_products)
        found["sales_changed"] = refresh_sales()
    return found


def _counted(rows: Iterable[tuple], found: Drift, key: str) -> Iterator[tuple]:
    for row in rows:
        found[key] += 1  # type: ignore[literal-required]
        yield row
