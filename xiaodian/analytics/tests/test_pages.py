"""The data center page /stores/<id>/data/: the score, the charts, the rates, the range form and
the CSV link; who may open it; what it costs."""

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils.html import escape

from xiaodian.accounts.rules import Role
from xiaodian.analytics import dashboard, selectors
from xiaodian.core import clock
from xiaodian.core.scenes import Scene
from xiaodian.scoring import selectors as scoring
from xiaodian.stores import services as stores
from xiaodian.stores.access import store_for

from .conftest import sh

NOW = sh(2026, 3, 10, 9)


@pytest.fixture(autouse=True)
def _today_is_10_march():
    with clock.travel_to(NOW):
        yield


@pytest.fixture
def orders(store, make_order, make_refund):
    live = make_order(sh(2026, 3, 1, 10), sh(2026, 3, 1, 10, 1), total_fen=1_000, scene=Scene.LIVE_ROOM)
    make_order(sh(2026, 3, 1, 11), sh(2026, 3, 1, 11, 1), total_fen=2_500, scene=Scene.CHAT)
    make_order(sh(2026, 3, 2, 11), None, total_fen=300, scene=Scene.SEARCH)
    make_refund(live, 400, sh(2026, 3, 3, 9))
    return store


@pytest.fixture
def signed_in(client, merchant):
    client.force_login(merchant)
    return client


def page_url(store, **query) -> str:
    suffix = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/stores/{store.pk}/data/" + (f"?{suffix}" if suffix else "")


def svg(html: str, chart_id: str) -> ET.Element:
    start = html.index(f'<svg xmlns="http://www.w3.org/2000/svg" id="{chart_id}"')
    end = html.index("</svg>", start) + len("</svg>")
    return ET.fromstring(html[start:end])


SCORE = {
    "score": Decimal("4.62"),
    "version": 2,
    "qualifying_orders": 48,
    "threshold": 30,
    "traffic_weight": 1.72,
    "badges": [{"code": "service_store", "name": "服务好店"}],
    "dimensions": [
        {
            "name": "product",
            "label": "商品体验",
            "weight": 0.5,
            "score": 4.8,
            "metrics": [
                {
                    "name": "negative_review_rate",
                    "label": "差评率",
                    "value": 0.0125,
                    "unit": "rate",
                    "band": "top",
                    "band_label": "优秀（类目前 10%）",
                    "sub_score": 5.0,
                    "advice": "",
                },
            ],
        },
        {
            "name": "service",
            "label": "服务体验",
            "weight": 0.35,
            "score": 4.2,
            "metrics": [
                {
                    "name": "aftersale_hours",
                    "label": "平均售后处理时长",
                    "value": 30.25,
                    "unit": "hours",
                    "band": "fair",
                    "sub_score": 3.8,
                    "advice": "尽快处理售后申请。<b>",
                },
            ],
        },
    ],
    "next": {"metric": "aftersale_hours", "label": "平均售后处理时长", "advice": "尽快处理售后申请。<b>"},
    "computed_at": datetime(2026, 3, 10, 3, 0, tzinfo=UTC),  # 11:00 in Shanghai
}


@pytest.fixture
def scored(monkeypatch):
    """The scoring app answers with a score and a history with gaps (the interface the page uses)."""
    monkeypatch.setattr(scoring, "explain", lambda store: SCORE)
    history = [
        (date(2026, 3, 1), Decimal("4.50")),
        (date(2026, 3, 2), None),
        (date(2026, 3, 9), Decimal("4.62")),
    ]
    monkeypatch.setattr(scoring, "score_history", lambda store, days=90: history)


# ---------------------------------------------------------------------------------- the content


def test_the_page_shows_the_totals_rates_charts_and_csv_link(signed_in, orders):
    r = signed_in.get(page_url(orders, **{"from": "2026-03-01", "to": "2026-03-04"}))
    assert r.status_code == 200
    html = r.content.decode()
    assert "<h1>数据中心</h1>" in html
    assert 'id="kpi-gmv"><dt>支付金额</dt><dd>¥35.00</dd>' in html
    assert "66.67%" in html  # paid rate: 2 of 3
    assert "11.43%" in html  # refund amount: ¥4.00 of ¥35.00
    assert "50.00%" in html  # refunded orders: 1 of 2
    for chart_id in ("chart-gmv-scene", "chart-gmv-domain", "chart-orders", "chart-score"):
        assert svg(html, chart_id).get("role") == "img"
    legend = [t.text for t in svg(html, "chart-gmv-scene").iter("{http://www.w3.org/2000/svg}text")][:2]
    assert legend == ["直播间", "单聊"]
    assert (
        f'href="/api/v1/stores/{orders.pk}/analytics?from=2026-03-01&amp;to=2026-03-04&amp;format=csv"'
        in html
    )
    assert 'id="scene-9"' in html and 'id="scene-7"' not in html
    assert 'value="2026-03-01"' in html and 'value="2026-03-04"' in html


