"""Reordering the homepage draft in one write (the editor's drag and drop, issue 17 point 7), the
phone-sized preview frame, and the publish button's question: through the service and the pages."""

import pytest
from django.urls import reverse

from xiaodian.accounts.rules import Role
from xiaodian.core.errors import DomainError
from xiaodian.stores import homepage, selectors, services

from .homepage_world import listed_product

PASSWORD = "test-pass-123"


def grid(title: str) -> dict:
    return {"type": "product_grid", "title": title, "mode": "auto", "limit": 4}


@pytest.fixture
def draft(store):
    """A draft of three automatic grids titled A, B, C."""
    listed_product(store)
    return services.save_homepage_draft(store=store, modules=[grid("A"), grid("B"), grid("C")])


@pytest.fixture
def merchant_client(client, merchant):
    client.login(username=merchant.username, password=PASSWORD)
    return client


def titles(store) -> list[str]:
    return [m["title"] for m in selectors.homepage_of(store).draft]


def order_url(store) -> str:
    return reverse("stores:homepage_order", args=[store.pk])


def key(store) -> str:
    return homepage.draft_key(selectors.homepage_of(store).draft)


# ------------------------------------------------------------------------------------ the service


def test_reorder_puts_the_whole_draft_in_the_new_order(store, draft):
    page = services.reorder_homepage_modules(store=store, order=[2, 0, 1], key=key(store))
    assert [m["title"] for m in page.draft] == ["C", "A", "B"]
    assert titles(store) == ["C", "A", "B"]
    assert page.published == [] and page.version == 0  # the public page does not change


@pytest.mark.parametrize(
    "order",
    [[0, 1], [0, 1, 2, 3], [0, 0, 1], [2, 1, -1], [1, 2, 3], ["0", 1, 2], [True, 0, 2], []],
)
def test_an_order_that_is_not_every_module_once_is_refused_and_nothing_moves(store, draft, order):
    with pytest.raises(DomainError) as refused:
        services.reorder_homepage_modules(store=store, order=order, key=key(store))
    assert (refused.value.code, refused.value.field, refused.value.status) == (
        "validation_error",
        "order",
        422,
    )
    assert titles(store) == ["A", "B", "C"]


def test_an_order_made_for_another_draft_is_refused(store, draft):
    before = key(store)
    services.move_homepage_module(store=store, index=0, offset=1)  # another tab moved A down
    with pytest.raises(DomainError) as refused:
        services.reorder_homepage_modules(store=store, order=[2, 1, 0], key=before)
    assert (refused.value.code, refused.value.status) == ("homepage_draft_changed", 409)
    assert titles(store) == ["B", "A", "C"]


# -------------------------------------------------------------------------------- the endpoint


def test_the_order_endpoint_saves_and_answers_the_new_key(merchant_client, store, draft):
    response = merchant_client.post(order_url(store), {"order": "1,2,0", "key": key(store)})
    assert response.status_code == 200
    assert titles(store) == ["B", "C", "A"]
    assert response.json() == {"key": key(store), "modules": 3}


def test_the_order_endpoint_costs_a_fixed_number_of_queries(
    merchant_client, store, django_assert_max_num_queries
):
    listed_product(store)
    services.save_homepage_draft(store=store, modules=[grid(str(i)) for i in range(20)])
    order = ",".join(str(i) for i in reversed(range(20)))
    body = {"order": order, "key": key(store)}
    # session, user; store and role; homepage row (get_or_create, then locked); the write; the
    # transaction's savepoint and its release (a test runs inside a transaction)
    with django_assert_max_num_queries(8):
        response = merchant_client.post(order_url(store), body)
    assert response.status_code == 200
    assert titles(store) == [str(i) for i in reversed(range(20))]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"order": "1,2"}, 422, "validation_error"),
        ({"order": "1,x,0"}, 422, "validation_error"),
        ({"order": "1, 2, 0"}, 422, "validation_error"),
        ({"order": "-1,2,0"}, 422, "validation_error"),
        ({"order": "9" * 400 + ",1,0"}, 422, "validation_error"),
        ({"order": ",".join(["0"] * 5000)}, 422, "validation_error"),
        ({}, 422, "validation_error"),
        ({"order": "1,2,0", "key": "stale"}, 409, "homepage_draft_changed"),
    ],
)
def test_bad_orders_are_a_json_4xx_and_write_nothing(merchant_client, store, draft, body, status, code):
    body = {"key": key(store), **body}
    response = merchant_client.post(order_url(store), body)
    assert response.status_code == status
    assert response.json()["code"] == code and response.json()["message"]
    assert titles(store) == ["A", "B", "C"]


