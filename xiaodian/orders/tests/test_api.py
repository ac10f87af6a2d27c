import threading

import pytest
from django.db import connection

from xiaodian.catalog.models import SKU
from xiaodian.orders.models import Order

from .conftest import ADDRESS, succeed


def checkout_body(*lines, **extra):
    return {"items": [{"sku_id": sku.pk, "quantity": q} for sku, q in lines], "address": ADDRESS, **extra}


@pytest.fixture
def buyer_api(api_for, buyer):
    return api_for(buyer)


def test_checkout_answers_orders_and_the_payment(buyer_api, make_sku, store, other_store):
    a, b = make_sku(store, price_fen=1200), make_sku(other_store, price_fen=300)
    r = buyer_api.post(
        "/orders", checkout_body((a, 1), (b, 2), scene=7, source_type="search"), **{"Idempotency-Key": "c1"}
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert len(body["orders"]) == 2
    assert body["payment"]["amount_fen"] == 1800 and body["payment"]["status"] == "unpaid"
    assert {o["scene"] for o in body["orders"]} == {7}
    assert all(o["status"] == 10 and o["status_label"] for o in body["orders"])


def test_idempotency_key_replays_or_conflicts(buyer_api, make_sku, store):
    sku = make_sku(store)
    first = buyer_api.post("/orders", checkout_body((sku, 1)), **{"Idempotency-Key": "same"})
    again = buyer_api.post("/orders", checkout_body((sku, 1)), **{"Idempotency-Key": "same"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    other = buyer_api.post("/orders", checkout_body((sku, 2)), **{"Idempotency-Key": "same"})
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_conflict")
    assert SKU.objects.get(pk=sku.pk).stock == 9
    missing = buyer_api.post("/orders", checkout_body((sku, 1)))
    assert (missing.status_code, missing.json()["code"]) == (422, "validation_error")


def test_order_lists_filter_by_status_and_store(buyer_api, api, make_sku, store, place):
    paid = place(make_sku(store), 1)
    succeed(paid)
    place(make_sku(store), 1)
    assert buyer_api.get("/orders").json()["count"] == 2
    assert buyer_api.get("/orders", {"status": 20}).json()["count"] == 1
    assert buyer_api.get("/orders", {"date_from": "2000-01-01", "date_to": "2000-01-02"}).json()["count"] == 0
    assert api.get("/orders", {"store_id": store.pk}).json()["count"] == 2  # the merchant
    assert buyer_api.get("/orders", {"store_id": store.pk}).status_code == 404


def test_buyer_and_merchant_see_an_order_strangers_do_not(
    buyer_api, api, api_for, make_user, make_sku, store, place
):
    order = place(make_sku(store), 1).orders.get()
    assert buyer_api.get(f"/orders/{order.pk}").json()["number"] == order.number
    assert api.get(f"/orders/{order.pk}").status_code == 200
    assert api_for(make_user()).get(f"/orders/{order.pk}").status_code == 404


def test_ship_and_confirm_over_the_api(buyer_api, api, make_sku, store, place):
    checkout = place(make_sku(store), 2)
    succeed(checkout)
    order = checkout.orders.get()
    r = buyer_api.post(f"/orders/{order.pk}/ship", {"carrier": "SF", "tracking_no": "SF1234567890123"})
    assert r.status_code == 404  # the buyer is not the store's staff
    r = api.post(f"/orders/{order.pk}/ship", {"carrier": "SF", "tracking_no": "SF1234567"})
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (
        422,
        "tracking_no_mismatch",
        "tracking_no",
    )
    r = api.post(f"/orders/{order.pk}/ship", {"carrier": "顺风", "tracking_no": "SF1234567890123"})
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (422, "unknown_carrier", "carrier")
    r = api.post(f"/orders/{order.pk}/ship", {"carrier": "SF", "tracking_no": "SF1234567890123"})
    assert r.json()["status"] == 30
    assert r.json()["shipments"][0] | {"created_at": None, "lines": None} == {
        "carrier": "顺丰速运",
        "carrier_code": "SF",
        "tracking_no": "SF1234567890123",
        "created_at": None,
        "lines": None,
    }
    assert buyer_api.post(f"/orders/{order.pk}/confirm").json()["status"] == 100


def test_cancel_over_the_api(buyer_api, make_sku, store, place):
    order = place(make_sku(store), 1).orders.get()
    r = buyer_api.post(f"/orders/{order.pk}/cancel")
    assert r.status_code == 200 and r.json()[0]["status"] == 250
    again = buyer_api.post(f"/orders/{order.pk}/cancel")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")


def test_the_cart_never_holds_more_than_the_stock_and_says_how_many_are_left(buyer_api, make_sku, store):
    sku = make_sku(store, stock=8)
    refused = buyer_api.post("/cart/items", {"sku_id": sku.pk, "quantity": 50})
    assert (refused.status_code, refused.json()["code"], refused.json()["field"]) == (
        409,
        "out_of_stock",
        "quantity",
    )
    assert refused.json()["message"] == "库存不足，只剩 8 件。"
    assert buyer_api.get("/cart/items").json()["count"] == 0  # nothing half-written
    item = buyer_api.post("/cart/items", {"sku_id": sku.pk, "quantity": 6}).json()
    again = buyer_api.post("/cart/items", {"sku_id": sku.pk, "quantity": 3})  # 6 + 3 > 8
    assert (again.status_code, again.json()["code"]) == (409, "out_of_stock")
    assert buyer_api.get("/cart/items").json()["items"][0]["quantity"] == 6
    assert buyer_api.post("/cart/items", {"sku_id": sku.pk, "quantity": 2}).json()["quantity"] == 8
    assert item["quantity"] == 6
    english = buyer_api.post("/cart/items", {"sku_id": sku.pk, "quantity": 1}, **{"Accept-Language": "en"})
    assert english.json()["message"] == "Not enough stock: only 8 left."
    sold_out = make_sku(store, stock=0)
    gone = buyer_api.post("/cart/items", {"sku_id": sold_out.pk, "quantity": 1})
    assert (gone.status_code, gone.json()["message"]) == (409, "已售罄。")


def test_cart_and_addresses(buyer_api, make_sku, store):
    sku = make_sku(store)
    assert buyer_api.post("/cart/items", {"sku_id": sku.pk, "quantity": 2}).status_code == 201
    item = buyer_api.post("/cart/items", {"sku_id": sku.pk, "quantity": 1}).json()
    assert item["quantity"] == 3
    assert buyer_api.get("/cart/items").json()["items"][0]["title"] == "纯棉T恤"
    assert buyer_api.delete(f"/cart/items/{item['id']}").status_code == 204
    assert buyer_api.get("/cart/items").json()["count"] == 0
    address = buyer_api.post("/addresses", ADDRESS).json()
    assert address["is_default"] is True
    r = buyer_api.post(
        "/orders",
        {"items": [{"sku_id": sku.pk, "quantity": 1}], "address_id": address["id"]},
        **{"Idempotency-Key": "addr"},
    )
    assert r.json()["orders"][0]["address"]["recipient"] == ADDRESS["recipient"]


def test_a_one_line_order_costs_at_most_10_queries(buyer_api, make_sku, store, django_assert_max_num_queries):
    """The token, the SKUs, then one transaction (as a savepoint here): checkout, orders, lines,
    events, close task, stock."""
    sku = make_sku(store)
    buyer_api.get("/orders")  # the token's last-used stamp is written once a minute, not per request
    with django_assert_max_num_queries(10):
        r = buyer_api.post("/orders", checkout_body((sku, 1)), **{"Idempotency-Key": "q1"})
    assert r.status_code == 201


def test_a_payment_notification_costs_a_fixed_number_of_queries(
    buyer_api, make_sku, store, client, django_assert_max_num_queries
):
    """Verified, deduplicated and applied in one transaction: the payment, the receipt, the order
    (locked, moved, its history), the log, one task row per `order_paid` handler (the ledger's
    postings, the alliance's library rank, the gifts' paid time, the feed's friends' proof); 18 with
    the savepoints the tests' transaction adds."""
    from xiaodian.payments.models import Payment
    from xiaodian.wechatpay_sandbox.testing import notification_for

    sku = make_sku(store)
    placed = buyer_api.post("/orders", checkout_body((sku, 1)), **{"Idempotency-Key": "n1"})
    paying = buyer_api.post(f"/orders/{placed.json()['orders'][0]['id']}/pay", {})
    headers, body = notification_for(Payment.objects.get(out_trade_no=paying.json()["out_trade_no"]))
    with django_assert_max_num_queries(18):
        r = client.post(
            "/api/v1/payments/wechatpay/notify", data=body, content_type="application/json", headers=headers
        )
    assert r.status_code == 204


def test_ten_lines_over_three_stores_cost_at_most_ten_more(
    buyer_api, make_sku, store, other_store, make_user, make_subject, make_store, django_assert_num_queries
):
    from django.test.utils import CaptureQueriesContext

    third_owner = make_user()
    third = make_store(third_owner, make_subject(third_owner), name="第三家店")
    one = make_sku(store)
    ten = [make_sku(s) for s in (store,) * 4 + (other_store,) * 3 + (third,) * 3]
    buyer_api.get("/orders")
    with CaptureQueriesContext(connection) as single:
        buyer_api.post("/orders", checkout_body((one, 1)), **{"Idempotency-Key": "one"})
    with CaptureQueriesContext(connection) as many:
        r = buyer_api.post("/orders", checkout_body(*[(s, 1) for s in ten]), **{"Idempotency-Key": "ten"})
    assert len(r.json()["orders"]) == 3
    assert len(many) - len(single) <= 10, [q["sql"][:80] for q in many.captured_queries]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_64_threads_buying_the_last_50_units_sell_exactly_50(make_user, make_sku, store):
    if connection.vendor != "postgresql":
        pytest.skip("the threaded race needs PostgreSQL (SQLite serialises every writer)")
    from django.test import Client

    from xiaodian.accounts.services import issue_token

    sku = make_sku(store, stock=50)
    buyers = [make_user() for _ in range(64)]
    tokens = [issue_token(user=b, name="race")[1] for b in buyers]
    barrier = threading.Barrier(64)
    statuses: list[int] = []

    def buy(i: int) -> None:
        client = Client()
        barrier.wait()
        try:
            r = client.post(
                "/api/v1/orders",
                checkout_body((sku, 1)),
                content_type="application/json",
                headers={"Authorization": f"Bearer {tokens[i]}", "Idempotency-Key": f"race{i}"},
            )
            statuses.append(r.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(201) == 50
    assert statuses.count(409) == 14
    assert SKU.objects.get(pk=sku.pk).stock == 0
    assert Order.objects.count() == 50


def test_pay_through_wechat_pay_and_its_sandbox(buyer_api, make_sku, store, other_store):
    from xiaodian.payments.models import Payment
    from xiaodian.wechatpay_sandbox.testing import notification_for, pay_in_sandbox

    a, b = make_sku(store, price_fen=700), make_sku(other_store, price_fen=300)
    placed = buyer_api.post("/orders", checkout_body((a, 1), (b, 1)), **{"Idempotency-Key": "pay"}).json()
    order_id = placed["orders"][0]["id"]
    r = buyer_api.post(f"/orders/{order_id}/pay", {"channel": "native"})
    assert r.status_code == 200
    paying = r.json()
    assert paying["amount_fen"] == 1000 and paying["pay_url"].startswith("/sandbox/wechatpay/pay/")
    assert (
        buyer_api.post(f"/orders/{placed['orders'][1]['id']}/pay").json()["out_trade_no"]
        == paying["out_trade_no"]
    )
    payment = Payment.objects.get(out_trade_no=paying["out_trade_no"])
    headers, body = notification_for(payment)
    pay_in_sandbox(payment)
    statuses = [buyer_api.get(f"/orders/{o['id']}").json()["status"] for o in placed["orders"]]
    assert statuses == [20, 20]
    # the same notification again: answered as taken, nothing moves twice
    again = buyer_api.client.post(
        "/api/v1/payments/wechatpay/notify",
        body,
        content_type="application/json",
        headers={k: v for k, v in headers.items() if k != "Content-Type"},
    )
    assert again.status_code in (200, 204)
    from xiaodian.orders.models import OrderEvent

    assert OrderEvent.objects.filter(order_id=order_id, to_status=20).count() == 1


def test_an_unpaid_checkout_closes_its_wechat_pay_transaction(
    buyer_api, make_sku, store, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from xiaodian.core import clock
    from xiaodian.orders import services
    from xiaodian.payments.models import Payment

    sku = make_sku(store)
    with clock.travel_to(clock.now()):
        placed = buyer_api.post("/orders", checkout_body((sku, 1)), **{"Idempotency-Key": "close"}).json()
        out_trade_no = buyer_api.post(f"/orders/{placed['orders'][0]['id']}/pay").json()["out_trade_no"]
        clock.advance(timedelta(minutes=15))
        with django_capture_on_commit_callbacks(execute=True):
            services.close_expired_orders()
    assert Payment.objects.get(out_trade_no=out_trade_no).status == "closed"
    assert SKU.objects.get(pk=sku.pk).stock == 10


def test_dates_at_the_edge_of_the_calendar_are_read_as_the_earliest_and_latest_days_not_500(
    buyer_api, make_sku, store
):
    """0001-01-01 in Shanghai is before datetime.min in UTC; such a filter means "from the
    beginning" (or "to the end"), as JSON Schema's `format: date` lets a client send it."""
    sku = make_sku(store)
    placed = buyer_api.post("/orders", checkout_body((sku, 1)), **{"Idempotency-Key": "edge"})
    assert placed.status_code == 201
    for start, end, count in (("0001-01-01", "9999-12-31", 1), ("0001-01-01", "0001-01-01", 0)):
        r = buyer_api.get("/orders", {"date_from": start, "date_to": end})
        assert (r.status_code, r.json()["count"]) == (200, count), r.content
    r = buyer_api.get("/orders", {"date_from": "0"})
    assert (r.status_code, r.json()["field"]) == (422, "date_from")  # a date is YYYY-MM-DD
