"""The complaints pages: the buyer's form and list, one complaint with its timeline (where the
store answers and an operator rules), the store's list and the operators' queue. Each view calls
a service (writes) or a selector (reads); a refusal is shown above the form.

Not yours → 404; a store role without customer service → 403; the queue is for operators (404
for anyone else)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from xiaodian.core.errors import DomainError
from xiaodian.core.pagination import MAX_ID
from xiaodian.core.text import is_digits

from . import selectors, services
from .rules import Reason, State

PAGE_SIZE = 20


def _http(exc: DomainError) -> Exception:
    return Http404(exc.message) if exc.status == 404 else PermissionDenied(exc.message)


def _id(value) -> int | None:
    return int(value) if is_digits(value or "") and 1 <= int(value) <= MAX_ID else None


def _page(request, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _with_steps(page):
    for complaint in page.object_list:
        complaint.steps = selectors.timeline(complaint)
    return page


@login_required
@require_http_methods(["GET", "POST"])
def new(request):
    """File a complaint about `?order=` (one of yours) or `?store=`."""
    order_id, store_id = _id(request.GET.get("order")), _id(request.GET.get("store"))
    if order_id is None and store_id is None:
        raise Http404
    error, values = None, {"reason": "", "text": ""}
    if request.method == "POST":
        values = {"reason": request.POST.get("reason", ""), "text": request.POST.get("text", "")}
        try:
            complaint = services.file_complaint(
                buyer=request.user,
                order_id=order_id,
                store_id=None if order_id else store_id,
                reason=values["reason"],
                text=values["text"],
                images=request.FILES.getlist("images"),
            )
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            error = exc.message
        else:
            messages.success(request, _("投诉已提交，商家回应后平台会裁定。"))
            return redirect("complaints:detail", complaint_id=complaint.pk)
    return render(
        request,
        "complaints/new.html",
        {
            "reasons": Reason.choices,
            "values": values,
            "error": error,
            "order_id": order_id,
            "store_id": store_id,
        },
    )


@login_required
@require_GET
def mine(request):
    page = _with_steps(_page(request, selectors.for_buyer(request.user)))
    return render(
        request, "complaints/list.html", {"page": page, "title": _("我的投诉"), "list_id": "my-complaints"}
    )


@login_required
@require_http_methods(["GET", "POST"])
def detail(request, complaint_id: int):
    """The timeline; the store answers here while it is open, an operator rules while it waits."""
    if _id(str(complaint_id)) is None:
        raise Http404
    try:
        complaint, side = selectors.complaint_for(request.user, complaint_id)
    except DomainError as exc:
        raise _http(exc) from exc
    error = None
    if request.method == "POST":
        try:
            if side == "merchant" and request.POST.get("action") == "answer":
                services.answer_complaint(
                    staff=request.user,
                    complaint_id=complaint.pk,
                    text=request.POST.get("text", ""),
                    images=request.FILES.getlist("images"),
                )
                messages.success(request, _("已回应。"))
            elif side == "operator" and request.POST.get("action") == "rule":
                verdict = request.POST.get("at_fault")
                if verdict not in ("yes", "no"):
                    raise DomainError("validation_error", _("请选择裁定结果。"), field="at_fault")
                services.rule_complaint(
                    operator=request.user,
                    complaint_id=complaint.pk,
                    at_fault=verdict == "yes",
                    note=request.POST.get("note", ""),
                )
                messages.success(request, _("已裁定。"))
            else:
                raise PermissionDenied
        except DomainError as exc:
            error = exc.message
        else:
            return redirect("complaints:detail", complaint_id=complaint.pk)
    return render(
        request,
        "complaints/detail.html",
        {
            "complaint": complaint,
            "side": side,
            "steps": selectors.timeline(complaint),
            "error": error,
            "can_answer": side == "merchant" and complaint.state == State.OPEN,
            "can_rule": side == "operator" and complaint.state in (State.OPEN, State.ANSWERED),
        },
    )


@login_required
@require_GET
def store_list(request, store_id: int):
    if _id(str(store_id)) is None:
        raise Http404
    state = request.GET.get("state") if request.GET.get("state") in State.values else None
    try:
        rows = selectors.for_store(request.user, store_id, state)
    except DomainError as exc:
        raise _http(exc) from exc
    page = _with_steps(_page(request, rows))
    return render(
        request, "complaints/list.html", {"page": page, "title": _("店铺投诉"), "list_id": "store-complaints"}
    )


@login_required
@require_GET
def queue(request):
    if not request.user.is_staff:
        raise Http404
    state = request.GET.get("state") if request.GET.get("state") in State.values else None
    page = _with_steps(_page(request, selectors.queue(state)))
    return render(
        request, "complaints/list.html", {"page": page, "title": _("投诉处理"), "list_id": "complaint-queue"}
    )
