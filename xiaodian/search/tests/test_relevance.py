"""Relevance (issue 6, "Must hold"), on whichever database the suite runs on."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from xiaodian.catalog import services as catalog
from xiaodian.core import clock
from xiaodian.search import selectors
from xiaodian.search import services as search_services
from xiaodian.search.models import ProductDocument, StoreDocument
from xiaodian.stores import services as stores


def titles(q: str, **kwargs) -> list[str]:
    return [r.title for r in selectors.search(q, **kwargs).items]


def test_an_exact_store_name_ranks_first(open_store):
    for name in ("山野茶叶小铺", "山野茶", "山野好茶", "茶山野"):
        open_store(name, category="茶叶")
    assert titles("山野茶")[0] == "山野茶"
    first = selectors.search("山野茶").items[0]
    assert first.factors["exact_name"] is True
    assert titles("山野茶叶小铺")[0] == "山野茶叶小铺"


def test_a_category_query_returns_that_categorys_stores(open_store):
    tea = {open_store(f"云雾小铺{n}", category="茶叶").name for n in range(3)}
    open_store("拾光服饰", category="女装")
    assert set(titles("茶叶")) == tea


def test_one_and_two_character_queries_find_parts_of_names(open_store):
    open_store("拾光服饰")
    open_store("小满的果园", category="水果")
    assert titles("光") == ["拾光服饰"]
    assert titles("果园") == ["小满的果园"]
    assert titles("服饰") == ["拾光服饰"]


def test_pinyin_and_initials_find_the_store(open_store):
    open_store("山野观方茶庄", category="茶叶")
    open_store("拾光服饰")
    assert titles("shanye") == ["山野观方茶庄"]
    assert titles("guanfang") == ["山野观方茶庄"]
    assert titles("sygf") == ["山野观方茶庄"]
    assert titles("SHIGUANG") == ["拾光服饰"]


def test_full_width_traditional_and_case_variants_match(open_store):
    open_store("山野云雾茶庄", category="茶叶")
    assert titles("雲霧") == ["山野云雾茶庄"]  # traditional
    assert titles("ＳＨＡＮＹＥ") == ["山野云雾茶庄"]  # full-width, upper case


def test_a_rename_is_searchable_right_after_commit_and_the_old_name_no_longer_finds_it(open_store, rename):
    store = open_store("旧名字小店")
    assert titles("旧名字") == ["旧名字小店"]
    rename(store, "新招牌小店")
    assert titles("新招牌") == ["新招牌小店"]
    assert titles("旧名字") == []


def test_a_closed_store_is_not_found(open_store, indexed):
    store = open_store("要关的店", category="图书")
    indexed(stores.close_store, store=store)
    assert titles("要关的店") == []


def test_products_by_title_category_and_store_name(open_store, listed):
    shop = open_store("拾光服饰")
    shirt = listed(shop, "亚麻宽松衬衫", price_fen=15_900)
    listed(shop, "高腰直筒牛仔裤", price_fen=19_900)
    other = open_store("好物书房", category="图书")
    listed(other, "设计中的设计", category="图书")
    assert titles("衬衫", tab="products") == [shirt.title]
    assert set(titles("女装", tab="products")) == {"亚麻宽松衬衫", "高腰直筒牛仔裤"}  # its category
    assert set(titles("拾光", tab="products")) == {"亚麻宽松衬衫", "高腰直筒牛仔裤"}  # its store
    found = selectors.search("衬衫", tab="products").items[0]
    assert (found.kind, found.id, found.price_min_fen, found.store_id) == (
        "product",
        shirt.pk,
        15_900,
        shop.pk,
    )


def test_product_filters_and_pagination(open_store, listed, categories):
    shop = open_store("拾光服饰")
    for n in range(5):
        listed(shop, f"纯棉T恤{n}", price_fen=1_000 * (n + 1))
    cheap = titles("T恤", tab="products", max_price_fen=2_000)
    assert sorted(cheap) == ["纯棉T恤0", "纯棉T恤1"]
    assert sorted(titles("T恤", tab="products", min_price_fen=4_000)) == ["纯棉T恤3", "纯棉T恤4"]
    assert titles("T恤", tab="products", category=categories["男装"].pk) == []
    assert len(titles("T恤", tab="products", category=categories["服饰鞋包"].pk)) == 5  # a parent category
    first = selectors.search("T恤", tab="products", limit=2)
    second = selectors.search("T恤", tab="products", limit=2, offset=2)
    assert first.has_more and len(first.items) == 2
    assert not {r.id for r in first.items} & {r.id for r in second.items}


def test_a_delisted_product_leaves_the_index(open_store, listed, indexed):
    product = listed(open_store("拾光服饰"), "亚麻衬衫")
    indexed(catalog.delist_product, product=product)
    assert titles("亚麻", tab="products") == []


def test_ranking_factors_are_returned(open_store):
    open_store("拾光服饰")
    (result,) = selectors.search("拾光").items
    assert set(result.factors) >= {"relevance", "traffic_weight", "exact_name", "words_matched"}
    assert result.factors["traffic_weight"] == 1.0
    # issue 15: score = relevance × traffic weight × freshness (a store opened today: 1.2)
    assert result.factors["freshness"] == pytest.approx(1.2)
    assert result.score == pytest.approx(result.factors["relevance"] * 1.0 * 1.2, rel=1e-5)


# --------------------------------------------------------------------------------------- API


def test_api_search_both_tabs(client, open_store, listed):
    shop = open_store("拾光服饰")
    shirt = listed(shop, "亚麻宽松衬衫", price_fen=15_900)
    stores = client.get("/api/v1/search", {"q": "拾光"}).json()
    assert [(i["kind"], i["id"], i["url"]) for i in stores["items"]] == [
        ("store", shop.pk, f"/shop/{shop.pk}/")
    ]
    assert stores["items"][0]["factors"]["exact_name"] is False
    products = client.get("/api/v1/search", {"q": "衬衫", "tab": "products", "max_price_fen": 20_000}).json()
    (item,) = products["items"]
    assert (item["id"], item["price_min_fen"]) == (shirt.pk, 15_900)
    assert item["url"] == f"/products/{shirt.pk}/?scene=7&source_type=search"


def test_api_bad_input_is_a_clear_4xx(client, db):
    for params in (
        {"q": "x" * 51},
        {"q": "茶", "tab": "videos"},
        {"q": "茶", "limit": 0},
        {"q": "茶", "category": 999_999},
    ):
        response = client.get("/api/v1/search", params)
        assert response.status_code in (404, 422), params
        assert response.json()["code"] in ("validation_error", "not_found")
    assert client.get("/api/v1/search", {"q": "   "}).json()["items"] == []


def test_reindex_rebuilds_what_the_commits_built(open_store, listed, capsys):
    shop = open_store("拾光服饰")
    listed(shop, "亚麻宽松衬衫")
    before = (
        sorted(StoreDocument.objects.values_list("object_id", "name_terms")),
        sorted(ProductDocument.objects.values_list("object_id", "context_terms")),
    )
    StoreDocument.objects.all().delete()
    assert titles("拾光") == []
    call_command("reindex")
    assert "indexed 1 stores and 1 products" in capsys.readouterr().out
    after = (
        sorted(StoreDocument.objects.values_list("object_id", "name_terms")),
        sorted(ProductDocument.objects.values_list("object_id", "context_terms")),
    )
    assert after == before
    assert titles("拾光") == ["拾光服饰"]


# ------------------------------------------------------------- the way people type (issue 15)


@pytest.fixture
def demo_like(open_store, brand_store, listed):
    """The demo's stores and a few of their products."""
    hill = brand_store("山野官方旗舰店", "山野", category="茶叶")
    listed(hill, "山野高山云雾绿茶 明前头采", category="茶叶")
    listed(hill, "山野古树红茶", category="茶叶")
    listed(hill, "山野凤凰单丛 乌龙茶", category="茶叶")
    light = open_store("拾光服饰")
    listed(light, "亚麻宽松衬衫")
    listed(light, "高腰直筒牛仔裤")
    orchard = open_store("小满的果园", category="水果")
    listed(orchard, "现摘赣南脐橙 5斤", category="水果")
    other = open_store("云雾红茶小铺", category="茶叶")
    listed(other, "正山小种红茶", category="茶叶")
    return hill, light, orchard, other


