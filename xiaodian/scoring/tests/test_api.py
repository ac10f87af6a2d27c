"""GET /stores/{id}/score, /score/history and POST /score/recompute."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from xiaodian.accounts.rules import Role
from xiaodian.core import clock
from xiaodian.scoring import services
from xiaodian.stores.models import Store, StoreStaff
from xiaodian.stores.rules import StoreState

from .facts import IN_WINDOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(store, facts):
    Store.objects.filter(pk=store.pk).update(state=StoreState.OPEN)
    facts.orders(store, 30)
    with clock.travel_to(IN_WINDOW):
        services.recompute_all()
    return store


def test_the_score_with_its_dimensions_metrics_badges_and_weight(api, scored, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = api.get(f"/stores/{scored.pk}/score")
    assert response.status_code == 200
    body = response.json()
    assert body["score"] == "5.00"
    assert body["version"] == 1 and body["qualifying_orders"] == 30 and body["threshold"] == 30
    assert body["traffic_weight"] == pytest.approx(2.1)
    assert body["badges"] == [{"code": "service_store", "name": "服务好店"}]
    names = [d["name"] for d in body["dimensions"]]
    assert names == ["product", "logistics", "service"]
    ship = body["dimensions"][1]["metrics"][0]
    assert (ship["name"], ship["value"], ship["band"], ship["sub_score"]) == (
        "ship_48h_rate",
        1.0,
        "top",
        5.0,
    )
    assert ship["advice"] == ""  # nothing to improve at the top


def test_a_store_never_scored_shows_no_score_yet_with_its_orders_counted(api, store, facts):
    facts.orders(store, 3)
    with clock.travel_to(IN_WINDOW):
        body = api.get(f"/stores/{store.pk}/score").json()
    assert body["score"] is None
    assert (body["qualifying_orders"], body["traffic_weight"], body["dimensions"]) == (3, 1.0, [])


def test_history(api, scored):
    with clock.travel_to(IN_WINDOW):
        body = api.get(f"/stores/{scored.pk}/score/history", {"days": 30}).json()
    assert body["days"] == 30
    assert body["points"] == [{"date": "2026-06-01", "score": "5.00"}]


@pytest.mark.parametrize("days", ["0", "367", "x"])
def test_history_refuses_a_bad_range(api, scored, days):
    response = api.get(f"/stores/{scored.pk}/score/history", {"days": days})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_recompute_on_demand_needs_the_store_settings_permission(api_for, scored, make_user, merchant, facts):
    operator_user = make_user()
    StoreStaff.objects.create(store=scored, user=operator_user, role=Role.OPERATOR)
    refused = api_for(operator_user).post(f"/stores/{scored.pk}/score/recompute")
    assert refused.status_code == 403
    assert api_for(operator_user).get(f"/stores/{scored.pk}/score").status_code == 200  # may look

    facts.order(scored, shipped_after=None)  # not shipped, and three days later: late
    with clock.travel_to(IN_WINDOW + timedelta(days=3)):
        body = api_for(merchant).post(f"/stores/{scored.pk}/score/recompute").json()
    assert body["qualifying_orders"] == 31
    ship = body["dimensions"][1]["metrics"][0]
    assert ship["value"] == pytest.approx(30 / 31, abs=1e-6)


def test_another_merchants_store_is_not_there(api_for, scored, make_user):
    stranger = api_for(make_user())
    for path in ("score", "score/history"):
        assert stranger.get(f"/stores/{scored.pk}/{path}").status_code == 404
    assert stranger.post(f"/stores/{scored.pk}/score/recompute").status_code == 404


def test_the_score_needs_a_signed_in_user(scored, client):
    assert client.get(f"/api/v1/stores/{scored.pk}/score").status_code == 401


def test_the_cli_recomputes_all_or_one_store(scored, capsys):
    with clock.travel_to(IN_WINDOW):
        call_command("score", "--as-of", "2026-06-01")
        call_command("score", "--store", str(scored.pk), "--as-of", "2026-06-01")
    out = capsys.readouterr().out
    assert "1 stores, 1 with a score" in out
    assert f"store {scored.pk}: 5.00" in out


def test_explain_gives_the_weight_parts_and_every_badge_condition(api, scored, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        response = api.get(f"/stores/{scored.pk}/score/explain")
    assert response.status_code == 200
    body = response.json()
    assert body["score"] == "5.00" and body["previous"] is None and body["changes"] == []
    assert [(p["part"], p["weight"]) for p in body["weight_parts"]] == [
        ("score", 2.0),
        ("service_store", 0.1),
    ]
    checks = {b["code"]: b for b in body["badge_checks"]}
    assert [checks[c]["state"] for c in ("brand_store", "hot_selling", "service_store")] == [
        "lacks",
        "lacks",
        "has",
    ]
    open_days = {c["name"]: c for c in checks["hot_selling"]["conditions"]}["settled_30d"]
    assert (open_days["op"], open_days["threshold"], open_days["ok"]) == (">=", 100, False)
    assert open_days["gap"] == 100 - open_days["value"]


def test_explain_before_any_recompute_is_404_with_a_code(api, store):
    response = api.get(f"/stores/{store.pk}/score/explain")
    assert response.status_code == 404
    assert response.json()["code"] == "score_not_computed"
