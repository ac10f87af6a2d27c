"""The merchant's money page: balances, what is pending and when it settles, recent entries, and
an order's money breakdown (finance staff and the owner)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from xiaodian.accounts.rules import Perm
from xiaodian.core.errors import DomainError
from xiaodian.core.pagination import MAX_ID
from xiaodian.stores.access import store_for

from . import selectors

PAGE_SIZE = 20


def _http(exc: DomainError) -> Exception:
    return Http404(exc.message) if exc.status == 404 else PermissionDenied(exc.message)


@login_required
@require_GET
def money(request, store_id: int):
    if not 1 <= store_id <= MAX_ID:
        raise Http404
    try:
        store = store_for(request.user, store_id, Perm.FINANCE)
    except DomainError as exc:
        raise _http(exc) from exc
    kind = (
        request.GET.get("account") if request.GET.get("account") in ("pending", "available", "owed") else None
    )
    page = Paginator(selectors.entries(store, kind=kind), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "ledger/money.html",
        {
            "store": store,
            "balance": selectors.balance(store),
            "pending": selectors.pending_orders(store)[:10],
            "page": page,
            "account": kind,
        },
    )


@login_required
@require_GET
def order_money(request, store_id: int, order_id: int):
    if not (1 <= store_id <= MAX_ID and 1 <= order_id <= MAX_ID):
        raise Http404
    try:
        money = selectors.order_money(request.user, order_id)
    except DomainError as exc:
        raise _http(exc) from exc
    if money.store_id != store_id:
        raise Http404
    rates = [f"{rate / 10_000:g}%" for rate in money.fee_rates_ppm]  # ppm as a percentage: 20000 → 2%
    return render(request, "ledger/order_money.html", {"store_id": store_id, "money": money, "rates": rates})