def test_without_a_range_the_page_shows_the_last_30_days(signed_in, orders):
    html = signed_in.get(page_url(orders)).content.decode()
    assert "2026-02-09 至 2026-03-10，共 30 天" in html
    assert 'value="2026-02-09"' in html


def test_a_bad_range_is_shown_next_to_its_field_and_the_default_range_is_used(signed_in, orders):
    r = signed_in.get(page_url(orders, **{"from": "2026-03-04", "to": "2026-03-01"}))
    assert r.status_code == 200
    html = r.content.decode()
    assert 'class="field has-error" id="field-from"' in html
    assert "开始日期不能晚于结束日期。" in html
    assert "2026-02-09 至 2026-03-10" in html


@pytest.mark.parametrize(
    "query",
    [{"from": "x"}, {"to": "0001-01-01"}, {"from": "2020-01-01", "to": "2026-03-01"}, {"to": "9999-12-31"}],
)
def test_nonsense_in_the_form_never_fails(signed_in, orders, query):
    r = signed_in.get(page_url(orders, **query))
    assert r.status_code == 200
    assert "has-error" in r.content.decode()


def test_the_score_section_without_a_score_yet(signed_in, orders):
    html = signed_in.get(page_url(orders)).content.decode()
    assert 'id="no-score"' in html
    assert "店铺评分每天计算一次" in html
    assert "暂无评分" in html


def test_the_score_section_below_the_threshold(signed_in, orders, monkeypatch):
    monkeypatch.setattr(
        scoring,
        "explain",
        lambda store: {**SCORE, "score": None, "qualifying_orders": 12, "dimensions": []},
    )
    html = signed_in.get(page_url(orders)).content.decode()
    assert "近 90 天有效订单 12 单，满 30 单后显示评分。" in html


def test_the_score_section_with_a_score(signed_in, orders, scored):
    html = signed_in.get(page_url(orders)).content.decode()
    assert '<strong class="score-value" id="score-value">4.62</strong>' in html
    assert 'id="badge-service_store">服务好店</span>' in html
    assert "公域流量系数 ×1.72" in html
    assert "权重 50%" in html
    assert "1.25%" in html  # a rate as a percentage
    assert "30.2 小时" in html  # hours, one decimal (30.25 rounds half to even)
    assert "优秀（类目前 10%）" in html
    assert ">fair<" in html  # no label given: the band's code
    assert escape("尽快处理售后申请。<b>") in html and "售后申请。<b>" not in html
    assert 'id="score-next"' in html
    assert "评分公式第 2 版 · 计算于 2026-03-10 11:00" in html
    circles = list(svg(html, "chart-score").iter("{http://www.w3.org/2000/svg}circle"))
    assert len(circles) == 2  # two scored days, a gap between them


def test_the_score_chart_covers_90_days_ending_today():
    history = [(date(2026, 3, 10), Decimal("4.00"))]
    root = ET.fromstring(dashboard.score_history(history, days=90, until=date(2026, 3, 10)))
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")][1:]
    assert len(titles) == 90
    assert titles[0] == "2025-12-11 — 店铺评分: —"
    assert titles[-1] == "2026-03-10 — 店铺评分: 4.00"


def test_the_store_page_links_to_the_data_center(signed_in, store):
    html = signed_in.get(f"/stores/{store.pk}/settings/").content.decode()
    assert f'href="/stores/{store.pk}/data/" id="store-data-link"' in html


# ------------------------------------------------------------------------------------ who may see


def test_anonymous_visitors_go_to_the_login_page(client, store):
    r = client.get(page_url(store))
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_another_merchants_store_is_not_found(client, make_user, make_subject, make_store, store):
    intruder = make_user("intruder")
    make_store(intruder, make_subject(intruder), name="别人的店")
    client.force_login(intruder)
    assert client.get(page_url(store)).status_code == 404
    assert client.get(f"/stores/{2**70}/data/").status_code == 404


def test_customer_service_may_not_open_it_and_sees_no_link(client, store, merchant, make_user):
    agent = make_user("agent")
    stores.add_staff(store=store_for(merchant, store.pk, "manage_staff"), user_id=agent.pk, role=Role.AGENT)
    client.force_login(agent)
    assert client.get(page_url(store)).status_code == 403
    assert "store-data-link" not in client.get(f"/stores/{store.pk}/settings/").content.decode()


