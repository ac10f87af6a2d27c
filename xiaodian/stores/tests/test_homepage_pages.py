"""The store page and the homepage editor, through Django's test client."""

import re

import pytest
from django.urls import reverse

from xiaodian.accounts.rules import Role
from xiaodian.stores import selectors, services
from xiaodian.stores.models import StoreStaff

from .homepage_world import banner_path, every_kind, listed_product, make_content, png

PASSWORD = "test-pass-123"


@pytest.fixture
def products(store):
    return [listed_product(store, f"商品{i}", 1000 + i) for i in range(3)]


@pytest.fixture
def bound(store, merchant):
    return make_content(store, merchant)


@pytest.fixture
def merchant_client(client, merchant):
    client.login(username=merchant.username, password=PASSWORD)
    return client


def editor(store) -> str:
    return reverse("stores:homepage_editor", args=[store.pk])


def shop(store) -> str:
    return reverse("stores:shop", args=[store.pk])


def hrefs(html: str, css_class: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(rf'class="{css_class}" href="([^"]+)"', html)]


# ---------------------------------------------------------------------------------- the store page


def test_the_store_page_costs_at_most_thirteen_queries_however_many_modules(
    client, make_user, store, products, bound, django_assert_max_num_queries
):
    """≥ 12 modules of every kind: each kind of thing they name is read with one query (10, one
    for the store's score shown to buyers, issue 16, one for its in-store categories, 17, and one
    for its coupons to claim, 20)."""
    image = banner_path(store)
    services.compose_homepage(store=store, modules=every_kind(store, bound, products, image=image) * 2)
    with django_assert_max_num_queries(13) as twelve:
        html = client.get(shop(store)).content.decode()
    assert html.count('class="shop-module') == 12

    services.compose_homepage(store=store, modules=every_kind(store, bound, products, image=image) * 3)
    with django_assert_max_num_queries(len(twelve.captured_queries)):
        html = client.get(shop(store)).content.decode()
    assert html.count('class="shop-module') == 18

    buyer = make_user("buyer")
    client.login(username=buyer.username, password=PASSWORD)
    with django_assert_max_num_queries(13):
        assert client.get(shop(store)).status_code == 200


def test_every_link_on_the_store_page_says_where_the_visit_came_from(client, store, products, bound):
    services.compose_homepage(
        store=store, modules=every_kind(store, bound, products, image=banner_path(store))
    )
    html = client.get(shop(store)).content.decode()
    source = f"scene=5&source_type=homepage&source_id={store.pk}"
    assert hrefs(html, "banner") == [f"/products/{products[0].pk}/?{source}"]
    grid_links = hrefs(html, "grid-product")
    assert len(grid_links) == 6  # three chosen, three newest (the auto grid's limit is 4)
    assert all(re.fullmatch(rf"/products/\d+/\?{re.escape(source)}", h) for h in grid_links)
    assert f'href="/articles/{bound.article.pk}/"' in html and bound.article.title in html
    assert f'href="/videos/{bound.video.pk}/"' in html
    program = bound.program.pk
    assert hrefs(html, "mini-program-card") == [
        f"/mini-programs/{program}/?scene=12&source_type=mini_program&source_id={program}"
    ]
    assert "¥10.00" in html  # prices as yuan


def test_an_unpublished_store_page_shows_its_newest_products(client, store, products):
    html = client.get(shop(store)).content.decode()
    assert "全部商品" in html
    assert [int(i) for i in re.findall(r'data-product-id="(\d+)"', html)] == [p.pk for p in products[::-1]]


def test_a_store_page_with_nothing_to_show_says_so(client, store):
    assert 'id="shop-empty"' in client.get(shop(store)).content.decode()


def test_only_an_open_store_has_a_page(client, store):
    for state in ("opening", "closing", "closed"):
        type(store).objects.filter(pk=store.pk).update(state=state)
        assert client.get(shop(store)).status_code == 404
    assert client.get("/shop/999999999/").status_code == 404


# --------------------------------------------------------------------------------------- the editor


def test_the_editor_needs_product_management(client, store, make_user, merchant_client):
    assert client.get(editor(store)).status_code == 200  # the merchant, logged in by merchant_client
    client.logout()
    assert client.get(editor(store)).status_code == 302  # to the login page
    stranger = make_user()
    client.login(username=stranger.username, password=PASSWORD)
    assert client.get(editor(store)).status_code == 404
    assert client.get(reverse("stores:homepage_preview", args=[store.pk])).status_code == 404
    agent = make_user()
    StoreStaff.objects.create(store=store, user=agent, role=Role.AGENT)
    client.login(username=agent.username, password=PASSWORD)
    assert client.get(editor(store)).status_code == 403
    assert client.post(editor(store), {"action": "publish"}).status_code == 403
    assert client.get(reverse("stores:homepage_preview", args=[store.pk])).status_code == 200


