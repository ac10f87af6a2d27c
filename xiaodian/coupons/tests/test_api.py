"""The coupon endpoints, and POST /orders with coupon_ids."""

from datetime import timedelta

import pytest

from xiaodian.core import clock
from xiaodian.orders.tests.conftest import ADDRESS


@pytest.fixture
def buyer_api(api_for, buyer):
    return api_for(buyer)


def coupon_body(**fields) -> dict:
    now = clock.now()
    return {
        "name": "满199减20",
        "kind": "store",
        "discount_type": "threshold_off",
        "amount_fen": 2_000,
        "threshold_fen": 19_900,
        "claim_starts_at": (now - timedelta(minutes=1)).isoformat(),
        "claim_ends_at": (now + timedelta(days=1)).isoformat(),
        "valid_days": 7,
        "total_quantity": 10,
    } | fields


def order_body(sku, quantity=1, **extra) -> dict:
    return {"items": [{"sku_id": sku.pk, "quantity": quantity}], "address": ADDRESS} | extra


def test_a_store_creates_issues_and_stops_a_coupon(api, store):
    r = api.post(f"/stores/{store.pk}/coupons", coupon_body())
    assert r.status_code == 201, r.json()
    coupon = r.json()
    assert (coupon["state"], coupon["label"], coupon["left"]) == ("draft", "满 ¥199.00 减 ¥20.00", 10)
    r = api.patch(f"/coupons/{coupon['id']}", {"state": "active", "total_quantity": 20})
    assert r.status_code == 200 and (r.json()["state"], r.json()["total_quantity"]) == ("active", 20)
    r = api.patch(f"/coupons/{coupon['id']}", {"amount_fen": 100})
    assert (r.status_code, r.json()["code"]) == (409, "invalid_transition")
    r = api.post(f"/coupons/{coupon['id']}/stop")
    assert r.status_code == 200 and r.json()["state"] == "stopped"


def test_a_bad_coupon_is_a_422_naming_the_field(api, store):
    r = api.post(f"/stores/{store.pk}/coupons", coupon_body(amount_fen=20_000))
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (422, "validation_error", "amount_fen")
    r = api.post(f"/stores/{store.pk}/coupons", coupon_body(total_quantity=True))
    assert r.status_code == 422


def test_other_peoples_coupons_are_not_found(api, api_for, store, other_store, buyer):
    coupon = api.post(f"/stores/{store.pk}/coupons", coupon_body()).json()
    stranger = api_for(buyer)
    assert stranger.post(f"/stores/{store.pk}/coupons", coupon_body()).status_code == 404
    assert stranger.patch(f"/coupons/{coupon['id']}", {"name": "x"}).status_code == 404
    assert stranger.post(f"/coupons/{coupon['id']}/stop").status_code == 404
    assert stranger.get(f"/stores/{store.pk}/coupons", {"manage": "true"}).status_code == 404


def test_a_buyer_claims_from_the_store_page_and_uses_it(api, buyer_api, store, make_sku):
    coupon = api.post(f"/stores/{store.pk}/coupons", coupon_body(issue=True)).json()
    listed = buyer_api.get(f"/stores/{store.pk}/coupons").json()
    assert [c["id"] for c in listed["items"]] == [coupon["id"]]
    claimed = buyer_api.post(f"/coupons/{coupon['id']}/claim")
    assert claimed.status_code == 201 and claimed.json()["state"] == "unused"
    again = buyer_api.post(f"/coupons/{coupon['id']}/claim")
    assert (again.status_code, again.json()["code"]) == (409, "coupon_limit_reached")
    mine = buyer_api.get("/me/coupons").json()
    assert mine["count"] == 1 and mine["items"][0]["coupon"]["label"] == "满 ¥199.00 减 ¥20.00"
    held = mine["items"][0]["id"]

    sku = make_sku(store, price_fen=10_000, stock=5)
    short = buyer_api.post("/orders", order_body(sku, 1, coupon_ids=[held]), **{"Idempotency-Key": "c0"})
    assert (short.status_code, short.json()["code"], short.json()["reason"]) == (
        409,
        "coupon_not_usable",
        "threshold",
    )
    assert "¥99.00" in short.json()["message"]
    placed = buyer_api.post("/orders", order_body(sku, 2, coupon_ids=[held]), **{"Idempotency-Key": "c1"})
    assert placed.status_code == 201, placed.json()
    order = placed.json()["orders"][0]
    assert (order["goods_fen"], order["discount_fen"], order["total_fen"]) == (20_000, 2_000, 18_000)
    assert order["lines"][0]["discount_fen"] == 2_000
    assert placed.json()["payment"]["amount_fen"] == 18_000
    assert buyer_api.get("/me/coupons", {"state": "used"}).json()["items"][0]["order_id"] == order["id"]

    report = api.get(f"/stores/{store.pk}/coupons", {"manage": "true"}).json()["items"][0]
    assert (
        report["claimed_count"],
        report["used_count"],
        report["paid_fen"],
        report["discount_given_fen"],
    ) == (
        1,
        1,
        18_000,
        2_000,
    )