def test_the_order_endpoint_is_404_for_another_store_and_403_without_product_management(
    client, store, draft, make_user, make_store, make_subject
):
    stranger = make_user()
    other = make_store(stranger, make_subject(stranger))
    client.login(username=stranger.username, password=PASSWORD)
    response = client.post(order_url(store), {"order": "2,1,0", "key": key(store)})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client.post(order_url(other), {"order": "", "key": homepage.draft_key([])}).status_code == 200

    agent = make_user()
    services.add_staff(store=store, user_id=agent.pk, role=Role.AGENT)
    client.login(username=agent.username, password=PASSWORD)
    response = client.post(order_url(store), {"order": "2,1,0", "key": key(store)})
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert titles(store) == ["A", "B", "C"]


def test_the_order_endpoint_takes_only_a_post_with_the_csrf_token(client, store, draft, merchant):
    from django.test import Client

    signed_out = client.post(order_url(store), {"order": "2,1,0", "key": key(store)})
    assert signed_out.status_code == 401 and signed_out.json()["code"] == "unauthorized"

    strict = Client(enforce_csrf_checks=True)
    strict.login(username=merchant.username, password=PASSWORD)
    assert strict.get(order_url(store)).status_code == 405
    assert strict.post(order_url(store), {"order": "2,1,0", "key": key(store)}).status_code == 403
    assert titles(store) == ["A", "B", "C"]


# ------------------------------------------------------------------ the editor, preview, publish


def test_the_editor_carries_the_drag_list_the_preview_frame_and_its_script(merchant_client, store, draft):
    html = merchant_client.get(reverse("stores:homepage_editor", args=[store.pk])).content.decode()
    assert f'data-key="{key(store)}"' in html
    assert f'data-order-url="{order_url(store)}"' in html
    assert html.count('class="drag-handle"') == 3
    assert f'src="/stores/{store.pk}/homepage/preview/?frame=1"' in html
    assert "stores/homepage_editor.js" in html


def test_the_preview_frame_is_the_draft_alone_and_only_this_site_may_frame_it(merchant_client, store, draft):
    url = reverse("stores:homepage_preview", args=[store.pk])
    framed = merchant_client.get(url + "?frame=1")
    assert framed.status_code == 200
    assert framed.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in framed.headers["Content-Security-Policy"]
    html = framed.content.decode()
    assert 'class="site-header"' not in html and 'id="preview-notice"' not in html
    assert html.count('class="shop-module') == 3
    page = merchant_client.get(url).content.decode()
    assert 'class="site-header"' in page and 'id="preview-notice"' in page
    # every other page still refuses to be framed
    editor = merchant_client.get(reverse("stores:homepage_editor", args=[store.pk]))
    assert editor.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in editor.headers["Content-Security-Policy"]


def _confirm(client, store) -> str:
    import html as html_

    page = client.get(reverse("stores:homepage_editor", args=[store.pk])).content.decode()
    start = page.index('data-confirm="', page.index('id="publish-button"')) + len('data-confirm="')
    return html_.unescape(page[start : page.index('"', start)])


def test_publish_asks_first_and_says_what_will_change(merchant_client, store, draft):
    question = _confirm(merchant_client, store)
    assert "发布第 1 版？" in question
    assert "买家将看到：商品宫格「A」、商品宫格「B」、商品宫格「C」" in question
    assert "现在看到的是：最新上架的商品。" in question

    services.publish_homepage(store=store)
    assert "相同" in _confirm(merchant_client, store)

    services.reorder_homepage_modules(store=store, order=[2, 0, 1], key=key(store))
    question = _confirm(merchant_client, store)
    assert "发布第 2 版？" in question and "调整顺序" in question and "新增" not in question
    assert "现在看到的是：商品宫格「A」、商品宫格「B」、商品宫格「C」" in question

    services.remove_homepage_module(store=store, index=0)
    services.add_homepage_module(store=store, module=grid("D"))
    question = _confirm(merchant_client, store)
    assert "新增或修改 1 个模块" in question and "移除 1 个模块" in question and "调整顺序" not in question
