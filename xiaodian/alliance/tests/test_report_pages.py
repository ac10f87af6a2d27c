"""The reports on the pages: the center's earnings chart (and its empty state), the merchant
page's performance section, the agency's page, the operators' page; who may open them."""

import re

import pytest
from django.test import Client

from xiaodian.accounts import services as accounts
from xiaodian.alliance import services

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_center_draws_the_commission_per_day(sales, today):
    html = signed_in(sales.creator.user).get("/alliance/").content.decode()
    assert (
        'id="earnings-chart"' in html
        and '<svg xmlns="http://www.w3.org/2000/svg" id="chart-earnings"' in html
    )
    assert "2026-03-08 — 产生: ¥20.00; 已结算: ¥0.00; 追回: ¥0.00" in html  # a day's <title>
    assert 'id="earned-total"><dt>产生的佣金</dt><dd>¥30.00' in html
    assert 'id="clawed-back-total"><dt>退款追回</dt><dd>¥5.00' in html
    assert 'id="agency-link"' not in html  # a creator has no agency page
    html = signed_in(sales.creator.user).get("/alliance/?days=7").content.decode()
    assert '<strong aria-current="true">近 7 天</strong>' in html


def test_the_center_says_so_when_nothing_was_earned(creator, today):
    html = signed_in(creator.user).get("/alliance/?days=90").content.decode()
    assert 'id="earnings-empty"' in html and "近 90 天没有佣金变动" in html
    assert 'id="chart-earnings"' not in html


def test_a_window_out_of_range_on_a_page_is_the_default(sales, today):
    html = signed_in(sales.creator.user).get("/alliance/?days=9999").content.decode()
    assert '<strong aria-current="true">近 30 天</strong>' in html


def test_the_center_with_the_chart_costs_a_fixed_number_of_queries(
    sales, today, make_plan, enabled, make_sku, django_assert_max_num_queries
):
    client = signed_in(sales.creator.user)
    client.get("/alliance/")
    with django_assert_max_num_queries(14):  # the earnings by day are one of them
        assert client.get("/alliance/").status_code == 200


def test_the_merchant_sees_performance_by_promoter_and_by_product(sales, today, merchant):
    client = signed_in(merchant)
    html = client.get(f"/stores/{sales.store.pk}/alliance/").content.decode()
    assert 'id="performance"' in html
    creator_row = html.index(f'id="performance-promoter-{sales.creator.pk}"')
    sharer_row = html.index(f'id="performance-promoter-{sales.sharer.pk}"')
    assert creator_row < sharer_row  # the most paid first
    assert "¥300.00" in html[creator_row:sharer_row] and "¥25.00" in html[creator_row:sharer_row]
    html = client.get(f"/stores/{sales.store.pk}/alliance/", {"by": "product", "days": "1"}).content.decode()
    assert f'id="performance-product-{sales.p1.pk}"' in html
    assert f'id="performance-product-{sales.p2.pk}"' not in html  # paid yesterday: not in one day
    html = client.get(f"/stores/{sales.store.pk}/alliance/", {"by": "nonsense", "page": "x"}).content.decode()
    assert f'id="performance-promoter-{sales.creator.pk}"' in html  # bad input: the defaults


def test_the_merchant_page_with_performance_costs_a_fixed_number_of_queries(
    sales, today, merchant, django_assert_max_num_queries
):
    client = signed_in(merchant)
    client.get(f"/stores/{sales.store.pk}/alliance/")
    with django_assert_max_num_queries(15):  # the performance section: its page, count, totals
        assert client.get(f"/stores/{sales.store.pk}/alliance/").status_code == 200


def test_the_agency_page(sales, today, make_promoter, django_assert_max_num_queries):
    idle = make_promoter()
    services.join_agency(promoter=idle, agency_id=sales.agency.pk)
    client = signed_in(sales.agency.user)
    assert 'id="agency-link"' in client.get("/alliance/").content.decode()
    with django_assert_max_num_queries(6):  # the report is two of them, whatever the creators
        html = client.get("/alliance/agency/").content.decode()
    busy, quiet = html.index(f'id="creator-{sales.creator.pk}"'), html.index(f'id="creator-{idle.pk}"')
    assert busy < quiet
    assert "成交 ¥100.00 · 1 单 · 1 件" in html[busy:quiet]
    assert 'id="agency-service"><dt>机构服务费</dt><dd>¥5.00' in html


def test_the_agency_page_refuses_a_creator_and_sends_a_stranger_to_join(sales, make_user):
    r = signed_in(sales.creator.user).get("/alliance/agency/")
    assert r.status_code == 403 and "只有机构可以查看旗下达人的数据" in r.content.decode()
    r = signed_in(make_user()).get("/alliance/agency/")
    assert r.status_code == 302 and r["Location"] == "/alliance/"


def test_the_operators_page(sales, today, make_user, django_assert_max_num_queries):
    ops = make_user()
    accounts.make_platform_operator(user=ops)
    client = signed_in(ops)
    assert 'href="/ops/alliance/"' in client.get("/ops/").content.decode()
    with django_assert_max_num_queries(9):  # the overview is six of them
        html = client.get("/ops/alliance/").content.decode()
    assert 'id="stores-enabled"><dt>已开通店铺</dt><dd>1' in html
    assert 'id="chart-alliance"' in html
    assert 'id="alliance-gmv"><dt>推广成交额</dt><dd>¥400.00' in html
    assert f'id="top-promoter-{sales.creator.pk}"' in html and f'id="top-store-{sales.store.pk}"' in html


def test_the_operators_page_is_for_operators_only(sales, merchant):
    assert signed_in(merchant).get("/ops/alliance/").status_code == 404
    assert signed_in(sales.agency.user).get("/ops/alliance/").status_code == 404


def test_a_window_without_sales_draws_whole_fen_ticks(make_user):
    """No promoted sale yet: the chart's y axis goes 0 to ¥0.01 in whole fen, never a label twice
    (fractions of a fen once printed ¥0.01 three times)."""
    ops = make_user()
    accounts.make_platform_operator(user=ops)
    html = signed_in(ops).get("/ops/alliance/").content.decode()
    chart = html[html.index('id="chart-alliance"') :]
    y_axis = chart[chart.index('class="axis y-axis"') : chart.index("</svg>")]
    y_axis = y_axis[: y_axis.index("</g>")]
    ticks = re.findall(r'text-anchor="end"[^>]*>([^<]*)</text>', y_axis)
    assert ticks == ["¥0", "¥0.01"]
