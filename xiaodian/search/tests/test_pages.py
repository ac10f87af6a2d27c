"""The search page: two tabs, filters, paging, empty states; bad parameters never break it."""

from django.urls import reverse


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
    assert first.count('class="card result"') == 20 and 'id="next-page"' in first
    second = page(client, q="T恤", tab="products", offset=20)
    assert second.count('class="card result"') == 5 and 'id="previous-page"' in second


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
