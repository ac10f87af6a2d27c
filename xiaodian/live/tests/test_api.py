"""The live-room endpoints: the owner schedules, stocks, pins, starts and ends; everyone reads the
room, its shelf and comments; signed-in users comment and buy. Foreign objects answer 404, every
refusal is {code, message}."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from xiaodian.catalog.models import SKU
from xiaodian.core import clock
from xiaodian.live.models import FlashHold, LiveComment, ShelfItem
from xiaodian.orders.models import Order

from .conftest import ADDRESS


@pytest.fixture
def creator_api(api_for, creator):
    return api_for(creator)


@pytest.fixture
def buyer_api(api_for, buyer):
    return api_for(buyer)


def soon() -> str:
    return (clock.now() + timedelta(hours=1)).isoformat()


def test_the_owner_schedules_stocks_and_runs_a_room(
    creator_api, channel, bound, sku, make_sku, store, api_for
):
    r = creator_api.post(
        f"/video-accounts/{channel.pk}/live-rooms", {"title": "春装上新", "scheduled_at": soon()}
    )
    assert r.status_code == 201, r.content
    room = r.json()
    assert (room["state"], room["account_name"], room["cover_url"]) == ("scheduled", "山野直播", "")
    r = creator_api.post(
        f"/live-rooms/{room['id']}/shelf", {"sku_id": sku.pk, "live_price_fen": 6_800, "flash_stock": 10}
    )
    assert r.status_code == 201, r.content
    first = r.json()
    assert (first["price_fen"], first["live_price_fen"], first["flash_stock"], first["is_pinned"]) == (
        10_000,
        6_800,
        10,
        False,
    )
    second = creator_api.post(
        f"/live-rooms/{room['id']}/shelf",
        {
            "sku_id": make_sku(store, price_fen=2_000).pk,
            "live_price_fen": 1_500,
            "flash_stock": 3,
            "pinned": True,
        },
    ).json()
    pinned = creator_api.post(f"/live-rooms/{room['id']}/shelf/{first['id']}/pin")
    assert pinned.status_code == 200 and pinned.json()["is_pinned"] is True
    detail = api_for().get(f"/live-rooms/{room['id']}").json()  # anyone, signed in or not
    assert [i["id"] for i in detail["shelf"]] == [first["id"], second["id"]]  # pinned first
    assert [i["is_pinned"] for i in detail["shelf"]] == [True, False]
    assert detail["viewer_count"] == 0
    assert (
        creator_api.delete(f"/live-rooms/{room['id']}/shelf/{first['id']}/pin").json()["is_pinned"] is False
    )
    assert creator_api.delete(f"/live-rooms/{room['id']}/shelf/{second['id']}").status_code == 204
    assert [i["id"] for i in api_for().get(f"/live-rooms/{room['id']}").json()["shelf"]] == [first["id"]]
    assert creator_api.post(f"/live-rooms/{room['id']}/start").json()["state"] == "live"
    again = creator_api.post(f"/live-rooms/{room['id']}/start")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")
    assert creator_api.post(f"/live-rooms/{room['id']}/end").json()["state"] == "ended"


def test_refusals_are_code_and_message(creator_api, channel, bound, sku, live_room):
    r = creator_api.post(
        f"/video-accounts/{channel.pk}/live-rooms", {"title": "加微信 shanye2024", "scheduled_at": soon()}
    )
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (
        422,
        "contact_details_not_allowed",
        "title",
    )
    r = creator_api.post(
        f"/video-accounts/{channel.pk}/live-rooms", {"title": "直播", "scheduled_at": "0001-01-01T00:00:00"}
    )
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")
    r = creator_api.post(
        f"/live-rooms/{live_room.pk}/shelf", {"sku_id": sku.pk, "live_price_fen": 10_001, "flash_stock": 1}
    )
    assert (r.status_code, r.json()["code"]) == (422, "live_price_invalid")
    r = creator_api.post(
        f"/live-rooms/{live_room.pk}/shelf", {"sku_id": sku.pk, "live_price_fen": 100, "flash_stock": -1}
    )
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")


def test_foreign_rooms_answer_404_to_writes(api, channel, live_room, item):
    """`api` is the merchant's: its store sells in the room, but the room is the creator's."""
    assert (
        api.post(
            f"/video-accounts/{channel.pk}/live-rooms", {"title": "x", "scheduled_at": soon()}
        ).status_code
        == 404
    )
    for path in (f"/live-rooms/{live_room.pk}/start", f"/live-rooms/{live_room.pk}/end"):
        r = api.post(path)
        assert (r.status_code, r.json()["code"]) == (404, "not_found")
    assert api.post(f"/live-rooms/{live_room.pk}/shelf/{item.pk}/pin").status_code == 404
    assert api.delete(f"/live-rooms/{live_room.pk}/shelf/{item.pk}/pin").status_code == 404
    assert api.delete(f"/live-rooms/{live_room.pk}/shelf/{item.pk}").status_code == 404
    assert (
        ShelfItem.objects.get(pk=item.pk).is_pinned and ShelfItem.objects.get(pk=item.pk).removed_at is None
    )


def test_a_shelf_item_is_reached_through_its_own_room(creator_api, creator, channel, item):
    from xiaodian.live import services

    other = services.schedule_live_room(
        owner=creator, account_id=channel.pk, title="另一场", scheduled_at=clock.now()
    )
    assert creator_api.delete(f"/live-rooms/{other.pk}/shelf/{item.pk}").status_code == 404


def test_the_accounts_rooms_are_listed_for_everyone(api_for, channel, room, live_room):
    r = api_for().get(f"/video-accounts/{channel.pk}/live-rooms")
    assert r.status_code == 200 and r.json()["count"] == 1
    assert api_for().get("/video-accounts/999999/live-rooms").status_code == 404


def test_comments_are_posted_by_signed_in_users_and_paginated(buyer_api, api_for, live_room):
    for n in range(3):
        assert buyer_api.post(f"/live-rooms/{live_room.pk}/comments", {"text": f"第{n}条"}).status_code == 201
    page = api_for().get(f"/live-rooms/{live_room.pk}/comments", {"limit": 2}).json()
    assert page["count"] == 3 and [c["text"] for c in page["items"]] == ["第2条", "第1条"]
    assert page["items"][0]["user"] == "b***"  # a login name is not shown
    r = api_for().post(f"/live-rooms/{live_room.pk}/comments", {"text": "匿名"})
    assert (r.status_code, r.json()["code"]) == (401, "unauthorized")
    r = buyer_api.post(f"/live-rooms/{live_room.pk}/comments", {"text": "私聊我 13800138000"})
    assert (r.status_code, r.json()["code"]) == (422, "contact_details_not_allowed")
    assert LiveComment.objects.count() == 3


def test_buying_over_the_api(buyer_api, item, live_room, sku):
    body = {"shelf_item_id": item.pk, "quantity": 2, "address": ADDRESS}
    r = buyer_api.post(f"/live-rooms/{live_room.pk}/orders", body, **{"Idempotency-Key": "live1"})
    assert r.status_code == 201, r.content
    answer = r.json()
    order = answer["orders"][0]
    assert (order["scene"], order["source_type"], order["source_id"]) == (2, "live_room", live_room.pk)
    assert order["lines"][0]["unit_price_fen"] == 6_800 and answer["payment"]["amount_fen"] == 13_600
    again = buyer_api.post(f"/live-rooms/{live_room.pk}/orders", body, **{"Idempotency-Key": "live1"})
    assert again.status_code == 201 and again.json() == answer
    other = buyer_api.post(
        f"/live-rooms/{live_room.pk}/orders", {**body, "quantity": 1}, **{"Idempotency-Key": "live1"}
    )
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_conflict")
    too_many = buyer_api.post(
        f"/live-rooms/{live_room.pk}/orders", {**body, "quantity": 9}, **{"Idempotency-Key": "live2"}
    )
    assert (too_many.status_code, too_many.json()["code"]) == (409, "flash_sold_out")
    missing = buyer_api.post(f"/live-rooms/{live_room.pk}/orders", body)
    assert (missing.status_code, missing.json()["code"]) == (422, "validation_error")
    no_address = buyer_api.post(
        f"/live-rooms/{live_room.pk}/orders", {"shelf_item_id": item.pk}, **{"Idempotency-Key": "live3"}
    )
    assert (no_address.status_code, no_address.json()["code"]) == (422, "validation_error")
    assert ShelfItem.objects.get(pk=item.pk).flash_stock == 8 and SKU.objects.get(pk=sku.pk).stock == 98
    paid = buyer_api.post(f"/orders/{order['id']}/pay")  # paid like any order
    assert paid.status_code == 200 and paid.json()["amount_fen"] == 13_600


def test_a_purchase_costs_a_fixed_number_of_queries(
    buyer_api, item, live_room, django_assert_max_num_queries
):
    buyer_api.get("/orders")  # the token's last-used stamp is written once a minute, not per request
    body = {"shelf_item_id": item.pk, "quantity": 1, "address": ADDRESS}
    with django_assert_max_num_queries(18):
        r = buyer_api.post(f"/live-rooms/{live_room.pk}/orders", body, **{"Idempotency-Key": "q"})
    assert r.status_code == 201


def test_the_room_costs_a_fixed_number_of_queries(
    api_for, item, live_room, make_sku, store, creator, django_assert_max_num_queries
):
    from xiaodian.live import services

    for _ in range(5):
        services.add_shelf_item(
            owner=creator, room_id=live_room.pk, sku_id=make_sku(store).pk, live_price_fen=500, flash_stock=2
        )
    client = api_for()
    with django_assert_max_num_queries(4):
        r = client.get(f"/live-rooms/{live_room.pk}")
    assert len(r.json()["shelf"]) == 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_32_threads_buying_a_flash_stock_of_10_sell_exactly_10(make_user, creator, item, sku, live_room):
    if connection.vendor != "postgresql":
        pytest.skip("the threaded race needs PostgreSQL (SQLite serialises every writer)")
    from django.test import Client

    from xiaodian.accounts.services import issue_token

    buyers = [make_user() for _ in range(32)]
    tokens = [issue_token(user=b, name="race")[1] for b in buyers]
    barrier = threading.Barrier(32)
    statuses: list[int] = []
    codes: list[str] = []

    def buy(i: int) -> None:
        client = Client()
        barrier.wait()
        try:
            r = client.post(
                f"/api/v1/live-rooms/{live_room.pk}/orders",
                {"shelf_item_id": item.pk, "quantity": 1, "address": ADDRESS},
                content_type="application/json",
                headers={"Authorization": f"Bearer {tokens[i]}", "Idempotency-Key": f"race{i}"},
            )
            statuses.append(r.status_code)
            if r.status_code != 201:
                codes.append(r.json()["code"])
        finally:
            connection.close()

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(201) == 10, statuses
    assert statuses.count(409) == 22 and set(codes) == {"flash_sold_out"}
    assert ShelfItem.objects.get(pk=item.pk).flash_stock == 0
    assert sum(FlashHold.objects.values_list("quantity", flat=True)) == 10
    assert Order.objects.filter(scene=2, source_id=live_room.pk).count() == 10
    assert SKU.objects.get(pk=sku.pk).stock == 90
