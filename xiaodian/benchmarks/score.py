"""`xiaodian bench score`: a full store-score recompute at 100,000 stores and 10,000,000 orders
(issue 7).

1. Seeds (or reuses) N open stores and M orders over the last 120 days, as a live platform would
   hold them: order counts per store skewed (a few big stores, many small, some below the score's
   30 orders), cancelled-unpaid orders, shipping mostly within 48 hours, receipt days later,
   after-sales on a few percent of paid orders (half of them for quality, some disputed), reviews
   on about a third of received lines. The columns are drawn with numpy a day at a time and
   loaded in bulk (binary COPY on PostgreSQL, one prepared INSERT on SQLite), not through the
   services. The whole seed is one transaction; on PostgreSQL the big tables' secondary indexes,
   unique constraints and foreign keys are dropped inside it and built again after the load
   (a killed seed rolls all of it back). A marker user records a finished seed of that size; a
   run finding it reuses the data, a run finding another size replaces it.
2. Times `scoring.services.recompute_all` in a fresh Python process (so the seed's memory does not
   count), and reports its wall time, that process's peak RSS and, on PostgreSQL, the server's
   memory settings and the backend's peak RSS.
"""

import itertools
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q, QuerySet
from rich.progress import Progress

from xiaodian.accounts import licences
from xiaodian.accounts.models import User
from xiaodian.accounts.rules import Role, SubjectKind, Verification
from xiaodian.aftersales.models import AfterSale, Dispute
from xiaodian.aftersales.rules import QUALITY_REASONS, SUCCEEDED, Decision, DisputeStatus, Kind, Reason, State
from xiaodian.catalog.rules import ProductState
from xiaodian.complaints.models import Complaint
from xiaodian.complaints.rules import Reason as ComplaintReason
from xiaodian.complaints.rules import State as ComplaintState
from xiaodian.core import clock
from xiaodian.core.scenes import Scene
from xiaodian.orders.models import Order, OrderLine
from xiaodian.orders.rules import AUTO_CONFIRM_AFTER, PAY_WITHIN, SHIP_WITHIN, Status
from xiaodian.reviews.models import Review
from xiaodian.reviews.rules import NEGATIVE_RATINGS
from xiaodian.scoring import days as scoring_days
from xiaodian.scoring import rules as scoring_rules
from xiaodian.scoring.models import ServiceSessionFact
from xiaodian.stores import naming
from xiaodian.stores.models import Store
from xiaodian.stores.rules import StoreKind, StoreState

from . import guard
from .search import _cpus, _database_version, _leaves, _next_id, _progress, _reset_sequence

MERCHANT_PREFIX = "bench_score_merchant_"
BUYER_PREFIX = "bench_score_buyer_"
MARKER_PREFIX = "bench_score_seeded_"
SEED_VERSION = 4  # in the marker: a seed made by an older version of this file is replaced
STORE_PREFIX = "评分压测"
SUBJECT_PREFIX = "评分压测商贸"
LICENCE_BASE = 720_000_000  # search's bench uses 700,000,000 onwards
STORES_PER_SUBJECT = 30
BUYERS_MAX = 200_000
ORDERS_PER_BUYER = 50  # fewer orders seed fewer buyers

TARGET_RECOMPUTE_S = 120.0
TARGET_PEAK_MB = 2048.0

# The seed's shape (the score's own numbers are scoring/rules.py's).
DAYS = 120  # orders spread over the last 120 days: the 90-day window holds about 75%
STORE_AGE_DAYS = 730  # stores opened over the last two years
BRAND_SHARE = 0.10
ORDER_SPREAD = 1.2  # sigma of the lognormal store weights
CANCELLED_UNPAID = 0.03
LATE_SHIPPING = 0.05  # shipped more than 48 hours after payment, on average over stores
AUTO_CONFIRMED = 0.15  # received by the 10-day automatic confirmation, not the buyer
AFTERSALE_RATE = 0.04  # of paid orders
BEFORE_SHIPPING = 0.25  # of after-sales: refund-only requests before the parcel left
DISPUTED = 0.05  # of after-sales
FOR_BUYER = 0.55  # of decided disputes
REVIEWED = 0.30  # of received lines
NEGATIVE = 0.045  # 1-2 star share of reviews before the quality after-sales' pull
SESSIONS_PER_ORDER = 0.2  # customer-service sessions
COMPLAINED = 0.004  # of sessions
COMPLAINTS_PER_ORDER = 0.004  # of paid orders, scaled by the store's complaint tendency
# How complaints end: ruled upheld (the merchant at fault; these count) or dismissed, or still
# waiting for a ruling (answered) or for the merchant (open).
COMPLAINT_ENDS = {"upheld": 0.45, "dismissed": 0.35, "answered": 0.1, "open": 0.1}

US = 1
SECOND = 1_000_000 * US
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
NAT = np.iinfo(np.int64).min  # numpy's NaT: a missing time (NULL)
NEVER = 1 << 62  # a step that does not happen (room to add days to it without overflowing)
SHANGHAI_OFFSET = 8 * HOUR

# Orders by local hour of the day (evenings are busiest).
HOUR_WEIGHTS = np.array(
    [3, 2, 1, 1, 1, 1, 2, 3, 4, 5, 5, 5, 6, 5, 5, 5, 5, 5, 6, 7, 9, 10, 9, 6], dtype=float
)
SCENES = {
    Scene.OTHER: 0.05,
    Scene.LIVE_ROOM: 0.22,
    Scene.SHORT_VIDEO: 0.12,
    Scene.PRODUCT_SHARE: 0.08,
    Scene.STORE_HOMEPAGE: 0.06,
    Scene.ARTICLE: 0.04,
    Scene.SEARCH: 0.12,
    Scene.FEED: 0.10,
    Scene.CHAT: 0.06,
    Scene.GROUP_CHAT: 0.06,
    Scene.MOMENTS: 0.04,
    Scene.MINI_PROGRAM: 0.03,
    Scene.BUSINESS_CONTACT: 0.02,
}
QUANTITIES = {1: 0.80, 2: 0.15, 3: 0.03, 4: 0.01, 5: 0.01}
# Reasons by when and what was asked: before shipping nobody has seen the goods.
REASONS_BEFORE_SHIPPING = {Reason.NOT_WANTED: 0.8, Reason.OTHER: 0.2}
REASONS_REFUND = {
    Reason.NOT_RECEIVED: 0.25,
    Reason.QUALITY: 0.25,
    Reason.DAMAGED: 0.20,
    Reason.NOT_AS_DESCRIBED: 0.15,
    Reason.WRONG_ITEM: 0.05,
    Reason.NOT_WANTED: 0.05,
    Reason.OTHER: 0.05,
}
REASONS_RETURN = {
    Reason.QUALITY: 0.35,
    Reason.NOT_AS_DESCRIBED: 0.20,
    Reason.DAMAGED: 0.10,
    Reason.WRONG_ITEM: 0.10,
    Reason.NOT_WANTED: 0.20,
    Reason.OTHER: 0.05,
}
COMPLAINT_REASONS = {
    ComplaintReason.NOT_AS_DESCRIBED: 0.35,
    ComplaintReason.LATE_SHIPPING: 0.30,
    ComplaintReason.RUDE_SERVICE: 0.20,
    ComplaintReason.CONTACT_DIVERSION: 0.05,
    ComplaintReason.OTHER: 0.10,
}
COMPLAINT_TEXTS = {
    ComplaintReason.NOT_AS_DESCRIBED: "收到的和描述不一样。",
    ComplaintReason.LATE_SHIPPING: "付款好几天了还没发货。",
    ComplaintReason.RUDE_SERVICE: "客服态度很差。",
    ComplaintReason.CONTACT_DIVERSION: "客服让我加微信私下交易。",
    ComplaintReason.OTHER: "其他问题。",
}
KINDS_AFTER_SHIPPING = {Kind.REFUND: 0.35, Kind.RETURN: 0.55, Kind.EXCHANGE: 0.10}
ADDRESSES = tuple(
    json.dumps({"recipient": who, "phone": phone, "region": region, "detail": detail}, ensure_ascii=False)
    for who, phone, region, detail in (
        ("王芳", "13800000001", "浙江省杭州市西湖区", "文三路 90 号 2 幢 301"),
        ("李娜", "13900000002", "广东省深圳市南山区", "科技园南区 8 栋 12 楼"),
        ("张伟", "13700000003", "北京市朝阳区", "望京街道 6 号院 3 号楼"),
        ("刘洋", "13600000004", "四川省成都市武侯区", "天府大道中段 1 号"),
        ("陈静", "13500000005", "上海市浦东新区", "世纪大道 100 号"),
        ("杨磊", "18800000006", "湖北省武汉市洪山区", "珞喻路 129 号"),
        ("赵敏", "18900000007", "江苏省南京市鼓楼区", "中山路 18 号"),
        ("黄勇", "15000000008", "福建省厦门市思明区", "鹭江道 2 号"),
    )
)
REVIEW_TEXTS = {
    5: ("很好，物流也快", "质量不错，会回购", "包装完好，和描述一致", "送人很有面子"),
    4: ("还可以，性价比高", "整体满意", "东西不错，就是快递慢了点"),
    3: ("一般般", "和图片有点差别"),
    2: ("质量一般，有点失望", "做工粗糙"),
    1: ("质量太差了", "收到就坏了，不推荐"),
}
STATES = tuple(State)
STATE_CODE = {state: i for i, state in enumerate(STATES)}
CARRIERS = ("顺丰速运", "中通快递", "圆通速递", "韵达快递", "京东物流")


