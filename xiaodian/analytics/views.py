"""The data center page: the store score, daily GMV and orders by scene and by domain, the rates,
a date-range form and the CSV download (docs/analytics.md). Staff with `manage_orders` or
`finance`; no role in the store → 404, another role → 403."""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from xiaodian.core.errors import DomainError
from xiaodian.ledger import platform as ledger_platform
from xiaodian.scoring import selectors as scoring

from . import dashboard, rules, selectors
from .access import data_store_for
from .forms import RangeForm


def _store(request, store_id: int):
    try:
        return data_store_for(request.user, store_id)
    except DomainError as exc:
        raise (Http404(exc.message) if exc.status == 404 else PermissionDenied(exc.message)) from exc


@login_required
@require_GET
def data_center(request, store_id: int):
    store = _store(request, store_id)
    form = RangeForm(request.GET)
    start, end = form.date_range()
    if form.is_valid():  # show the range in effect, defaults filled in
        form = RangeForm(initial={"from": start, "to": end})
    report = selectors.store_report(store, start, end)
    history = scoring.score_history(store, days=rules.SCORE_HISTORY_DAYS)
    today = selectors.today()
    range_query = {"from": start.isoformat(), "to": end.isoformat()}
    return render(
        request,
        "analytics/data.html",
        {
            "store": store,
            "form": form,
            "report": report,
            "score": scoring.explain(store),
            "score_days": rules.SCORE_HISTORY_DAYS,
            # charts.py escapes every label it draws: its markup is safe as it comes.
            "score_chart": mark_safe(
                dashboard.score_history(history, days=rules.SCORE_HISTORY_DAYS, until=today)
            ),
            "charts": {
                name: mark_safe(draw(report))
                for name, draw in (
                    ("gmv_by_scene", dashboard.gmv_by_scene),
                    ("gmv_by_domain", dashboard.gmv_by_domain),
                    ("orders", dashboard.orders_per_day),
                )
            },
            "scene_rows": dashboard.scene_rows(report),
            "csv_url": reverse("api:store_analytics", args=[store.pk])
            + "?"
            + urlencode({**range_query, "format": "csv"}),
            "quick_ranges": [
                (days, "?" + urlencode({"from": (today - timedelta(days=days - 1)).isoformat()}))
                for days in rules.QUICK_RANGES
            ],
        },
    )


@login_required
@require_GET
def platform_money(request):
    """The operators' view of the platform's money: what every account kind holds (the clearing
    account first) and the technical service fee by day and top-level category over a range."""
    if not request.user.is_staff:
        raise Http404
    form = RangeForm(request.GET)
    start, end = form.date_range()
    if form.is_valid():
        form = RangeForm(initial={"from": start, "to": end})
    fees = ledger_platform.fees(start, end)
    return render(
        request,
        "analytics/platform_money.html",
        {
            "form": form,
            "totals": ledger_platform.totals(),
            "fees": fees,
            "fees_chart": mark_safe(dashboard.fees_by_category(fees)),  # charts.py escapes its labels
        },
    )
