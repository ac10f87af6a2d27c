"""The operators' view of the platform's money: every account kind's total (the clearing account
first) and the technical service fee by day and top-level category (`/ops/money/`)."""

from datetime import timedelta

import pytest

from xiaodian.core import clock
from xiaodian.ledger import platform, services
from xiaodian.ledger.models import LineMoney

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_days(paid, make_sku, store, categories):
    """Yesterday a book order (图书 under 图书文娱, 2%); today a 女装 order (服饰鞋包, at 5%), with a
    refund of half of it."""
    services.create_fee_schedule(default_ppm=20_000, rates={categories["服饰鞋包"].pk: 50_000})
    today = clock.today()
    with clock.travel_to(clock.now() - timedelta(days=1)):
        books = paid((make_sku(store, price_fen=10_000, category="图书"), 1))  # fee 200
    dress = paid((make_sku(store, price_fen=20_000, category="女装"), 1))  # fee 1000
    line = LineMoney.objects.get(line_id=dress.lines.get().pk)
    services.post_line_refund(
        line_id=line.line_id, amount_fen=10_000, quantity=0, out_refund_no="AS1"
    )  # 500 back
    return today, books, dress


def test_the_totals_are_each_account_kind_s_sum(two_days):
    totals = platform.totals()
    assert totals.clearing_fen == 30_000
    assert totals.fee_income == 200 + 1000 - 500
    assert totals.refunds_out == 10_000
    assert totals.held_for_stores_fen == 30_000 - 700 - 10_000
    # what came in = fees kept + refunds out + withdrawals out + what stores hold
    assert totals.clearing_fen == (
        totals.fee_income + totals.refunds_out + totals.withdrawals_out + totals.held_for_stores_fen
    )


def test_fees_by_day_and_top_level_category(two_days, categories):
    today, _books, _dress = two_days
    fees = platform.fees(today - timedelta(days=2), today)
    assert fees.days == [today - timedelta(days=2), today - timedelta(days=1), today]
    by_name = {c.name: c for c in fees.categories}
    assert [c.name for c in fees.categories] == ["服饰鞋包", "图书文娱"]  # most charged first
    assert (
        by_name["服饰鞋包"].charged_fen,
        by_name["服饰鞋包"].returned_fen,
        by_name["服饰鞋包"].net_fen,
    ) == (
        1000,
        500,
        500,
    )
    assert fees.charged[categories["图书文娱"].pk] == [0, 200, 0]
    assert fees.charged[categories["服饰鞋包"].pk] == [0, 0, 1000]
    assert fees.returned == [0, 0, 500]
    assert (fees.charged_fen, fees.returned_fen) == (1200, 500)


def test_a_range_without_fees_is_empty(two_days):
    today = two_days[0]
    fees = platform.fees(today - timedelta(days=30), today - timedelta(days=10))
    assert fees.categories == [] and fees.charged_fen == 0 and set(fees.returned) == {0}


def test_the_totals_are_one_query(two_days, django_assert_num_queries):
    with django_assert_num_queries(1):
        platform.totals()


def test_operators_see_the_page_others_do_not(two_days, client, operator, merchant):
    client.force_login(merchant)
    assert client.get("/ops/money/").status_code == 404
    client.force_login(operator)
    page = client.get("/ops/money/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="chart-fees"' in html and "服饰鞋包" in html and "图书文娱" in html
    assert "¥300.00" in html  # the clearing account: what came in
    assert 'id="fee-category-' in html
    assert "/ops/money/" in client.get("/ops/").content.decode()


def test_a_bad_range_shows_its_error_and_the_default_range(two_days, client, operator):
    client.force_login(operator)
    page = client.get("/ops/money/", {"from": "2026-13-01"})
    assert page.status_code == 200
    assert 'id="chart-fees"' in page.content.decode()
