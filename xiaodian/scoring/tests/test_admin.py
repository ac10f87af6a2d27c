"""Operators change the formula in the admin: a change saves the next version."""

import json

import pytest
from django.urls import reverse

from xiaodian.scoring import services
from xiaodian.scoring.models import Formula, StoreScore

from .facts import AS_OF

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_client(client, make_user):
    client.force_login(make_user("ops", is_staff=True, is_superuser=True))
    return client


SPEC = {
    "dimensions": {
        "product": {"weight": 0.6, "metrics": {"negative_review_rate": 1, "quality_return_rate": 1}},
        "logistics": {"weight": 0.1, "metrics": {"ship_48h_rate": 1}},
        "service": {"weight": 0.3, "metrics": {"aftersale_hours": 1, "dispute_rate": 1}},
    }
}


def test_editing_a_version_saves_the_next_and_leaves_the_old_one(ops_client):
    v1 = services.newest_formula()
    url = reverse("admin:scoring_formula_change", args=[v1.pk])
    assert ops_client.get(url).status_code == 200
    response = ops_client.post(url, {"spec": json.dumps(SPEC), "note": "物流降权"})
    assert response.status_code == 302
    assert list(Formula.objects.values_list("version", flat=True)) == [2, 1]
    v1.refresh_from_db()
    assert v1.spec["dimensions"]["logistics"]["weight"] == 0.15  # untouched
    assert Formula.objects.get(version=2).spec["dimensions"]["logistics"]["weight"] == 0.1


def test_the_add_form_starts_from_the_newest_version_and_refuses_a_bad_one(ops_client):
    services.newest_formula()
    page = ops_client.get(reverse("admin:scoring_formula_add"))
    assert "quality_return_rate" in page.content.decode()
    bad = {
        **SPEC,
        "dimensions": {**SPEC["dimensions"], "logistics": {"weight": 0.5, "metrics": {"ship_48h_rate": 1}}},
    }
    response = ops_client.post(reverse("admin:scoring_formula_add"), {"spec": json.dumps(bad), "note": ""})
    assert response.status_code == 200
    assert "维度权重之和须为 1" in response.content.decode()
    assert Formula.objects.count() == 1


def test_scores_are_listed_and_recomputed_by_an_action(ops_client, facts, make_open_store):
    store = make_open_store()
    facts.orders(store, 30)
    services.recompute_all(as_of=AS_OF)
    assert ops_client.get(reverse("admin:scoring_storescore_changelist")).status_code == 200
    score = StoreScore.objects.get()
    assert ops_client.get(reverse("admin:scoring_storescore_change", args=[score.pk])).status_code == 200
    response = ops_client.post(
        reverse("admin:scoring_storescore_changelist"),
        {"action": "recompute", "_selected_action": [score.pk]},
    )
    assert response.status_code == 302
    assert StoreScore.objects.filter(store=store).count() == 2  # today's, beside the one of AS_OF
