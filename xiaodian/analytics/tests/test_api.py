"""GET /api/v1/stores/{store_id}/analytics: JSON and CSV, who may read it, bad ranges, its cost."""

import csv
import io

import pytest

from xiaodian.accounts.rules import Role
from xiaodian.core import clock
from xiaodian.core.scenes import Scene
from xiaodian.stores import services as stores
from xiaodian.stores.access import store_for

from .conftest import sh

NOW = sh(2026, 3, 10, 9)
RANGE = {"from": "2026-03-01", "to": "2026-03-04"}


@pytest.fixture(autouse=True)
def _today_is_10_march():
    with clock.travel_to(NOW):
        yield


@pytest.fixture
def orders(store, make_order, make_refund):
    """1 Mar: ¥10.00 from a live room, ¥25.00 from a 1:1 chat; 2 Mar: ¥3.00 created, unpaid;
    3 Mar: ¥4.00 of the live-room order refunded."""
    live = make_order(sh(2026, 3, 1, 10), sh(2026, 3, 1, 10, 1), total_fen=1_000, scene=Scene.LIVE_ROOM)
    make_order(sh(2026, 3, 1, 11), sh(2026, 3, 1, 11, 1), total_fen=2_500, scene=Scene.CHAT)
    make_order(sh(2026, 3, 2, 11), None, total_fen=300, scene=Scene.SEARCH)
    make_refund(live, 400, sh(2026, 3, 3, 9))
    return store


def url(store) -> str:
    return f"/api/v1/stores/{store.pk}/analytics"


def staff(store, merchant, make_user, role: str):
    member = make_user(f"staff_{role}")
    stores.add_staff(store=store_for(merchant, store.pk, "manage_staff"), user_id=member.pk, role=role)
    return member


# ------------------------------------------------------------------------------------------ JSON


def test_the_report_as_json(api, orders):
    r = api.get(f"/stores/{orders.pk}/analytics", RANGE)
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["store_id"], body["from"], body["to"]) == (orders.pk, "2026-03-01", "2026-03-04")
    assert [d["date"] for d in body["days"]] == ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]
    first = body["days"][0]
    assert (first["gmv_fen"], first["orders"], first["created_orders"]) == (3_500, 2, 2)
    assert first["by_scene"]["2"] == {"gmv_fen": 1_000, "orders": 1}
    assert first["by_scene"]["9"] == {"gmv_fen": 2_500, "orders": 1}
    assert set(first["by_scene"]) == {str(s) for s in Scene.values}
    assert first["public"] == {"gmv_fen": 1_000, "orders": 1}
    assert first["private"] == {"gmv_fen": 2_500, "orders": 1}
    assert body["days"][3] == {
        "date": "2026-03-04",
        "gmv_fen": 0,
        "orders": 0,
        "created_orders": 0,
        "refund_fen": 0,
        "refunded_orders": 0,
        "by_scene": {str(s): {"gmv_fen": 0, "orders": 0} for s in Scene.values},
        "public": {"gmv_fen": 0, "orders": 0},
        "private": {"gmv_fen": 0, "orders": 0},
    }
    assert body["days"][2]["refund_fen"] == 400
    totals = body["totals"]
    assert (totals["gmv_fen"], totals["orders"], totals["created_orders"], totals["refund_fen"]) == (
        3_500,
        2,
        3,
        400,
    )
    assert body["rates"] == {
        "orders_created": 3,
        "orders_created_paid": 2,
        "orders_paid": 2,
        "paid_rate": 0.6667,
        "gmv_fen": 3_500,
        "refund_fen": 400,
        "refunded_orders": 1,
        "refund_amount_rate": 0.1143,
        "refund_order_rate": 0.5,
    }
    assert body["scenes"][8] == {"scene": 9, "label": "单聊", "domain": "private"}
    assert body["scenes"][0] == {"scene": 1, "label": "其他", "domain": "public"}


def test_without_a_range_the_report_covers_the_last_30_days(api, orders):
    body = api.get(f"/stores/{orders.pk}/analytics").json()
    assert (body["from"], body["to"], len(body["days"])) == ("2026-02-09", "2026-03-10", 30)
    assert body["totals"]["gmv_fen"] == 3_500


def test_the_api_documents_from_and_to(api):
    spec = api.get("/openapi.json").json()
    operation = spec["paths"]["/api/v1/stores/{store_id}/analytics"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"store_id", "from", "to", "format"}
    assert "from" in spec["components"]["schemas"]["ReportOut"]["properties"]


# ------------------------------------------------------------------------------------------- CSV


