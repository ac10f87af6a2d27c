"""The alliance's report pages and sections (reports.py; docs/alliance.md "Reports"): the earnings
chart on the promoter center, the performance section of the merchant's alliance page, the
agency's page of its creators (`/alliance/agency/`) and the operators' page (`/ops/alliance/`).
As thin as views.py; kept apart so the report sections change without touching the rest."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from xiaodian.core.errors import DomainError

from . import dashboard, reports, rules
from .rules import PerformanceBy, PlanKind, PromoterKind

PAGE_SIZE = 20


def _quick_days(days: int, anchor: str, **keep) -> list[dict]:
    """One-tap windows (7, 30, 90 days) as links keeping `keep`, the current one marked."""
    return [
        {"days": n, "url": "?" + urlencode({**keep, "days": n}) + anchor, "current": n == days}
        for n in rules.QUICK_DAYS
    ]


def earnings_context(request) -> dict:
    """The center's earnings chart: the promoter's commission per day over `?days=` (default 30)."""
    days = reports.days_param(request.GET.get("days"))
    report = reports.earnings_daily(request.user, days)
    return {
        "earnings_daily": report,
        # charts.py escapes every label it draws: its markup is safe as it comes
        "earnings_chart": "" if report.empty else mark_safe(dashboard.earnings_chart(report)),
        "earnings_windows": _quick_days(days, "#earnings-chart"),
    }


def performance_context(request, store) -> dict:
    """The merchant page's performance section: the store's promoted sales per promoter or product
    over `?days=`, 20 a page (`?page=`), the most paid first."""
    by = request.GET.get("by", "")
    by = PerformanceBy(by) if by in PerformanceBy.values else PerformanceBy.PROMOTER
    days = reports.days_param(request.GET.get("days"))
    span = reports.window(days)
    page = Paginator(reports.store_performance(store, by, span), PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "performance": {
            "by": by,
            "span": span,
            "page": page,
            "rows": [reports.performance_row(r) for r in page.object_list],
            "totals": reports.store_totals(store, span),
            "query": urlencode({"by": by.value, "days": days}),
            "groupings": [
                {
                    "by": b.value,
                    "label": b.label,
                    "url": "?" + urlencode({"by": b.value, "days": days}) + "#performance",
                    "current": b == by,
                }
                for b in PerformanceBy
            ],
            "windows": _quick_days(days, "#performance", by=by.value),
        }
    }


@login_required
@require_GET
def agency(request):
    """An agency's creators, each with its sales and commission through the agency, and the
    agency's service fees. No promoter profile: the center (to join); another kind: 403."""
    try:
        promoter = reports.agency_of_user(request.user)
    except DomainError as exc:
        if exc.code == "alliance_promoter_required":
            return redirect("alliance:center")
        raise PermissionDenied(exc.message) from exc
    days = reports.days_param(request.GET.get("days"))
    report = reports.agency_report(promoter, reports.window(days))
    page = Paginator(report.creators, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "alliance/agency.html",
        {
            "agency": promoter,
            "report": report,
            "page": page,
            "query": urlencode({"days": days}),
            "windows": _quick_days(days, ""),
        },
    )


@login_required
@require_GET
def ops_alliance(request):
    """The operators' view of the alliance (staff only; others 404, like /ops/money/)."""
    if not request.user.is_staff:
        raise Http404
    days = reports.days_param(request.GET.get("days"))
    view = reports.overview(reports.window(days))
    return render(
        request,
        "alliance/ops_alliance.html",
        {
            "view": view,
            "chart": mark_safe(dashboard.overview_chart(view)),  # charts.py escapes its labels
            "windows": _quick_days(days, ""),
            "plan_kinds": [(kind.label, view.live_plans[kind.value]) for kind in PlanKind],
            "promoter_kinds": [(kind.label, view.promoters[kind.value]) for kind in PromoterKind],
        },
    )