def test_a_live_coupon_is_listed_and_claimed_only_with_its_room(api, buyer_api, store, live_room, bound):
    coupon = api.post(
        f"/stores/{store.pk}/coupons", coupon_body(kind="live", live_room_id=live_room.pk, issue=True)
    ).json()
    assert buyer_api.get(f"/stores/{store.pk}/coupons").json()["count"] == 0
    in_room = buyer_api.get(f"/stores/{store.pk}/coupons", {"room_id": live_room.pk}).json()
    assert [c["id"] for c in in_room["items"]] == [coupon["id"]]
    outside = buyer_api.post(f"/coupons/{coupon['id']}/claim")
    assert (outside.status_code, outside.json()["code"]) == (409, "coupon_not_claimable")
    assert buyer_api.post(f"/coupons/{coupon['id']}/claim", {"room_id": live_room.pk}).status_code == 201


def test_a_store_runs_a_campaign(api, buyer_api, store, make_sku):
    sku = make_sku(store, price_fen=10_000)
    now = clock.now()
    body = {
        "name": "满百减十",
        "product_ids": [sku.product_id],
        "tiers": [{"threshold_fen": 10_000, "off_fen": 1_000}],
        "starts_at": (now - timedelta(minutes=1)).isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat(),
    }
    r = api.post(f"/stores/{store.pk}/campaigns", body)
    assert r.status_code == 201, r.json()
    tiers = buyer_api.get(f"/stores/{store.pk}/campaigns").json()["items"][0]["tiers"]
    assert tiers == [{"threshold_fen": 10_000, "off_fen": 1_000}]
    placed = buyer_api.post("/orders", order_body(sku), **{"Idempotency-Key": "camp"}).json()
    assert placed["orders"][0]["discount_fen"] == 1_000
    bad = api.post(
        f"/stores/{store.pk}/campaigns", body | {"tiers": [{"threshold_fen": 1_000, "off_fen": 1_000}]}
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "tiers")
    stopped = api.post(f"/campaigns/{r.json()['id']}/stop")
    assert stopped.json()["state"] == "stopped"
    assert buyer_api.get(f"/stores/{store.pk}/campaigns").json()["count"] == 0


def test_a_one_line_order_with_a_coupon_costs_at_most_4_more_queries(
    api, buyer_api, store, make_sku, django_assert_max_num_queries
):
    """The budget without a coupon is 10 (orders' test_a_one_line_order_costs_at_most_10_queries);
    a coupon adds: the buyer's coupon with its template, and its conditional UPDATE."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    coupon = api.post(f"/stores/{store.pk}/coupons", coupon_body(issue=True)).json()
    held = buyer_api.post(f"/coupons/{coupon['id']}/claim").json()["id"]
    sku = make_sku(store, price_fen=20_000)
    buyer_api.get("/orders")  # the token's last-used stamp is written once a minute, not per request
    with CaptureQueriesContext(connection) as without:
        assert buyer_api.post("/orders", order_body(sku), **{"Idempotency-Key": "q0"}).status_code == 201
    with CaptureQueriesContext(connection) as with_coupon:
        r = buyer_api.post("/orders", order_body(sku, coupon_ids=[held]), **{"Idempotency-Key": "q1"})
    assert r.status_code == 201 and r.json()["orders"][0]["discount_fen"] == 2_000
    assert len(with_coupon) - len(without) <= 4, [q["sql"][:90] for q in with_coupon.captured_queries]
    assert len(without) <= 10


def test_dates_beyond_any_calendar_the_database_reads_are_a_422(api, store, make_sku):
    """A zone's offset near year 9999 (or year 1) overflows on the way to UTC: refused before any
    write, never a 500 nor a row no driver can read back (the store's pages would all fail)."""
    far = {"use_starts_at": "9999-06-01T00:00:00-10:00", "use_ends_at": "9999-12-31T23:00:00-10:00"}
    r = api.post(f"/stores/{store.pk}/coupons", coupon_body(valid_days=None, **far))
    assert (r.status_code, r.json()["field"]) == (422, "use_ends_at")
    r = api.post(f"/stores/{store.pk}/coupons", coupon_body(claim_starts_at="0001-01-01T00:00:00+08:00"))
    assert (r.status_code, r.json()["field"]) == (422, "claim_ends_at")
    body = {
        "name": "万年满减",
        "product_ids": [make_sku(store).product_id],
        "tiers": [{"threshold_fen": 10_000, "off_fen": 1_000}],
        "starts_at": "9999-06-01T00:00:00-10:00",
        "ends_at": "9999-12-31T23:00:00-10:00",
    }
    r = api.post(f"/stores/{store.pk}/campaigns", body)
    assert (r.status_code, r.json()["field"]) == (422, "ends_at")
    assert api.get(f"/stores/{store.pk}/coupons?manage=true").json()["count"] == 0
