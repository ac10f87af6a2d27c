"""Attribution: an order's scene and source (DOMAIN.md "Orders"), checked against each other and
described on the order page."""

import pytest
from django.urls import reverse

from xiaodian.content import services as content
from xiaodian.core.errors import DomainError
from xiaodian.orders import sources
from xiaodian.orders.forms import scene_of
from xiaodian.orders.models import Order


@pytest.mark.parametrize(
    ("scene", "source_type"),
    [
        (6, "article"),
        (6, "official_account"),
        (3, "video"),
        (2, "live_room"),
        (5, "homepage"),
        (12, "mini_program"),
        (4, "share"),
        (7, "search"),
        (1, ""),
    ],
)
def test_each_scene_takes_its_own_sources(place, make_sku, store, scene, source_type):
    order = place(make_sku(store), 1, scene=scene, source_type=source_type, source_id=7).orders.get()
    assert (order.scene, order.source_type) == (scene, source_type)


@pytest.mark.parametrize(
    ("scene", "source_type"),
    [(6, "video"), (3, "article"), (1, "article"), (2, "homepage"), (12, "nonsense")],
)
def test_a_source_that_cannot_go_with_its_scene_is_refused(place, make_sku, store, scene, source_type):
    sku = make_sku(store)
    with pytest.raises(DomainError) as refused:
        place(sku, 1, scene=scene, source_type=source_type, source_id=7)
    assert (refused.value.code, refused.value.field) == ("validation_error", "source_type")
    assert not Order.objects.exists()
    sku.refresh_from_db()
    assert sku.stock == 10


def test_pages_drop_a_mismatched_source_but_keep_the_scene():
    assert scene_of({"scene": "6", "source_type": "video", "source_id": "3"}) == {
        "scene": 6,
        "source_type": "",
        "source_id": None,
    }
    assert scene_of({"scene": "3", "source_type": "video", "source_id": "3"})["source_type"] == "video"


def test_the_api_refuses_a_mismatched_source(api_for, buyer, make_sku, store):
    sku = make_sku(store)
    body = {
        "items": [{"sku_id": sku.pk, "quantity": 1}],
        "address": {"recipient": "王小明", "phone": "13800138000", "region": "上海", "detail": "1 号"},
        "scene": 6,
        "source_type": "live_room",
        "source_id": 1,
    }
    refused = api_for(buyer).post("/orders", body, **{"Idempotency-Key": "m1"})
    assert refused.status_code == 422
    assert refused.json()["field"] == "source_type"
    body["source_type"] = "article"
    placed = api_for(buyer).post("/orders", body, **{"Idempotency-Key": "m2"})
    assert placed.status_code == 201, placed.content
    assert (placed.json()["orders"][0]["scene"], placed.json()["orders"][0]["source_type"]) == (6, "article")


def test_the_order_page_names_the_article_it_came_from(client, place, make_sku, store, buyer, merchant):
    account = content.create_official_account(owner=merchant, name="拾光日记")
    article = content.create_article(
        owner=merchant, account_id=account.pk, title="春天穿什么", body="<p>x</p>"
    )
    order = place(make_sku(store), 1, scene=6, source_type="article", source_id=article.pk).orders.get()
    client.force_login(buyer)
    html = client.get(reverse("orders:order_detail", args=[order.pk])).content.decode()
    assert 'data-scene="6"' in html and "公众号文章" in html
    assert f'<a href="/articles/{article.pk}/">公众号文章 · 春天穿什么</a>' in html


def test_describing_orders_costs_one_query_per_source_type(place, make_sku, store, django_assert_num_queries):
    sku = make_sku(store, stock=50)
    orders = [place(sku, 1, scene=6, source_type="article", source_id=n).orders.get() for n in range(1, 4)]
    orders += [place(sku, 1, scene=3, source_type="video", source_id=1).orders.get()]
    orders += [place(sku, 1, scene=7, source_type="search").orders.get(), place(sku, 1).orders.get()]
    with django_assert_num_queries(2):
        sources.describe(orders)
    assert orders[0].source.title == "公众号文章 · #1"  # no such article: its id
    assert orders[4].source.title == "搜索"
    assert orders[5].source is None
