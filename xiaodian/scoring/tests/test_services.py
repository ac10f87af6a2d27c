"""Recompute end to end: the 30-order threshold, a score worked out by hand, versions of the
formula, one store on demand, and the current score search reads."""

from datetime import timedelta
from decimal import Decimal

import pytest

from xiaodian.core.errors import DomainError
from xiaodian.scoring import selectors, services
from xiaodian.scoring.models import Benchmark, CurrentScore, Formula, StoreScore

from .facts import AS_OF

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform_of_three(monkeypatch):
    """Tests of the run's mechanics (versions, on-demand, history) score three stores against each
    other: three scored stores make a platform benchmark here instead of twenty. The fallback to
    the default benchmarks has its own tests below."""
    from xiaodian.scoring import rules

    monkeypatch.setattr(rules, "PLATFORM_MIN_STORES", 3)


def score_of(store, version=None):
    rows = StoreScore.objects.filter(store=store, as_of=AS_OF)
    if version:
        rows = rows.filter(formula__version=version)
    return rows.get()


def test_29_qualifying_orders_show_no_score_and_the_30th_makes_one(facts, make_open_store):
    store = make_open_store()
    facts.orders(store, 29)
    facts.order(store, paid_at=None)  # cancelled unpaid: does not count
    services.recompute_all(as_of=AS_OF)
    first = score_of(store)
    assert (first.score, first.qualifying_orders, first.traffic_weight) == (None, 29, 1.0)
    assert selectors.traffic_weights([store.pk])[store.pk].score is None

    facts.order(store)
    summary = services.recompute_all(as_of=AS_OF)
    second = score_of(store)
    assert second.pk == first.pk  # the day's score replaced, not duplicated
    assert second.qualifying_orders == 30
    assert second.score == Decimal("5.00")
    assert summary["with_score"] == 1


def test_three_stores_scored_by_hand(facts, make_open_store, platform_of_three):
    """Quality-return rates 0/30, 3/30, 6/30; everything else equal. The platform benchmark has
    m = 0.1 and t = 0.02 (0 + 0.2 × 0.1). Smoothed with 10 samples at m: (0 + 1) / 40 = 0.025,
    (3 + 1) / 40 = 0.1 and (6 + 1) / 40 = 0.175; sub-scores 5 − 0.005 / 0.08 = 4.9375, 4.0 and
    4 − 0.075 / 0.1 = 3.25. The refunds took 24 h each; only B and C closed after-sales (2 stores),
    so after-sale hours use the default benchmark m = 48, t = 24: B (3 × 24 + 10 × 48) / 13 =
    42.4615 → 5 − 18.4615 / 24 = 4.2308, C (6 × 24 + 480) / 16 = 39 → 4.375. Service (with
    disputes and complaints at 5.0): A 5.0, B 4.7436, C 4.7917. Scores = 0.5 × product + 0.15 × 5
    + 0.35 × service: A 4.96875 → 4.97, B 4.41026 → 4.41, C 4.05208 → 4.05."""
    stores = [make_open_store() for _ in range(3)]
    for store, refunds in zip(stores, (0, 3, 6), strict=True):
        for order in facts.orders(store, 30)[:refunds]:
            facts.aftersale(order)
    services.recompute_all(as_of=AS_OF)
    a, b, c = (score_of(s) for s in stores)
    assert [a.score, b.score, c.score] == [Decimal("4.97"), Decimal("4.41"), Decimal("4.05")]
    quality = b.metrics["quality_return_rate"]
    assert quality["value"] == pytest.approx(0.1)
    assert quality["smoothed"] == pytest.approx(0.1)
    assert (quality["median"], quality["top"]) == pytest.approx((0.1, 0.02))
    assert (quality["band"], quality["sub_score"], quality["benchmark"]) == ("good", 4.0, "platform")
    assert a.metrics["quality_return_rate"]["sub_score"] == pytest.approx(4.9375)
    assert c.metrics["quality_return_rate"]["sub_score"] == pytest.approx(3.25)
    assert b.dimensions["product"] == {"weight": 0.5, "score": 4.0}
    assert b.metrics["aftersale_hours"]["sub_score"] == pytest.approx(4.2308, abs=1e-4)
    # the service dimension's top 10% is A's 5.0; only A (4.97 ≥ 4.5) earns the service badge
    assert a.badges == ["service_store"] and b.badges == [] and c.badges == []
    # 4.97 → 1.97 + 0.1; 4.41 → 1.41; 4.05 → 1.05
    assert [a.traffic_weight, b.traffic_weight, c.traffic_weight] == pytest.approx([2.07, 1.41, 1.05])
    weights = selectors.traffic_weights([s.pk for s in stores])
    assert weights[b.store_id].traffic_weight == pytest.approx(1.41)
    assert Benchmark.objects.filter(as_of=AS_OF, category=None, name="quality_return_rate").get().stores == 3


