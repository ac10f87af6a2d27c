"""Seeding shared by the benches that load stores, products and paid orders in bulk (ledger,
alliance): binary COPY on PostgreSQL, one prepared INSERT on SQLite (`score._load`), not through
the services. Each bench names its rows (`Names`) so that it clears only its own seed."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import connection
from rich.progress import Progress

from xiaodian.accounts import licences
from xiaodian.accounts.rules import Role, SubjectKind, Verification
from xiaodian.catalog.rules import ProductState
from xiaodian.orders.rules import Status
from xiaodian.stores import naming
from xiaodian.stores.rules import StoreKind, StoreState

from .score import (
    ADDRESSES,
    CHECKOUT_COLUMNS,
    DAY,
    LINE_COLUMNS,
    NAT,
    ORDER_COLUMNS,
    PRODUCT_COLUMNS,
    SKU_COLUMNS,
    STAFF_COLUMNS,
    STORE_COLUMNS,
    SUBJECT_COLUMNS,
    USER_COLUMNS,
    _columns,
    _like,
    _load,
    _numbers,
)
from .search import _leaves, _next_id

STORES_PER_SUBJECT = 30
ORDER_SPREAD = 1.2  # sigma of the lognormal store weights: a few big stores, many small
TWO_LINES = 0.3  # of orders: two lines (the store's first two products)
SHIPPING = 0.25  # of orders: ¥6 shipping on top of the goods
PROMOTED_COLUMNS = _columns("promoter_id int8, sales_channel int2")  # a line's promoter (the alliance)


@dataclass(frozen=True)
class Names:
    """How a bench names its seeded rows (usernames by prefix, store and product names)."""

    merchant: str  # usernames of the merchants, then of the buyers, then the seed's marker
    buyer: str
    marker: str
    store: str  # store names
    subject: str  # subjects' names
    licence_base: int  # first licence number (each bench its own range)
    title: str  # product titles
    checkout: str  # the buyers' checkouts' idempotency keys


# ------------------------------------------------------------------------------------- clear


# The tables the seeds of stores, buyers and orders write with their own ids (their sequences
# moved past them afterwards); each bench adds its own.
ORDER_TABLES = (
    "accounts_user",
    "accounts_subject",
    "stores_store",
    "catalog_product",
    "catalog_sku",
    "orders_checkout",
    "orders_order",
    "orders_orderline",
)
BENCH_STORES = (
    "SELECT s.id FROM stores_store s JOIN accounts_subject j ON j.id = s.subject_id "
    "JOIN accounts_user u ON u.id = j.owner_id WHERE u.username LIKE %s"
)


def clear(names: Names, progress: Progress, before: Sequence[tuple[str, list]] = ()) -> None:
    """Remove an earlier seed of a bench (of another size): `before` first (the rows of the bench's
    own tables that point at the stores, users or products), then its orders, products, stores and
    users."""
    merchants, buyers = [_like(names.merchant)], [_like(names.buyer)]
    in_stores = f"IN ({BENCH_STORES})"
    statements = [
        *before,
        (
            "DELETE FROM orders_orderline WHERE order_id IN "
            f"(SELECT id FROM orders_order WHERE store_id {in_stores})",
            merchants,
        ),
        (f"DELETE FROM orders_order WHERE store_id {in_stores}", merchants),
        (
            "DELETE FROM orders_checkout WHERE buyer_id IN (SELECT id FROM accounts_user WHERE username LIKE %s)",
            buyers,
        ),
        (
            "DELETE FROM catalog_sku WHERE product_id IN "
            f"(SELECT id FROM catalog_product WHERE store_id {in_stores})",
            merchants,
        ),
        (f"DELETE FROM catalog_product WHERE store_id {in_stores}", merchants),
        (f"DELETE FROM stores_storestaff WHERE store_id {in_stores}", merchants),
        (f"DELETE FROM stores_store WHERE id {in_stores}", merchants),
        (
            "DELETE FROM accounts_subject WHERE owner_id IN (SELECT id FROM accounts_user WHERE username LIKE %s)",
            merchants,
        ),
        (
            "DELETE FROM accounts_user WHERE username LIKE %s OR username LIKE %s OR username LIKE %s",
            [*merchants, *buyers, _like(names.marker)],
        ),
    ]
    task = progress.add_task("clearing old seed", total=len(statements))
    with connection.cursor() as cursor:
        for sql, params in statements:
            if connection.vendor == "sqlite":  # no default escape character there
                sql = sql.replace("LIKE %s", r"LIKE %s ESCAPE '\'")
            cursor.execute(sql, params)
            progress.advance(task)


# -------------------------------------------------------------------------------------- seed


def ids(table: str, n: int) -> np.ndarray:
    first = _next_id(table)
    return np.arange(first, first + n, dtype=np.int64)


def users(usernames: list[str], joined: int) -> np.ndarray:
    """Users (no password, active) by their usernames, joined at `joined`; answers their ids."""
    user_ids = ids("accounts_user", len(usernames))
    _load(
        "accounts_user",
        USER_COLUMNS,
        {
            "id": user_ids,
            "password": make_password(None),
            "last_login": None,
            "is_superuser": False,
            "username": usernames,
            "first_name": "",
            "last_name": "",
            "email": "",
            "is_staff": False,
            "is_active": True,
            "date_joined": joined,
            "display_name": "",
            "avatar": "",
        },
        len(usernames),
    )
    return user_ids


def checkouts(names: Names, buyer_ids: np.ndarray, stamp: int) -> dict:
    """One checkout for each buyer (the orders' checkout): {"buyer_id", "checkout_id"}."""
    checkout_ids = ids("orders_checkout", len(buyer_ids))
    _load(
        "orders_checkout",
        CHECKOUT_COLUMNS,
        {
            "id": checkout_ids,
            "buyer_id": buyer_ids,
            "idempotency_key": [f"{names.checkout}{k}" for k in range(len(buyer_ids))],
            "request_hash": "0" * 64,
            "total_fen": 0,
            "created_at": stamp - 60 * DAY,
        },
        len(buyer_ids),
    )
    return {"buyer_id": buyer_ids, "checkout_id": checkout_ids}


def seed_buyers(names: Names, count: int, stamp: int) -> dict:
    """Buyers with a checkout each, for a world seeded without them: {"buyer_id", "checkout_id"}."""
    return checkouts(names, users([f"{names.buyer}{k}" for k in range(count)], stamp - 400 * DAY), stamp)


def seed_stores(
    names: Names,
    store_count: int,
    buyer_count: int,
    rng: np.random.Generator,
    stamp: int,
    *,
    products_per_store: int = 2,
) -> dict:
    """Merchants (one per 30 stores) with enterprise subjects, open stores with their owner's staff
    row, `products_per_store` listed products (one SKU each) per store, buyers with one checkout
    each. Product j of store k is at index j × stores + k: the first in the store's main category,
    the others half in it and half in any leaf category."""
    leaves = sorted(_leaves().items())
    owners = -(-store_count // STORES_PER_SUBJECT)
    user_ids = users(
        [f"{names.merchant}{k}" for k in range(owners)] + [f"{names.buyer}{k}" for k in range(buyer_count)],
        stamp - 400 * DAY,
    )
    subject_ids = ids("accounts_subject", owners)
    _load(
        "accounts_subject",
        SUBJECT_COLUMNS,
        {
            "id": subject_ids,
            "owner_id": user_ids[:owners],
            "kind": SubjectKind.ENTERPRISE.value,
            "name": [f"{names.subject}{k}有限公司" for k in range(owners)],
            "licence_number": [licences.make_uscc(names.licence_base + k) for k in range(owners)],
            "trade_name": "",
            "verification": Verification.VERIFIED.value,
            "verified_at": stamp - 390 * DAY,
            "created_at": stamp - 390 * DAY,
        },
        owners,
    )
    store_ids = ids("stores_store", store_count)
    owner_of = np.arange(store_count) // STORES_PER_SUBJECT
    store_names = [f"{names.store}{k}号店" for k in range(store_count)]
    leaf_ids = np.array([pk for pk, _name in leaves], dtype=np.int64)
    main = leaf_ids[rng.integers(0, len(leaf_ids), store_count)]
    opened = stamp - 365 * DAY
    _load(
        "stores_store",
        STORE_COLUMNS,
        {
            "id": store_ids,
            "subject_id": subject_ids[owner_of],
            "name": store_names,
            "name_key": [naming.name_key(name) for name in store_names],
            "kind": StoreKind.ORDINARY.value,
            "state": StoreState.OPEN.value,
            "main_category_id": main,
            "description": "",
            "is_legacy_video": False,
            "upgraded_at": None,
            "created_at": opened - DAY,
            "opened_at": opened,
            "closed_at": None,
        },
        store_count,
    )
    _load(
        "stores_storestaff",
        STAFF_COLUMNS,
        {
            "store_id": store_ids,
            "user_id": user_ids[owner_of],
            "role": Role.OWNER.value,
            "created_at": opened,
        },
        store_count,
    )
    # two products a store: [store k's first, ..., store k's second]; the second in another category
    products = products_per_store * store_count
    product_ids = ids("catalog_product", products)
    others = [leaf_ids[rng.integers(0, len(leaf_ids), store_count)] for _j in range(1, products_per_store)]
    for j in range(1, len(others)):  # past the second product: half in the store's main category
        others[j] = np.where(rng.random(store_count) < 0.5, main, others[j])
    categories = np.concatenate([main, *others])
    _load(
        "catalog_product",
        PRODUCT_COLUMNS,
        {
            "id": product_ids,
            "store_id": np.tile(store_ids, products_per_store),
            "category_id": categories,
            "title": [f"{names.title} {i}号" for i in range(products)],
            "description": "",
            "spec_names": "[]",
            "state": ProductState.LISTED.value,
            "created_at": opened,
            "updated_at": opened,
            "listed_at": opened,
            "banned_at": None,
            "ban_reason": "",
        },
        products,
    )
    sku_ids = ids("catalog_sku", products)
    price = np.maximum(100, np.round(rng.lognormal(np.log(5_900), 0.8, products), -1)).astype(np.int64)
    _load(
        "catalog_sku",
        SKU_COLUMNS,
        {
            "id": sku_ids,
            "product_id": product_ids,
            "specs": "{}",
            "price_fen": price,
            "stock": 10_000,
            "is_active": True,
        },
        products,
    )
    buyers = checkouts(names, user_ids[owners:], stamp)
    weight = rng.lognormal(0.0, ORDER_SPREAD, store_count)
    return {
        "title": names.title,
        "owner_id": user_ids[owner_of],
        "store_id": store_ids,
        "product_id": product_ids,
        "sku_id": sku_ids,
        "price": price,
        "weight": weight / weight.sum(),
        **buyers,
    }


def seed_orders(
    world: dict,
    rng: np.random.Generator,
    n: int,
    stamp: int,
    *,
    first_products: int = 1,
    source: Callable[[np.ndarray], dict] | None = None,
) -> dict:
    """`n` orders paid 20 to 50 days ago and received within a week after, one line each or two
    (a third), `total = goods + shipping`. The first line is one of the store's first
    `first_products` products (its first when 1), the second line the product after it.
    `source(product index of each first line)`, when given, answers per order its `scene`,
    `source_type` and `source_id` (the order's and its lines') and the first line's `promoter_id`
    and `sales_channel`. Answers the lines loaded, the orders' ids and their first lines' ids."""
    stores = len(world["store_id"])
    store = rng.choice(stores, n, p=world["weight"])
    first = store + stores * rng.integers(0, first_products, n) if first_products > 1 else store
    buyer = rng.integers(0, len(world["buyer_id"]), n)
    two = rng.random(n) < TWO_LINES
    quantity = np.where(rng.random(n) < 0.8, 1, rng.integers(2, 4, n))
    first_price = world["price"][first] * quantity
    second_price = np.where(two, world["price"][first + stores], 0)
    goods = first_price + second_price
    shipping = np.where(rng.random(n) < SHIPPING, 600, 0)
    created = np.sort(stamp - rng.integers(20 * DAY, 50 * DAY, n))
    paid_at = created + rng.integers(10_000_000, 600_000_000, n)  # 10 s to 10 minutes later
    shipped_at = paid_at + rng.integers(2 * 3600 * 1_000_000, 2 * DAY, n)
    received_at = shipped_at + rng.integers(DAY, 7 * DAY, n)
    order_ids = ids("orders_order", n)
    sourced = (
        source(first)
        if source is not None
        else {"scene": 1, "source_type": "", "source_id": None, "promoter_id": None, "sales_channel": None}
    )
    _load(
        "orders_order",
        ORDER_COLUMNS,
        {
            "id": order_ids,
            "number": _numbers(created, order_ids),
            "checkout_id": world["checkout_id"][buyer],
            "buyer_id": world["buyer_id"][buyer],
            "store_id": world["store_id"][store],
            "status": int(Status.COMPLETED),
            "scene": sourced["scene"],
            "source_type": sourced["source_type"],
            "source_id": sourced["source_id"],
            "address": [ADDRESSES[k] for k in rng.integers(0, len(ADDRESSES), n).tolist()],
            "goods_fen": goods,
            "shipping_fen": shipping,
            "total_fen": goods + shipping,
            "created_at": created,
            "pay_deadline": created + 1800 * 1_000_000,
            "paid_at": paid_at,
            "shipped_at": shipped_at,
            "received_at": received_at,
            "closed_at": np.full(n, NAT, dtype=np.int64),
        },
        n,
    )
    # each order's first line, then the second lines of the orders with two
    with_two = np.flatnonzero(two)
    line_order = np.concatenate([np.arange(n), with_two])
    product = np.concatenate([first, first[with_two] + stores])
    lines = len(line_order)
    line_ids = ids("orders_orderline", lines)

    def per_line(value, first_only: bool = False):
        """An order's value on its lines (on its second line too, or None there)."""
        if not isinstance(value, (np.ndarray, list)):
            return value if not first_only or value is None else [value] * n + [None] * len(with_two)
        first_values = list(value) if isinstance(value, list) else value.tolist()
        second = [None] * len(with_two) if first_only else [first_values[k] for k in with_two.tolist()]
        return first_values + second

    _load(
        "orders_orderline",
        LINE_COLUMNS + PROMOTED_COLUMNS,
        {
            "id": line_ids,
            "order_id": order_ids[line_order],
            "sku_id": world["sku_id"][product],
            "product_id": world["product_id"][product],
            "title": world["title"],
            "specs": "{}",
            "unit_price_fen": world["price"][product],
            "quantity": np.concatenate([quantity, np.ones(len(with_two), dtype=np.int64)]),
            "shipped_quantity": np.concatenate([quantity, np.ones(len(with_two), dtype=np.int64)]),
            "withdrawn_quantity": 0,
            "scene": per_line(sourced["scene"]),
            "source_type": per_line(sourced["source_type"]),
            "source_id": per_line(sourced["source_id"]),
            "promoter_id": per_line(sourced["promoter_id"], first_only=True),
            "sales_channel": per_line(sourced["sales_channel"], first_only=True),
        },
        lines,
    )
    return {"lines": lines, "order_id": order_ids, "first_line_id": line_ids[:n], "created": created}
