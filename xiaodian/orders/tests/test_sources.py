"""Attribution: an order's scene and source (DOMAIN.md "Orders"), checked against each other and
against what exists, and described on the order page."""

import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from xiaodian.content import services as content
from xiaodian.core.errors import DomainError
from xiaodian.orders import sources
from xiaodian.orders.forms import scene_of
from xiaodian.orders.models import Order

from .conftest import ADDRESS


@pytest.fixture
def world(merchant, make_user, store):
    """One public source of every kind, and a draft of each content kind."""
    official = content.create_official_account(owner=merchant, name="拾光日记")
    article = content.create_article(
        owner=merchant, account_id=official.pk, title="春天穿什么", body="<p>x</p>"
    )
    content.publish_article(owner=merchant, article_id=article.pk)
    draft = content.create_article(owner=merchant, account_id=official.pk, title="还没写完", body="<p>y</p>")
    channel = content.create_video_account(owner=merchant, name="拾光视频")
    video = content.create_video(
        owner=merchant,
        account_id=channel.pk,
        title="三种穿法",
        url="https://cdn.example.com/v.mp4",
        cover=_png(),
    )
    content.publish_video(owner=merchant, video_id=video.pk)
    program = content.create_mini_program(
        owner=merchant, name="拾光商城", app_id="wx00000000000000ab", mall_path="/mall"
    )
    return SimpleNamespace(
        ids={
            "article": article.pk,
            "official_account": official.pk,
            "video": video.pk,
            "video_account": channel.pk,
            "mini_program": program.pk,
            "homepage": store.pk,
            "share": make_user("sharer").pk,
        },
        article=article,
        draft=draft,
    )


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buffer, "PNG")
    return SimpleUploadedFile("c.png", buffer.getvalue(), content_type="image/png")


@pytest.mark.parametrize(
    ("scene", "source_type"),
    [
        (6, "article"),
        (6, "official_account"),
        (3, "video"),
        (3, "video_account"),
        (5, "homepage"),
        (12, "mini_program"),
        (4, "share"),
    ],
)
def test_each_scene_takes_its_own_sources(place, make_sku, store, world, scene, source_type):
    source_id = world.ids[source_type]
    order = place(make_sku(store), 1, scene=scene, source_type=source_type, source_id=source_id).orders.get()
    assert (order.scene, order.source_type, order.source_id) == (scene, source_type, source_id)


def test_a_search_order_names_no_object(place, make_sku, store):
    order = place(make_sku(store), 1, scene=7, source_type="search").orders.get()
    assert (order.scene, order.source_type, order.source_id) == (7, "search", None)


@pytest.mark.parametrize(
    ("scene", "source_type"),
    [(6, "video"), (3, "article"), (1, "article"), (2, "homepage"), (12, "nonsense")],
)
def test_a_source_that_cannot_go_with_its_scene_is_refused(place, make_sku, store, world, scene, source_type):
    sku = make_sku(store)
    with pytest.raises(DomainError) as refused:
        place(sku, 1, scene=scene, source_type=source_type, source_id=world.ids.get(source_type, 1))
    assert (refused.value.code, refused.value.field) == ("validation_error", "source_type")
    assert not Order.objects.exists()
    sku.refresh_from_db()
    assert sku.stock == 10


def test_a_source_must_exist_and_be_public(place, make_sku, store, other_store, world):
    sku = make_sku(store)
    for source_type, source_id in [
        ("article", world.draft.pk),  # a draft is nobody's source
        ("article", 999_999),
        ("homepage", other_store.pk),  # another store's homepage did not sell this
        ("mini_program", 999_999),
    ]:
        scene = 6 if source_type == "article" else (5 if source_type == "homepage" else 12)
        with pytest.raises(DomainError) as refused:
            place(sku, 1, scene=scene, source_type=source_type, source_id=source_id)
        assert refused.value.field == "source_type", source_type
    assert not Order.objects.exists()


def test_a_live_room_order_comes_only_through_the_room(place, make_sku, store):
    with pytest.raises(DomainError) as refused:
        place(make_sku(store), 1, scene=2, source_type="live_room", source_id=1)
    assert refused.value.message == "直播间的订单须在直播间里下单。"


def test_pages_drop_a_mismatched_source_but_keep_the_scene():
    assert scene_of({"scene": "6", "source_type": "video", "source_id": "3"}) == {
        "scene": 6,
        "source_type": "",
        "source_id": None,
    }
    assert scene_of({"scene": "3", "source_type": "video", "source_id": "3"})["source_type"] == "video"


def test_the_api_refuses_a_mismatched_source(api_for, buyer, make_sku, store, world):
    sku = make_sku(store)
    body = {
        "items": [{"sku_id": sku.pk, "quantity": 1}],
        "address": ADDRESS,
        "scene": 6,
        "source_type": "video",
        "source_id": world.ids["video"],
    }
    refused = api_for(buyer).post("/orders", body, **{"Idempotency-Key": "m1"})
    assert refused.status_code == 422
    assert refused.json()["field"] == "source_type"
    body["source_type"], body["source_id"] = "article", world.ids["article"]
    placed = api_for(buyer).post("/orders", body, **{"Idempotency-Key": "m2"})
    assert placed.status_code == 201, placed.content
    (order,) = placed.json()["orders"]
    assert (order["scene"], order["source_type"], order["source_id"]) == (6, "article", world.ids["article"])


def test_the_order_page_names_the_article_it_came_from(client, place, make_sku, store, buyer, world):
    article = world.article
    order = place(make_sku(store), 1, scene=6, source_type="article", source_id=article.pk).orders.get()
    client.force_login(buyer)
    html = client.get(reverse("orders:order_detail", args=[order.pk])).content.decode()
    assert 'data-scene="6"' in html
    assert f'<a href="/articles/{article.pk}/">公众号文章 · 春天穿什么</a>' in html


def test_a_shared_order_names_no_one(client, place, make_sku, store, buyer, world):
    order = place(make_sku(store), 1, scene=4, source_type="share", source_id=world.ids["share"]).orders.get()
    client.force_login(buyer)
    html = client.get(reverse("orders:order_detail", args=[order.pk])).content.decode()
    assert '<dd id="order-source" data-source-type="share"' in html
    assert "sharer" not in html


def test_describing_orders_costs_one_query_per_source_type(
    place, make_sku, store, world, django_assert_num_queries
):
    sku = make_sku(store, stock=50)
    orders = [place(sku, 1, scene=6, source_type="article", source_id=world.article.pk).orders.get()]
    orders += [place(sku, 1, scene=3, source_type="video", source_id=world.ids["video"]).orders.get()]
    orders += [place(sku, 1, scene=7, source_type="search").orders.get(), place(sku, 1).orders.get()]
    with django_assert_num_queries(2):
        sources.describe(orders)
    assert orders[0].source.title == "公众号文章 · 春天穿什么"
    assert orders[1].source.title == "短视频 · 三种穿法"
    assert orders[2].source.title == "搜索"
    assert orders[3].source is None