def test_finance_staff_may_open_it(client, store, merchant, make_user):
    finance = make_user("finance")
    stores.add_staff(
        store=store_for(merchant, store.pk, "manage_staff"), user_id=finance.pk, role=Role.FINANCE
    )
    client.force_login(finance)
    assert client.get(page_url(store)).status_code == 200


def test_the_page_answers_only_get(signed_in, store):
    assert signed_in.post(page_url(store)).status_code == 405


# ----------------------------------------------------------------------------------------- cost


@pytest.mark.parametrize("query", [{}, {"from": "2025-03-10", "to": "2026-03-10"}])
def test_the_page_costs_a_fixed_number_of_queries(signed_in, orders, query, django_assert_max_num_queries):
    signed_in.get(page_url(orders, **query))  # warm up
    # session + user (2), the store membership (1), the menu's store roles (1, issue 17), the report
    # (4), the score and its history (3)
    with django_assert_max_num_queries(11):
        r = signed_in.get(page_url(orders, **query))
    assert r.status_code == 200


def test_the_page_renders_a_year_with_every_scene(signed_in, store, make_order):
    for scene in Scene:
        make_order(
            sh(2025, 6, scene.value, 10),
            sh(2025, 6, scene.value, 10),
            total_fen=100 * scene.value,
            scene=scene,
        )
    r = signed_in.get(page_url(store, **{"from": "2025-03-10", "to": "2026-03-10"}))
    html = r.content.decode()
    legend = svg(html, "chart-gmv-scene").find("{http://www.w3.org/2000/svg}g")
    assert len(list(legend.iter("{http://www.w3.org/2000/svg}rect"))) == len(Scene)
    assert selectors.store_report(store, date(2025, 3, 10), date(2026, 3, 10)).totals.orders == len(Scene)


# --------------------------------------------------------------------- with the real scoring app


def test_the_score_section_reads_the_scoring_app(signed_in, orders):
    from xiaodian.scoring import services as scoring_services

    scoring_services.recompute_store(orders, as_of=date(2026, 3, 10))
    html = signed_in.get(page_url(orders)).content.decode()
    assert "近 90 天有效订单 2 单，满 30 单后显示评分。" in html


def test_a_scored_store_shows_its_score_and_history(signed_in, store, make_order):
    from xiaodian.scoring import services as scoring_services

    for i in range(31):
        make_order(sh(2026, 2, 1 + i % 28, 10), sh(2026, 2, 1 + i % 28, 10, 5), total_fen=1_000)
    scoring_services.recompute_store(store, as_of=date(2026, 3, 9))
    scoring_services.recompute_store(store, as_of=date(2026, 3, 10))
    html = signed_in.get(page_url(store)).content.decode()
    assert 'id="score-value"' in html
    assert 'id="dimension-product"' in html
    (line,) = svg(html, "chart-score").iter("{http://www.w3.org/2000/svg}path")  # 9 and 10 March
    assert line.get("d").count("L") == 1


def test_the_score_section_explains_the_weight_badges_and_changes(signed_in, store, make_order):
    """Computed through the scoring service, not stubbed: 30 paid orders, none shipped within 48
    hours, score 4.70 with the service badge; the next day's recompute shows the change line, the weight's parts and each
    badge's conditions with the store's value, the threshold and the gap."""
    from xiaodian.scoring import services as scores
    from xiaodian.stores.models import Store
    from xiaodian.stores.rules import StoreState

    Store.objects.filter(pk=store.pk).update(state=StoreState.OPEN)
    for day in range(30):
        paid = sh(2026, 2, 1 + day % 28, 10)
        make_order(paid, paid)
    scores.recompute_all(as_of=date(2026, 3, 9))
    scores.recompute_all(as_of=date(2026, 3, 10))
    html = signed_in.get(page_url(store)).content.decode()
    assert 'id="weight-part-score">评分 4.70 对应 ×1.70</span>' in html
    assert 'id="weight-part-service_store">服务好店 ×0.10</span>' in html
    assert "<strong>×1.80</strong>" in html
    assert 'id="score-change">上次 4.70（2026-03-09）→ 本次 4.70</p>' in html
    assert "各项指标得分与上次相同。" in html
    assert 'id="badge-check-service_store" open' in html
    assert 'id="badge-check-hot_selling">' in html  # lacked: folded
    row = html[html.index('id="condition-hot_selling-settled_30d"') :]
    row = row[: row.index("</tr>")]
    assert (
        "✗ 近 30 天已结算订单" in row and "&gt;= 100" in row and "<td>0</td>" in row and "<td>100</td>" in row
    )
