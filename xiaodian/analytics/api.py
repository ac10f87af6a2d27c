"""The data center's API: a store's daily GMV and orders by scene and domain, refunds and rates,
as JSON or CSV (docs/analytics.md)."""

from ninja import Query, Router

from xiaodian.core.pagination import ObjectId

from . import exports, selectors
from .access import data_store_for
from .schemas import ReportOut, ReportParams

router = Router(tags=["analytics"])

# format=csv answers the same report as a CSV file
_CSV = {"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}}


@router.get("/stores/{store_id}/analytics", response=ReportOut, by_alias=True, openapi_extra=_CSV)
def store_analytics(request, store_id: ObjectId, params: Query[ReportParams]):
    """Per Shanghai day in `from`..`to` (default the last 30 days, at most 366): GMV and paid
    orders by scene and by public/private domain, created orders, refunds; totals and rates.
    `format=csv` answers text/csv instead. Staff with `manage_orders` or `finance`."""
    store = data_store_for(request.auth, store_id)
    start, end = selectors.date_range(params.from_, params.to)
    report = selectors.store_report(store, start, end)
    if params.format == "csv":
        return exports.csv_response(report)
    return report
