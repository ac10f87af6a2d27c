"""Promoters (creators with a video account, agencies and their creators, sharers), the product
library (who sees which plan, the ranking, the filters, the query budget), the showcase, links."""

from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from xiaodian.accounts.rules import Role
from xiaodian.alliance import rules, selectors, services, tasks
from xiaodian.alliance.models import Plan, PromotionLink, ShowcaseItem
from xiaodian.alliance.rules import PlanKind, PromoterKind
from xiaodian.catalog import services as catalog
from xiaodian.catalog.models import Product
from xiaodian.content import services as content
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.orders.models import Order
from xiaodian.orders.tests.conftest import succeed
from xiaodian.scoring import services as scoring
from xiaodian.scoring.tests.facts import AS_OF, Facts
from xiaodian.stores import services as stores
from xiaodian.stores.access import store_for


def _code(make, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as refused:
        make(*args, **kwargs)
    return refused.value.code


# ------------------------------------------------------------------------------------ promoters


def test_a_creator_joins_with_a_video_account_of_their_own(make_user):
    user, other = make_user(), make_user()
    mine = content.create_video_account(owner=user, name="山野日记")
    theirs = content.create_video_account(owner=other, name="别人的号")
    assert (
        _code(services.join_alliance, user=user, kind=PromoterKind.CREATOR, name="小山")
        == "alliance_video_account_required"
    )
    assert (
        _code(services.join_alliance, user=user, kind="creator", name="小山", video_account_id=theirs.pk)
        == "alliance_video_account_required"
    )
    promoter = services.join_alliance(user=user, kind="creator", name="小山", video_account_id=mine.pk)
    assert promoter.video_account == mine
    assert _code(services.join_alliance, user=user, kind="sharer", name="又来") == "alliance_promoter_exists"


def test_agencies_and_sharers_need_no_video_account(make_promoter):
    assert make_promoter(kind="agency").video_account is None
    assert make_promoter(kind="sharer").kind == "sharer"


def test_a_creator_joins_an_agency(make_promoter, creator):
    agency, other = make_promoter(kind="agency"), make_promoter(kind="agency")
    services.join_agency(promoter=creator, agency_id=agency.pk)
    services.join_agency(promoter=creator, agency_id=other.pk)  # moves: one agency at a time
    assert selectors.agency_of(selectors.promoter_of(creator.user)) == other
    assert _code(services.join_agency, promoter=creator, agency_id=creator.pk) == "alliance_agency_invalid"
    sharer = make_promoter(kind="sharer")
    assert _code(services.join_agency, promoter=sharer, agency_id=agency.pk) == "alliance_agency_invalid"


def test_a_user_who_is_no_promoter_is_asked_to_join(make_user):
    assert _code(selectors.promoter_of, make_user()) == "alliance_promoter_required"


# -------------------------------------------------------------------------------------- library


def _library(promoter, **filters):
    """The promoter's library, checked against its count (counted in another shape: two branches)."""
    rows = selectors.library(promoter, selectors.LibraryFilters(**filters))
    found = list(rows)
    assert rows.count() == len(found)
    return found


def test_the_library_shows_live_open_plans_of_enabled_stores(open_plan, creator, make_plan, store, make_sku):
    assert [p.pk for p in _library(creator)] == [open_plan.pk]
    services.stop_plan(plan_id=open_plan.pk, by=open_plan.created_by)
    assert _library(creator) == []


def test_a_scheduled_plan_shows_once_it_starts(make_plan, enabled, product, creator):
    (plan,) = make_plan(enabled, product, starts_at=clock.now() + timedelta(days=1))
    assert _library(creator) == []
    with clock.travel_to(clock.now() + timedelta(days=2)):
        assert [p.pk for p in _library(creator)] == [plan.pk]


def test_targeted_plans_show_to_the_listed_and_their_agencys_creators(
    make_plan, open_plan, enabled, product, make_promoter
):
    listed, agency, member, stranger = (
        make_promoter(),
        make_promoter(kind="agency"),
        make_promoter(),
        make_promoter(),
    )
    services.join_agency(promoter=member, agency_id=agency.pk)
    (targeted,) = make_plan(
        enabled, product, kind=PlanKind.TARGETED, ratio=300_000, promoter_ids=[listed.pk, agency.pk]
    )
    # one entry per product: the listed promoter sees the targeted plan instead of the open one
    assert [p.pk for p in _library(listed)] == [targeted.pk]
    assert [p.pk for p in _library(member)] == [targeted.pk]
    assert [p.pk for p in _library(agency)] == [targeted.pk]
    assert [p.pk for p in _library(stranger)] == [open_plan.pk]


def test_an_exclusive_plan_shows_only_to_its_promoters(make_plan, enabled, product, make_promoter):
    mine, other = make_promoter(), make_promoter()
    (plan,) = make_plan(enabled, product, kind=PlanKind.EXCLUSIVE, promoter_ids=[mine.pk])
    assert [p.pk for p in _library(mine)] == [plan.pk]
    assert _library(other) == []


def test_the_library_ranks_by_commission_times_score_times_sales(
    make_plan,
    merchant,
    make_user,
    make_subject,
    make_store,
    make_sku,
    creator,
    place,
    django_capture_on_commit_callbacks,
):
    stores = []
    for _ in range(2):
        owner = make_user()
        shop = make_store(owner, make_subject(owner))
        services.enable_alliance(store=shop, by=owner)
        stores.append((shop, owner))
    (a_store, a_owner), (b_store, b_owner) = stores
    a = make_sku(a_store, title="甲", price_fen=1000, stock=100)
    b = make_sku(b_store, title="乙", price_fen=1000, stock=100)
    c = make_sku(b_store, title="丙", price_fen=1000, stock=100)
    (plan_a,) = services.create_plans(
        store=a_store, by=a_owner, product_ids=[a.product_id], kind=1, commission_ratio_ppm=100_000
    )
    (plan_b,) = services.create_plans(
        store=b_store, by=b_owner, product_ids=[b.product_id], kind=1, commission_ratio_ppm=150_000
    )
    (plan_c,) = services.create_plans(
        store=b_store, by=b_owner, product_ids=[c.product_id], kind=1, commission_ratio_ppm=120_000
    )
    # no sales, no scores: commission decides
    ranked = _library(creator)
    assert [p.pk for p in ranked] == [plan_b.pk, plan_c.pk, plan_a.pk]
    assert ranked[0].rank == pytest.approx(150_000 * 4.0 * 1)
    # 2 units of 甲 paid in the last 30 days: 100000 × 4.0 × 3 beats 150000 × 4.0 × 1
    with django_capture_on_commit_callbacks(execute=True):  # order_paid's handlers, as after the commit
        succeed(place(a, 2))
    ranked = _library(creator)
    assert [p.pk for p in ranked] == [plan_a.pk, plan_b.pk, plan_c.pk]
    assert (ranked[0].sales, ranked[0].rank) == (2, pytest.approx(100_000 * 4.0 * 3))
    # an unpaid order does not count
    place(c, 5)
    assert _library(creator)[2].sales == 0


def test_the_store_score_weighs_in(make_plan, enabled, product, creator, make_user):
    (plan,) = make_plan(enabled, product, ratio=100_000)
    Facts(make_user()).orders(enabled, 30)
    scoring.recompute_store(enabled, as_of=AS_OF)
    services.rerank()  # the hourly rerank takes the new score
    (found,) = _library(creator)
    assert found.pk == plan.pk
    assert found.store_score is not None
    assert found.rank == pytest.approx(100_000 * float(found.store_score))


def test_the_library_filters(make_plan, enabled, make_sku, categories, creator):
    book = make_sku(enabled, title="书", category="图书", price_fen=3000).product
    cheap = make_sku(enabled, title="便宜书", category="图书", price_fen=500).product
    (p_book,) = make_plan(enabled, book, ratio=200_000)
    (p_cheap,) = make_plan(enabled, cheap, ratio=50_000)
    parent = categories["图书"].parent_id
    assert {p.pk for p in _library(creator, category_id=parent)} == {p_book.pk, p_cheap.pk}
    assert _library(creator, category_id=categories["女装"].pk) == []
    assert [p.pk for p in _library(creator, ratio_min_ppm=100_000)] == [p_book.pk]
    assert [p.pk for p in _library(creator, ratio_max_ppm=100_000)] == [p_cheap.pk]
    assert [p.pk for p in _library(creator, price_max_fen=1000)] == [p_cheap.pk]
    assert [p.pk for p in _library(creator, price_min_fen=1000, price_max_fen=5000)] == [p_book.pk]


def test_the_library_costs_a_fixed_number_of_queries(
    make_plan, enabled, make_sku, make_promoter, categories, django_assert_max_num_queries
):
    products = [make_sku(enabled, title=f"商品{i}").product for i in range(20)]
    make_plan(enabled, products)
    agency = make_promoter(kind="agency")
    creator = make_promoter()
    services.join_agency(promoter=creator, agency_id=agency.pk)
    with django_assert_max_num_queries(4):  # the promoter, the category tree, the page, the count
        promoter = selectors.promoter_of(creator.user)
        rows = selectors.library(promoter, selectors.LibraryFilters(category_id=categories["图书"].parent_id))
        page = list(rows[:20])
        rows.count()
        assert len([p.product.title for p in page] + [p.store.name for p in page]) == 40


# ------------------------------------------------------------------------------ showcase, links


def test_the_showcase_takes_library_products_once(open_plan, product, creator, make_sku, enabled):
    first = services.add_showcase_item(promoter=creator, product_id=product.pk)
    again = services.add_showcase_item(promoter=creator, product_id=product.pk)
    assert first.pk == again.pk and ShowcaseItem.objects.count() == 1
    other = make_sku(enabled, title="没有计划").product
    assert (
        _code(services.add_showcase_item, promoter=creator, product_id=other.pk) == "alliance_not_promotable"
    )
    services.remove_showcase_item(promoter=creator, product_id=product.pk)
    services.remove_showcase_item(promoter=creator, product_id=product.pk)
    assert not ShowcaseItem.objects.exists()


def test_a_link_is_one_per_promoter_and_plan_and_unguessable(open_plan, creator, make_promoter):
    link = services.make_link(promoter=creator, plan_id=open_plan.pk)
    assert services.make_link(promoter=creator, plan_id=open_plan.pk).pk == link.pk
    other = services.make_link(promoter=make_promoter(), plan_id=open_plan.pk)
    assert other.token != link.token and abs(other.token - link.token) > 1000
    assert link.token.bit_length() > 40  # random over 2^62, not a sequence
    code = selectors.code_of(link.token)
    assert selectors.token_of(code) == link.token and selectors.link_by_code(code) == link
    assert selectors.link_by_code("not-a-code!") is None
    assert link.agency is None


def test_no_link_for_a_plan_the_promoter_may_not_promote(
    make_plan, enabled, product, make_promoter, open_plan
):
    mine, other = make_promoter(), make_promoter()
    (targeted,) = make_plan(enabled, product, kind=PlanKind.TARGETED, promoter_ids=[mine.pk])
    assert _code(services.make_link, promoter=other, plan_id=targeted.pk) == "alliance_not_promotable"
    services.stop_plan(plan_id=targeted.pk, by=targeted.created_by)
    assert _code(services.make_link, promoter=mine, plan_id=targeted.pk) == "alliance_not_promotable"
    assert not PromotionLink.objects.exists()


def test_a_store_promotes_nothing_of_its_own_through_the_alliance(
    open_plan, enabled, merchant, make_promoter, make_user, buyer
):
    """The store's owner and staff may join as promoters, but its own plans are not theirs: not in
    their library, no link, no showcase item; a sale of theirs is the store's own, not a commission."""
    staff = make_user()
    stores.add_staff(store=store_for(merchant, enabled.pk), user_id=staff.pk, role=Role.OPERATOR)
    for promoter in (make_promoter(user=merchant), make_promoter(user=staff)):
        assert _library(promoter) == []
        assert _code(services.make_link, promoter=promoter, plan_id=open_plan.pk) == "alliance_not_promotable"
        assert _code(services.add_showcase_item, promoter=promoter, product_id=open_plan.product_id) == (
            "alliance_not_promotable"
        )
    assert [p.pk for p in _library(make_promoter())] == [open_plan.pk]  # anyone else's, as before
    assert not PromotionLink.objects.exists()


def test_a_link_through_the_agency_carries_it(make_plan, open_plan, enabled, product, make_promoter):
    agency, member = make_promoter(kind="agency"), make_promoter()
    services.join_agency(promoter=member, agency_id=agency.pk)
    (targeted,) = make_plan(
        enabled, product, kind=PlanKind.TARGETED, promoter_ids=[agency.pk], service_ratio_ppm=50_000
    )
    assert services.make_link(promoter=member, plan_id=targeted.pk).agency == agency
    assert services.make_link(promoter=member, plan_id=open_plan.pk).agency is None


def _paid(place, sku, quantity, capture) -> list[int]:
    with capture(execute=True):  # order_paid's handlers, as right after the payment's commit
        checkout = place(sku, quantity)
        succeed(checkout)
    return list(Order.objects.filter(checkout=checkout).values_list("pk", flat=True))


def test_rerank_orders_is_idempotent(
    make_plan, enabled, product, creator, place, django_capture_on_commit_callbacks
):
    """order_paid's handler recomputes the plan's sales from the orders: a paid order moves the
    rank, and running the handler again (the worker after the eager run) changes nothing."""
    (plan,) = make_plan(enabled, product, ratio=100_000)
    sku = product.skus.get()
    order_ids = _paid(place, sku, 3, django_capture_on_commit_callbacks)
    (found,) = _library(creator)
    assert (found.sales, found.rank) == (3, pytest.approx(100_000 * 4.0 * 4))
    services.rerank_orders(order_ids=order_ids)
    services.rerank_orders(order_ids=order_ids)
    (again,) = _library(creator)
    assert (again.sales, again.rank) == (3, found.rank)
    plan.refresh_from_db()
    assert plan.sales_30d == 3


def test_sales_leave_the_rank_after_30_days(
    make_plan, enabled, product, creator, place, django_capture_on_commit_callbacks
):
    make_plan(enabled, product, ratio=100_000)
    _paid(place, product.skus.get(), 2, django_capture_on_commit_callbacks)
    assert _library(creator)[0].sales == 2
    with clock.travel_to(clock.now() + timedelta(days=29)):
        services.rerank()
        assert _library(creator)[0].sales == 2
    later = clock.now() + timedelta(days=31)
    with clock.travel_to(later):
        assert tasks.rerank_library.call() == 1  # the hourly task: it reranks, then enqueues its next run
        (found,) = _library(creator)
        assert (found.sales, found.rank) == (0, pytest.approx(100_000 * 4.0))
    waiting = DBTaskResult.objects.get(task_path="xiaodian.alliance.tasks.rerank_library")
    assert waiting.run_after == later + rules.RERANK_EVERY


# ------------------------------------------------------------ the library follows the catalog and stores


# The catalog's and the stores' events run their handlers right after the commit: the test's
# transaction runs them when each service returns (django_capture_on_commit_callbacks).


def test_a_delisted_or_banned_product_leaves_the_library(
    open_plan, product, creator, operator, make_plan, make_sku, enabled, django_capture_on_commit_callbacks
):
    (other,) = make_plan(enabled, make_sku(enabled, title="茶花面霜").product)
    assert {p.pk for p in _library(creator)} == {open_plan.pk, other.pk}
    with django_capture_on_commit_callbacks(execute=True):
        catalog.delist_product(product=product)
    assert [p.pk for p in _library(creator)] == [other.pk]
    assert selectors.library(creator).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        catalog.ban_product(
            operator=operator, product=Product.objects.get(pk=other.product_id), reason="违规"
        )
    assert _library(creator) == []


def test_a_new_price_moves_the_plan_across_the_price_filter(
    open_plan, product, creator, django_capture_on_commit_callbacks
):
    assert [p.pk for p in _library(creator, price_max_fen=5_000)] == []
    (sku,) = product.skus.all()
    with django_capture_on_commit_callbacks(execute=True):
        catalog.update_product(product=product, skus=[{"id": sku.pk, "price_fen": 4_000, "specs": sku.specs}])
    assert [p.price_fen for p in _library(creator, price_max_fen=5_000)] == [4_000]


def test_a_closing_store_leaves_the_library(open_plan, enabled, creator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        stores.close_store(store=enabled)
    assert _library(creator) == []


def test_plans_made_before_a_change_are_read_again_by_the_handlers(open_plan, product, creator):
    Product.objects.filter(pk=product.pk).update(state="delisted")  # as if the event were lost
    assert [p.pk for p in _library(creator)] == [open_plan.pk]
    services.refresh_library_products(product_ids=[product.pk])
    assert _library(creator) == []


def test_refresh_library_products_is_idempotent(open_plan, product):
    services.refresh_library_products(product_ids=[product.pk])
    first = Plan.objects.values("in_library", "price_fen", "category_id").get(pk=open_plan.pk)
    services.refresh_library_products(product_ids=[product.pk])
    assert Plan.objects.values("in_library", "price_fen", "category_id").get(pk=open_plan.pk) == first
    assert first == {"in_library": True, "price_fen": 10_000, "category_id": product.category_id}


def test_refresh_library_stores_is_idempotent(open_plan, enabled):
    services.refresh_library_stores(store_ids=[enabled.pk])
    services.refresh_library_stores(store_ids=[enabled.pk])
    assert Plan.objects.get(pk=open_plan.pk).in_library is True
