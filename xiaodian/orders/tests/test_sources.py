"""Attribution: an order's scene and source (DOMAIN.md "Orders"), checked against each other and
against what exists, verified (a scene other than 1 only with a source the platform can verify,
else scene 1), and described on the order page."""

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
from xiaodian.stores import services as stores

from .conftest import ADDRESS


@pytest.fixture
def world(merchant, make_user, store):
    """One public source of every kind (the accounts and the mini program bound to the store), a
    draft of each content kind, and a mini program bound to no store."""
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
    unbound = content.create_mini_program(
        owner=merchant, name="别家商城", app_id="wx00000000000000cd", mall_path="/mall"
    )
    for kind, account in [
        ("official_account", official),
        ("video_account", channel),
        ("mini_program", program),
    ]:
        # the owner invites its own account: it binds at once
        stores.invite_link(store=store, user=merchant, kind=kind, account_id=account.pk)
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
        unbound=unbound,
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


def test_an_entry_not_bound_to_the_store_is_no_verified_source(place, make_sku, store, other_store, world):
    """A mini program (or account) leads only to the stores it is bound to: claimed for another
    store's product, the order records scene 1 and no source, and is not refused."""
    mine, theirs = make_sku(store), make_sku(other_store)
    order = place(mine, 1, scene=12, source_type="mini_program", source_id=world.unbound.pk).orders.get()
    assert (order.scene, order.source_type, order.source_id) == (1, "", None)
    for source_type, scene in [("mini_program", 12), ("official_account", 6), ("video_account", 3)]:
        order = place(
            theirs, 1, scene=scene, source_type=source_type, source_id=world.ids[source_type]
        ).orders.get()
        assert (order.scene, order.source_type, order.source_id) == (1, "", None), source_type


@pytest.mark.parametrize("scene", range(2, 14))
def test_a_scene_claimed_without_a_source_records_scene_1(api_for, buyer, make_sku, store, scene):
    """DOMAIN.md "Orders": a client that claims a scene without a source gets scene 1, through the
    checkout endpoint, for every scene (search names no object, but names its type)."""
    sku = make_sku(store)
    body = {"items": [{"sku_id": sku.pk, "quantity": 1}], "address": ADDRESS, "scene": scene}
    placed = api_for(buyer).post("/orders", body, **{"Idempotency-Key": f"bare{scene}"})
    assert placed.status_code == 201, placed.content
    (order,) = placed.json()["orders"]
    assert (order["scene"], order["source_type"], order["source_id"]) == (1, "", None)
    line = Order.objects.get().lines.get()
    assert (line.scene, line.source_type, line.source_id) == (1, "", None)


@pytest.mark.parametrize(
    ("scene", "source_type"),
    [
        (3, "video"),
        (3, "video_account"),
        (4, "share"),
        (5, "homepage"),
        (6, "article"),
        (6, "official_account"),
        (12, "mini_program"),
    ],
)
def test_a_scene_with_a_verified_source_is_recorded_through_the_api(
    api_for, buyer, make_sku, store, world, scene, source_type
):
    sku = make_sku(store)
    body = {
        "items": [{"sku_id": sku.pk, "quantity": 1}],
        "address": ADDRESS,
        "scene": scene,
        "source_type": source_type,
        "source_id": world.ids[source_type],
    }
    placed = api_for(buyer).post("/orders", body, **{"Idempotency-Key": "v1"})
    assert placed.status_code == 201, placed.content
    (order,) = placed.json()["orders"]
    assert (order["scene"], order["source_type"], order["source_id"]) == (
        scene,
        source_type,
        world.ids[source_type],
    )


@pytest.mark.parametrize(
    ("scene", "source_type"), [(3, "video"), (6, "article"), (12, "mini_program"), (5, "homepage")]
)
def test_a_source_type_without_its_id_records_scene_1(place, make_sku, store, scene, source_type):
    """A type alone proves nothing (only search, which names no object, and a share made signed
    out keep their scene)."""
    order = place(make_sku(store), 1, scene=scene, source_type=source_type).orders.get()
    assert (order.scene, order.source_type, order.source_id) == (1, "", None)


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
