"""The search page: two tabs, filters, paging, empty states; bad parameters never break it."""

from django.urls import reverse

from xiaodian.search import selectors


def page(client, **params) -> str:
    response = client.get(reverse("search:search"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_stores_tab_finds_a_store_and_links_to_its_homepage(client, open_store):
    shop = open_store("拾光服饰")
    html = page(client, q="拾光服饰")
    assert f'id="result-store-{shop.pk}"' in html
    assert f'href="/shop/{shop.pk}/"' in html
    assert "店铺全称" in html  # the exact-name badge


def test_the_products_tab_links_with_scene_7_and_filters_by_price(client, open_store, listed):
    shop = open_store("拾光服饰")
    cheap = listed(shop, "纯棉衬衫", price_fen=5_900)
    dear = listed(shop, "真丝衬衫", price_fen=59_900)
    html = page(client, q="衬衫", tab="products")
    assert f"/products/{cheap.pk}/?scene=7&amp;source_type=search" in html
    assert f'id="result-product-{dear.pk}"' in html
    filtered = page(client, q="衬衫", tab="products", max_price="100")
    assert f'id="result-product-{cheap.pk}"' in filtered and f'id="result-product-{dear.pk}"' not in filtered


def test_empty_states(client, db):
    assert 'id="search-hint"' in page(client)
    assert 'id="no-results"' in page(client, q="没有这种东西")


def test_paging(client, open_store, listed):
    shop = open_store("拾光服饰")
    for n in range(25):
        listed(shop, f"纯棉T恤{n}")
    first = page(client, q="T恤", tab="products")
    assert first.count('class="product-tile result"') == 20 and 'id="next-page"' in first
    assert "找到 25 个结果" in first
    second = page(client, q="T恤", tab="products", offset=20)
    assert second.count('class="product-tile result"') == 5 and 'id="previous-page"' in second


def test_malformed_parameters_are_ignored_not_refused(client, db):
    for params in (
        {"q": "茶", "tab": "videos"},
        {"q": "茶", "offset": "-3"},
        {"q": "茶", "offset": "²"},
        {"q": "茶", "category": "999999999999999999999"},
        {"q": "茶", "tab": "products", "min_price": "abc"},
        {"q": "x" * 80},
    ):
        page(client, **params)


# ----------------------------------------------------------------------- what a result shows


def test_a_product_result_shows_its_photo_price_sales_and_store(client, open_store, listed, indexed):
    from xiaodian.catalog import services as catalog
    from xiaodian.catalog.tests.conftest import upload

    shop = open_store("拾光服饰")
    shirt = listed(shop, "亚麻宽松衬衫", price_fen=15_900)
    catalog.add_product_image(product=shirt, upload=upload())
    html = page(client, q="衬衫", tab="products")
    card = html[html.index(f'id="result-product-{shirt.pk}"') :]
    card = card[: card.index("</li>")]
    assert "<img src=" in card and "¥159.00" in card and "已售 0" in card and "拾光服饰" in card
    assert f'href="/shop/{shop.pk}/"' in card


def test_a_store_result_shows_its_logo_category_score_and_products(client, open_store, listed):
    shop = open_store("拾光服饰")
    listed(shop, "亚麻宽松衬衫")
    listed(shop, "高腰直筒牛仔裤")
    html = page(client, q="拾光")
    card = html[html.index(f'id="result-store-{shop.pk}"') :]
    card = card[: card.index("</li>")]
    assert 'class="store-logo"' in card and "女装" in card and "2 件在售" in card and "暂无评分" in card


def test_the_query_stays_in_the_box_and_the_tabs_say_which_is_open(client, open_store):
    open_store("拾光服饰")
    html = page(client, q="拾光", tab="products")
    assert 'name="q" value="拾光"' in html
    assert 'data-tab="products" class="current" aria-current="page"' in html


def test_the_empty_state_suggests_the_other_tab_the_words_and_categories(client, open_store):
    open_store("拾光服饰")
    html = page(client, q="火星拾光", tab="products")
    assert 'id="no-results"' in html
    assert 'id="try-other-tab"' in html and "tab=stores" in html
    assert 'class="try-word">拾光<' in html
    assert 'class="try-category">女装<' in html


def test_the_page_in_english(client, open_store, listed):
    shop = open_store("拾光服饰")
    listed(shop, "亚麻宽松衬衫")
    client.cookies["django_language"] = "en"
    html = page(client, q="衬衫", tab="products")
    assert "1 result" in html and "0 sold" in html and ">Store</a>" in html and ">Product</a>" in html
    empty = page(client, q="火星探测")
    assert "Try:" in empty


def test_the_search_page_costs_a_fixed_number_of_queries(
    client, open_store, listed, django_assert_max_num_queries
):
    for n in range(3):
        shop = open_store(f"拾光服饰{n}号店")
        for m in range(8):
            listed(shop, f"亚麻宽松衬衫{m}")
    for tab in ("stores", "products"):
        selectors._vocabulary_state["at"] = float("-inf")  # the worst case: the vocabulary is read too
        with django_assert_max_num_queries(12):
            page(client, q="拾光", tab=tab)
