"""Pages: the discovery feed (发现) and the live square for buyers, the exposure charts for
operators. As thin as the API: the feed's `serve` does the work."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from xiaodian.core.errors import DomainError

from . import dashboard, feed, rules, selectors
from .rules import Surface


def _page(request, surface: int, template: str):
    viewer = request.user if request.user.is_authenticated else None
    error = ""
    try:
        page = feed.serve(viewer=viewer, surface=surface, cursor=request.GET.get("cursor") or None)
    except DomainError as exc:  # a stale or tampered cursor: start again
        page, error = feed.serve(viewer=viewer, surface=surface), exc.message
    return render(request, template, {"page": page, "error": error, "surface": surface})


@require_GET
def discover(request):
    return _page(request, Surface.FEED, "distribution/discover.html")


@require_GET
def live_square(request):
    return _page(request, Surface.LIVE_SQUARE, "distribution/live_square.html")


@login_required
@require_GET
def ops_exposure(request):
    """Operators only (others 404, like the other /ops/ pages)."""
    if not request.user.is_staff:
        raise Http404
    try:
        days = max(7, min(int(request.GET.get("days", rules.EXPOSURE_DAYS)), rules.EXPOSURE_DAYS_MAX))
    except ValueError:
        days = rules.EXPOSURE_DAYS
    start, end = selectors.default_window(days)
    rows = selectors.exposure(start=start, end=end)
    dates = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    labels, axis = [d.isoformat() for d in dates], [f"{d:%m-%d}" for d in dates]
    return render(
        request,
        "distribution/ops_exposure.html",
        {
            "rows": list(reversed(rows)),
            "start": start,
            "end": end,
            "days": days,
            "windows": [7, 30, 90],
            # charts.py escapes its labels
            "concentration_chart": mark_safe(dashboard.concentration_chart(rows, labels, axis)),
            "impressions_chart": mark_safe(dashboard.impressions_chart(rows, labels, axis)),
        },
    )