def test_words_in_another_order_or_without_particles_find_the_store(demo_like):
    assert titles("山野旗舰店")[0] == "山野官方旗舰店"
    assert titles("小满果园")[0] == "小满的果园"
    assert titles("旗舰店山野")[0] == "山野官方旗舰店"
    assert titles("拾光女装")[0] == "拾光服饰"  # the name's word and its category


def test_a_stores_name_and_a_product_word_find_its_products_first(demo_like):
    found = titles("山野红茶", tab="products")
    assert found[0] == "山野古树红茶"
    assert titles("高山绿茶", tab="products")[0] == "山野高山云雾绿茶 明前头采"
    assert titles("绿茶明前", tab="products") == ["山野高山云雾绿茶 明前头采"]
    assert titles("衬衫女", tab="products")[0] == "亚麻宽松衬衫"
    assert titles("拾光衬衫", tab="products") == ["亚麻宽松衬衫"]


def test_more_of_the_words_ranks_higher_and_all_of_them_highest(demo_like):
    results = selectors.search("山野旗见店").items  # one character wrong
    assert results[0].title == "山野官方旗舰店"
    assert results[0].factors["words_matched"] < 1.0
    full = selectors.search("山野官方旗舰店").items
    assert full[0].factors["words_matched"] == 1.0 and full[0].factors["exact_name"]


