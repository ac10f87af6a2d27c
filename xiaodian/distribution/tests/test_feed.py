"""The discovery feed and the live square through the API: candidates, the cap, friends' proof,
cursor pages, explanations and their permissions, the exposure log and the query budget."""

from datetime import timedelta

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xiaodian.core import clock
from xiaodian.distribution import concentration, feed, ranking, rules, selectors, services
from xiaodian.distribution.models import DailyExposure, FeedItem, FriendProof, ServedPage, StoreReach
from xiaodian.distribution.rules import Kind
from xiaodian.orders import services as orders

from .conftest import ADDRESS, succeed


def _feed(api, **params):
    response = api.get("/feed", params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def pay(indexed):
    """pay(buyer, product, key): a one-unit order placed and paid through the services, with what
    its commits trigger (the fan-out of the purchase to the buyer's contacts)."""

    def do(buyer, product, key):
        placed = orders.place_order(
            buyer=buyer,
            items=[orders.LineRequest(sku_id=product.skus.first().pk, quantity=1)],
            address=ADDRESS,
            scene=1,
            idempotency_key=key,
        )
        indexed(succeed, placed.checkout)
        return placed.orders[0]

    return do


def test_listed_products_are_candidates_and_delisted_ones_leave(catalog, indexed):
    from xiaodian.catalog import services as catalog_services

    products = [p for ps in catalog.values() for p in ps]
    assert FeedItem.objects.filter(kind=Kind.PRODUCT, visible=True).count() == len(products)
    indexed(catalog_services.delist_product, product=products[0])
    assert not FeedItem.objects.get(kind=Kind.PRODUCT, object_id=products[0].pk).visible


def test_index_products_is_idempotent(catalog):
    product = next(iter(catalog.values()))[0]
    before = list(FeedItem.objects.order_by("pk").values())
    services.index_products(product_ids=[product.pk])
    services.index_products(product_ids=[product.pk])
    assert list(FeedItem.objects.order_by("pk").values()) == before


def test_a_page_keeps_each_store_under_the_cap_and_shows_no_follower_counts(api_for, buyer, catalog):
    page = _feed(api_for(buyer), limit=10)
    per_store = {}
    for item in page["items"]:
        per_store[item["store_id"]] = per_store.get(item["store_id"], 0) + 1
    assert max(per_store.values()) <= ranking.Policy.default().per_page(10) == 2
    assert all("follower" not in key for item in page["items"] for key in item)
    assert "follower" not in str(page)


def test_cursor_pages_never_repeat_an_item_and_end(api_for, buyer, catalog):
    api = api_for(buyer)
    seen, cursor, pages = [], None, 0
    while True:
        page = _feed(api, limit=5, **({"cursor": cursor} if cursor else {}))
        seen += [(i["type"], i["id"]) for i in page["items"]]
        assert [i["rank"] for i in page["items"]] == list(
            range(len(seen) - len(page["items"]) + 1, len(seen) + 1)
        )
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen))
    assert len(seen) == sum(len(ps) for ps in catalog.values())
    assert ServedPage.objects.count() == pages
    assert ServedPage.objects.exclude(session_id=None).count() == pages - 1


@pytest.mark.parametrize("cursor", ["nonsense", "1:2:3", "x" * 150])
def test_a_bad_cursor_is_a_422(api_for, buyer, catalog, cursor):
    response = api_for(buyer).get("/feed", {"cursor": cursor})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_the_live_square_cursor_does_not_page_the_feed(api_for, buyer, catalog):
    api = api_for(buyer)
    cursor = _feed(api, limit=3)["next_cursor"]
    assert api.get("/live-square", {"cursor": cursor}).status_code == 422


def test_what_contacts_bought_ranks_and_says_so(
    monkeypatch, api_for, buyer, make_user, befriend, catalog, pay
):
    # without the exploration picks, which are drawn at random and spread from the top down
    monkeypatch.setattr(feed, "policy", ranking.Policy.no_explore)
    friends = [make_user(f"friend{i}") for i in range(3)]
    target = list(catalog.values())[-1][-1]
    for i, friend in enumerate(friends):
        befriend(buyer, friend)
        pay(friend, target, f"f{i}")
    services.record_purchases(order_ids=[])  # nothing: no error
    assert FriendProof.objects.filter(viewer=buyer, item__object_id=target.pk).count() == 3
    page = _feed(api_for(buyer), limit=20)
    (item,) = [i for i in page["items"] if i["type"] == "product" and i["id"] == target.pk]
    assert item["friends"] == 3
    assert item["friends_text"] == "3 位朋友赞过"
    assert page["items"][0]["id"] == target.pk  # social proof puts it first