def test_a_lone_scored_store_is_banded_against_the_default_benchmarks(facts, make_open_store):
    """One scored store, 2 negative reviews of 19 (10.53%). It is not its own yardstick: the
    default benchmark is m = 0.05, t = 0.02. Smoothed (2 + 10 × 0.05) / (19 + 10) = 2.5 / 29 =
    0.086207, beyond m: 4 − (0.086207 − 0.05) / 0.05 = 3.275862 (fair, not top). Quality returns
    0/30 → (0 + 0.3) / 40 = 0.0075 ≤ t = 0.01 → 5.0; product (3.275862 + 5) / 2 = 4.137931.
    Shipping 0 late of 30 → 0.5 / 40 = 0.0125 ≤ 0.02 → 5.0; disputes 0 → 5.0.
    Score 0.5 × 4.137931 + 0.15 × 5 + 0.35 × 5 = 4.568966 → 4.57."""
    store = make_open_store()
    orders = facts.orders(store, 30)
    for order in orders[:2]:
        facts.review(order, 1)
    for order in orders[2:19]:
        facts.review(order, 5)
    services.recompute_all(as_of=AS_OF)
    score = score_of(store)
    negative = score.metrics["negative_review_rate"]
    assert negative["value"] == pytest.approx(2 / 19, abs=1e-6)
    assert negative["benchmark"] == "default"
    assert (negative["median"], negative["top"]) == pytest.approx((0.05, 0.02))
    assert negative["smoothed"] == pytest.approx(2.5 / 29, abs=1e-6)
    assert negative["band"] == "fair"
    assert negative["sub_score"] == pytest.approx(3.2759, abs=1e-4)
    assert score.score == Decimal("4.57")


def test_a_zero_median_and_one_dispute_in_46_orders(facts, make_open_store):
    """Twenty stores without a dispute make the category's median and top decile 0. The 21st has
    one dispute decided against it in 46 orders: 1/46 = 0.0217, smoothed toward 0 to
    (1 + 10 × 0) / (46 + 10) = 1/56 = 0.017857; the median is banded at its floor 0.01, so the
    sub-score is 4 − (0.017857 − 0.01) / 0.01 = 3.214286 (fair), not straight to 3.0."""
    from xiaodian.aftersales.rules import Decision, Reason, State

    for _ in range(20):
        facts.orders(make_open_store(), 30)
    store = make_open_store()
    orders = facts.orders(store, 46)
    refused = facts.aftersale(orders[0], reason=Reason.NOT_WANTED, state=State.MERCHANT_REJECT_REFUND)
    facts.dispute(refused, Decision.FOR_BUYER)
    services.recompute_all(as_of=AS_OF)
    dispute = score_of(store).metrics["dispute_rate"]
    assert dispute["value"] == pytest.approx(1 / 46, abs=1e-6)
    assert (dispute["benchmark"], dispute["median"], dispute["top"]) == ("category", 0.0, 0.0)
    assert dispute["smoothed"] == pytest.approx(1 / 56, abs=1e-6)
    assert dispute["band"] == "fair"
    assert dispute["sub_score"] == pytest.approx(3.2143, abs=1e-4)


def test_the_report_explains_each_metric_and_names_the_next_step(facts, make_open_store, platform_of_three):
    store = make_open_store()
    others = [make_open_store() for _ in range(2)]
    for s, refunds in zip([*others, store], (0, 3, 6), strict=True):
        for order in facts.orders(s, 30)[:refunds]:
            facts.aftersale(order)
    services.recompute_all(as_of=AS_OF)
    report = selectors.score_report(store)
    assert report["score"] == Decimal("4.05")  # store C of test_three_stores_scored_by_hand
    assert report["version"] == 1 and report["qualifying_orders"] == 30 and report["threshold"] == 30
    product = next(d for d in report["dimensions"] if d["name"] == "product")
    metric = product["metrics"][0]
    assert (metric["name"], metric["band"], metric["sub_score"]) == ("quality_return_rate", "fair", 3.25)
    assert metric["advice"]
    assert report["next"]["metric"] == "quality_return_rate"
    # the service dimension leaves out the reply rate: no customer-service session was measured
    service = next(d for d in report["dimensions"] if d["name"] == "service")
    assert [m["name"] for m in service["metrics"]] == ["aftersale_hours", "dispute_rate", "complaint_rate"]