def test_a_query_the_catalog_does_not_answer_finds_nothing(demo_like):
    for q in ("挖掘机", "婚纱摄影", "拖拉机配件", "量子计算", "vqzx"):
        assert titles(q) == [] and titles(q, tab="products") == [], q


# ------------------------------------------------------------------------ ranking (issue 15)


def test_the_api_answers_items_and_count_with_every_factor(client, open_store, listed):
    shop = open_store("拾光服饰")
    for n in range(3):
        listed(shop, f"亚麻宽松衬衫{n}")
    body = client.get("/api/v1/search", {"q": "衬衫", "tab": "products", "limit": 2}).json()
    assert body["count"] == 3 and len(body["items"]) == 2 and body["has_more"]
    item = body["items"][0]
    assert set(item["factors"]) >= {"relevance", "traffic_weight", "freshness", "sales", "words_matched"}
    assert item["store_name"] == "拾光服饰" and item["sales"] == 0
    stores = client.get("/api/v1/search", {"q": "拾光"}).json()
    assert stores["count"] == 1
    assert stores["items"][0]["product_count"] == 3
    assert stores["items"][0]["category_name"] == "女装"
    assert stores["items"][0]["factors"]["listed_products"] == 3


def test_a_fresher_product_ranks_higher_all_else_equal(open_store, listed):
    shop = open_store("拾光服饰")
    with clock.travel_to(clock.now() - timedelta(days=90)):
        listed(shop, "亚麻宽松衬衫 旧款")
    listed(shop, "亚麻宽松衬衫 新款")
    results = selectors.search("亚麻衬衫", tab="products").items
    assert [r.title for r in results] == ["亚麻宽松衬衫 新款", "亚麻宽松衬衫 旧款"]
    assert results[0].factors["freshness"] > results[1].factors["freshness"] > 1.0


def test_a_store_without_listed_products_ranks_below_those_with_some_but_for_its_exact_name(
    open_store, listed
):
    empty = open_store("云雾茶庄东店", category="茶叶")  # opened later: fresher, but empty
    with clock.travel_to(clock.now() - timedelta(days=300)):
        stocked = open_store("云雾茶庄西店", category="茶叶")
        listed(stocked, "云雾绿茶", category="茶叶")
    assert titles("云雾茶庄") == ["云雾茶庄西店", "云雾茶庄东店"]
    assert titles("云雾茶庄东店")[0] == "云雾茶庄东店"
    assert empty.pk


def test_sales_break_a_tie(open_store, listed, indexed, make_user):
    shop = open_store("拾光服饰")
    at = clock.now()
    with clock.travel_to(at):
        first = listed(shop, "亚麻宽松衬衫")
        second = listed(shop, "亚麻宽松衬衫")
    best_seller = min(first, second, key=lambda p: p.pk)  # the lower id: last on a tie without sales
    sell(indexed, make_user(), best_seller, 2)
    assert search_services.check_index()["sales_changed"] == 1  # the nightly check counts sales
    with clock.travel_to(at):
        results = selectors.search("衬衫", tab="products").items
    assert [r.id for r in results] == [best_seller.pk, max(first.pk, second.pk)]
    assert results[0].factors["sales"] == 2 and results[0].sales == 2
    assert results[0].score == pytest.approx(results[1].score)


def sell(indexed, buyer, product, quantity: int) -> None:
    """A buyer orders and pays through the sandbox (the orders' and payments' services)."""
    from xiaodian.orders import services as orders
    from xiaodian.wechatpay_sandbox.testing import pay_in_sandbox

    sku = product.skus.get()
    address = {"recipient": "王小明", "phone": "13800138000", "region": "上海市", "detail": "世纪大道 100 号"}
    checkout = orders.place_order(
        buyer=buyer,
        items=[orders.LineRequest(sku.pk, quantity)],
        address=address,
        idempotency_key=f"sell-{product.pk}",
    ).checkout
    payment = orders.pay_checkout(buyer=buyer, order_id=checkout.orders.get().pk)
    indexed(pay_in_sandbox, payment)


def test_a_misspelt_character_still_finds_the_store(demo_like):
    assert titles("小满的果圆")[:3].count("小满的果园") == 1
    found = selectors.search("拾光服仕").items
    assert found[0].title == "拾光服饰" and found[0].factors["words_matched"] < 1.0