def test_record_purchases_is_idempotent(make_user, befriend, buyer, catalog, pay):
    friend = make_user("friend")
    befriend(buyer, friend)
    order = pay(friend, next(iter(catalog.values()))[0], "once")
    before = FriendProof.objects.count()
    services.record_purchases(order_ids=[order.pk])
    services.record_purchases(order_ids=[order.pk])
    assert FriendProof.objects.count() == before == 1


def test_a_page_costs_a_fixed_number_of_queries(api_for, buyer, make_user, befriend, catalog, pay):
    for i in range(5):
        friend = make_user(f"f{i}")
        befriend(buyer, friend)
        pay(friend, list(catalog.values())[i][0], f"q{i}")
    pay(buyer, next(iter(catalog.values()))[1], "mine")
    api = api_for(buyer)
    with CaptureQueriesContext(connection) as first:
        page = _feed(api, limit=10)
    with CaptureQueriesContext(connection) as second:
        _feed(api, limit=10, cursor=page["next_cursor"])
    # the token 1–2 + friends' proof 1 + history 1 + the pools 1 + the stores 1 + the exposure log's
    # INSERT 1 (+ BEGIN, COMMIT; + SET LOCAL on PostgreSQL); the next page + 1 (the chain's pages)
    assert len(first) <= 10, [q["sql"] for q in first.captured_queries]
    assert len(second) <= len(first) + 1


# ------------------------------------------------------------------------------ explain


def test_explain_answers_the_store_and_operators_and_refuses_others(api_for, catalog, operator, buyer):
    (own, own_products), (_other, other_products) = list(catalog.items())[:2]
    merchant = own.staff.get().user
    body = api_for(merchant).get(f"/feed/items/product/{own_products[0].pk}/explain")
    assert body.status_code == 200, body.content
    factors = {f["name"]: f["value"] for f in body.json()["factors"]}
    assert set(factors) == set(ranking.FACTORS)
    assert body.json()["score"] == pytest.approx(
        factors["interest"]
        * factors["traffic_weight"]
        * factors["social_proof"]
        * factors["freshness"]
        * factors["reach"]
        * factors["incentive"]
    )
    assert api_for(merchant).get(f"/feed/items/product/{other_products[0].pk}/explain").status_code == 403
    assert api_for(buyer).get(f"/feed/items/product/{other_products[0].pk}/explain").status_code == 403
    assert api_for(operator).get(f"/feed/items/product/{other_products[0].pk}/explain").status_code == 200
    assert api_for(operator).get("/feed/items/product/999999/explain").status_code == 404
    assert api_for(operator).get("/feed/items/sofa/1/explain").status_code == 422
    assert api_for(None).get(f"/feed/items/product/{own_products[0].pk}/explain").status_code == 401


# ------------------------------------------------------------------------------ scene 8


def _checkout(api, product, scene, source_type="", source_id=None, key="k"):
    body = {"items": [{"sku_id": product.skus.first().pk, "quantity": 1}], "address": ADDRESS, "scene": scene}
    if source_type:
        body |= {"source_type": source_type, "source_id": source_id}
    placed = api.post("/orders", body, **{"Idempotency-Key": key})
    assert placed.status_code == 201, placed.content
    (order,) = placed.json()["orders"]
    return order["scene"], order["source_type"], order["source_id"]


def test_buying_from_a_feed_item_records_scene_8_and_a_forged_one_records_1(
    api_for, buyer, make_user, catalog
):
    api = api_for(buyer)
    page = _feed(api, limit=10)
    item = next(i for i in page["items"] if i["type"] == "product")
    assert f"scene=8&source_type=feed&source_id={page['impression_id']}" in item["url"]
    product = next(p for ps in catalog.values() for p in ps if p.pk == item["id"])
    assert _checkout(api, product, 8, "feed", page["impression_id"], "a") == (
        8,
        "feed",
        page["impression_id"],
    )
    # another buyer's impression, a product the page did not show, no such page, no source: scene 1
    stranger = make_user("stranger")
    assert _checkout(api_for(stranger), product, 8, "feed", page["impression_id"], "b") == (1, "", None)
    shown = {i["id"] for i in page["items"] if i["type"] == "product"}
    unseen = next(p for ps in catalog.values() for p in ps if p.pk not in shown)
    assert _checkout(api, unseen, 8, "feed", page["impression_id"], "c") == (1, "", None)
    body = {"items": [{"sku_id": product.skus.first().pk, "quantity": 1}], "address": ADDRESS, "scene": 8}
    missing = api.post(
        "/orders",
        body | {"source_type": "feed", "source_id": page["impression_id"] + 99},
        **{"Idempotency-Key": "d"},
    )
    assert missing.status_code == 422
    assert _checkout(api, product, 8, key="e") == (1, "", None)


