"""Issue 17, point 5: the merchant's order list: search, filters, CSV export, shipping several
orders at once with a carrier from the list, and the buyer's note on the order."""

import csv
import io

import pytest
from django.db import connection, transaction
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xiaodian.accounts.models import User
from xiaodian.core.errors import DomainError
from xiaodian.orders import rules, selectors, services
from xiaodian.orders.models import Order
from xiaodian.orders.rules import Status
from xiaodian.orders.services import ShipRequest

from .conftest import ADDRESS, succeed
from .test_pages import (  # noqa: F401  (the pages tests' fixtures and helpers)
    NEW_ADDRESS,
    _sandbox_identity,
    block,
    buyer_client,
    merchant_client,
    signed_in,
    wechatpay_dir,
)

SF = "SF{:013d}"


@pytest.fixture
def paid(place, make_sku, store):
    """paid(n, **place options) -> n paid orders of the store, oldest first."""

    def make(n=1, **extra):
        orders = []
        for _ in range(n):
            checkout = place(make_sku(store), 1, **extra)
            succeed(checkout)
            orders.append(checkout.orders.get())
        return orders

    return make


def _shipments(order) -> list[tuple[str, str]]:
    return [(s.carrier_code, s.tracking_no) for s in order.shipments.all()]


# ------------------------------------------------------------------------------- bulk: service


def test_bulk_shipping_is_per_order_and_says_why_each_failure(paid, store, other_store, place, make_sku):
    first, second, shipped, mistyped = paid(4)
    services.ship_order(store=store, order_id=shipped.pk, carrier="SF", tracking_no=SF.format(9))
    foreign = place(make_sku(other_store), 1)
    succeed(foreign)
    foreign_order = foreign.orders.get()

    results = services.ship_orders(
        store=store,
        requests=[
            ShipRequest(first.pk, "SF", SF.format(1)),
            ShipRequest(shipped.pk, "SF", SF.format(2)),
            ShipRequest(mistyped.pk, "JT", SF.format(3)),
            ShipRequest(foreign_order.pk, "SF", SF.format(4)),
            ShipRequest(second.pk, "ZTO", "731234567890"),
        ],
    )

    assert [(r.order_id, r.ok, r.error.code if r.error else None) for r in results] == [
        (first.pk, True, None),
        (shipped.pk, False, "invalid_transition"),
        (mistyped.pk, False, "tracking_no_mismatch"),
        (foreign_order.pk, False, "not_found"),
        (second.pk, True, None),
    ]
    assert Order.objects.get(pk=first.pk).status == Status.SHIPPED
    assert Order.objects.get(pk=second.pk).status == Status.SHIPPED
    assert _shipments(Order.objects.get(pk=second.pk)) == [("ZTO", "731234567890")]
    assert _shipments(Order.objects.get(pk=shipped.pk)) == [("SF", SF.format(9))]  # as it was
    assert Order.objects.get(pk=mistyped.pk).status == Status.TO_SHIP
    assert not Order.objects.get(pk=mistyped.pk).shipments.exists()
    assert Order.objects.get(pk=foreign_order.pk).status == Status.TO_SHIP


def test_an_order_refunded_in_full_before_shipping_is_reported_and_the_rest_ship(paid, store):
    refunded, fine = paid(2)
    with transaction.atomic():  # as the after-sales app does, inside its refund's transaction
        services.mark_fully_refunded(order_id=refunded.pk)
    results = services.ship_orders(
        store=store,
        requests=[ShipRequest(refunded.pk, "SF", SF.format(1)), ShipRequest(fine.pk, "SF", SF.format(2))],
    )
    assert [(r.ok, r.error.code if r.error else None) for r in results] == [
        (False, "invalid_transition"),
        (True, None),
    ]
    assert Order.objects.get(pk=refunded.pk).status == Status.CANCELLED_REFUNDED
    assert not Order.objects.get(pk=refunded.pk).shipments.exists()


@pytest.mark.parametrize("shape", ["empty", "twice", "too_many"])
def test_a_malformed_bulk_request_ships_nothing(paid, store, shape):
    (order,) = paid(1)
    requests = {
        "empty": [],
        "twice": [ShipRequest(order.pk, "SF", SF.format(1)), ShipRequest(order.pk, "SF", SF.format(2))],
        "too_many": [ShipRequest(order.pk + i, "SF", SF.format(i)) for i in range(rules.BULK_SHIP_MAX + 1)],
    }[shape]
    with pytest.raises(DomainError) as exc:
        services.ship_orders(store=store, requests=requests)
    assert (exc.value.code, exc.value.field) == ("validation_error", "orders")
    assert Order.objects.get(pk=order.pk).status == Status.TO_SHIP


