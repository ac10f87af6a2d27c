import itertools

import pytest

from xiaodian.alliance import services
from xiaodian.alliance.rules import PlanKind, PromoterKind
from xiaodian.content import services as content
from xiaodian.orders.tests.conftest import buyer, make_sku, other_store, place  # noqa: F401

from .reports_world import sales, today  # noqa: F401

_names = itertools.count(1)


@pytest.fixture
def enabled(store, merchant):
    """The merchant's store, with the alliance enabled."""
    services.enable_alliance(store=store, by=merchant)
    return store


@pytest.fixture
def product(enabled, make_sku):
    return make_sku(enabled, price_fen=10_000, stock=50, title="山茶花精华").product


@pytest.fixture
def make_promoter(make_user):
    """make_promoter() a creator with its own video account; kind="agency" / "sharer" too."""

    def make(kind: str = PromoterKind.CREATOR, user=None, name: str | None = None):
        n = next(_names)
        user = user or make_user(f"promoter{n}")
        account_id = None
        if kind == PromoterKind.CREATOR:
            account_id = content.create_video_account(owner=user, name=f"视频号{n}").pk
        return services.join_alliance(
            user=user, kind=kind, name=name or f"推客{n}", video_account_id=account_id
        )

    return make


@pytest.fixture
def creator(make_promoter):
    return make_promoter()


@pytest.fixture
def make_plan(merchant):
    def make(store, products, kind=PlanKind.OPEN, ratio=100_000, **kwargs):
        products = products if isinstance(products, (list, tuple)) else [products]
        return services.create_plans(
            store=store,
            by=merchant,
            product_ids=[p.pk for p in products],
            kind=kind,
            commission_ratio_ppm=ratio,
            **kwargs,
        )

    return make


@pytest.fixture
def open_plan(make_plan, enabled, product):
    (plan,) = make_plan(enabled, product)
    return plan