# --------------------------------------------------------------------------------------- load


def _column(kind: str, values: Any, n: int) -> Iterable:
    """One column's values as the driver takes them. Times are int64 microseconds since the epoch
    (UTC), NaT for NULL; JSON is text."""
    postgres = connection.vendor == "postgresql"
    if not isinstance(values, (np.ndarray, list)):  # one value for every row
        return itertools.repeat(None if values is None else next(iter(_column(kind, [values], 1))), n)
    if kind == "time":
        moments = np.asarray(values, dtype=np.int64).view("datetime64[us]").tolist()  # NaT -> None
        return moments if postgres else [None if m is None else str(m) for m in moments]
    if kind == "json" and postgres:
        return [b"\x01" + v.encode() for v in values]
    return values.tolist() if isinstance(values, np.ndarray) else values


# Binary COPY needs each value in its column's wire format, which the dumper of the type named
# here writes (the other kinds are PostgreSQL's own type names). jsonb's format is a version byte
# and the text, sent as bytea; a timestamptz is microseconds since 2000-01-01 UTC, which is what
# the timestamp dumper makes of a naive UTC datetime.
_PG_TYPES = {"json": "bytea", "time": "timestamp"}


def _load(table: str, columns: tuple[tuple[str, str], ...], data: dict[str, Any], n: int) -> None:
    """Insert `n` rows given column by column (arrays, lists or one value for every row)."""
    if not n:
        return
    names = [name for name, _kind in columns]
    rows = zip(*(_column(kind, data[name], n) for name, kind in columns), strict=True)
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.set_types([_PG_TYPES.get(kind, kind) for _name, kind in columns])
            for row in rows:
                copy.write_row(row)
    else:
        connection.ensure_connection()
        connection.connection.executemany(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(['?'] * len(names))})", rows
        )


def _columns(spec: str) -> tuple[tuple[str, str], ...]:
    """ "name kind, name kind, ..." -> ((name, kind), ...): int8, int4, int2, bool, text, json, time."""
    return tuple(tuple(item.split()) for item in spec.split(","))


USER_COLUMNS = _columns(
    "id int8, password text, last_login time, is_superuser bool, username text, first_name text, "
    "last_name text, email text, is_staff bool, is_active bool, date_joined time, display_name text, "
    "avatar text"
)
SUBJECT_COLUMNS = _columns(
    "id int8, owner_id int8, kind text, name text, licence_number text, trade_name text, "
    "verification text, verified_at time, created_at time"
)
STORE_COLUMNS = _columns(
    "id int8, subject_id int8, name text, name_key text, kind text, state text, "
    "main_category_id int8, description text, is_legacy_video bool, upgraded_at time, "
    "created_at time, opened_at time, closed_at time"
)
STAFF_COLUMNS = _columns("store_id int8, user_id int8, role text, created_at time")
PRODUCT_COLUMNS = _columns(
    "id int8, store_id int8, category_id int8, title text, description text, spec_names json, "
    "state text, created_at time, updated_at time, listed_at time, banned_at time, ban_reason text"
)
SKU_COLUMNS = _columns("id int8, product_id int8, specs json, price_fen int8, stock int4, is_active bool")
CHECKOUT_COLUMNS = _columns(
    "id int8, buyer_id int8, idempotency_key text, request_hash text, total_fen int8, created_at time"
)
ORDER_COLUMNS = _columns(
    "id int8, number text, checkout_id int8, buyer_id int8, store_id int8, status int2, scene int2, "
    "source_type text, source_id int8, address json, goods_fen int8, shipping_fen int8, "
    "total_fen int8, created_at time, pay_deadline time, paid_at time, shipped_at time, "
    "received_at time, closed_at time"
)
LINE_COLUMNS = _columns(
    "id int8, order_id int8, sku_id int8, product_id int8, title text, specs json, "
    "unit_price_fen int8, quantity int4, shipped_quantity int4, withdrawn_quantity int4, "
    "scene int2, source_type text, source_id int8"
)
AFTERSALE_COLUMNS = _columns(
    "id int8, order_id int8, line_id int8, buyer_id int8, store_id int8, kind text, reason_code text, "
    "reason text, quantity int4, units json, amount_fen int8, state text, created_at time, "
    "merchant_deadline time, reject_reason text, rejected_at time, return_deadline time, "
    "return_carrier text, return_tracking_no text, return_shipped_at time, received_at time, "
    "exchange_carrier text, exchange_tracking_no text, out_refund_no text, refunded_at time, "
    "restocked_quantity int4, closed_at time"
)
DISPUTE_COLUMNS = _columns(
    "id int8, aftersale_id int8, statement text, status text, decision text, decision_note text, "
    "decided_by_id int8, created_at time, decided_at time"
)
SESSION_COLUMNS = _columns(
    "id int8, store_id int8, session_key text, started_at time, in_service_hours bool, "
    "first_human_reply_seconds int4, rating int2, complained bool"
)
COMPLAINT_COLUMNS = _columns(
    "id int8, buyer_id int8, store_id int8, order_id int8, reason text, text text, state text, "
    "created_at time, answer text, answered_by_id int8, answered_at time, ruling_note text, "
    "ruled_by_id int8, ruled_at time"
)
REVIEW_COLUMNS = _columns(
    "id int8, line_id int8, order_id int8, product_id int8, store_id int8, buyer_id int8, "
    "rating int2, text text, created_at time"
)

# The tables that take millions of rows: loaded without their secondary indexes, unique
# constraints and foreign keys on PostgreSQL, which are built again after the load.
BULK_TABLES = (
    "orders_order",
    "orders_orderline",
    "aftersales_aftersale",
    "aftersales_dispute",
    "reviews_review",
    "scoring_servicesessionfact",
    "complaints_complaint",
)


# ------------------------------------------------------------------------------------ schema