# ------------------------------------------------------------------------------- the buyer's note


def test_the_buyer_note_is_kept_trimmed_and_checked(place, make_sku, store):
    sku = make_sku(store)
    order = place(sku, 1, note="  请周末送货，谢谢  ").orders.get()
    assert order.note == "请周末送货，谢谢"
    for bad in ("长" * (rules.NOTE_MAX + 1), "bad\x00note"):
        with pytest.raises(DomainError) as exc:
            place(sku, 1, note=bad)
        assert (exc.value.code, exc.value.field) == ("validation_error", "note")
    assert Order.objects.count() == 1
    assert place(sku, 1, note="长" * rules.NOTE_MAX).orders.get().note == "长" * rules.NOTE_MAX


def test_the_note_is_part_of_the_idempotency_fingerprint(place, make_sku, store):
    sku = make_sku(store)
    first = place(sku, 1, key="note-key", note="放门口")
    assert place(sku, 1, key="note-key", note="放门口").pk == first.pk
    with pytest.raises(DomainError) as exc:
        place(sku, 1, key="note-key", note="放快递柜")
    assert exc.value.code == "idempotency_conflict"


def test_a_checkout_without_a_note_keeps_its_fingerprint():
    args = {
        "items": {1: 2},
        "address": None,
        "address_id": 3,
        "scene": 1,
        "source_type": "",
        "source_id": None,
        "options": {},
        "recipient_id": None,
    }
    assert services.fingerprint(**args) == services.fingerprint(**args, note="")
    assert services.fingerprint(**args) != services.fingerprint(**args, note="x")


def test_the_checkout_page_takes_the_note_and_the_merchant_sees_it(
    buyer_client,  # noqa: F811
    merchant_client,  # noqa: F811
    make_sku,
    store,
):
    sku = make_sku(store)
    url = reverse("orders:checkout")
    page = buyer_client.get(url, {"sku": sku.pk, "quantity": 1})
    assert "给商家留言" in block(page, "note-panel")
    too_long = buyer_client.post(
        url, {**NEW_ADDRESS, "key": "k-note-1", "line": f"{sku.pk}:1", "note": "长" * (rules.NOTE_MAX + 1)}
    )
    assert too_long.status_code == 422 and not Order.objects.exists()
    assert "200" in block(too_long, "field-note")
    buyer_client.post(url, {**NEW_ADDRESS, "key": "k-note-2", "line": f"{sku.pk}:1", "note": "下午送"})
    order = Order.objects.get()
    assert order.note == "下午送"
    listing = merchant_client.get(reverse("orders:store_orders", args=[store.pk]))
    assert block(listing, f"note-{order.pk}") == "买家留言 下午送"
    assert "下午送" in block(
        merchant_client.get(reverse("orders:order_detail", args=[order.pk])), "buyer-note"
    )


# ------------------------------------------------------------------------------- search and filters


@pytest.fixture
def three_buyers(make_user, place, make_sku, store, monkeypatch):
    """Three paid orders from three buyers with their own names and phones. Their numbers are fixed
    (random digits could hold a phone's digits: 6666 once matched an order number)."""
    serial = iter(range(1, 100))
    monkeypatch.setattr(services, "order_number", lambda at: f"26120700000000000{next(serial):03d}")
    sku = make_sku(store, stock=50)
    orders = {}
    for name, recipient, phone in (
        ("张三丰", "张三", "13911112222"),
        ("李四", "李四光", "13833334444"),
        ("王五", "王小五", "13755556666"),
    ):
        buyer = make_user()
        User.objects.filter(pk=buyer.pk).update(display_name=name)
        checkout = services.place_order(
            buyer=buyer,
            items=[services.LineRequest(sku_id=sku.pk, quantity=1)],
            address={**ADDRESS, "recipient": recipient, "phone": phone},
            idempotency_key=f"search-{phone}",
        ).checkout
        succeed(checkout)
        orders[recipient] = checkout.orders.get()
    return orders


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("张三", {"张三"}),
        ("四光", {"李四光"}),  # the address's recipient
        ("王五", {"王小五"}),  # the buyer's display name
        ("1383333", {"李四光"}),  # part of the phone
        ("6666", {"王小五"}),
        ("138", {"李四光"}),
        ("  ", {"张三", "李四光", "王小五"}),
        ("赵六", set()),
    ],
)
def test_search_by_name_phone_or_number(three_buyers, store, q, found):
    rows = selectors.store_orders(store, q=q)
    assert {o.address["recipient"] for o in rows} == found


