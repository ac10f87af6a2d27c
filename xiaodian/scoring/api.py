"""The store score endpoints: the score with every metric, its history, and a recompute on
demand. Staff of the store only (anyone else gets 404)."""

from ninja import Query, Router

from xiaodian.accounts.rules import Perm
from xiaodian.core.errors import DomainError
from xiaodian.core.openapi import refuses
from xiaodian.core.pagination import ObjectId
from xiaodian.stores.access import store_for

from . import selectors, services
from .schemas import ExplainOut, HistoryOut, HistoryParams, ScoreOut

router = Router(tags=["scoring"])


@router.get("/stores/{store_id}/score", response=ScoreOut)
def get_score(request, store_id: ObjectId):
    """The store's current score (null below 30 qualifying orders), each dimension and metric with
    its value, benchmark, band, sub-score and advice, the badges and the traffic weight."""
    return selectors.score_or_empty(store_for(request.auth, store_id))


@router.get("/stores/{store_id}/score/explain", response={200: ExplainOut})
@refuses("score_not_computed")
def explain_score(request, store_id: ObjectId):
    """The current score explained: the report, the traffic weight as its parts, every badge the
    store has, lacks or lost with each condition (value, threshold, gap), and the changes since
    the previous score. 404 `score_not_computed` before the store's first recompute."""
    explained = selectors.explain(store_for(request.auth, store_id))
    if explained is None:
        raise DomainError("score_not_computed")
    return explained


@router.post("/stores/{store_id}/score/recompute", response=ScoreOut)
def recompute_score(request, store_id: ObjectId):
    """Recompute the store's score for today now, against the last daily run's benchmarks."""
    store = store_for(request.auth, store_id, Perm.MANAGE_STORE)
    return selectors.report(services.recompute_store(store))


@router.get("/stores/{store_id}/score/history", response=HistoryOut)
def score_history(request, store_id: ObjectId, params: Query[HistoryParams]):
    """One point per day with a score row, oldest first (score null on days without a score)."""
    store = store_for(request.auth, store_id)
    points = selectors.score_history(store, params.days)
    return {"store_id": store.pk, "days": params.days, "points": [{"date": d, "score": s} for d, s in points]}