def _drop_for_load(cursor) -> list[str]:
    """Drop the bulk tables' secondary indexes and unique constraints and every foreign key from
    or to them; answer the DDL that puts them back, in an order that works."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype "
        "FROM pg_constraint WHERE (contype IN ('f', 'u') AND conrelid::regclass::text = ANY(%s)) "
        "OR (contype = 'f' AND confrelid::regclass::text = ANY(%s)) ORDER BY contype DESC, conname",
        [list(BULK_TABLES), list(BULK_TABLES)],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary "
        "AND i.indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE contype IN ('p', 'u', 'x')) "
        "ORDER BY 1",
        [list(BULK_TABLES)],
    )
    indexes = cursor.fetchall()
    for table, name, _definition, _kind in sorted(constraints, key=lambda c: c[3]):  # 'f' before 'u'
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    # back: indexes, then unique constraints, then the foreign keys that may need them
    return (
        [definition for _name, definition in indexes]
        + [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d, k in constraints if k == "u"]
        + [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d, k in constraints if k == "f"]
    )


# -------------------------------------------------------------------------------------- clear


def _like(prefix: str) -> str:
    return prefix.replace("_", r"\_") + "%"


BENCH_STORES = (
    "SELECT s.id FROM stores_store s JOIN accounts_subject j ON j.id = s.subject_id "
    "JOIN accounts_user u ON u.id = j.owner_id WHERE u.username LIKE %s"
)


def _clear(progress: Progress) -> None:
    """Remove an earlier bench seed (of another size), and whatever else points at its stores (the
    scores of an earlier run, say)."""
    stores = bench_stores()
    if not stores.exists() and not User.objects.filter(username__startswith=BUYER_PREFIX).exists():
        return
    mine = {"stores_storestaff", "catalog_product", *BULK_TABLES}
    others = [  # hidden ones too (related_name="+", as the scores have)
        rel
        for rel in Store._meta.get_fields(include_hidden=True)
        if rel.auto_created
        and not rel.concrete
        and (rel.one_to_many or rel.one_to_one)
        and rel.related_model._meta.db_table not in mine
    ]
    merchants, buyers = [_like(MERCHANT_PREFIX)], [_like(BUYER_PREFIX)]
    in_stores = f"IN ({BENCH_STORES})"
    statements = [
        (
            "DELETE FROM aftersales_dispute WHERE aftersale_id IN "
            f"(SELECT id FROM aftersales_aftersale WHERE store_id {in_stores})",
            merchants,
        ),
        (f"DELETE FROM reviews_review WHERE store_id {in_stores}", merchants),
        (f"DELETE FROM scoring_servicesessionfact WHERE store_id {in_stores}", merchants),
        (f"DELETE FROM complaints_complaint WHERE store_id {in_stores}", merchants),
        (f"DELETE FROM aftersales_aftersale WHERE store_id {in_stores}", merchants),
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
        (None, None),  # the other tables' rows, by the ORM (below)
        (f"DELETE FROM stores_store WHERE id {in_stores}", merchants),
        (
            "DELETE FROM accounts_subject WHERE owner_id IN (SELECT id FROM accounts_user WHERE username LIKE %s)",
            merchants,
        ),
        (
            "DELETE FROM accounts_user WHERE username LIKE %s OR username LIKE %s OR username LIKE %s",
            [*merchants, *buyers, _like(MARKER_PREFIX)],
        ),
    ]
    task = progress.add_task("clearing old seed", total=len(statements))
    with connection.cursor() as cursor:
        for sql, params in statements:
            if sql is None:
                for rel in others:
                    rel.related_model._base_manager.filter(
                        **{f"{rel.field.name}__in": stores.values("pk")}
                    ).delete()
            else:
                if connection.vendor == "sqlite":  # no default escape character there
                    sql = sql.replace("LIKE %s", r"LIKE %s ESCAPE '\'")
                cursor.execute(sql, params)
            progress.advance(task)


# --------------------------------------------------------------------------------------- seed


@dataclass
class Ids:
    """The next id of each bulk table: rows get their ids here, so children can point at them."""

    order: int
    line: int
    aftersale: int
    dispute: int
    review: int
    session: int
    complaint: int

    @classmethod
    def next_free(cls) -> "Ids":
        return cls(
            order=_next_id("orders_order"),
            line=_next_id("orders_orderline"),
            aftersale=_next_id("aftersales_aftersale"),
            dispute=_next_id("aftersales_dispute"),
            review=_next_id("reviews_review"),
            session=_next_id("scoring_servicesessionfact"),
            complaint=_next_id("complaints_complaint"),
        )

    def take(self, kind: str, n: int) -> np.ndarray:
        first = getattr(self, kind)
        setattr(self, kind, first + n)
        return np.arange(first, first + n, dtype=np.int64)


@dataclass
class World:
    """The seeded stores and buyers, as arrays indexed by store (or buyer) position."""

    now: int  # microseconds since the epoch
    store_id: np.ndarray
    opened_at: np.ndarray
    weight: np.ndarray
    product_id: np.ndarray
    sku_id: np.ndarray
    price: np.ndarray
    title: list[str]
    late_p: np.ndarray  # chance an order ships late
    aftersale_p: np.ndarray  # chance a paid order gets an after-sale request
    negative_p: np.ndarray  # chance a review is 1-2 stars
    answer_scale: np.ndarray  # how slowly the merchant answers after-sales
    reply_scale: np.ndarray  # how slowly its customer service replies
    complaint_p: np.ndarray  # chance a session ends in a complaint
    buyer_id: np.ndarray
    checkout_id: np.ndarray
    complaint_ends: dict = field(default_factory=dict)  # how the seed's ruled complaints ended, so far


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * SECOND)


def _us(delta: timedelta) -> int:
    return int(delta.total_seconds() * SECOND)


def _choice(rng: np.random.Generator, table: dict, n: int) -> np.ndarray:
    keys = np.array([str(k) if isinstance(k, str) else int(k) for k in table])
    weights = np.array(list(table.values()), dtype=float)
    return keys[rng.choice(len(keys), n, p=weights / weights.sum())]


def _in_shares(table: dict, counts: dict, n: int) -> list:
    """`n` more keys, each the one furthest behind its share of the table so far (`counts`, updated):
    for rows so few that a random draw's share would swing from run to run (a handful of
    complaints spread over the seed's days), so every prefix holds the table's shares to one row."""
    total = sum(table.values())
    picked = []
    for _ in range(n):
        seen = sum(counts.values()) + 1
        key = max(table, key=lambda k: table[k] / total * seen - counts.get(k, 0))
        counts[key] = counts.get(key, 0) + 1
        picked.append(key)
    return picked


def _or_null(values: np.ndarray, present: np.ndarray) -> list:
    return [v if p else None for v, p in zip(values.tolist(), present.tolist(), strict=True)]


def _uniform(rng: np.random.Generator, low: float, high: float, n: int) -> np.ndarray:
    return rng.uniform(low, high, n).astype(np.int64)


def _lognormal(rng: np.random.Generator, median: float, sigma: float, n: int, low: float, high: float):
    return np.clip(rng.lognormal(np.log(median), sigma, n), low, high).astype(np.int64)


def _seed_people_and_stores(
    store_count: int, buyer_count: int, rng: np.random.Generator, now: datetime, progress: Progress
) -> World:
    """Buyers with one checkout each, merchants (one per 30 stores) with enterprise subjects, open
    stores on the leaf categories with their owner's staff row, and one listed product with one SKU
    per store. Rows go in with ids given here (the tables' sequences are set after the load)."""
    task = progress.add_task("seeding stores, buyers", total=5)
    leaves = sorted(_leaves().items())
    password = make_password(None)
    stamp = _micros(now)
    owners = -(-store_count // STORES_PER_SUBJECT)

    first_user = _next_id("accounts_user")
    users = owners + buyer_count
    user_ids = np.arange(first_user, first_user + users, dtype=np.int64)
    names = [f"{MERCHANT_PREFIX}{k}" for k in range(owners)] + [
        f"{BUYER_PREFIX}{k}" for k in range(buyer_count)
    ]
    joined = stamp - _uniform(rng, 0, 3 * 365 * DAY, users)
    _load(
        "accounts_user",
        USER_COLUMNS,
        {
            "id": user_ids,
            "password": password,
            "last_login": None,
            "is_superuser": False,
            "username": names,
            "first_name": "",
            "last_name": "",
            "email": "",
            "is_staff": False,
            "is_active": True,
            "date_joined": joined,
            "display_name": "",
            "avatar": "",
        },
        users,
    )
    progress.advance(task)

    first_subject = _next_id("accounts_subject")
    subject_ids = np.arange(first_subject, first_subject + owners, dtype=np.int64)
    _load(
        "accounts_subject",
        SUBJECT_COLUMNS,
        {
            "id": subject_ids,
            "owner_id": user_ids[:owners],
            "kind": SubjectKind.ENTERPRISE.value,
            "name": [f"{SUBJECT_PREFIX}{k}有限公司" for k in range(owners)],
            "licence_number": [licences.make_uscc(LICENCE_BASE + k) for k in range(owners)],
            "trade_name": "",
            "verification": Verification.VERIFIED.value,
            "verified_at": stamp,
            "created_at": stamp,
        },
        owners,
    )
    progress.advance(task)

    first_store = _next_id("stores_store")
    store_ids = np.arange(first_store, first_store + store_count, dtype=np.int64)
    owner_of = np.arange(store_count) // STORES_PER_SUBJECT
    brand = rng.random(store_count) < BRAND_SHARE
    store_names = [
        f"{STORE_PREFIX}{k}官方旗舰店" if is_brand else f"{STORE_PREFIX}{k}号店"
        for k, is_brand in enumerate(brand.tolist())
    ]
    leaf = rng.integers(0, len(leaves), store_count)
    leaf_ids = np.array([pk for pk, _name in leaves], dtype=np.int64)[leaf]
    opened = stamp - _uniform(rng, 0, STORE_AGE_DAYS * DAY, store_count)
    _load(
        "stores_store",
        STORE_COLUMNS,
        {
            "id": store_ids,
            "subject_id": subject_ids[owner_of],
            "name": store_names,
            "name_key": [naming.name_key(name) for name in store_names],
            "kind": np.where(brand, StoreKind.BRAND.value, StoreKind.ORDINARY.value),
            "state": StoreState.OPEN.value,
            "main_category_id": leaf_ids,
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
            "created_at": opened - DAY,
        },
        store_count,
    )
    progress.advance(task)

    first_product = _next_id("catalog_product")
    product_ids = np.arange(first_product, first_product + store_count, dtype=np.int64)
    titles = [f"{leaves[k][1]}精选好物 {i}号" for i, k in enumerate(leaf.tolist())]
    _load(
        "catalog_product",
        PRODUCT_COLUMNS,
        {
            "id": product_ids,
            "store_id": store_ids,
            "category_id": leaf_ids,
            "title": titles,
            "description": "",
            "spec_names": "[]",
            "state": ProductState.LISTED.value,
            "created_at": opened,
            "updated_at": opened,
            "listed_at": opened,
            "banned_at": None,
            "ban_reason": "",
        },
        store_count,
    )
    first_sku = _next_id("catalog_sku")
    sku_ids = np.arange(first_sku, first_sku + store_count, dtype=np.int64)
    price = np.maximum(100, np.round(rng.lognormal(np.log(5_900), 0.8, store_count), -1)).astype(np.int64)
    _load(
        "catalog_sku",
        SKU_COLUMNS,
        {
            "id": sku_ids,
            "product_id": product_ids,
            "specs": "{}",
            "price_fen": price,
            "stock": rng.integers(100, 5_000, store_count),
            "is_active": True,
        },
        store_count,
    )
    progress.advance(task)

    buyer_ids = user_ids[owners:]
    first_checkout = _next_id("orders_checkout")
    checkout_ids = np.arange(first_checkout, first_checkout + buyer_count, dtype=np.int64)
    # One checkout per buyer carries all of that buyer's bench orders: nothing in the score reads
    # checkouts, and one per order would double the rows to load.
    _load(
        "orders_checkout",
        CHECKOUT_COLUMNS,
        {
            "id": checkout_ids,
            "buyer_id": buyer_ids,
            "idempotency_key": [f"bench-score-{k}" for k in range(buyer_count)],
            "request_hash": "0" * 64,
            "total_fen": 0,
            "created_at": stamp - DAYS * DAY,
        },
        buyer_count,
    )
    progress.advance(task)

    def factor(sigma: float) -> np.ndarray:  # a store's own tendency, mean 1
        values = rng.lognormal(0.0, sigma, store_count)
        return values / values.mean()

    return World(
        now=stamp,
        store_id=store_ids,
        opened_at=opened,
        weight=rng.lognormal(0.0, ORDER_SPREAD, store_count),
        product_id=product_ids,
        sku_id=sku_ids,
        price=price,
        title=titles,
        late_p=np.clip(LATE_SHIPPING * factor(0.9), 0, 0.6),
        aftersale_p=np.clip(AFTERSALE_RATE * factor(0.6), 0, 0.4),
        negative_p=np.clip(NEGATIVE * factor(0.7), 0, 0.5),
        answer_scale=factor(0.5),
        reply_scale=factor(0.6),
        complaint_p=np.clip(COMPLAINED * factor(0.8), 0, 0.2),
        buyer_id=buyer_ids,
        checkout_id=checkout_ids,
    )


def _order_times(rng: np.random.Generator, start: int, end: int, n: int) -> np.ndarray:
    """`n` sorted moments in [start, end), more in the evening (Shanghai) than at night."""
    accept = HOUR_WEIGHTS / HOUR_WEIGHTS.max()
    found: list[np.ndarray] = []
    missing = n
    while missing > 0:
        moments = rng.integers(start, end, 2 * missing + 16)
        hours = ((moments + SHANGHAI_OFFSET) // HOUR) % 24
        moments = moments[rng.random(len(moments)) < accept[hours]][:missing]
        found.append(moments)
        missing -= len(moments)
    return np.sort(np.concatenate(found))


def _numbers(created: np.ndarray, ids: np.ndarray) -> list[str]:
    """Order numbers as the orders app makes them (the Shanghai date and 14 digits), the digits here
    a 9 and the id, so they never collide."""
    days = (created + SHANGHAI_OFFSET) // DAY
    ymd = {d: (date(1970, 1, 1) + timedelta(days=int(d))).strftime("%y%m%d") for d in np.unique(days)}
    return [f"{ymd[d]}9{i:013d}" for d, i in zip(days.tolist(), ids.tolist(), strict=True)]


def _seed_day(world: World, ids: Ids, rng: np.random.Generator, start: int, n: int) -> dict[str, int]:
    """One day's orders (with their one line each), their after-sales, disputes and reviews."""
    now = world.now
    eligible = world.weight * (world.opened_at <= start)  # a store sells once it is open
    if not eligible.any():
        eligible = world.weight
    store = rng.choice(len(world.store_id), n, p=eligible / eligible.sum())
    buyer = rng.integers(0, len(world.buyer_id), n)
    created = _order_times(rng, start, min(start + DAY, now), n)
    order_ids = ids.take("order", n)
    line_ids = ids.take("line", n)

    quantity = _choice(rng, QUANTITIES, n)
    price = world.price[store]
    goods = price * quantity
    shipping = np.where(rng.random(n) < 0.85, 0, rng.choice([600, 1000], n))
    total = goods + shipping

    paid = rng.random(n) >= CANCELLED_UNPAID
    paid_at = np.where(paid, created + _lognormal(rng, 40 * SECOND, 1.0, n, 3 * SECOND, 14 * MINUTE), NAT)
    pay_window = _us(PAY_WITHIN)
    gave_up = np.where(rng.random(n) < 0.6, pay_window, _uniform(rng, MINUTE, pay_window, n))
    closed_at = np.where(paid, NAT, created + gave_up)

    late = rng.random(n) < world.late_p[store]
    ship_delay = np.where(
        late,
        _us(SHIP_WITHIN) + np.minimum(rng.exponential(30 * HOUR, n).astype(np.int64), 8 * DAY),
        _lognormal(rng, 16 * HOUR, 0.7, n, 20 * MINUTE, _us(SHIP_WITHIN) - MINUTE),
    )
    shipped_at = np.where(paid, paid_at + ship_delay, NEVER)
    confirm = np.where(
        rng.random(n) < AUTO_CONFIRMED, _us(AUTO_CONFIRM_AFTER), _uniform(rng, 2 * DAY, 6 * DAY, n)
    )
    received_at = np.where(paid, shipped_at + confirm, NEVER)
    shipped_quantity = quantity.copy()
    withdrawn = np.zeros(n, dtype=np.int64)
    refunded_at = np.full(n, NEVER, dtype=np.int64)

    orders = Orders(store, paid, quantity, total, paid_at, ship_delay, shipped_at, received_at)
    sales = _aftersales(world, ids, rng, orders)
    if sales.n:
        # What the requests did to their orders: a refund of every unit asked before shipping
        # stops the parcel; refunded units before shipping are withdrawn; a refund of every unit
        # closes the order (200), and a parcel still on its way is then never received.
        at = sales.order_index
        shipped_at[at[sales.stops_shipping]] = NEVER
        received_at[at[sales.stops_shipping]] = NEVER
        partial = sales.withdraws & ~sales.stops_shipping
        shipped_quantity[at[partial]] -= sales.quantity[partial]
        done = sales.withdraws & (sales.refunded_at <= now)
        withdrawn[at[done]] = sales.quantity[done]
        full = sales.refunds_all & (sales.refunded_at <= now)
        refunded_at[at[full]] = sales.refunded_at[full]
        late_receipt = received_at[at[full]] > refunded_at[at[full]]
        received_at[at[full][late_receipt]] = NEVER

    shipped = shipped_at <= now
    received = received_at <= now
    refunded = refunded_at <= now
    status = np.select(
        [~paid, refunded, received, shipped],
        [
            int(Status.CANCELLED_UNPAID),
            int(Status.CANCELLED_REFUNDED),
            int(Status.COMPLETED),
            int(Status.SHIPPED),
        ],
        int(Status.TO_SHIP),
    )
    received_at = np.where(received, received_at, NAT)
    scenes = _choice(rng, SCENES, n)
    _load(
        "orders_order",
        ORDER_COLUMNS,
        {
            "id": order_ids,
            "number": _numbers(created, order_ids),
            "checkout_id": world.checkout_id[buyer],
            "buyer_id": world.buyer_id[buyer],
            "store_id": world.store_id[store],
            "status": status,
            "scene": scenes,
            "source_type": "",
            "source_id": None,
            "address": [ADDRESSES[k] for k in rng.integers(0, len(ADDRESSES), n).tolist()],
            "goods_fen": goods,
            "shipping_fen": shipping,
            "total_fen": total,
            "created_at": created,
            "pay_deadline": created + pay_window,
            "paid_at": paid_at,
            "shipped_at": np.where(shipped, shipped_at, NAT),
            "received_at": received_at,
            "closed_at": np.where(refunded, refunded_at, closed_at),
        },
        n,
    )
    _load(
        "orders_orderline",
        LINE_COLUMNS,
        {
            "id": line_ids,
            "order_id": order_ids,
            "sku_id": world.sku_id[store],
            "product_id": world.product_id[store],
            "title": [world.title[k] for k in store.tolist()],
            "specs": "{}",
            "unit_price_fen": price,
            "quantity": quantity,
            "shipped_quantity": np.where(shipped, shipped_quantity, 0),
            "withdrawn_quantity": withdrawn,
            "scene": scenes,
            "source_type": "",
            "source_id": None,
        },
        n,
    )
    counts = {"orders": n, "aftersales": sales.n, "disputes": 0, "reviews": 0}
    counts["sessions"] = _seed_sessions(world, ids, rng, store, start)
    counts["complaints"] = _seed_complaints(
        world, ids, rng, store, order_ids, world.buyer_id[buyer], np.where(paid, paid_at, NEVER)
    )
    if sales.n:
        at = sales.order_index
        sales.columns |= {
            "order_id": order_ids[at],
            "line_id": line_ids[at],
            "buyer_id": world.buyer_id[buyer[at]],
            "store_id": world.store_id[store[at]],
        }
        _load("aftersales_aftersale", AFTERSALE_COLUMNS, sales.columns, sales.n)
        counts["disputes"] = _seed_disputes(ids, sales, now)
    quality = np.zeros(n, dtype=bool)
    if sales.n:
        quality[sales.order_index[sales.quality]] = True
    counts["reviews"] = _seed_reviews(
        world, ids, rng, store, order_ids, line_ids, world.buyer_id[buyer], received_at, quality
    )
    return counts


@dataclass
class Orders:
    """One day's orders as far as the after-sales need them (arrays by order)."""

    store: np.ndarray
    paid: np.ndarray
    quantity: np.ndarray
    total: np.ndarray
    paid_at: np.ndarray
    ship_delay: np.ndarray
    shipped_at: np.ndarray  # as planned: NEVER if unpaid; may lie ahead of now
    received_at: np.ndarray


@dataclass
class AfterSales:
    n: int
    columns: dict[str, Any]
    order_index: np.ndarray  # which of the day's orders each request is on
    quantity: np.ndarray
    refunded_at: np.ndarray  # NEVER unless the money goes back
    withdraws: np.ndarray  # refunds units before they shipped
    stops_shipping: np.ndarray  # ... all of them: the parcel never leaves
    refunds_all: np.ndarray  # money back for every unit of the order
    quality: np.ndarray  # a quality reason (aftersales.rules.QUALITY_REASONS)
    disputed: np.ndarray
    for_buyer: np.ndarray
    dispute_at: np.ndarray
    decided_at: np.ndarray


REFUND, RETURN, EXCHANGE = Kind.REFUND.value, Kind.RETURN.value, Kind.EXCHANGE.value
FINAL_STATES = [
    STATE_CODE[s]
    for s in (
        State.USER_CANCELD,
        State.RETURN_CLOSED,
        State.MERCHANT_REFUND_SUCCESS,
        State.MERCHANT_RETURN_SUCCESS,
        State.MERCHANT_FAIL,
    )
]


def _aftersales(world: World, ids: Ids, rng: np.random.Generator, orders: Orders) -> AfterSales:
    """After-sale requests on some paid orders: when, what, why, and how far each got by now. Each
    request walks the after-sales state machine (aftersales/rules.py) through timed steps (asked,
    answered, sent back, received, refunded ...); its state is the last step reached by now, and the
    time of a step still ahead stays empty."""
    now = world.now
    at = np.flatnonzero(orders.paid & (rng.random(len(orders.paid)) < world.aftersale_p[orders.store]))
    m = len(at)
    empty = np.zeros(0, dtype=np.int64)
    if not m:
        return AfterSales(0, {}, empty, empty, empty, *(np.zeros(0, dtype=bool),) * 6, empty, empty)
    store = orders.store[at]
    paid_at, shipped_at, received_at = orders.paid_at[at], orders.shipped_at[at], orders.received_at[at]
    before = (rng.random(m) < BEFORE_SHIPPING) | (shipped_at > now)
    # asked before the parcel left, or between shipping and 7 days after receipt
    latest = np.where(received_at <= now, np.minimum(received_at + 7 * DAY, now), now)
    until_shipping = np.clip(np.minimum(orders.ship_delay[at], now - paid_at), 0, None)
    created = np.where(
        before,
        paid_at + (rng.random(m) * until_shipping).astype(np.int64),
        shipped_at + (rng.random(m) * np.clip(latest - shipped_at, 0, None)).astype(np.int64),
    )
    kind = np.where(before, REFUND, _choice(rng, KINDS_AFTER_SHIPPING, m))
    refund, exchange = kind == REFUND, kind == EXCHANGE
    reason = np.where(
        before,
        _choice(rng, REASONS_BEFORE_SHIPPING, m),
        np.where(refund, _choice(rng, REASONS_REFUND, m), _choice(rng, REASONS_RETURN, m)),
    )
    line_quantity, total = orders.quantity[at], orders.total[at]
    asked = np.where((line_quantity > 1) & (rng.random(m) < 0.3), 1, line_quantity)
    # the units' shares of the total as aftersales.amounts gives them (largest remainder, first units)
    amount = np.where(
        exchange, 0, asked * (total // line_quantity) + np.minimum(asked, total % line_quantity)
    )

    # how it ends: refunded (or exchanged), cancelled, rejected, the return never sent, disputed
    roll = rng.random(m)
    disputed = roll < DISPUTED
    cancelled = (roll >= 0.86) & (roll < 0.94)
    rejected = (roll >= 0.94) & (roll < 0.98)
    unreturned = (roll >= 0.98) & ~refund
    for_buyer = disputed & (rng.random(m) < FOR_BUYER)
    goes_through = ~(disputed | cancelled | rejected | unreturned) | for_buyer

    # the merchant answers within hours (slow stores later); at 48 hours a refund approves itself
    answer = _lognormal(rng, 5 * HOUR, 1.0, m, 5 * MINUTE, 48 * HOUR) * world.answer_scale[store]
    answered = created + np.clip(answer.astype(np.int64), 5 * MINUTE, 48 * HOUR)
    dispute_at = answered + _uniform(rng, HOUR, 6 * DAY, m)
    decided_at = dispute_at + _uniform(rng, DAY, 5 * DAY, m)
    approved = np.where(disputed, decided_at, answered)
    sent_back = approved + _uniform(rng, 5 * HOUR, 3 * DAY, m)
    back_in = sent_back + _uniform(rng, DAY, 4 * DAY, m)
    refunded = np.where(
        refund, approved + _uniform(rng, MINUTE, 10 * MINUTE, m), back_in + _uniform(rng, 30 * MINUTE, DAY, m)
    )
    refunded = np.where(goes_through & ~exchange, refunded, NEVER)
    exchanged = back_in + _uniform(rng, 2 * DAY, 10 * DAY, m)
    gave_up = created + (rng.random(m) * (answered - created)).astype(np.int64)

    steps = np.full((m, 6), NEVER, dtype=np.int64)  # (time, state) per slot, in time order
    states = np.zeros((m, 6), dtype=np.int64)
    rows = np.arange(m)

    def step(mask, slot, when, state) -> None:
        slot = np.broadcast_to(slot, (m,))[mask]
        steps[rows[mask], slot] = np.broadcast_to(when, (m,))[mask]
        code = state if isinstance(state, np.ndarray) else STATE_CODE[state]
        states[rows[mask], slot] = np.broadcast_to(code, (m,))[mask]

    step(rows >= 0, 0, created, State.MERCHANT_PROCESSING)
    rejection = np.where(
        refund, STATE_CODE[State.MERCHANT_REJECT_REFUND], STATE_CODE[State.MERCHANT_REJECT_RETURN]
    )
    step(rejected | disputed, 1, answered, rejection)
    step(cancelled, 1, gave_up, State.USER_CANCELD)
    step(disputed & ~for_buyer, 2, decided_at, State.MERCHANT_FAIL)
    first = np.where(disputed, 2, 1)  # the slot of the approval (after a dispute: the decision)
    step(goes_through & refund, first, approved, State.PLATFORM_REFUNDING)
    step(goes_through & refund, first + 1, refunded, State.MERCHANT_REFUND_SUCCESS)
    returning = (goes_through | unreturned) & ~refund
    step(returning, first, approved, State.USER_WAIT_RETURN)
    step(unreturned, first + 1, approved + 7 * DAY, State.RETURN_CLOSED)
    through = goes_through & ~refund
    step(through, first + 1, sent_back, State.MERCHANT_WAIT_RECEIPT)
    step(through & ~exchange, first + 2, back_in, State.PLATFORM_REFUNDING)
    step(through & ~exchange, first + 3, refunded, State.MERCHANT_RETURN_SUCCESS)
    step(through & exchange, first + 2, back_in, State.USER_WAIT_CONFIRM)
    step(through & exchange, first + 3, exchanged, State.MERCHANT_RETURN_SUCCESS)
    reached = (steps <= now).sum(axis=1) - 1
    state = states[rows, reached]

    def by_now(when: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.where(mask & (when <= now), when, NAT)

    aftersale_ids = ids.take("aftersale", m)
    id_list = aftersale_ids.tolist()
    sent = by_now(sent_back, through) != NAT
    swapped = by_now(back_in, through & exchange) != NAT
    refund_asked = goes_through & ~exchange & (np.where(refund, approved, back_in) <= now)
    carriers = rng.integers(0, len(CARRIERS), m)
    columns = {
        "id": aftersale_ids,
        "kind": kind,
        "reason_code": reason,
        "reason": "",
        "quantity": asked,
        "units": [
            "[]" if swap else json.dumps(list(range(k)))
            for k, swap in zip(asked.tolist(), exchange.tolist(), strict=True)
        ],
        "amount_fen": amount,
        "state": [STATES[k].value for k in state.tolist()],
        "created_at": created,
        "merchant_deadline": created + 48 * HOUR,
        "reject_reason": np.where(
            (rejected | disputed) & (answered <= now), "商品无质量问题，不支持退款", ""
        ),
        "rejected_at": by_now(answered, rejected | disputed),
        "return_deadline": np.where(by_now(approved, returning) != NAT, approved + 7 * DAY, NAT),
        "return_carrier": np.where(sent, np.array(CARRIERS)[carriers], ""),
        "return_tracking_no": [
            f"YT{i:012d}" if s else "" for i, s in zip(id_list, sent.tolist(), strict=True)
        ],
        "return_shipped_at": by_now(sent_back, through),
        "received_at": by_now(back_in, through),
        "exchange_carrier": np.where(swapped, CARRIERS[0], ""),
        "exchange_tracking_no": [
            f"SF{i:012d}" if s else "" for i, s in zip(id_list, swapped.tolist(), strict=True)
        ],
        "out_refund_no": [
            f"AS{i}" if r else None for i, r in zip(id_list, refund_asked.tolist(), strict=True)
        ],
        "refunded_at": by_now(refunded, goes_through),
        "restocked_quantity": np.where(before & goes_through & (refunded <= now), asked, 0),
        "closed_at": np.where(np.isin(state, FINAL_STATES), steps[rows, reached], NAT),
    }
    return AfterSales(
        n=m,
        columns=columns,
        order_index=at,
        quantity=asked,
        refunded_at=refunded,
        withdraws=before & goes_through,
        stops_shipping=before & goes_through & (asked == line_quantity),
        refunds_all=goes_through & ~exchange & (asked == line_quantity),
        quality=np.isin(reason, [str(r) for r in QUALITY_REASONS]),
        disputed=disputed,
        for_buyer=for_buyer,
        dispute_at=dispute_at,
        decided_at=decided_at,
    )


def _seed_disputes(ids: Ids, sales: AfterSales, now: int) -> int:
    """The buyer's appeal of a rejection, and the platform's decision once it is made."""
    opened = sales.disputed & (sales.dispute_at <= now)
    k = int(opened.sum())
    if not k:
        return 0
    decided = sales.decided_at[opened] <= now
    decision = np.where(sales.for_buyer[opened], Decision.FOR_BUYER.value, Decision.FOR_MERCHANT.value)
    _load(
        "aftersales_dispute",
        DISPUTE_COLUMNS,
        {
            "id": ids.take("dispute", k),
            "aftersale_id": sales.columns["id"][opened],
            "statement": "商家拒绝了合理的售后申请，请平台处理",
            "status": np.where(decided, DisputeStatus.DECIDED.value, DisputeStatus.OPEN.value),
            "decision": np.where(decided, decision, ""),
            "decision_note": "",
            "decided_by_id": None,
            "created_at": sales.dispute_at[opened],
            "decided_at": np.where(decided, sales.decided_at[opened], NAT),
        },
        k,
    )
    return k


def _seed_reviews(
    world: World,
    ids: Ids,
    rng: np.random.Generator,
    store: np.ndarray,
    order_ids: np.ndarray,
    line_ids: np.ndarray,
    buyer_ids: np.ndarray,
    received_at: np.ndarray,
    quality: np.ndarray,
) -> int:
    """First reviews on about a third of the received lines, a day or two after receipt; 1-2 stars
    more often at stores that tend to them, and five times as often after a quality after-sale."""
    n = len(order_ids)
    written = received_at + np.minimum(rng.exponential(1.5 * DAY, n).astype(np.int64), 14 * DAY)
    chosen = (received_at != NAT) & (rng.random(n) < REVIEWED) & (written <= world.now)
    k = int(chosen.sum())
    if not k:
        return 0
    negative_p = np.clip(world.negative_p[store[chosen]] * np.where(quality[chosen], 5.0, 1.0), 0, 0.9)
    negative = rng.random(k) < negative_p
    rating = np.where(
        negative, np.where(rng.random(k) < 0.6, 1, 2), _choice(rng, {5: 0.85, 4: 0.11, 3: 0.04}, k)
    )
    pick = rng.integers(0, 1 << 30, k).tolist()
    says = (rng.random(k) < 0.4).tolist()
    _load(
        "reviews_review",
        REVIEW_COLUMNS,
        {
            "id": ids.take("review", k),
            "line_id": line_ids[chosen],
            "order_id": order_ids[chosen],
            "product_id": world.product_id[store[chosen]],
            "store_id": world.store_id[store[chosen]],
            "buyer_id": buyer_ids[chosen],
            "rating": rating,
            "text": [
                REVIEW_TEXTS[r][p % len(REVIEW_TEXTS[r])] if say else ""
                for r, p, say in zip(rating.tolist(), pick, says, strict=True)
            ],
            "created_at": written[chosen],
        },
        k,
    )
    return k


def _seed_orders(world: World, ids: Ids, rng: np.random.Generator, total: int, progress: Progress) -> dict:
    task = progress.add_task("seeding orders", total=total)
    counts = dict.fromkeys(("orders", "aftersales", "disputes", "reviews", "sessions", "complaints"), 0)
    for day, n in enumerate(rng.multinomial(total, np.full(DAYS, 1 / DAYS)).tolist()):
        if n:
            for key, value in _seed_day(world, ids, rng, world.now - (DAYS - day) * DAY, n).items():
                counts[key] += value
        progress.advance(task, n)
    return counts


SEQUENCED = (
    "accounts_user",
    "accounts_subject",
    "stores_store",
    "catalog_product",
    "catalog_sku",
    "orders_checkout",
    *BULK_TABLES,
)


def seed(*, store_count: int, order_count: int, rng: np.random.Generator, progress: Progress) -> dict:
    """Seed the bench's stores and orders, or reuse a finished seed of the same size. One
    transaction: a seed that fails or is killed leaves nothing behind (and no index missing).
    Only in a benchmark database (guard.py)."""
    guard.require_benchmark_database(
        "seed the score benchmark (it clears earlier seeds, and drops and rebuilds indexes and constraints)"
    )
    marker_name = f"{MARKER_PREFIX}v{SEED_VERSION}_{store_count}_{order_count}"
    marker = User.objects.filter(username=marker_name).first()
    if marker is not None:
        return {"reused": True, "seconds": 0.0, "seeded_at": marker.date_joined}
    postgres = connection.vendor == "postgresql"
    buyer_count = min(BUYERS_MAX, max(100, order_count // ORDERS_PER_BUYER))
    now = clock.now().replace(microsecond=0)
    phases: dict[str, float] = {}
    started = lap = time.perf_counter()

    def done(phase: str) -> None:
        nonlocal lap
        phases[phase] = round(time.perf_counter() - lap, 1)
        lap = time.perf_counter()

    with transaction.atomic():
        ddl: list[str] = []
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")  # index builds
                cursor.execute("SET LOCAL work_mem = '256MB'")  # foreign-key checks, deletes
                # A table with deferred checks pending cannot lose a constraint: run them now
                # (there are none unless this runs inside a longer transaction, as in the tests).
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                ddl = _drop_for_load(cursor)
        _clear(progress)
        done("clear_s")
        world = _seed_people_and_stores(store_count, buyer_count, rng, now, progress)
        counts = _seed_orders(world, Ids.next_free(), rng, order_count, progress)
        done("load_s")
        for table in SEQUENCED:
            _reset_sequence(table)
        if ddl:
            task = progress.add_task("indexes, foreign keys", total=len(ddl))
            with connection.cursor() as cursor:
                for statement in ddl:
                    cursor.execute(statement)
                    progress.advance(task)
        done("indexes_s")
        User.objects.create(
            username=marker_name, password=make_password(None), is_active=False, date_joined=now
        )
    if postgres and not connection.in_atomic_block:
        # as a live database would be: visibility and statistics set, no autovacuum of the new rows
        # running into the measurement
        task = progress.add_task("vacuum (analyze)", total=1)
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(('stores_storestaff', *SEQUENCED))}")
        progress.advance(task)
        done("vacuum_s")
    return {
        "reused": False,
        "seconds": round(time.perf_counter() - started, 1),
        "phases": phases,
        "seeded_at": now,
        "buyers": buyer_count,
        "loaded": counts,
    }


# ------------------------------------------------------------------------------------ measure


def _rss_mb() -> float | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _maxrss_mb(who: int) -> float:
    """Peak resident set size in MB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(who).ru_maxrss
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)


def _backend() -> dict | None:
    """On PostgreSQL: this connection's server process and its memory so far, when the server runs
    on this machine (VmHWM counts the shared buffers the backend touched too)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    found: dict[str, Any] = {"pid": pid}
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            if b"postgres" not in cmdline.read():
                return found
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    found[f"{key.lower()}_mb"] = round(int(value.split()[0]) / 1024, 1)
    except OSError:
        pass  # another machine's server, or not readable
    return found


def _server_settings() -> dict | None:
    if connection.vendor != "postgresql":
        return None
    names = (
        "work_mem",
        "maintenance_work_mem",
        "shared_buffers",
        "effective_cache_size",
        "max_parallel_workers_per_gather",
        "jit",
    )
    with connection.cursor() as cursor:
        found = {}
        for name in names:
            cursor.execute(f"SHOW {name}")
            found[name] = cursor.fetchone()[0]
    return found


def timed_recompute(as_of: date, on_progress: Callable[..., None] | None = None) -> dict:
    """`scoring.services.recompute_all` timed in this process, with this process's memory."""
    from xiaodian.scoring import services as scoring_services

    rss_before = _rss_mb()
    before = _backend()
    reached: dict[str, float] = {}  # step -> seconds from the start to its last report

    def step(*args) -> None:
        if args:
            reached[str(args[0])] = time.perf_counter() - started
        if on_progress is not None:
            on_progress(*args)

    started = time.perf_counter()
    summary = scoring_services.recompute_all(as_of=as_of, progress=step)
    seconds = time.perf_counter() - started
    after = _backend()
    ends = [*reached.items(), ("after the last step", seconds)]  # e.g. the commit
    return {
        "seconds": round(seconds, 2),
        "steps_s": {
            name: round(end - (ends[i - 1][1] if i else 0.0), 2) for i, (name, end) in enumerate(ends)
        },
        "rss_before_mb": rss_before,
        "peak_rss_mb": _maxrss_mb(resource.RUSAGE_SELF),
        "children_peak_rss_mb": _maxrss_mb(resource.RUSAGE_CHILDREN),
        "backend": after
        if before is None or after is None or before["pid"] == after["pid"]
        else {
            "before": before,
            "after": after,
        },
        "summary": summary,
    }


def child_main(as_of: str) -> None:
    """The recompute's own process (see `recompute`): progress and the result as JSON lines."""

    def on_progress(*args) -> None:
        print(json.dumps({"progress": [a if isinstance(a, int) else str(a) for a in args]}), flush=True)

    result = timed_recompute(date.fromisoformat(as_of), on_progress)
    print(json.dumps({"result": result}, default=str), flush=True)


CHILD = (
    "import django, sys; django.setup(); from xiaodian.benchmarks import score; score.child_main(sys.argv[1])"
)


class _Bars:
    """Turns the recompute's progress calls, `(done, total)` or `(kind, done, total)`, into bars."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.tasks: dict[str, Any] = {}

    def __call__(self, *args) -> None:
        if len(args) < 2:
            return
        *kind, done, total = args
        label = f"scoring {kind[0]}" if kind else "scoring"
        if label not in self.tasks:
            self.tasks[label] = self.progress.add_task(label, total=int(total) or None)
        self.progress.update(self.tasks[label], completed=int(done), total=int(total) or None)


def recompute(as_of: date, *, isolate: bool, progress: Progress) -> dict:
    """Time the full recompute. `isolate`: in a fresh Python process, so the peak RSS is the
    recompute's (and Django's) alone; otherwise here, where the peak may be the seed's."""
    bars = _Bars(progress)
    if not isolate:
        return {"process": "in-process (peak RSS includes the seed)", **timed_recompute(as_of, bars)}
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "xiaodian.settings"),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, as_of.isoformat()], stdout=subprocess.PIPE, text=True, env=env
    )
    result = None
    for line in child.stdout:
        try:
            message = json.loads(line)
        except ValueError:
            message = None
        if isinstance(message, dict) and "progress" in message:
            bars(*message["progress"])
        elif isinstance(message, dict) and "result" in message:
            result = message["result"]
        else:
            print(line, end="", file=sys.stderr)
    if child.wait() != 0 or result is None:
        raise RuntimeError(f"the recompute process failed (exit status {child.returncode})")
    return {"process": "subprocess", **result}


# ------------------------------------------------------------------------------------ report


def bench_stores() -> QuerySet:
    return Store.objects.filter(subject__owner__username__startswith=MERCHANT_PREFIX)


def _ours() -> tuple[dict, int]:
    """A filter for the bench's rows by store (its stores are one block of ids, which reads a big
    table in one pass where a join to the merchants' names made the planner probe it store by
    store), and how many stores there are."""
    found = bench_stores().aggregate(lo=Min("pk"), hi=Max("pk"), n=Count("pk"))
    return {"store_id__gte": found["lo"] or 0, "store_id__lte": found["hi"] or -1}, found["n"]


def qualifying_orders(as_of: date) -> dict[int, int]:
    """Each bench store's qualifying orders (paid in the score's window for `as_of`), by store id;
    stores without any are left out."""
    start, end = scoring_days.window(as_of)
    ours, _count = _ours()
    return dict(
        Order.objects.filter(**ours, paid_at__gte=start, paid_at__lt=end)
        .values_list("store_id")
        .annotate(n=Count("pk"))
        .order_by()
    )


def describe(as_of: date) -> dict:
    """What the seed holds, counted from the tables (a reused seed reports the same): rows, the
    order mix, after-sales, disputes, reviews, sessions, and how many stores have the qualifying
    orders a score needs in the window for `as_of`."""
    ours, store_count = _ours()
    start, end = scoring_days.window(as_of)
    o = Order.objects.filter(**ours).aggregate(
        first=Min("pk"),
        last=Max("pk"),
        orders=Count("pk"),
        cancelled_unpaid=Count("pk", filter=Q(status=Status.CANCELLED_UNPAID)),
        to_ship=Count("pk", filter=Q(status=Status.TO_SHIP)),
        shipped=Count("pk", filter=Q(status=Status.SHIPPED)),
        completed=Count("pk", filter=Q(status=Status.COMPLETED)),
        refunded=Count("pk", filter=Q(status=Status.CANCELLED_REFUNDED)),
        ever_shipped=Count("pk", filter=Q(shipped_at__isnull=False)),
        shipped_late=Count("pk", filter=Q(shipped_at__gt=F("paid_at") + SHIP_WITHIN)),
        received=Count("pk", filter=Q(received_at__isnull=False)),
        paid_in_window=Count("pk", filter=Q(paid_at__gte=start, paid_at__lt=end)),
    )
    a = AfterSale.objects.filter(**ours).aggregate(
        aftersales=Count("pk"),
        quality=Count("pk", filter=Q(reason_code__in=QUALITY_REASONS)),
        refund=Count("pk", filter=Q(kind=Kind.REFUND)),
        ret=Count("pk", filter=Q(kind=Kind.RETURN)),
        exchange=Count("pk", filter=Q(kind=Kind.EXCHANGE)),
        succeeded=Count("pk", filter=Q(state__in=SUCCEEDED)),
        closed=Count("pk", filter=Q(closed_at__isnull=False)),
    )
    d = Dispute.objects.filter(
        aftersale__store_id__gte=ours["store_id__gte"], aftersale__store_id__lte=ours["store_id__lte"]
    ).aggregate(
        disputes=Count("pk"),
        for_buyer=Count("pk", filter=Q(decision=Decision.FOR_BUYER)),
        for_merchant=Count("pk", filter=Q(decision=Decision.FOR_MERCHANT)),
        open=Count("pk", filter=Q(status=DisputeStatus.OPEN)),
    )
    r = Review.objects.filter(**ours).aggregate(
        reviews=Count("pk"), negative=Count("pk", filter=Q(rating__in=NEGATIVE_RATINGS))
    )
    within = scoring_rules.REPLY_WITHIN.total_seconds()
    c = ServiceSessionFact.objects.filter(**ours).aggregate(
        sessions=Count("pk"),
        in_hours=Count("pk", filter=Q(in_service_hours=True)),
        fast=Count("pk", filter=Q(in_service_hours=True, first_human_reply_seconds__lte=within)),
        complained=Count("pk", filter=Q(complained=True)),
    )
    complaints = Complaint.objects.filter(**ours).aggregate(
        complaints=Count("pk"),
        upheld=Count("pk", filter=Q(state=ComplaintState.UPHELD)),
        upheld_in_window=Count(
            "pk", filter=Q(state=ComplaintState.UPHELD, ruled_at__gte=start, ruled_at__lt=end)
        ),
    )
    per_store = np.zeros(store_count, dtype=np.int64)
    counted = np.array(list(qualifying_orders(as_of).values()), dtype=np.int64)
    per_store[: len(counted)] = counted
    enough = int((per_store >= scoring_rules.MIN_ORDERS).sum())
    paid = o["orders"] - o["cancelled_unpaid"]

    def share(part: int, whole: int) -> float:
        return round(part / whole, 4) if whole else 0.0

    return {
        "rows": {
            "stores": store_count,
            "orders": o["orders"],
            # the bench's orders are one block of ids too (one seed, one transaction)
            "lines": OrderLine.objects.filter(
                order_id__gte=o["first"] or 0, order_id__lte=o["last"] or -1
            ).count(),
            "aftersales": a["aftersales"],
            "disputes": d["disputes"],
            "reviews": r["reviews"],
            "service_sessions": c["sessions"],
            "complaints": complaints["complaints"],
        },
        "orders": {
            "cancelled_unpaid": share(o["cancelled_unpaid"], o["orders"]),
            "to_ship": share(o["to_ship"], o["orders"]),
            "shipped": share(o["shipped"], o["orders"]),
            "completed": share(o["completed"], o["orders"]),
            "refunded": share(o["refunded"], o["orders"]),
            "shipped_late": share(o["shipped_late"], o["ever_shipped"]),
            "paid_in_window": share(o["paid_in_window"], o["orders"]),
        },
        "aftersales": {
            "of_paid_orders": share(a["aftersales"], paid),
            "quality_reasons": share(a["quality"], a["aftersales"]),
            "kinds": {"refund": a["refund"], "return": a["ret"], "exchange": a["exchange"]},
            "succeeded": share(a["succeeded"], a["aftersales"]),
            "closed": share(a["closed"], a["aftersales"]),
        },
        "disputes": {
            "of_aftersales": share(d["disputes"], a["aftersales"]),
            "for_buyer": d["for_buyer"],
            "for_merchant": d["for_merchant"],
            "open": d["open"],
        },
        "reviews": {
            "of_received_lines": share(r["reviews"], o["received"]),
            "negative": share(r["negative"], r["reviews"]),
        },
        "service_sessions": {
            "per_order": share(c["sessions"], o["orders"]),
            "reply_3min_in_hours": share(c["fast"], c["in_hours"]),
            "complained": share(c["complained"], c["sessions"]),
        },
        "complaints": {
            "of_paid_orders": share(complaints["complaints"], paid),
            "upheld": share(complaints["upheld"], complaints["complaints"]),
            "upheld_in_window": complaints["upheld_in_window"],
        },
        "stores": {
            "with_enough_orders": enough,
            "below": store_count - enough,
            "most_qualifying_orders": int(per_store.max()) if store_count else 0,
            "median_qualifying_orders": float(np.median(per_store)) if store_count else 0,
        },
    }


def _scored(summary: Any) -> tuple[int | None, int | None]:
    """Stores with a score and without one, from the recompute's summary."""
    if not isinstance(summary, dict):
        return None, None

    def first(*keys: str) -> int | None:
        return next((summary[k] for k in keys if isinstance(summary.get(k), int)), None)

    return (
        first("scored", "stores_scored", "with_score"),
        first("no_score", "unscored", "without_score", "stores_without_score"),
    )


def run(
    *,
    stores: int,
    orders: int,
    recompute_scores: bool = True,
    isolate: bool = True,
    seed_value: int = 1,
    report: Callable[[dict], None] | None = None,
) -> dict:
    say = report or (lambda row: None)
    rng = np.random.default_rng(seed_value)
    timed = None
    with _progress() as progress:
        seeded = seed(store_count=stores, order_count=orders, rng=rng, progress=progress)
        say({"seed": "reused" if seeded["reused"] else "seeded", "seconds": seeded["seconds"]})
        as_of = seeded["seeded_at"].astimezone(scoring_days.SHANGHAI).date()  # the seed's day
        if recompute_scores:
            timed = recompute(as_of, isolate=isolate, progress=progress)
            say({"recompute_s": timed["seconds"], "peak_rss_mb": timed["peak_rss_mb"]})
    held = describe(as_of)
    scored, unscored = _scored(timed["summary"]) if timed else (None, None)
    peak = timed["peak_rss_mb"] if timed else None
    return {
        "scenario": "score",
        "database_version": _database_version(),
        "machine": {"cpus": _cpus(), "python": platform.python_version(), "platform": platform.platform()},
        "scale": {"stores": stores, "orders": orders},
        "seed": {**seeded, "seeded_at": seeded["seeded_at"].isoformat()},
        "as_of": as_of.isoformat(),
        **held,
        "server_settings": _server_settings(),
        "recompute": None
        if timed is None
        else {**timed, "stores_scored": scored, "stores_without_score": unscored},
        "targets": {
            "recompute_s": TARGET_RECOMPUTE_S,
            "peak_rss_mb": TARGET_PEAK_MB,
            "recompute_met": None if timed is None else timed["seconds"] <= TARGET_RECOMPUTE_S,
            "memory_met": None if peak is None else peak <= TARGET_PEAK_MB,
        },
    }


def _seed_complaints(
    world: World,
    ids: Ids,
    rng: np.random.Generator,
    store: np.ndarray,
    order_ids: np.ndarray,
    buyer_ids: np.ndarray,
    paid_at: np.ndarray,
) -> int:
    """Complaints about some of the day's paid orders (one per order at most, as the complaints app
    allows), more at stores that draw complaints: filed days after payment, answered by the
    merchant within a day or so, ruled by an operator days later; the ruled-upheld ones in the
    window are what the score's complaint rate counts (complaints.selectors.upheld_by_store)."""
    now = world.now
    chance = np.clip(COMPLAINTS_PER_ORDER * world.complaint_p[store] / COMPLAINED, 0, 0.2)
    pick = np.flatnonzero((paid_at < NEVER) & (rng.random(len(store)) < chance))
    k = len(pick)
    if not k:
        return 0
    filed = paid_at[pick] + _uniform(rng, HOUR, 10 * DAY, k)
    keep = filed <= now
    pick, filed = pick[keep], filed[keep]
    k = len(pick)
    if not k:
        return 0
    answered = filed + _lognormal(rng, 10 * HOUR, 1.0, k, 10 * MINUTE, 3 * DAY)
    ruled = answered + _uniform(rng, 12 * HOUR, 5 * DAY, k)
    # Complaints are few (a handful in a small seed): those whose ruling has come by now end in the
    # table's shares over the whole seed; the rest are still answered or waiting.
    end = np.where(answered > now, "open", "answered").astype(object)
    done = ruled <= now
    end[done] = _in_shares(COMPLAINT_ENDS, world.complaint_ends, int(done.sum()))
    was_answered = end != "open"
    was_ruled = np.isin(end, ["upheld", "dismissed"])
    reasons = _choice(rng, COMPLAINT_REASONS, k)
    _load(
        "complaints_complaint",
        COMPLAINT_COLUMNS,
        {
            "id": ids.take("complaint", k),
            "buyer_id": buyer_ids[pick],
            "store_id": world.store_id[store[pick]],
            "order_id": order_ids[pick],
            "reason": reasons,
            "text": [COMPLAINT_TEXTS[r] for r in reasons.tolist()],
            "state": end.tolist(),
            "created_at": filed,
            "answer": np.where(was_answered, "已联系买家处理。", "").tolist(),
            "answered_by_id": None,
            "answered_at": np.where(was_answered, answered, NAT),
            "ruling_note": np.where(was_ruled, "已核实。", "").tolist(),
            "ruled_by_id": None,
            "ruled_at": np.where(was_ruled, ruled, NAT),
        },
        k,
    )
    return k


def _seed_sessions(world: World, ids: Ids, rng: np.random.Generator, store: np.ndarray, start: int) -> int:
    """Customer-service sessions on the day, at the stores that sold that day (about one per five
    orders): a human answers within a minute or so in service hours (slower at slow stores, hours
    later at night, now and then only the bot), and a few sessions end in a complaint."""
    k = int(rng.binomial(len(store), SESSIONS_PER_ORDER))
    if not k:
        return 0
    at = store[rng.integers(0, len(store), k)]
    started = _order_times(rng, start, min(start + DAY, world.now), k)
    hour = ((started + SHANGHAI_OFFSET) // HOUR) % 24
    in_hours = (hour >= 8) & (hour < 23)
    reply = np.where(
        in_hours,
        _lognormal(rng, 45, 1.0, k, 3, 4 * 3600) * world.reply_scale[at],
        _lognormal(rng, 6 * 3600, 0.5, k, 600, 12 * 3600),
    ).astype(np.int64)
    replied = rng.random(k) >= np.where(in_hours, 0.03, 0.3)
    rated = rng.random(k) < 0.3
    session_ids = ids.take("session", k)
    _load(
        "scoring_servicesessionfact",
        SESSION_COLUMNS,
        {
            "id": session_ids,
            "store_id": world.store_id[at],
            "session_key": [f"bench-score-{i}" for i in session_ids.tolist()],
            "started_at": started,
            "in_service_hours": in_hours,
            "first_human_reply_seconds": _or_null(reply, replied),
            "rating": _or_null(_choice(rng, {5: 0.7, 4: 0.15, 3: 0.08, 2: 0.03, 1: 0.04}, k), rated),
            "complained": rng.random(k) < world.complaint_p[at],
        },
        k,
    )
    return k
