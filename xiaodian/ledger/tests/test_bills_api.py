"""The bills' endpoints: `GET /stores/{id}/bills` and `GET /stores/{id}/bills/{date}` (JSON or
CSV), for finance staff, admins and the owner."""

import csv
import io
from datetime import datetime, timedelta

import pytest

from xiaodian.accounts.rules import Role
from xiaodian.core import clock

from .conftest import DAY1, at
from .test_api import staff

pytestmark = pytest.mark.django_db

DAY2 = (DAY1 + timedelta(days=1)).isoformat()


def test_the_owner_lists_the_days_and_reads_a_days_bill(api, history, store):
    r = api.get(f"/stores/{store.pk}/bills")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["count"] == 3
    assert [d["date"] for d in body["items"]] == ["2026-12-04", DAY2, "2026-12-01"]
    newest = body["items"][0]
    assert {
        "account": "available",
        "opening_fen": 2451,
        "in_fen": 0,
        "out_fen": -1000,
        "closing_fen": 1451,
    } in (newest["accounts"])
    assert (newest["in_fen"], newest["out_fen"], newest["movements"]) == (0, -1000, 3)
    assert api.get(f"/stores/{store.pk}/bills", {"limit": 1, "offset": 2}).json()["items"][0]["date"] == (
        "2026-12-01"
    )
    ranged = api.get(f"/stores/{store.pk}/bills", {"since": DAY2, "until": DAY2}).json()
    assert ranged["count"] == 1

    bill = api.get(f"/stores/{store.pk}/bills/{DAY2}").json()
    assert bill["store_id"] == store.pk and bill["date"] == DAY2
    assert [(e["account"], e["source_type"], e["amount_fen"], e["balance_fen"]) for e in bill["entries"]] == [
        ("pending", "refund", -980, 2451),
        ("pending", "settlement", -2451, 0),
        ("available", "settlement", 2451, 2451),
    ]
    assert bill["entries"][0]["source_key"] == "AS1" and bill["entries"][0]["order_id"] == history.pk
    assert datetime.fromisoformat(bill["entries"][0]["created_at"]) == at(DAY1 + timedelta(days=1), 0, 10)
    assert {"source_type": "refund", "in_fen": 0, "out_fen": -980, "net_fen": -980, "movements": 1} in (
        bill["totals"]
    )


def test_a_future_day_or_a_quiet_one_is_a_bill_without_movements(api, history, store):
    for day in ("2026-12-03", "2999-01-01", "9999-12-31", "0001-01-01"):
        r = api.get(f"/stores/{store.pk}/bills/{day}")
        assert r.status_code == 200, r.content
        bill = r.json()
        assert bill["entries"] == [] and bill["totals"] == [] and bill["movements"] == 0
        assert all(a["opening_fen"] == a["closing_fen"] for a in bill["accounts"])
        available = next(a for a in bill["accounts"] if a["account"] == "available")
        assert available["closing_fen"] == (
            0 if day == "0001-01-01" else 2451 if day == "2026-12-03" else 1451
        )


@pytest.mark.parametrize(
    "day", ["yesterday", "2026-13-01", "2026-02-30", "20261201", "2026-1-1", "-2026-12-01"]
)
def test_a_bad_date_is_a_validation_error(api, store, day):
    r = api.get(f"/stores/{store.pk}/bills/{day}")
    assert r.status_code == 422 and r.json()["code"] == "validation_error"


def test_bad_filters_are_422(api, store):
    assert api.get(f"/stores/{store.pk}/bills", {"since": "last week"}).status_code == 422
    assert api.get(f"/stores/{store.pk}/bills", {"limit": 0}).status_code == 422
    assert api.get(f"/stores/{store.pk}/bills/2026-12-01", {"format": "pdf"}).status_code == 422


def read_csv(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads UTF-8 only with the byte-order mark
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_bill_as_csv_by_format_or_by_accept(api, history, store):
    by_format = api.get(f"/stores/{store.pk}/bills/{DAY2}", {"format": "csv"})
    by_accept = api.get(f"/stores/{store.pk}/bills/{DAY2}", Accept="text/csv")
    for r in (by_format, by_accept):
        assert r.status_code == 200
        assert r["Content-Type"] == "text/csv; charset=utf-8"
        assert r["Content-Disposition"] == f'attachment; filename="bill-store-{store.pk}-{DAY2}.csv"'
    assert by_format.content == by_accept.content
    rows = read_csv(by_format)
    assert rows[0] == ["店铺", str(store.pk), "日期", DAY2]
    assert rows[1][0] == "账户" and ["可提现", "0.00", "24.51", "0.00", "24.51"] in rows
    assert ["待结算", "34.31", "0.00", "-34.31", "0.00"] in rows
    header = rows.index([]) + 1
    assert rows[header][:3] == ["时间", "账户", "类型"]
    movements = rows[header + 1 :]
    assert [(m[1], m[2], m[3], m[5], m[6]) for m in movements] == [
        ("待结算", "退款", "AS1", "-9.80", "24.51"),
        ("待结算", "结算", str(history.pk), "-24.51", "0.00"),
        ("可提现", "结算", str(history.pk), "24.51", "24.51"),
    ]
    assert movements[0][0] == "2026-12-02 00:10:00"  # Shanghai time


def test_the_csv_in_english(api, history, store):
    r = api.get(f"/stores/{store.pk}/bills/{DAY2}", {"format": "csv"}, **{"Accept-Language": "en"})
    rows = read_csv(r)
    assert rows[0][0] == "Store" and rows[1][0] == "Account"


@pytest.mark.parametrize(
    ("role", "status"), [(Role.FINANCE, 200), (Role.ADMIN, 200), (Role.OPERATOR, 403), (Role.AGENT, 403)]
)
def test_finance_staff_may_read_bills_and_others_may_not(make_user, api_for, merchant, store, role, status):
    client = staff(make_user, api_for, merchant, store, role)
    assert client.get(f"/stores/{store.pk}/bills").status_code == status
    assert client.get(f"/stores/{store.pk}/bills/2026-12-01").status_code == status
    assert client.get(f"/stores/{store.pk}/bills/2026-12-01", {"format": "csv"}).status_code == status


def test_strangers_get_404(api_for, make_user, store):
    stranger = api_for(make_user("stranger"))
    for path in (
        f"/stores/{store.pk}/bills",
        f"/stores/{store.pk}/bills/2026-12-01",
        "/stores/99999999/bills",
    ):
        r = stranger.get(path)
        assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_the_bills_cost_a_fixed_number_of_queries(api, paid, store):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost(path):
        with CaptureQueriesContext(connection) as queries:
            assert api.get(path).status_code == 200
        return len(queries)

    def post_on(day_offset):
        with clock.travel_to(at(DAY1 + timedelta(days=day_offset), 10)):
            paid()

    post_on(0)
    cost(f"/stores/{store.pk}/bills")  # warm: the token's first use is recorded once
    few = (cost(f"/stores/{store.pk}/bills"), cost(f"/stores/{store.pk}/bills/2026-12-02"))
    for day in (1, 1, 2, 3):
        post_on(day)
    many = (cost(f"/stores/{store.pk}/bills"), cost(f"/stores/{store.pk}/bills/2026-12-02"))
    assert many == few