def test_a_store_never_recomputed_has_no_report(store):
    assert selectors.score_report(store) is None
    assert selectors.score_history(store) == []


def test_a_formula_change_makes_a_version_and_old_scores_keep_theirs(
    facts, make_open_store, operator, platform_of_three
):
    stores = [make_open_store() for _ in range(3)]
    for s, refunds in zip(stores, (0, 3, 6), strict=True):
        for order in facts.orders(s, 30)[:refunds]:
            facts.aftersale(order)
    services.recompute_all(as_of=AS_OF)
    v1 = score_of(stores[1])
    assert v1.formula.version == 1 and v1.score == Decimal("4.41")

    spec = {
        "dimensions": {
            "product": {"weight": 0.2, "metrics": {"quality_return_rate": 1.0}},
            "logistics": {"weight": 0.4, "metrics": {"ship_48h_rate": 1.0}},
            "service": {"weight": 0.4, "metrics": {"dispute_rate": 1.0}},
        }
    }
    v2 = services.create_formula(spec=spec, note="轻商品", by=operator)
    assert v2.version == 2
    services.recompute_all(as_of=AS_OF)
    assert score_of(stores[1], 2).score == Decimal("4.80")  # 0.2 × 4 + 0.4 × 5 + 0.4 × 5
    assert score_of(stores[1], 1).score == Decimal("4.41")  # version 1's score is untouched
    assert CurrentScore.objects.get(store=stores[1]).value == Decimal("4.80")

    # recomputed under the old version: the old number again; the current score stays on v2
    services.recompute_all(as_of=AS_OF, version=1)
    assert score_of(stores[1], 1).score == Decimal("4.41")
    assert CurrentScore.objects.get(store=stores[1]).score.formula.version == 2
    assert selectors.score_report(stores[1])["version"] == 2


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        (None, "dimensions"),
        ({"dimensions": {}}, "dimensions"),
        ({"dimensions": {"price": {"weight": 1, "metrics": {"x": 1}}}}, "price"),
        ({"dimensions": {"product": {"weight": 1, "metrics": {"ship_48h_rate": 1}}}}, "ship_48h_rate"),
        ({"dimensions": {"product": {"weight": 0.5, "metrics": {"quality_return_rate": 1}}}}, "0.5"),
        (
            {"dimensions": {"product": {"weight": 1, "metrics": {"quality_return_rate": 0}}}},
            "quality_return_rate",
        ),
        ({"dimensions": {"product": {"weight": True, "metrics": {"quality_return_rate": 1}}}}, "product"),
    ],
)
def test_a_bad_formula_is_refused_and_makes_no_version(spec, fragment):
    services.newest_formula()
    with pytest.raises(DomainError) as refused:
        services.create_formula(spec=spec)
    assert refused.value.code == "formula_invalid"
    assert fragment in refused.value.message
    assert Formula.objects.count() == 1


def test_an_unknown_version_is_refused():
    with pytest.raises(DomainError) as refused:
        services.recompute_all(as_of=AS_OF, version=9)
    assert refused.value.code == "formula_not_found"


def test_one_store_on_demand_uses_the_last_runs_benchmarks(facts, make_open_store, platform_of_three):
    stores = [make_open_store() for _ in range(3)]
    for s, refunds in zip(stores, (0, 3, 6), strict=True):
        for order in facts.orders(s, 30)[:refunds]:
            facts.aftersale(order)
    services.recompute_all(as_of=AS_OF)
    # two more quality refunds at store C: 8/30 is beyond 2m = 0.2 of the run's benchmark
    extra = facts.orders(stores[2], 2)
    for order in extra:
        facts.aftersale(order)
    score = services.recompute_store(stores[2], as_of=AS_OF)
    assert score.metrics["quality_return_rate"]["value"] == pytest.approx(8 / 32)
    assert score.metrics["quality_return_rate"]["median"] == pytest.approx(0.1)  # the run's, unchanged
    # smoothed (8 + 10 × 0.1) / 42 = 0.214 > 2m: 3.0; 8 after-sales of 24 h against the default
    # m = 48, t = 24: (192 + 480) / 18 = 37.33 → 4.4444; service (4.4444 + 5 + 5) / 3 (disputes
    # and complaints 5.0); 0.5 × 3.0 + 0.15 × 5 + 0.35 × 4.8148 = 3.9352
    assert score.score == Decimal("3.94")
    assert StoreScore.objects.filter(store=stores[2], as_of=AS_OF).count() == 1
    assert CurrentScore.objects.get(store=stores[2]).score_id == score.pk


