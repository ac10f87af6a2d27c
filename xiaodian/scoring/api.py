"""The store score endpoints: the score with every metric, its history, and a recompute on
demand. Staff of the store only (anyone else gets 404)."""

from ninja import Query, Router

from xiaodian.accounts.rules import Perm
from xiaodian.core.pagination import ObjectId
from xiaodian.stores.access import store_for

from . import selectors, services
from .schemas import HistoryOut, HistoryParams, ScoreOut

router = Router(tags=["scoring"])


@router.get("/stores/{store_id}/score", response=ScoreOut)
def get_score(request, store_id: ObjectId):
    """The store's current score (null below 30 qualifying orders), each dimension and metric with
    its value, benchmark, band, sub-score and advice, the badges and the traffic weight."""
    return selectors.score_or_empty(store_for(request.auth, store_id))


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
