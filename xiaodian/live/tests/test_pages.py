"""The live pages: the account's rooms and the schedule form, the owner's room page (start, end,
shelf), the public room page, and buying in the room through to the WeChat Pay sandbox."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xiaodian.core import clock
from xiaodian.live import services
from xiaodian.live.models import LiveComment, LiveRoom, ShelfItem
from xiaodian.orders.models import Address, Order

from .conftest import ADDRESS


@pytest.fixture(scope="session")
def wechatpay_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("wechatpay") / "sandbox"


@pytest.fixture(autouse=True)
def _sandbox_identity(settings, wechatpay_dir):
    settings.WECHATPAY = {**settings.WECHATPAY, "SANDBOX_DIR": wechatpay_dir}


@pytest.fixture
def signed_in(db):
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def text(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_owner_schedules_a_room_from_the_accounts_page(signed_in, creator, channel):
    client = signed_in(creator)
    url = reverse("live:account_rooms", args=[channel.pk])
    assert 'id="schedule-form"' in client.get(url).content.decode()
    when = timezone.localtime(clock.now() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(url, {"title": "周末清仓", "scheduled_at": when})
    room = LiveRoom.objects.get()
    assert r.status_code == 302 and r.url == reverse("live:manage", args=[room.pk])
    refused = client.post(url, {"title": "加微信 shanye2024", "scheduled_at": when})
    assert refused.status_code == 422 and "内容不能包含联系方式" in text(refused)
    assert "周末清仓" in text(Client().get(url))  # the list is public
    assert 'id="schedule-form"' not in Client().get(url).content.decode()
    assert Client().post(url, {"title": "x", "scheduled_at": when}).status_code == 404


def test_the_owner_stocks_pins_starts_and_ends_the_room(
    signed_in, creator, room, bound, sku, make_sku, store
):
    client = signed_in(creator)
    url = reverse("live:manage", args=[room.pk])
    page = client.get(url).content.decode()
    assert f'value="{sku.pk}"' in page  # the bound store's SKU is offered
    r = client.post(
        url, {"action": "add", "shelf-sku_id": sku.pk, "shelf-live_price": "200.00", "shelf-flash_stock": 5}
    )
    assert r.status_code == 422 and "直播价须大于 0 且不高于商品原价" in text(r)
    r = client.post(
        url, {"action": "add", "shelf-sku_id": sku.pk, "shelf-live_price": "68", "shelf-flash_stock": 5}
    )
    assert r.status_code == 302
    item = ShelfItem.objects.get()
    assert item.live_price_fen == 6_800  # typed in yuan (issue 17, point 8), kept in fen
    r = client.post(
        url, {"action": "add", "shelf-sku_id": sku.pk, "shelf-live_price": "1.999", "shelf-flash_stock": 5}
    )
    assert r.status_code == 422 and ShelfItem.objects.count() == 1  # no fraction of a fen
    other = make_sku(store, price_fen=2_000)
    client.post(
        url,
        {
            "action": "add",
            "shelf-sku_id": other.pk,
            "shelf-live_price": "10.00",
            "shelf-flash_stock": 1,
            "shelf-pinned": "on",
        },
    )
    assert ShelfItem.objects.get(is_pinned=True).sku_id == other.pk
    r = client.post(url, {"action": "pin", "item_id": item.pk}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and 'id="notice"' in r.content.decode()  # htmx swaps the panel in place
    assert ShelfItem.objects.get(is_pinned=True).pk == item.pk
    assert client.post(url, {"action": "start"}).status_code == 302
    assert LiveRoom.objects.get(pk=room.pk).state == "live"
    again = client.post(url, {"action": "start"})
    assert again.status_code == 422 and 'id="action-error"' in again.content.decode()
    client.post(url, {"action": "remove", "item_id": item.pk})
    assert ShelfItem.objects.get(pk=item.pk).removed_at is not None
    client.post(url, {"action": "end"})
    assert LiveRoom.objects.get(pk=room.pk).state == "ended"


def test_the_owners_page_is_not_found_for_anyone_else(signed_in, merchant, room, item):
    client = signed_in(merchant)
    assert client.get(reverse("live:manage", args=[room.pk])).status_code == 404
    assert client.post(reverse("live:manage", args=[room.pk]), {"action": "end"}).status_code == 404
    assert Client().get(reverse("live:manage", args=[room.pk])).status_code == 302  # sign in first
    assert LiveRoom.objects.get(pk=room.pk).state == "live"


def test_without_a_bound_store_the_owner_is_told_how_to_get_one(signed_in, creator, room):
    page = signed_in(creator).get(reverse("live:manage", args=[room.pk])).content.decode()
    assert 'id="no-choices"' in page and 'id="shelf-form"' not in page


def test_the_room_page_shows_the_pinned_item_first_with_both_prices(
    client, item, live_room, creator, make_sku, store
):
    services.add_shelf_item(
        owner=creator,
        room_id=live_room.pk,
        sku_id=make_sku(store, price_fen=900, title="帆布包").pk,
        live_price_fen=500,
        flash_stock=0,
        position=0,
    )
    page = client.get(reverse("live:room", args=[live_room.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index(f'id="item-{item.pk}"') < html.index("帆布包")  # pinned first, whatever its position
    assert "¥68.00" in html and "¥100.00" in html and f'id="stock-{item.pk}">10<' in html
    assert f'href="/live-rooms/{live_room.pk}/buy/?item={item.pk}"' in html
    assert "已抢完" in text(page)  # the bag's flash stock is 0
    assert 'id="viewer-count">0<' in html and 'src="/static/live/room.js"' in html  # the socket's script
    assert 'data-heartbeat-ms="30000"' in html
    assert "登录后发表评论" in text(page)  # anonymous viewers watch


def test_the_room_page_costs_a_fixed_number_of_queries(
    signed_in, buyer, item, live_room, creator, make_sku, store, django_assert_max_num_queries
):
    for n in range(8):
        services.add_shelf_item(
            owner=creator, room_id=live_room.pk, sku_id=make_sku(store).pk, live_price_fen=500, flash_stock=3
        )
        services.post_comment(user=buyer, room_id=live_room.pk, text=f"第{n}条")
    client = signed_in(buyer)
    client.get(reverse("live:room", args=[live_room.pk]))
    # session, user, the menu's store roles, room, shelf, comments, viewers, the alliance's products
    # for the room (none here; with some, two more: alliance/tests/test_touchpoints.py), the room's
    # live coupons to claim (one: coupons/tests/test_cards.py)
    with django_assert_max_num_queries(9):
        r = client.get(reverse("live:room", args=[live_room.pk]))
    assert r.status_code == 200 and "第7条" in r.content.decode()


def test_a_comment_without_the_websocket(signed_in, buyer, live_room):
    client = signed_in(buyer)
    r = client.post(reverse("live:comment", args=[live_room.pk]), {"text": "主播好"})
    assert r.status_code == 302 and LiveComment.objects.get().text == "主播好"
    r = client.post(reverse("live:comment", args=[live_room.pk]), {"text": "电话 13800138000"}, follow=True)
    assert "内容不能包含联系方式" in text(r) and LiveComment.objects.count() == 1
    assert "主播好" in text(client.get(reverse("live:room", args=[live_room.pk])))


def test_buying_in_the_room_goes_to_the_pay_page(signed_in, buyer, item, live_room):
    client = signed_in(buyer)
    url = reverse("live:buy", args=[live_room.pk])
    page = client.get(url, {"item": item.pk})
    assert page.status_code == 200 and f'id="pick-{item.pk}"' in page.content.decode()
    key = re.search(r'name="key" value="(\w+)"', page.content.decode()).group(1)
    form = {"key": key, "shelf_item_id": item.pk, "quantity": 2, "address_id": "new", **ADDRESS}
    r = client.post(url, form)
    order = Order.objects.get()
    assert r.status_code == 302 and r.url.startswith("/sandbox/wechatpay/pay/")
    assert f"return=/orders/{order.pk}/" in r.url
    assert (order.scene, order.source_type, order.source_id, order.total_fen) == (
        2,
        "live_room",
        live_room.pk,
        13_600,
    )
    assert Address.objects.filter(buyer=buyer).count() == 1  # saved for next time
    assert client.post(url, form).status_code == 302 and Order.objects.count() == 1  # a double submit
    assert ShelfItem.objects.get(pk=item.pk).flash_stock == 8


def test_buying_refusals_are_shown_in_place(signed_in, buyer, item, live_room, creator):
    client = signed_in(buyer)
    url = reverse("live:buy", args=[live_room.pk])
    form = {"key": "k1", "shelf_item_id": item.pk, "quantity": 10, "address_id": "new", **ADDRESS}
    client.post(url, {**form, "key": "k0", "quantity": 5})
    r = client.post(url, form)
    assert r.status_code == 422 and "秒杀库存已抢完" in text(r)
    r = client.post(url, {**form, "quantity": 1, "phone": "123"})
    assert r.status_code == 422 and "请填写 11 位手机号" in text(r)
    services.end_live_room(owner=creator, room_id=live_room.pk)
    r = client.post(url, {**form, "key": "k2", "quantity": 1})
    assert r.status_code == 422 and "直播未在进行中" in text(r)
    assert Order.objects.count() == 1
    assert Client().get(url).status_code == 302  # sign in first