def test_search_by_order_number_and_not_across_stores(three_buyers, store, other_store):
    order = three_buyers["李四光"]
    assert list(selectors.store_orders(store, q=order.number)) == [order]
    assert list(selectors.store_orders(store, q=order.number[-8:])) == [order]
    assert not selectors.store_orders(other_store, q=order.number).exists()


def test_the_store_page_searches_and_keeps_the_other_filters(
    three_buyers,
    store,
    merchant_client,  # noqa: F811
):
    url = reverse("orders:store_orders", args=[store.pk])
    page = merchant_client.get(url, {"q": "13911112222", "tab": "to_ship", "ship": "waiting"})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="order-{three_buyers["张三"].pk}"' in html
    assert f'id="order-{three_buyers["李四光"].pk}"' not in html
    assert 'value="13911112222"' in html  # the box keeps the query
    # the status tabs, the ship-by links and the export keep the search
    tabs = html.split('id="status-tabs"')[1].split("</nav>")[0]
    ship_links = html.split('id="ship-links"')[1].split("</nav>")[0]
    assert tabs.count("q=13911112222") == 6 and ship_links.count("q=13911112222") == 4
    export = html.split('id="export-csv"')[0].rsplit("href=", 1)[1]
    assert "q=13911112222" in export and "tab=to_ship" in export and "ship=waiting" in export
    nothing = merchant_client.get(url, {"q": "赵六"})
    assert "没有符合条件的订单" in block(nothing, "orders-empty")
    too_long = merchant_client.get(url, {"q": "x" * (rules.SEARCH_MAX + 1)})
    assert too_long.status_code == 200  # a malformed filter is left out and shown, never a 500


# ------------------------------------------------------------------------------------- CSV export