def test_one_store_before_any_run_is_banded_against_everyone(facts, make_open_store, platform_of_three):
    stores = [make_open_store() for _ in range(3)]
    for s, refunds in zip(stores, (0, 3, 6), strict=True):
        for order in facts.orders(s, 30)[:refunds]:
            facts.aftersale(order)
    score = services.recompute_store(stores[1], as_of=AS_OF)
    assert score.score == Decimal("4.41")
    assert StoreScore.objects.count() == 1  # the others were measured, not written


def test_history_has_one_point_per_day(facts, make_open_store):
    store = make_open_store()
    facts.orders(store, 30)
    for days_back in (2, 1, 0):
        services.recompute_all(as_of=AS_OF - timedelta(days=days_back))
    history = selectors.score_history(store, until=AS_OF)
    assert [day for day, _ in history] == [AS_OF - timedelta(days=d) for d in (2, 1, 0)]
    assert all(value == Decimal("5.00") for _, value in history)


def test_a_recompute_for_an_earlier_day_leaves_the_current_score(facts, make_open_store):
    store = make_open_store()
    facts.orders(store, 30)
    services.recompute_all(as_of=AS_OF)
    services.recompute_all(as_of=AS_OF - timedelta(days=5))
    assert CurrentScore.objects.get(store=store).score.as_of == AS_OF


def test_history_follows_the_current_version(facts, make_open_store, operator, platform_of_three):
    stores = [make_open_store() for _ in range(3)]
    for s, refunds in zip(stores, (0, 3, 6), strict=True):
        for order in facts.orders(s, 30)[:refunds]:
            facts.aftersale(order)
    services.recompute_all(as_of=AS_OF)
    spec = {
        "dimensions": {
            "product": {"weight": 0.2, "metrics": {"quality_return_rate": 1.0}},
            "logistics": {"weight": 0.4, "metrics": {"ship_48h_rate": 1.0}},
            "service": {"weight": 0.4, "metrics": {"dispute_rate": 1.0}},
        }
    }
    services.create_formula(spec=spec, by=operator)
    services.recompute_all(as_of=AS_OF)
    services.recompute_all(as_of=AS_OF, version=1)  # an operator's comparison, computed last
    assert selectors.score_history(stores[1], until=AS_OF) == [(AS_OF, Decimal("4.80"))]


def test_an_order_inside_its_48_hours_is_not_late_during_the_day(facts, make_open_store):
    from xiaodian.core import clock

    from .facts import IN_WINDOW

    store = make_open_store()
    facts.orders(store, 30)
    facts.order(store, paid_at=IN_WINDOW - timedelta(hours=28), shipped_after=None)  # 20 h left
    with clock.travel_to(IN_WINDOW):  # 10:00 on the scored day: the window ends 14 h from now
        services.recompute_all(as_of=IN_WINDOW.date())
    ship = StoreScore.objects.get(store=store).metrics["ship_48h_rate"]
    assert (ship["numerator"], ship["denominator"]) == (30, 30)


def test_score_explain_prints_the_metrics_weight_parts_and_changes(facts, make_open_store, platform_of_three):
    """`xiaodian score explain STORE`: store A of test_three_stores_scored_by_hand (4.97 with the
    service badge: weight 1.97 + 0.1); the next day two more quality refunds at A show as a change."""
    from io import StringIO

    from django.core.management import call_command

    stores = [make_open_store() for _ in range(3)]
    for s, refunds in zip(stores, (0, 3, 6), strict=True):
        for order in facts.orders(s, 30)[:refunds]:
            facts.aftersale(order)
    services.recompute_all(as_of=AS_OF - timedelta(days=1))
    out = StringIO()
    call_command("score", "explain", str(stores[0].pk), stdout=out)
    text = out.getvalue()
    assert f"store {stores[0].pk}: 4.97" in text
    assert "quality_return_rate" in text and "smoothed 0.025" in text and "platform median 0.1" in text
    assert "traffic weight score 1.97 + service_store 0.1 = 2.07" in text
    assert "badge service_store: has" in text and "badge brand_store: lacks" in text
    assert "  [NO] kind: 普通店 == 品牌店" in text

    for order in facts.orders(stores[0], 2):
        facts.aftersale(order)
    services.recompute_all(as_of=AS_OF)
    out = StringIO()
    call_command("score", "explain", str(stores[0].pk), stdout=out)
    text = out.getvalue()
    assert "previous: 4.97" in text
    assert "changed: quality_return_rate 4.9375 ->" in text
    assert "next: " in text


