"""Plans: types 1/2/3 and their coexistence, ratios, dates, at most 20 products, the store's own
listed products only, stop; every refusal code, nothing half written."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from xiaodian.alliance import selectors, services
from xiaodian.alliance.models import Plan, PlanPromoter
from xiaodian.alliance.rules import PlanKind
from xiaodian.catalog import services as catalog
from xiaodian.core import clock
from xiaodian.core.errors import DomainError

OPEN, TARGETED, EXCLUSIVE = PlanKind.OPEN, PlanKind.TARGETED, PlanKind.EXCLUSIVE


def _refused(code, make, *args, **kwargs):
    before = Plan.objects.count()
    with pytest.raises(DomainError) as refused:
        make(*args, **kwargs)
    assert refused.value.code == code
    assert Plan.objects.count() == before
    return refused.value


def test_an_open_plan_for_several_products(make_plan, enabled, make_sku):
    products = [make_sku(enabled, title=f"商品{i}").product for i in range(3)]
    plans = make_plan(enabled, products, ratio=150_000)
    assert {p.product_id for p in plans} == {p.pk for p in products}
    assert {selectors.plan_state(p) for p in plans} == {"live"}
    assert all(p.commission_ratio_ppm == 150_000 and p.kind == OPEN for p in plans)


def test_at_most_20_products_a_call(make_plan, enabled, make_sku):
    products = [make_sku(enabled, title=f"商品{i}").product for i in range(21)]
    _refused("alliance_too_many_products", make_plan, enabled, products)
    assert len(make_plan(enabled, products[:20])) == 20


def test_only_the_stores_own_listed_products(make_plan, enabled, make_sku, other_store):
    mine = make_sku(enabled).product
    theirs = make_sku(other_store).product
    _refused("alliance_product_invalid", make_plan, enabled, [mine, theirs])
    catalog.delist_product(product=mine)
    _refused("alliance_product_invalid", make_plan, enabled, [mine])


@pytest.mark.parametrize("field", ["commission_ratio_ppm", "service_ratio_ppm"])
@pytest.mark.parametrize("value", [-1, 900_001, 1_000_000])
def test_ratios_are_0_to_90_percent(make_plan, enabled, product, field, value):
    kwargs = {"ratio": value} if field == "commission_ratio_ppm" else {"service_ratio_ppm": value}
    error = _refused("alliance_ratio_invalid", make_plan, enabled, product, **kwargs)
    assert error.field == field


def test_90_percent_and_zero_are_allowed(make_plan, enabled, product):
    (plan,) = make_plan(enabled, product, ratio=900_000, service_ratio_ppm=0)
    assert plan.commission_ratio_ppm == 900_000


def test_an_end_before_the_start_or_in_the_past_is_refused(make_plan, enabled, product):
    now = clock.now()
    _refused("alliance_plan_dates_invalid", make_plan, enabled, product, ends_at=now - timedelta(hours=1))
    _refused(
        "alliance_plan_dates_invalid",
        make_plan,
        enabled,
        product,
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=1),
    )


def test_a_plan_ends_by_itself(make_plan, enabled, product):
    (plan,) = make_plan(enabled, product, ends_at=clock.now() + timedelta(days=1))
    with clock.travel_to(clock.now() + timedelta(days=2)):
        assert selectors.plan_state(plan) == "ended"
        # an ended open plan no longer blocks a new one
        assert make_plan(enabled, product)


def test_a_targeted_plan_needs_the_open_plan_live(make_plan, enabled, product, creator):
    _refused(
        "alliance_open_plan_required", make_plan, enabled, product, kind=TARGETED, promoter_ids=[creator.pk]
    )
    make_plan(enabled, product, starts_at=clock.now() + timedelta(days=1))  # scheduled is not live
    _refused(
        "alliance_open_plan_required", make_plan, enabled, product, kind=TARGETED, promoter_ids=[creator.pk]
    )


def test_a_targeted_plan_names_1_to_30_known_promoters(make_plan, open_plan, enabled, product, make_promoter):
    promoters = [make_promoter(kind="sharer") for _ in range(31)]
    ids = [p.pk for p in promoters]
    _refused("alliance_promoters_invalid", make_plan, enabled, product, kind=TARGETED)
    _refused("alliance_promoters_invalid", make_plan, enabled, product, kind=TARGETED, promoter_ids=ids)
    _refused("alliance_promoters_invalid", make_plan, enabled, product, kind=TARGETED, promoter_ids=[10**9])
    _refused(
        "alliance_promoters_invalid", make_plan, enabled, product, promoter_ids=ids[:1]
    )  # open names none
    (plan,) = make_plan(enabled, product, kind=TARGETED, promoter_ids=ids[:30])
    assert PlanPromoter.objects.filter(plan=plan).count() == 30
    # several targeted plans may run beside the open one
    assert make_plan(enabled, product, kind=TARGETED, promoter_ids=ids[30:])


def test_an_exclusive_plan_never_beside_an_open_one(make_plan, enabled, product, creator):
    (open_plan,) = make_plan(enabled, product)
    _refused(
        "alliance_exclusive_conflict", make_plan, enabled, product, kind=EXCLUSIVE, promoter_ids=[creator.pk]
    )
    services.stop_plan(plan_id=open_plan.pk, by=open_plan.created_by)
    (exclusive,) = make_plan(enabled, product, kind=EXCLUSIVE, promoter_ids=[creator.pk])
    _refused("alliance_exclusive_conflict", make_plan, enabled, product)
    _refused("alliance_plan_exists", make_plan, enabled, product, kind=EXCLUSIVE, promoter_ids=[creator.pk])
    services.stop_plan(plan_id=exclusive.pk, by=exclusive.created_by)
    assert make_plan(enabled, product)


def test_a_scheduled_exclusive_plan_blocks_an_open_one(make_plan, enabled, product, creator):
    make_plan(
        enabled, product, kind=EXCLUSIVE, promoter_ids=[creator.pk], starts_at=clock.now() + timedelta(days=3)
    )
    _refused("alliance_exclusive_conflict", make_plan, enabled, product)


def test_one_open_plan_per_product(make_plan, open_plan, enabled, product):
    _refused("alliance_plan_exists", make_plan, enabled, product)


def test_one_bad_product_writes_no_plan_for_the_others(make_plan, open_plan, enabled, product, make_sku):
    fresh = make_sku(enabled, title="新品").product
    _refused("alliance_plan_exists", make_plan, enabled, [fresh, product])
    assert not Plan.objects.filter(product=fresh).exists()


def test_stop_a_plan(open_plan, merchant):
    stopped = services.stop_plan(plan_id=open_plan.pk, by=merchant)
    assert selectors.plan_state(stopped) == "stopped"
    _refused("alliance_plan_not_live", services.stop_plan, plan_id=open_plan.pk, by=merchant)


def test_only_the_owner_or_an_admin_stops_a_plan(open_plan, make_user):
    with pytest.raises(DomainError) as refused:
        services.stop_plan(plan_id=open_plan.pk, by=make_user())
    assert refused.value.code == "not_found"
    with pytest.raises(DomainError) as refused:
        services.stop_plan(plan_id=10**12, by=open_plan.created_by)
    assert refused.value.code == "not_found"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_open_and_an_exclusive_plan_raced_for_one_product_never_both_land(
    store, merchant, make_sku, make_promoter
):
    """Exclusivity under concurrency: each call locks the product row before it checks."""
    if connection.vendor != "postgresql":
        pytest.skip("the threaded race needs PostgreSQL (SQLite serialises every writer)")
    services.enable_alliance(store=store, by=merchant)
    creator = make_promoter(kind="sharer")
    products = [make_sku(store, title=f"商品{i}").product for i in range(6)]
    calls = [(p.pk, kind) for p in products for kind in (OPEN, EXCLUSIVE, OPEN, EXCLUSIVE)]
    barrier = threading.Barrier(len(calls))
    errors: list[str] = []
    unexpected: list[BaseException] = []

    def create(product_id, kind):
        barrier.wait()
        try:
            services.create_plans(
                store=store,
                by=merchant,
                product_ids=[product_id],
                kind=kind,
                commission_ratio_ppm=100_000,
                promoter_ids=[creator.pk] if kind == EXCLUSIVE else [],
            )
        except DomainError as exc:
            errors.append(exc.code)
        except BaseException as exc:  # pragma: no cover - what the test is for
            unexpected.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=call) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert unexpected == []
    for product in products:
        kinds = list(Plan.objects.filter(product=product).values_list("kind", flat=True))
        assert len(kinds) == 1, kinds  # one plan per product: the first; the other three refused
    assert len(errors) == 3 * len(products)
    assert set(errors) <= {"alliance_exclusive_conflict", "alliance_plan_exists"}