def test_an_old_impression_no_longer_leads_to_scene_8(api_for, buyer, catalog):
    api = api_for(buyer)
    page = _feed(api, limit=10)
    ServedPage.objects.filter(pk=page["impression_id"]).update(served_at=clock.now() - timedelta(days=8))
    item = next(i for i in page["items"] if i["type"] == "product")
    product = next(p for ps in catalog.values() for p in ps if p.pk == item["id"])
    assert _checkout(api, product, 8, "feed", page["impression_id"], "old") == (1, "", None)


# ------------------------------------------------------------------------------ the store aggregates


@pytest.mark.parametrize(
    ("paid", "private", "boosted"),
    [(50, 10, True), (45, 9, False), (60, 10, False), (10, 10, True), (0, 0, False)],
)
def test_the_incentive_needs_a_fifth_of_paid_orders_and_ten_of_them(paid, private, boosted):
    assert services.incentive_applies(paid, private) is boosted


def test_store_reach_counts_paid_orders_and_marks_small_stores(buyer, catalog, pay):
    store, products = next(iter(catalog.items()))
    pay(buyer, products[0], "r1")
    services.refresh_store_reach()
    reach = StoreReach.objects.get(store=store)
    assert (reach.paid_orders, reach.private_orders, reach.boosted, reach.small_or_new) == (1, 0, False, True)
    assert FeedItem.objects.filter(store=store, explore=True).count() == len(products)


# ------------------------------------------------------------------------------ exposure


def test_gini_and_top_share():
    assert concentration.gini([5, 5, 5, 5]) == pytest.approx(0.0)
    assert concentration.gini([0, 0, 0, 10]) == pytest.approx(0.75)
    assert concentration.top_share([1] * 99 + [101]) == pytest.approx(0.505)


def test_a_days_exposure_is_summarised_for_operators(api_for, buyer, operator, catalog):
    api = api_for(buyer)
    _feed(api, limit=10)
    _feed(api, limit=10)
    today = clock.today()
    (feed_day, _live) = services.summarize_exposure(day=today)
    assert feed_day.impressions == 20
    assert 0 <= feed_day.gini < 1 and feed_day.small_share == 1.0 and feed_day.boost_share == 0.0
    services.summarize_exposure(day=today)  # again: replaced, not doubled
    assert DailyExposure.objects.filter(day=today).count() == 2
    answer = api_for(operator).get("/ops/exposure", {"start": today.isoformat(), "end": today.isoformat()})
    assert answer.status_code == 200, answer.content
    assert answer.json()["items"][0]["impressions"] == 20
    assert api_for(buyer).get("/ops/exposure").status_code == 403
    bad = api_for(operator).get("/ops/exposure", {"start": today.isoformat(), "end": "2020-01-01"})
    assert bad.status_code == 422


def test_the_live_square_ranks_live_rooms_only(api_for, buyer, catalog):
    page = api_for(buyer).get("/live-square").json()
    assert page["items"] == [] and page["next_cursor"] is None


def test_signed_out_visitors_get_a_feed(api_for, catalog):
    page = _feed(api_for(None), limit=5)
    assert len(page["items"]) == 5
    assert ServedPage.objects.get().viewer_id is None


# ------------------------------------------------------------------------------ content and likes


def test_a_followed_accounts_article_and_a_friends_like_reach_the_feed(
    api_for, buyer, make_user, befriend, merchant, store
):
    from xiaodian.content import services as content
    from xiaodian.stores import services as stores

    account = content.create_official_account(owner=merchant, name="拾光读物")
    stores.invite_link(store=store, user=merchant, kind="official_account", account_id=account.pk)
    article = content.create_article(owner=merchant, account_id=account.pk, title="春日穿搭", body="正文")
    services.sync_content()
    assert not FeedItem.objects.filter(kind=Kind.ARTICLE, visible=True).exists()  # a draft is no candidate
    content.publish_article(owner=merchant, article_id=article.pk)
    content.follow_official_account(user=buyer, account=account)
    friend = make_user("reader")
    befriend(buyer, friend)
    content.like_article(user=friend, article=article)
    services.sync_content()
    assert services.collect_likes() == 1  # one proof: the buyer has the friend in their contacts
    assert services.collect_likes() == 0  # the watermark moved on
    page = _feed(api_for(buyer))
    (item,) = [i for i in page["items"] if i["type"] == "article"]
    assert (item["id"], item["store_id"], item["friends"]) == (article.pk, store.pk, 1)
    assert item["url"] == f"/articles/{article.pk}/"