def _csv(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_the_csv_export_has_the_list_filters_yuan_and_the_note(
    place,
    make_sku,
    store,
    merchant_client,  # noqa: F811
):
    sku = make_sku(store, price_fen=12_345, stock=20, title="=cmd|' /C calc'!A0")
    kept = place(sku, 2, note="请放门卫")
    succeed(kept)
    order = kept.orders.get()
    services.ship_order(store=store, order_id=order.pk, carrier="JD", tracking_no="JDVA12345678901")
    place(sku, 1)  # unpaid: filtered out below

    url = reverse("orders:store_orders_export", args=[store.pk])
    response = merchant_client.get(url, {"tab": "shipped"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(f'attachment; filename="orders-{store.pk}-')
    header, *rows = _csv(response)
    assert header[:3] == ["订单号", "下单时间", "状态"] and header[-1] == "买家留言"
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["订单号"] == order.number and row["状态"] == "待收货"
    assert (row["商品金额（元）"], row["优惠（元）"], row["实付金额（元）"], row["件数"]) == (
        "246.90",
        "0.00",
        "246.90",
        "2",
    )
    assert (row["快递公司"], row["运单号"]) == ("京东物流", "JDVA12345678901")
    assert row["手机号"] == ADDRESS["phone"] and row["买家留言"] == "请放门卫"
    assert row["商品"].startswith("'=cmd")  # a spreadsheet does not run it as a formula

    everything = _csv(merchant_client.get(url))
    assert len(everything) == 3
    english = _csv(merchant_client.get(url, {"tab": "shipped"}, headers={"Accept-Language": "en"}))
    assert english[0][:3] == ["Order number", "Placed", "Status"]
    assert english[1][english[0].index("Carrier")] == "JD Logistics"


def test_the_csv_export_reads_the_orders_a_chunk_at_a_time(
    paid,
    store,
    monkeypatch,
    merchant_client,  # noqa: F811
):
    paid(5)
    url = reverse("orders:store_orders_export", args=[store.pk])

    def cost(chunk: int) -> int:
        monkeypatch.setattr(selectors, "EXPORT_CHUNK", chunk)
        with CaptureQueriesContext(connection) as ctx:
            assert len(_csv(merchant_client.get(url))) == 6
        return len(ctx.captured_queries)

    whole, in_twos = cost(100), cost(2)
    # one read of orders and one of each prefetch per chunk: three chunks of two cost more, and
    # the whole file read at once costs no more than a fixed number
    assert in_twos > whole
    assert whole <= 10


def test_under_asgi_the_export_streams_through_an_async_iterator(paid, store, monkeypatch):
    from asgiref.sync import async_to_sync

    from xiaodian.orders import export

    orders = paid(5)
    monkeypatch.setattr(export, "EXPORT_CHUNK", 2)  # rows per piece sent
    response = export.csv_response(selectors.export_orders(selectors.store_orders(store)), "x.csv", asgi=True)
    assert response.is_async

    async def pieces():
        return [piece async for piece in response.streaming_content]

    sent = async_to_sync(pieces)()
    assert len(sent) == 3  # the header and four rows, then the last row
    rows = list(csv.reader(io.StringIO(b"".join(sent).decode("utf-8")[1:])))
    assert [row[0] for row in rows[1:]] == [o.number for o in reversed(orders)]


def test_strangers_cannot_export(signed_in, make_user, store):  # noqa: F811
    url = reverse("orders:store_orders_export", args=[store.pk])
    assert signed_in(make_user()).get(url).status_code == 404


# ------------------------------------------------------------------------------ bulk: the page


def test_the_store_page_ships_two_orders_at_once(
    paid,
    store,
    merchant_client,  # noqa: F811
):
    first, second = paid(2)
    url = reverse("orders:store_orders", args=[store.pk]) + "?tab=to_ship"
    page = merchant_client.get(url)
    assert first.number in block(page, f"bulk-row-{first.pk}")
    assert second.number in block(page, f"bulk-row-{second.pk}")
    response = merchant_client.post(
        url,
        {
            "action": "bulk_ship",
            "bulk-pick": [first.pk, second.pk],
            "bulk-carrier": "SF",
            f"bulk-tracking_no_{first.pk}": SF.format(1),
            f"bulk-carrier_{second.pk}": "ZTO",
            f"bulk-tracking_no_{second.pk}": "731234567890",
        },
    )
    assert response.status_code == 302 and response.url == url
    assert _shipments(Order.objects.get(pk=first.pk)) == [("SF", SF.format(1))]
    assert _shipments(Order.objects.get(pk=second.pk)) == [("ZTO", "731234567890")]
    after = merchant_client.get(response.url)
    assert f"已发货 2 个订单：{first.number}、{second.number}" in after.content.decode()
    assert "bulk-ship-form" not in after.content.decode()  # nothing left to ship


def test_the_page_reports_each_order_that_did_not_ship(
    paid,
    store,
    merchant_client,  # noqa: F811
):
    good, mistyped = paid(2)
    url = reverse("orders:store_orders", args=[store.pk])
    response = merchant_client.post(
        url,
        {
            "action": "bulk_ship",
            "bulk-pick": [good.pk, mistyped.pk],
            "bulk-carrier": "SF",
            f"bulk-tracking_no_{good.pk}": SF.format(1),
            f"bulk-tracking_no_{mistyped.pk}": "JT1234567890123",
        },
    )
    assert response.status_code == 409
    assert "已发货" in block(response, f"bulk-row-{good.pk}")
    assert "这不是顺丰速运的运单号" in block(response, f"bulk-row-{mistyped.pk}")
    html = response.content.decode()
    assert 'value="JT1234567890123"' in html  # the typed number stays for correcting
    assert Order.objects.get(pk=good.pk).status == Status.SHIPPED
    assert Order.objects.get(pk=mistyped.pk).status == Status.TO_SHIP


def test_a_bulk_form_missing_a_number_or_carrier_ships_nothing(
    paid,
    store,
    merchant_client,  # noqa: F811
):
    first, second = paid(2)
    url = reverse("orders:store_orders", args=[store.pk])
    response = merchant_client.post(
        url,
        {
            "action": "bulk_ship",
            "bulk-pick": [first.pk, second.pk],
            f"bulk-carrier_{first.pk}": "SF",
            f"bulk-tracking_no_{first.pk}": SF.format(1),
            f"bulk-tracking_no_{second.pk}": "",
        },
    )
    assert response.status_code == 422
    assert "请选择快递公司" in block(response, f"field-bulk-carrier_{second.pk}")
    assert "请填写运单号" in block(response, f"field-bulk-tracking_no_{second.pk}")
    assert Order.objects.filter(status=Status.TO_SHIP).count() == 2
    none_picked = merchant_client.post(url, {"action": "bulk_ship", "bulk-carrier": "SF"})
    assert none_picked.status_code == 422 and "请勾选要发货的订单" in block(none_picked, "bulk-pick-errors")


def test_the_order_list_costs_the_same_with_the_bulk_form_and_a_search(
    paid,
    store,
    merchant_client,  # noqa: F811
    django_assert_max_num_queries,
):
    url = reverse("orders:store_orders", args=[store.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert merchant_client.get(url, {"tab": "to_ship", "q": "王"}).status_code == 200
        return len(ctx.captured_queries)

    paid(2)
    small = queries()
    paid(8)
    with django_assert_max_num_queries(10):
        assert queries() == small


# ------------------------------------------------------------------------------------------ API


def test_the_api_lists_carriers_with_their_patterns(api):
    r = api.get("/carriers")
    assert r.status_code == 200
    sf = next(c for c in r.json() if c["code"] == "SF")
    assert sf == {
        "code": "SF",
        "name": "顺丰速运",
        "name_zh": "顺丰速运",
        "name_en": "SF Express",
        "pattern": rules.CARRIERS["SF"].pattern.pattern,
        "example": "SF1234567890123",
    }
    assert next(c for c in api.get("/carriers", HTTP_ACCEPT_LANGUAGE="en").json() if c["code"] == "SF")[
        "name"
    ] in ("SF Express", "顺丰速运")


def test_the_api_ships_several_orders_per_order(api, api_for, buyer, paid, store):
    first, second, third = paid(3)
    body = {
        "carrier": "SF",
        "orders": [
            {"order_id": first.pk, "tracking_no": SF.format(1)},
            {"order_id": second.pk, "tracking_no": "731234567890", "carrier": "ZTO"},
            {"order_id": third.pk, "tracking_no": "JT1234567890123"},  # not an SF number
        ],
    }
    assert api_for(buyer).post(f"/stores/{store.pk}/orders/ship", body).status_code == 404
    r = api.post(f"/stores/{store.pk}/orders/ship", body)
    assert r.status_code == 200, r.content
    answer = r.json()
    assert (answer["shipped"], answer["failed"]) == (2, 1)
    assert answer["results"][0] == {
        "order_id": first.pk,
        "shipped": True,
        "status": 30,
        "code": None,
        "message": None,
    }
    assert answer["results"][2]["code"] == "tracking_no_mismatch" and answer["results"][2]["status"] is None
    again = api.post(f"/stores/{store.pk}/orders/ship", body)
    assert [x["code"] for x in again.json()["results"]] == [
        "invalid_transition",
        "invalid_transition",
        "tracking_no_mismatch",
    ]
    assert Order.objects.get(pk=third.pk).status == Status.TO_SHIP


@pytest.mark.parametrize(
    "body",
    [
        {"orders": []},
        {"carrier": "SF", "orders": [{"order_id": 1, "tracking_no": "SF1234567890123"}] * 2},
        {"carrier": "SF", "orders": [{"order_id": 1}]},
        {"carrier": "SF"},
    ],
)
def test_a_malformed_bulk_ship_request_is_refused_whole(api, store, paid, body):
    (order,) = paid(1)
    for item in body.get("orders", []):
        item["order_id"] = order.pk
    r = api.post(f"/stores/{store.pk}/orders/ship", body)
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    assert Order.objects.get(pk=order.pk).status == Status.TO_SHIP


def test_an_order_without_a_carrier_is_refused_alone(api, store, paid):
    (order,) = paid(1)
    r = api.post(
        f"/stores/{store.pk}/orders/ship", {"orders": [{"order_id": order.pk, "tracking_no": SF.format(1)}]}
    )
    assert r.json()["results"][0]["code"] == "unknown_carrier"


def test_the_api_filters_and_exports_the_store_orders(api, api_for, buyer, three_buyers, store):
    r = api.get("/orders", {"store_id": store.pk, "q": "李四"})
    assert r.status_code == 200
    assert [o["id"] for o in r.json()["items"]] == [three_buyers["李四光"].pk]
    assert api.get("/orders", {"store_id": store.pk, "ship": "late"}).json()["count"] == 0
    assert api.get("/orders", {"store_id": store.pk, "ship": "waiting"}).json()["count"] == 3
    assert api.get("/orders", {"store_id": store.pk, "ship": "soon"}).status_code == 422
    exported = api.get("/orders", {"store_id": store.pk, "q": "王", "format": "csv"})
    assert exported.status_code == 200 and exported["Content-Type"] == "text/csv; charset=utf-8"
    header, *rows = _csv(exported)
    assert len(rows) == 1 and rows[0][header.index("收货人")] == "王小五"
    refused = api_for(buyer).get("/orders", {"format": "csv"})
    assert (refused.status_code, refused.json()["field"]) == (422, "format")


def test_the_api_takes_and_shows_the_note(api_for, buyer, make_sku, store):
    sku = make_sku(store)
    body = {"items": [{"sku_id": sku.pk, "quantity": 1}], "address": ADDRESS, "note": "请放门口"}
    r = api_for(buyer).post("/orders", body, **{"Idempotency-Key": "n1"})
    assert r.status_code == 201 and r.json()["orders"][0]["note"] == "请放门口"
    too_long = api_for(buyer).post(
        "/orders", {**body, "note": "长" * (rules.NOTE_MAX + 1)}, **{"Idempotency-Key": "n2"}
    )
    assert too_long.status_code == 422