def test_compose_in_the_editor_preview_and_publish(merchant_client, store, products, bound):
    c = merchant_client
    r = c.post(
        editor(store),
        {
            "action": "add",
            "type": "banner",
            "banner-image": png(),
            "banner-title": "春季上新",
            "banner-product_id": str(products[1].pk),
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    r = c.post(
        editor(store),
        {
            "action": "add",
            "type": "product_grid",
            "product_grid-title": "主推",
            "product_grid-mode": "chosen",
            "product_grid-product_ids": [str(products[2].pk), str(products[0].pk)],
            "product_grid-limit": "6",
        },
    )
    assert r.status_code == 302
    for kind, data in (
        ("articles", {"articles-article_ids": [str(bound.article.pk)]}),
        ("videos", {"videos-video_ids": [str(bound.video.pk)]}),
        ("mini_program", {"mini_program-mini_program_id": str(bound.program.pk)}),
    ):
        assert c.post(editor(store), {"action": "add", "type": kind, **data}).status_code == 302
    draft = selectors.homepage_of(store).draft
    assert [m["type"] for m in draft] == ["banner", "product_grid", "articles", "videos", "mini_program"]
    assert draft[1]["product_ids"] == sorted([products[2].pk, products[0].pk], reverse=True)  # list order
    assert (
        draft[0]["image"].startswith(f"store-banners/{store.pk}/")
        and draft[0]["product_id"] == products[1].pk
    )

    page = c.get(editor(store)).content.decode()
    assert page.count('class="card module"') == 5 and 'id="unpublished-changes"' in page

    c.post(editor(store), {"action": "down", "index": "0"})  # banner after the grid
    c.post(editor(store), {"action": "up", "index": "4"})  # mini program before the videos
    c.post(editor(store), {"action": "remove", "index": "2"})  # the articles
    assert [m["type"] for m in selectors.homepage_of(store).draft] == [
        "product_grid",
        "banner",
        "mini_program",
        "videos",
    ]
    # configure the banner: a new title, same image (none uploaded), no link
    image = selectors.homepage_of(store).draft[1]["image"]
    r = c.post(
        editor(store),
        {"action": "configure", "index": "1", "type": "banner", "m1-title": "夏季", "m1-product_id": ""},
    )
    assert r.status_code == 302
    assert selectors.homepage_of(store).draft[1] == {
        "type": "banner",
        "image": image,
        "title": "夏季",
        "product_id": None,
    }

    preview = c.get(reverse("stores:homepage_preview", args=[store.pk])).content.decode()
    assert 'id="preview-notice"' in preview and "夏季" in preview
    assert "夏季" not in c.get(shop(store)).content.decode()  # not published yet

    r = c.post(editor(store), {"action": "publish"}, follow=True)
    assert "首页已发布（第 1 版）" in r.content.decode()
    public = c.get(shop(store)).content.decode()
    assert "夏季" in public and 'id="preview-notice"' not in public
    assert [m["type"] for m in selectors.homepage_of(store).published][:2] == ["product_grid", "banner"]


def test_a_refused_module_is_shown_in_its_form(merchant_client, store, products):
    r = merchant_client.post(
        editor(store), {"action": "add", "type": "product_grid", "product_grid-mode": "chosen"}
    )
    assert r.status_code == 422
    html = r.content.decode()
    assert re.search(r'id="field-product_grid-product_ids".*?请至少选择一件商品', html, re.DOTALL)
    assert '<details class="add-module" id="add-product_grid" open>' in html
    r = merchant_client.post(editor(store), {"action": "add", "type": "banner", "banner-title": "无图"})
    assert r.status_code == 422 and "请选择一张图片" in r.content.decode()
    assert selectors.homepage_of(store).draft == []


def test_publishing_a_stale_draft_says_which_module(merchant_client, store, products):
    services.save_homepage_draft(
        store=store,
        modules=[
            {"type": "product_grid", "mode": "auto"},
            {"type": "product_grid", "product_ids": [products[0].pk]},
        ],
    )
    type(products[0]).objects.filter(pk=products[0].pk).update(state="delisted")
    r = merchant_client.post(editor(store), {"action": "publish"}, follow=True)
    assert "第 2 个模块" in r.content.decode()
    assert selectors.homepage_of(store).version == 0


def test_unknown_actions_and_indexes_are_404(merchant_client, store):
    services.save_homepage_draft(store=store, modules=[{"type": "product_grid", "mode": "auto"}])
    assert merchant_client.post(editor(store), {"action": "explode"}).status_code == 404
    assert merchant_client.post(editor(store), {"action": "remove", "index": "7"}).status_code == 404
    assert merchant_client.post(editor(store), {"action": "remove", "index": "x"}).status_code == 404
    assert merchant_client.post(editor(store), {"action": "add", "type": "coupon"}).status_code == 404
    assert len(selectors.homepage_of(store).draft) == 1


def test_the_editor_costs_a_fixed_number_of_queries(
    merchant_client, store, products, bound, django_assert_max_num_queries
):
    image = banner_path(store)
    services.save_homepage_draft(store=store, modules=every_kind(store, bound, products, image=image))
    with django_assert_max_num_queries(20) as six:
        merchant_client.get(editor(store))
    services.save_homepage_draft(store=store, modules=every_kind(store, bound, products, image=image) * 3)
    with django_assert_max_num_queries(len(six.captured_queries)):
        html = merchant_client.get(editor(store)).content.decode()
    assert html.count('class="card module"') == 18