def test_the_items_most_contacts_vouch_for_are_candidates_before_newer_single_ones(
    monkeypatch, buyer, make_user, befriend, catalog, pay
):
    """Two friends bought the oldest item; later, two other friends bought one item each. With room
    for two vouched-for items, the one two friends bought stays a candidate."""
    monkeypatch.setattr(rules, "POOL_FRIENDS", 2)
    products = [p for _store, items in catalog.items() for p in items]
    popular, first, second = products[0], products[1], products[2]
    friends = [make_user(f"v{i}") for i in range(4)]
    for friend in friends:
        befriend(buyer, friend)
    with clock.travel_to(clock.now() - timedelta(hours=2)):
        pay(friends[0], popular, "p0")
        pay(friends[1], popular, "p1")
    pay(friends[2], first, "n0")
    pay(friends[3], second, "n1")
    pool = selectors.feed_pool(buyer)
    vouched = {pool.items[i][2]: n for i, n in pool.friends.items() if i in pool.items}
    assert vouched[popular.pk] == 2
    assert len(pool.friends) == 2


# ------------------------------------------------------------------------------ the balance of factors


@pytest.fixture
def big_accounts(indexed, make_store, make_subject, make_user, buyer):
    """followed(n): n stores, each with a bound video account of 100,000 followers and four fresh
    videos; the buyer follows every account. (The follower count is the account's counter: a
    hundred thousand follow calls stand for themselves; the buyer's own follow goes through the
    service.)"""
    from xiaodian.content import services as content
    from xiaodian.content.models import VideoAccount
    from xiaodian.search.tests.conftest import photo
    from xiaodian.stores import services as stores

    def make(n: int = 6):
        for s in range(n):
            owner = make_user(f"creator{s}")
            store = indexed(make_store, owner, make_subject(owner), name=f"大号{s}号店")
            account = content.create_video_account(owner=owner, name=f"大号视频{s}")
            stores.invite_link(store=store, user=owner, kind="video_account", account_id=account.pk)
            VideoAccount.objects.filter(pk=account.pk).update(follower_count=100_000)
            for v in range(4):
                video = content.create_video(
                    owner=owner,
                    account_id=account.pk,
                    title=f"大号{s}的视频{v}",
                    url=f"https://cdn.example.com/{s}-{v}.mp4",
                    cover=photo(),
                )
                content.publish_video(owner=owner, video_id=video.pk)
            content.follow_video_account(user=buyer, account=VideoAccount.objects.get(pk=account.pk))
        services.sync_content()
        services.refresh_store_reach()

    return make


def test_what_several_contacts_bought_reaches_the_first_page_among_big_followed_accounts(
    api_for, buyer, make_user, befriend, catalog, pay, big_accounts
):
    """Three weeks after they were listed, three contacts buy two products; the buyer follows six
    accounts of 100,000 followers with 24 fresh videos. Both products are on the first page, and say
    so. (With reach 1 + ln(1 + followers), ×12.5 against the products' ×1 and their three-week-old
    freshness, neither was in the first 20.)"""
    products = [p for ps in catalog.values() for p in ps]
    vouched = [products[4], products[9]]  # two stores
    with clock.travel_to(clock.now() + timedelta(days=21)):
        big_accounts(6)
        for i in range(3):
            friend = make_user(f"voucher{i}")
            befriend(buyer, friend)
            for product in vouched:
                pay(friend, product, f"v{i}-{product.pk}")
        page = _feed(api_for(buyer), limit=20)
        shown = {(i["type"], i["id"]): i for i in page["items"]}
        for product in vouched:
            item = shown[("product", product.pk)]
            assert (item["friends"], item["friends_text"]) == (3, "3 位朋友赞过")
        videos = [i for i in page["items"] if i["type"] == "video"]
        assert len(videos) >= 10  # among the followed big accounts, not instead of them
        served = ServedPage.objects.get(pk=page["impression_id"])
        assert served.viewer_id == buyer.pk


def test_relevant_products_reach_the_first_page_among_big_followed_accounts(
    api_for, buyer, operator, catalog, pay, listed, big_accounts
):
    """The buyer bought from a store; it lists two new products in that category while six followed
    accounts of 100,000 followers post 24 videos. The products rank with a median creator's reach
    (nobody follows a store) and the buyer's interest puts them on the first page."""
    store, items = next(iter(catalog.items()))
    pay(buyer, items[0], "mine")
    with clock.travel_to(clock.now() + timedelta(days=21)):
        big_accounts(6)
        fresh = [listed(store, f"新品{p}") for p in range(2)]
        services.refresh_store_reach()
        page = _feed(api_for(buyer), limit=20)
        shown = {(i["type"], i["id"]) for i in page["items"]}
        assert {("product", p.pk) for p in fresh} <= shown
        assert sum(1 for i in page["items"] if i["type"] == "video") >= 10
        explained = feed.explain(user=operator, slug="product", object_id=fresh[0].pk)
        reach = {f["name"]: f["value"] for f in explained["factors"]}["reach"]
        assert reach == pytest.approx(ranking.reach(np.array([rules.PRODUCT_FOLLOWERS]), feed.policy())[0])