def read_csv(response) -> list[list[str]]:
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_the_report_as_csv(api, orders):
    r = api.get(f"/stores/{orders.pk}/analytics", {**RANGE, "format": "csv"})
    assert r.status_code == 200
    assert r["Content-Type"] == "text/csv; charset=utf-8"
    assert r["Content-Disposition"] == f'attachment; filename="store-{orders.pk}-2026-03-01-2026-03-04.csv"'
    rows = read_csv(r)
    header, *days = rows
    assert header[:10] == [
        "日期",
        "支付金额（元）",
        "支付订单数",
        "创建订单数",
        "退款金额（元）",
        "退款订单数",
        "公域支付金额（元）",
        "公域支付订单数",
        "私域支付金额（元）",
        "私域支付订单数",
    ]
    assert len(header) == 10 + 2 * len(Scene)
    assert header[10:14] == [
        "其他支付金额（元）",
        "其他支付订单数",
        "直播间支付金额（元）",
        "直播间支付订单数",
    ]
    assert [d[0] for d in days] == ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]
    first = dict(zip(header, days[0], strict=True))
    assert first["支付金额（元）"] == "35.00"
    assert first["支付订单数"] == "2"
    assert first["私域支付金额（元）"] == "25.00"
    assert first["直播间支付金额（元）"] == "10.00"
    assert first["单聊支付订单数"] == "1"
    assert first["搜索支付订单数"] == "0"
    assert dict(zip(header, days[2], strict=True))["退款金额（元）"] == "4.00"
    assert all(len(d) == len(header) for d in days)


def test_the_csv_header_follows_the_readers_language(api, orders):
    r = api.get(f"/stores/{orders.pk}/analytics", {**RANGE, "format": "csv"}, **{"Accept-Language": "en"})
    header = read_csv(r)[0]
    assert header[:3] == ["Date", "GMV (yuan)", "Paid orders"]
    assert "Live room GMV (yuan)" in header


def test_csv_amounts_are_exact_yuan():
    from xiaodian.analytics.exports import yuan

    assert [yuan(0), yuan(5), yuan(1_234), yuan(100_000_001), yuan(-250)] == [
        "0.00",
        "0.05",
        "12.34",
        "1000000.01",
        "-2.50",
    ]


# ------------------------------------------------------------------------------------ who may see


def test_anonymous_callers_are_refused(client, store):
    r = client.get(url(store))
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"


def test_another_merchants_store_answers_404(api_for, make_user, make_subject, make_store, orders):
    intruder = make_user("intruder")
    make_store(intruder, make_subject(intruder), name="别人的店")
    r = api_for(intruder).get(f"/stores/{orders.pk}/analytics")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = api_for(intruder).get(f"/stores/{orders.pk}/analytics", {**RANGE, "format": "csv"})
    assert r.status_code == 404


def test_the_tenant_isolation_walk_covers_the_endpoint():
    from xiaodian.tests.test_tenant_isolation import OWNED_OBJECTS, api_routes

    assert "api/v1/stores/<store_id>/analytics" in api_routes()
    assert "store_id" in OWNED_OBJECTS


def test_an_unknown_or_huge_store_id_answers_404_or_422(api):
    assert api.get("/stores/999999/analytics").status_code == 404
    assert api.get(f"/stores/{2**70}/analytics").status_code == 422


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.ADMIN, 200), (Role.OPERATOR, 200), (Role.FINANCE, 200), (Role.AGENT, 403)],
)
def test_staff_need_manage_orders_or_finance(api_for, store, merchant, make_user, role, status):
    member = staff(store, merchant, make_user, role)
    r = api_for(member).get(f"/stores/{store.pk}/analytics")
    assert r.status_code == status
    if status == 403:
        assert r.json()["code"] == "permission_denied"


def test_the_site_session_reads_it_too(client, merchant, store):
    client.force_login(merchant)
    assert client.get(url(store), {"format": "csv"}).status_code == 200


# ----------------------------------------------------------------------------------- bad ranges


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"from": "2026-03-04", "to": "2026-03-01"}, "date_range_invalid", "from"),
        ({"from": "2025-03-09", "to": "2026-03-10"}, "date_range_too_long", "to"),
        ({"to": "2026-03-11"}, "date_range_invalid", "to"),
        ({"from": "1999-12-31"}, "date_range_invalid", "from"),
        ({"from": "2026-02-30"}, "validation_error", "from"),
        ({"from": "yesterday"}, "validation_error", "from"),
        ({"to": "0001-01-01"}, "date_range_invalid", "to"),  # read as 1970-01-01, before 2000
        ({"format": "xlsx"}, "validation_error", "format"),
    ],
)
def test_bad_ranges_answer_422_with_a_code_and_the_field(api, store, params, code, field):
    r = api.get(f"/stores/{store.pk}/analytics", params)
    assert r.status_code == 422, r.content
    assert r.json()["code"] == code
    assert r.json().get("field") == field


def test_a_full_year_is_allowed(api, store):
    r = api.get(f"/stores/{store.pk}/analytics", {"from": "2025-03-10", "to": "2026-03-10"})
    assert r.status_code == 200 and len(r.json()["days"]) == 366


# ----------------------------------------------------------------------------------------- cost


@pytest.mark.parametrize("params", [RANGE, {"from": "2025-03-10", "to": "2026-03-10", "format": "csv"}])
def test_the_endpoint_costs_a_fixed_number_of_queries(api, orders, params, django_assert_max_num_queries):
    api.get(f"/stores/{orders.pk}/analytics", params)  # warm up (content types, translations)
    # token (1) + token last-used (1) + the store membership (1) + the report (4)
    with django_assert_max_num_queries(7):
        r = api.get(f"/stores/{orders.pk}/analytics", params)
    assert r.status_code == 200
