"""`bench search-quality` (issue 15): the labelled query set, its metrics, and the goals met on the
catalog it was written for, on whichever database the suite runs on."""

import io
import json

import pytest
from django.core.management import call_command

from xiaodian.benchmarks import search_quality


def labels() -> list[dict]:
    return json.loads(search_quality.LABELS.read_text())["queries"]


def test_the_labelled_set_covers_every_kind_with_at_least_150_queries():
    queries = labels()
    assert len(queries) >= 150
    kinds = {q["kind"] for q in queries}
    assert kinds == set(search_quality.KINDS)
    for q in queries:
        if q["kind"] == "no_hit":
            assert q["relevant"] == [], q
        else:
            assert q.get("rule") or q["relevant"], q
    assert len({(q["tab"], q["q"]) for q in queries}) == len(queries)  # no query twice


def test_recall_mrr_and_ndcg_of_one_page():
    label = {"kind": "full_name", "tab": "stores", "q": "x", "relevant": ["a", "b"]}
    assert search_quality.score(label, ["a", "b", "c"], {}) == {"recall": 1.0, "rr": 1.0, "ndcg": 1.0}
    second = search_quality.score(label, ["c", "a"], {})
    assert second["recall"] == 0.5 and second["rr"] == 0.5
    assert second["ndcg"] == pytest.approx((1 / 1.5849625) / (1 + 1 / 1.5849625), rel=1e-6)
    assert search_quality.score(label, [], {}) == {"recall": 0.0, "rr": 0.0, "ndcg": 0.0}
    no_hit = {"kind": "no_hit", "tab": "stores", "q": "y", "relevant": []}
    assert search_quality.score(no_hit, [], {}) == {"empty": 1.0}
    assert search_quality.score(no_hit, ["a"], {}) == {"empty": 0.0}


def test_the_goals_are_met_on_the_demo_and_the_bench_catalog(benchmark_database):
    out, err = io.StringIO(), io.StringIO()
    call_command("bench", "search-quality", "--json", stdout=out, stderr=err)
    result = json.loads(out.getvalue())
    rows = {row["kind"]: row for row in result["kinds"]}
    assert set(rows) == set(search_quality.KINDS)
    assert result["goals"] == {
        "names_recall@10": result["goals"]["names_recall@10"],
        "names_met": True,
        "overall_met": True,
        "no_hit_met": True,
    }, result["misses"]
    for kind in search_quality.NAME_KINDS:
        assert rows[kind]["recall@10"] >= search_quality.GOAL_NAMES, (kind, result["misses"])
    assert result["overall"]["recall@10"] >= search_quality.GOAL_OVERALL
    assert rows["no_hit"]["empty"] == 1.0
