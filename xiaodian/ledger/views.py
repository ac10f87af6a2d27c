"""The merchant's money page: balances, what is pending and when it settles, recent entries,
withdrawals (and the form to make one), and an order's money breakdown (finance staff, admins and
the owner); the daily bills (对账单) and their CSV."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from xiaodian.accounts.rules import Perm
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.pagination import MAX_ID
from xiaodian.stores.access import store_for

from . import exports, selectors, services
from .forms import WithdrawForm

PAGE_SIZE = 20


def _http(exc: DomainError) -> Exception:
    return Http404(exc.message) if exc.status == 404 else PermissionDenied(exc.message)


@login_required
@require_http_methods(["GET", "POST"])
def money(request, store_id: int):
    store = _finance_store(request, store_id)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.request_withdrawal(store=store, amount_fen=form.cleaned_data["amount"], by=request.user)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("提现申请已提交，到账后会显示在下方。"))
            return redirect("ledger:money", store_id=store.pk)
    kind = (
        request.GET.get("account")
        if request.GET.get("account") in ("pending", "available", "owed", "deposit")
        else None
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
            "form": form,
            "withdrawals": selectors.withdrawals(store)[:10],
        },
        status=400 if form.is_bound else 200,
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


# -- bills ------------------------------------------------------------------------------------------

BILL_DAYS_PER_PAGE = 20
MOVEMENTS_PER_PAGE = 100


def _finance_store(request, store_id: int):
    if not 1 <= store_id <= MAX_ID:
        raise Http404
    try:
        return store_for(request.user, store_id, Perm.FINANCE)
    except DomainError as exc:
        raise _http(exc) from exc


def _bill_day(value: str) -> date:
    """A bill's day from the URL (YYYY-MM-DD); anything else is a page that does not exist."""
    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise Http404
    return day


@login_required
@require_GET
def bills(request, store_id: int):
    """The days with money movements, newest first: openings and closings, money in and out."""
    store = _finance_store(request, store_id)
    try:
        number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        number = 1
    number = min(number, 50_000)  # an offset within what the database reads in one go
    found = selectors.bills(store, offset=(number - 1) * BILL_DAYS_PER_PAGE, limit=BILL_DAYS_PER_PAGE)
    return render(
        request,
        "ledger/bills.html",
        {
            "store": store,
            "days": found.items,
            "count": found.count,
            "number": number,
            "has_next": number * BILL_DAYS_PER_PAGE < found.count,
            "today": clock.today(),
        },
    )


@login_required
@require_GET
def bill(request, store_id: int, day: str):
    """One day's bill: each account's opening and closing, totals by type, every movement."""
    store = _finance_store(request, store_id)
    bill = selectors.daily_bill(store, _bill_day(day))
    page = Paginator(bill.entries, MOVEMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "ledger/bill.html",
        {
            "store": store,
            "bill": bill,
            "page": page,
            "previous_day": bill.date - timedelta(days=1) if bill.date > date.min else None,
            "next_day": bill.date + timedelta(days=1) if bill.date < clock.today() else None,
        },
    )


@login_required
@require_GET
def bill_csv(request, store_id: int, day: str):
    """The day's bill as a CSV file (the same file as the API's)."""
    store = _finance_store(request, store_id)
    return exports.csv_response(selectors.daily_bill(store, _bill_day(day)))
