"""The bills' pages: the list of days at /stores/<id>/money/bills/ and a day's bill with its CSV."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xiaodian.accounts.rules import Role
from xiaodian.core import clock
from xiaodian.stores import services as stores
from xiaodian.stores.access import store_for

from .conftest import DAY1, at
from .test_pages import signed_in

pytestmark = pytest.mark.django_db


def test_the_money_page_links_the_bills_and_they_list_the_days(merchant, store, history):
    client = signed_in(merchant)
    money = client.get(f"/stores/{store.pk}/money/").content.decode()
    assert f'href="/stores/{store.pk}/money/bills/"' in money
    page = client.get(f"/stores/{store.pk}/money/bills/")
    assert page.status_code == 200
    html = page.content.decode()
    for day in ("2026-12-04", "2026-12-02", "2026-12-01"):
        assert f'href="/stores/{store.pk}/money/bills/{day}/"' in html
    assert "2026-12-03" not in html  # a day without movements has no row
    assert "¥24.51 → ¥14.51" in html  # day 4's available: a ¥10 withdrawal paid out
    assert "¥0.00 → ¥34.31" in html  # day 1's pending


def test_a_days_bill_shows_its_accounts_movements_and_the_csv_link(merchant, store, history):
    client = signed_in(merchant)
    page = client.get(f"/stores/{store.pk}/money/bills/2026-12-02/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="/stores/{store.pk}/money/bills/2026-12-02/bill.csv"' in html
    assert "退款" in html and "结算" in html and "AS1" in html
    assert "-¥9.80" in html and "+¥24.51" in html
    assert f'href="/stores/{store.pk}/money/orders/{history.pk}/"' in html
    assert "这一天没有资金变动" not in html
    csv = client.get(f"/stores/{store.pk}/money/bills/2026-12-02/bill.csv")
    assert csv.status_code == 200 and csv["Content-Type"] == "text/csv; charset=utf-8"
    assert csv.content.decode("utf-8").startswith("\ufeff店铺")
    assert "attachment" in csv["Content-Disposition"]


def test_a_day_without_movements_says_so(merchant, store, history):
    html = signed_in(merchant).get(f"/stores/{store.pk}/money/bills/2026-12-03/").content.decode()
    assert "这一天没有资金变动" in html
    assert "¥24.51" in html  # available opens and closes the same


def test_the_pages_in_english(merchant, store, history):
    client = signed_in(merchant)
    english = {"Accept-Language": "en"}
    assert b"Bills" in client.get(f"/stores/{store.pk}/money/bills/", headers=english).content
    html = client.get(f"/stores/{store.pk}/money/bills/2026-12-03/", headers=english).content
    assert b"No money moved on this day" in html and b"Download CSV" in html


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_first_and_last_days_of_the_calendar_are_empty_bills(merchant, store, history, day):
    client = signed_in(merchant)
    page = client.get(f"/stores/{store.pk}/money/bills/{day}/")
    assert page.status_code == 200 and "这一天没有资金变动" in page.content.decode()
    assert client.get(f"/stores/{store.pk}/money/bills/{day}/bill.csv").status_code == 200


def test_no_bills_yet(merchant, store):
    html = signed_in(merchant).get(f"/stores/{store.pk}/money/bills/").content.decode()
    assert "还没有资金变动" in html


@pytest.mark.parametrize("day", ["2026-13-01", "yesterday", "2026-1-1", "20261201"])
def test_a_bad_day_is_404(merchant, store, day):
    client = signed_in(merchant)
    assert client.get(f"/stores/{store.pk}/money/bills/{day}/").status_code == 404
    assert client.get(f"/stores/{store.pk}/money/bills/{day}/bill.csv").status_code == 404


@pytest.mark.parametrize(("role", "status"), [(Role.FINANCE, 200), (Role.AGENT, 403), (Role.OPERATOR, 403)])
def test_only_finance_staff_see_the_bills(make_user, merchant, store, role, status):
    member = make_user(f"m-{role}")
    stores.add_staff(store=store_for(merchant, store.pk, "manage_staff"), user_id=member.pk, role=role)
    client = signed_in(member)
    for path in ("", "2026-12-01/", "2026-12-01/bill.csv"):
        assert client.get(f"/stores/{store.pk}/money/bills/{path}").status_code == status


def test_strangers_get_404(make_user, store):
    client = signed_in(make_user("stranger"))
    for path in ("", "2026-12-01/", "2026-12-01/bill.csv"):
        assert client.get(f"/stores/{store.pk}/money/bills/{path}").status_code == 404
    assert client.get("/stores/99999999999999999999/money/bills/").status_code == 404


def test_the_bills_pages_cost_a_fixed_number_of_queries(merchant, store, paid):
    client = signed_in(merchant)

    def cost(path):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    def post_on(day):
        with clock.travel_to(at(DAY1 + timedelta(days=day), 10)):
            paid()

    post_on(0)
    pages = (f"/stores/{store.pk}/money/bills/", f"/stores/{store.pk}/money/bills/2026-12-02/")
    few = [cost(path) for path in pages]
    for day in (1, 1, 2, 3):
        post_on(day)
    assert [cost(path) for path in pages] == few