def test_a_lost_badge_is_explained_by_the_condition_that_failed(facts, make_open_store, platform_of_three):
    """Day 1: store A of test_three_stores_scored_by_hand holds the service badge (service 5.0,
    the platform's top decile). Day 2: three disputes decided for the buyer drop A's service
    score below B's and C's; the explanation names the badge lost, the service condition that
    failed with A's value, the new threshold and the gap, while the conditions that still hold
    show as met."""
    from xiaodian.aftersales.rules import Decision, Reason, State

    stores = [make_open_store() for _ in range(3)]
    orders = {}
    for s, refunds in zip(stores, (0, 3, 6), strict=True):
        orders[s.pk] = facts.orders(s, 30)
        for order in orders[s.pk][:refunds]:
            facts.aftersale(order)
    services.recompute_all(as_of=AS_OF - timedelta(days=1))
    first = selectors.explain(stores[0])
    assert first["badges_lost"] == [] and first["previous"] is None
    service = {b["code"]: b for b in first["badge_checks"]}["service_store"]
    assert service["state"] == "has" and all(c["ok"] for c in service["conditions"])
    assert [p["part"] for p in first["weight_parts"]] == ["score", "service_store"]
    assert sum(p["weight"] for p in first["weight_parts"]) == pytest.approx(first["traffic_weight"])

    for order in orders[stores[0].pk][-3:]:
        refused = facts.aftersale(order, reason=Reason.NOT_WANTED, state=State.MERCHANT_REJECT_REFUND)
        facts.dispute(refused, Decision.FOR_BUYER)
    services.recompute_all(as_of=AS_OF)
    second = selectors.explain(stores[0])
    assert second["previous"]["score"] == first["score"]
    assert second["badges_lost"] == ["service_store"]
    checks = {b["code"]: b for b in second["badge_checks"]}
    lost = checks["service_store"]
    assert lost["state"] == "lost"
    by_name = {c["name"]: c for c in lost["conditions"]}
    assert by_name["score"]["ok"] is True  # still 4.50 or more: not the reason
    failed = by_name["service"]
    assert failed["ok"] is False
    # docs/scoring.md "Reading a lost badge": 4.97 -> 4.74; service (5 + 3 + 5) / 3 = 4.33 < 5.00
    assert (first["score"], second["score"]) == (Decimal("4.97"), Decimal("4.74"))
    assert (failed["value"], failed["threshold"], failed["gap_shown"]) == (4.3333, 5.0, "0.67")
    service_now = second["dimensions"][-1]["score"]
    assert failed["value"] == pytest.approx(service_now, abs=1e-4)
    assert failed["value"] < failed["threshold"]
    assert failed["gap"] == pytest.approx(failed["threshold"] - failed["value"], abs=1e-4)
    assert failed["gap_shown"] == f"{failed['gap']:.2f}"
    assert "dispute_rate" in {c["metric"] for c in second["changes"]}
    assert [p["part"] for p in second["weight_parts"]] == ["score"]
    # a store that never had the badge lacks it, rather than having lost it
    assert {b["code"]: b for b in selectors.explain(stores[2])["badge_checks"]}["service_store"][
        "state"
    ] == "lacks"


def test_brand_badge_conditions_show_money_in_yuan_and_the_store_kind(facts, make_open_store):
    """The hot-selling GMV condition reads in yuan; the brand condition names the store's kind."""
    store = make_open_store()
    facts.orders(store, 30)
    services.recompute_all(as_of=AS_OF)
    checks = {b["code"]: b for b in selectors.explain(store)["badge_checks"]}
    brand = {c["name"]: c for c in checks["brand_store"]["conditions"]}
    assert brand["kind"]["ok"] is False and brand["kind"]["value_shown"] == "普通店"
    assert brand["kind"]["threshold_shown"] == "品牌店"
    gmv = {c["name"]: c for c in checks["hot_selling"]["conditions"]}["gmv_30d_fen"]
    assert gmv["value"] == 30_000 and gmv["value_shown"] == "¥300.00"
    assert checks["hot_selling"]["state"] == "lacks"
