"""The after-sales pages: the buyer asks for a refund, return or exchange on an order line and
follows it; the store works through its queue; operators decide disputes. Each view parses a form,
calls a service (writes) or a selector (reads) and renders; a service's DomainError is shown in
place, next to the field or the request it concerns.

Access: a request is its buyer's and its store's (staff with MANAGE_ORDERS, through
`stores.access.store_for`): anyone else gets 404, a role without the permission 403. The dispute
queue is for operators (`user.is_staff`) only; everyone else gets 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from xiaodian.accounts.rules import Perm
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.pagination import MAX_ID
from xiaodian.orders import selectors as orders
from xiaodian.orders.forms import CARRIERS
from xiaodian.stores.access import store_for

from . import rules, selectors, services
from .forms import (
    DISPUTE_TABS,
    PENDING,
    TAB_OF_STATE,
    TABS,
    AnswerForm,
    ApproveForm,
    DecideForm,
    DisputeForm,
    FilterForm,
    ImagesForm,
    ReceivedForm,
    RejectForm,
    RequestForm,
    ReturnAddressForm,
    ReturnShipForm,
)
from .models import Dispute
from .rules import DisputeStatus, EventNote, Kind, State

PAGE_SIZE = 10

ACTORS = {
    "buyer": gettext_lazy("买家"),
    "merchant": gettext_lazy("商家"),
    "system": gettext_lazy("系统"),
    "platform": gettext_lazy("平台"),
    "payment": gettext_lazy("微信支付"),
}
# The services write these event notes in English; the history shows them in the reader's language.

# action -> (who may post it, its form or None)
ACTIONS = {
    "cancel": ("buyer", None),
    "ship": ("buyer", ReturnShipForm),
    "confirm": ("buyer", None),
    "dispute": ("buyer", DisputeForm),
    "images": ("buyer", ImagesForm),
    "approve": ("merchant", ApproveForm),
    "reject": ("merchant", RejectForm),
    "received": ("merchant", ReceivedForm),
    "answer": ("merchant", AnswerForm),
}
DONE = {
    "cancel": gettext_lazy("售后申请已取消。"),
    "ship": gettext_lazy("退货物流已提交，等待商家收货。"),
    "confirm": gettext_lazy("已确认收到换货。"),
    "dispute": gettext_lazy("申诉已提交，平台将尽快处理。"),
    "images": gettext_lazy("图片已添加。"),
    "approve": gettext_lazy("已同意售后申请。"),
    "reject": gettext_lazy("已拒绝售后申请。"),
    "received": gettext_lazy("已确认收货。"),
    "answer": gettext_lazy("答复已提交，平台会结合双方的说明作出裁决。"),
}


# ------------------------------------------------------------------------------------- helpers


def _http(exc: DomainError) -> Exception:
    """A refusal of access as a page answers it: 404 (not yours) or 403 (not your role)."""
    return PermissionDenied(exc.message) if exc.status == 403 else Http404(exc.message)


def _valid_id(value: int) -> int:
    if not 1 <= value <= MAX_ID:
        raise Http404
    return value


def _posted_id(request, name: str) -> int:
    try:
        return _valid_id(int(request.POST.get(name, "")))
    except ValueError as exc:
        raise Http404 from exc


def _with_query(url: str, **params) -> str:
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{url}?{urlencode(params)}" if params else url


def _store(request, store_id: int):
    try:
        return store_for(request.user, _valid_id(store_id), Perm.MANAGE_ORDERS)
    except DomainError as exc:
        raise _http(exc) from exc


def _aftersale(request, aftersale_id: int):
    try:
        return selectors.aftersale_for(request.user, _valid_id(aftersale_id))
    except DomainError as exc:
        raise _http(exc) from exc


def _staff_store(user, aftersale):
    """The request's store when the user handles its orders (the buyer may be staff too), else None."""
    try:
        return store_for(user, aftersale.store_id, Perm.MANAGE_ORDERS)
    except DomainError:
        return None


def _dispute_of(aftersale) -> Dispute | None:
    try:
        return aftersale.dispute
    except Dispute.DoesNotExist:
        return None


def _dispute_deadline(aftersale):
    opened = aftersale.dispute_opens_at
    return opened + rules.DISPUTE_WITHIN if opened else None


def _moves(aftersale) -> dict[str, bool]:
    """Which actions the request's state allows now (`rules.TRANSITIONS`; the services decide)."""
    state, refund = aftersale.state, aftersale.kind == Kind.REFUND
    receipt = {Kind.RETURN: "received_return", Kind.EXCHANGE: "received_exchange"}.get(aftersale.kind)
    deadline = _dispute_deadline(aftersale)
    dispute = _dispute_of(aftersale)
    return {
        "cancel": state in rules.TRANSITIONS["cancel"],
        "ship": state in rules.TRANSITIONS["return_shipped"],
        "confirm": state in rules.TRANSITIONS["confirm_exchange"],
        "dispute": _dispute_of(aftersale) is None and deadline is not None and clock.now() <= deadline,
        "images": state not in rules.FINAL,
        "approve": state in rules.TRANSITIONS["approve_refund" if refund else "approve_return"],
        "reject": state in rules.TRANSITIONS["reject_refund" if refund else "reject_return"],
        "received": receipt is not None and state in rules.TRANSITIONS[receipt],
        "answer": dispute is not None
        and dispute.status == DisputeStatus.OPEN
        and dispute.merchant_answered_at is None,
    }


def _deadlines(aftersale) -> list[tuple[str, object]]:
    """The clock the request runs against now: (what happens, when)."""
    state = aftersale.state
    rows = []
    if state == State.MERCHANT_PROCESSING:
        rows.append(
            (
                _("商家处理期限（逾期自动同意退款）") if aftersale.kind == Kind.REFUND else _("商家处理期限"),
                aftersale.merchant_deadline,
            )
        )
    if state == State.USER_WAIT_RETURN and aftersale.return_deadline:
        rows.append((_("退货寄出期限（逾期售后关闭）"), aftersale.return_deadline))
    if aftersale.dispute_opens_at is not None and _dispute_of(aftersale) is None:
        rows.append((_("申诉期限"), _dispute_deadline(aftersale)))
    if state == State.USER_WAIT_CONFIRM and aftersale.received_at:
        rows.append((_("自动确认换货"), aftersale.received_at + rules.EXCHANGE_CONFIRM_WITHIN))
    return rows


def _state_label(state: str, kind: str) -> str:
    """WeChat's name for a finished exchange says "returned and refunded"; the pages say what happened."""
    if kind == Kind.EXCHANGE and state == State.MERCHANT_RETURN_SUCCESS:
        return _("换货完成")
    return State(state).label if state in State.values else state


def _history(events, kind: str) -> list:
    for event in events:
        event.to_label = _state_label(event.to_state, kind)
        event.actor_label = ACTORS.get(event.actor, event.actor)
        event.note_label = EventNote(event.note).label if event.note in EventNote.values else event.note
    return events


def _label(aftersale):
    """The labels and tab a card shows (no queries: everything is selected already)."""
    aftersale.tab = TAB_OF_STATE.get(aftersale.state, "")
    aftersale.state_label = _state_label(aftersale.state, aftersale.kind)
    aftersale.refunds = aftersale.kind != Kind.EXCHANGE
    return aftersale


def _forms(aftersale, bound=None) -> dict:
    """Unbound forms for the actions on one request (the posted one, if refused, in its place)."""
    prefix = f"as{aftersale.pk}"
    asked = {"refund_fen": aftersale.amount_fen}
    made = {
        "ship": ReturnShipForm(prefix=prefix),
        "dispute": DisputeForm(prefix=prefix),
        "images": ImagesForm(prefix=prefix),
        "reject": RejectForm(prefix=prefix),
        "received": ReceivedForm(prefix=prefix, kind=aftersale.kind, initial=asked),
        "answer": AnswerForm(prefix=prefix),
        "approve": ApproveForm(prefix=prefix, kind=aftersale.kind, initial=asked),
    }
    if bound is not None:
        made[bound[0]] = bound[1]
    return made


def _run(request, action: str, aftersale, store) -> tuple[str, object, str]:
    """Carry out one posted action on one request. Returns (done message, bound form, error): the
    message when it was done; otherwise the refusal, on the form or (no form) as the error."""
    if action not in ACTIONS:
        raise Http404
    who, form_class = ACTIONS[action]
    if (who == "merchant" and store is None) or (who == "buyer" and aftersale.buyer_id != request.user.pk):
        raise Http404
    form = None
    if form_class is not None:
        extra = {"kind": aftersale.kind} if form_class in (ReceivedForm, ApproveForm) else {}
        form = form_class(request.POST, request.FILES, prefix=f"as{aftersale.pk}", **extra)
        if not form.is_valid():
            return "", form, ""
    data = form.cleaned_data if form is not None else {}
    try:
        _call(action, request.user, store, aftersale, data, form)
    except DomainError as exc:
        if exc.status == 404 and not exc.field:
            raise Http404 from exc
        if form is not None:
            form.add_domain_error(exc)
            return "", form, ""
        return "", None, exc.message
    return str(DONE[action]), form, ""


def _call(action: str, user, store, aftersale, data: dict, form) -> None:
    pk = aftersale.pk
    if action == "cancel":
        services.cancel_aftersale(buyer=user, aftersale_id=pk)
    elif action == "ship":
        services.ship_return(
            buyer=user, aftersale_id=pk, carrier=data["carrier"], tracking_no=data["tracking_no"]
        )
    elif action == "confirm":
        services.confirm_exchange(buyer=user, aftersale_id=pk)
    elif action == "dispute":
        services.open_dispute(buyer=user, aftersale_id=pk, statement=data["statement"], images=data["images"])
    elif action == "images":
        services.add_images(buyer=user, aftersale_id=pk, images=data["images"])
    elif action == "approve":
        services.approve_aftersale(store=store, aftersale_id=pk, **form.approve_kwargs())
    elif action == "reject":
        services.reject_aftersale(store=store, aftersale_id=pk, reason=data["reason"])
    elif action == "received":
        services.receive_return(store=store, aftersale_id=pk, **form.received_kwargs())
    elif action == "answer":
        services.answer_dispute(
            store=store, aftersale_id=pk, statement=data["statement"], images=data["images"]
        )


def _status_of(form, error: str) -> int:
    return 422 if form is not None and form.errors else 409 if error else 200


def _listing(request, qs, counts_qs) -> dict:
    """The tab, page and pager of an after-sale list, with each tab's count (one query)."""
    filters = FilterForm(request.GET)
    state, states = filters.criteria()
    if state:
        qs = qs.filter(state=state)
    if states:
        qs = qs.filter(state__in=states)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = dict(
        counts_qs.prefetch_related(None)
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    current = filters.cleaned_data.get("tab") or ""
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    tabs = [
        {
            "key": key,
            "label": label,
            "count": sum(counts.values()) if group is None else sum(counts.get(s, 0) for s in group),
            "url": _with_query(
                request.path, **{**{k: v for k, v in query.items() if k != "state"}, "tab": key}
            ),
            "current": key == current and not state,
        }
        for key, label, group in TABS
    ]
    return {
        "tab": current,
        "tabs": tabs,
        "page": page,
        "aftersales": [_label(a) for a in page.object_list],
        "previous": _with_query(request.path, **{**query, "page": page.previous_page_number()})
        if page.has_previous()
        else "",
        "next": _with_query(request.path, **{**query, "page": page.next_page_number()})
        if page.has_next()
        else "",
    }


def _pending_first(qs):
    """The requests waiting for the merchant first, the oldest of them at the top; then the rest, newest first."""
    waiting = When(state__in=PENDING, then=Value(0))
    return qs.annotate(
        waiting_first=Case(waiting, default=Value(1), output_field=IntegerField()),
        waiting_since=Case(When(state__in=PENDING, then=F("created_at")), default=None),
    ).order_by("waiting_first", "waiting_since", "-pk")


# ------------------------------------------------------------------------------------ the buyer


def _buyers_line(request, order_id: int, line_id: int):
    """The buyer's own order and one of its lines; anyone else (store staff too): 404."""
    try:
        order = orders.order_for(request.user, _valid_id(order_id))
    except DomainError as exc:
        raise Http404 from exc
    line = next((ln for ln in order.lines.all() if ln.pk == line_id), None)
    if order.buyer_id != request.user.pk or line is None:
        raise Http404
    return order, line


@login_required
@require_http_methods(["GET", "POST"])
def request_aftersale(request, order_id: int, line_id: int):
    """Ask for a refund, a return or an exchange on one line; images follow the request."""
    order, line = _buyers_line(request, order_id, line_id)
    posted = request.method == "POST"
    form = RequestForm(request.POST, request.FILES, line=line) if posted else RequestForm(line=line)
    if posted and form.is_valid():
        try:
            aftersale = services.request_aftersale(
                buyer=request.user, order_id=order.pk, line_id=line.pk, **form.request_kwargs()
            )
        except DomainError as exc:
            if exc.status == 404 and not exc.field:
                raise Http404 from exc
            form.add_domain_error(exc)
        else:
            messages.success(request, _("售后申请已提交，等待商家处理。"))
            if form.cleaned_data["images"]:
                try:
                    services.add_images(
                        buyer=request.user, aftersale_id=aftersale.pk, images=form.cleaned_data["images"]
                    )
                except DomainError as exc:  # the request stands; the buyer can add images on its page
                    messages.error(request, _("图片未能上传：%(reason)s") % {"reason": exc.message})
            return redirect("aftersales:detail", aftersale.pk)
    earlier = selectors.aftersales_of_buyer(request.user).filter(line=line).prefetch_related(None)
    context = {"order": order, "line": line, "form": form, "earlier": [_label(a) for a in earlier]}
    return render(request, "aftersales/request.html", context, status=422 if form.is_bound else 200)


@login_required
@require_http_methods(["GET"])
def my_aftersales(request):
    """The buyer's requests, newest first, by tab."""
    mine = selectors.aftersales_of_buyer(request.user)
    context = _listing(request, mine, mine)
    return render(request, "aftersales/my_aftersales.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def aftersale_detail(request, aftersale_id: int):
    """One request for its buyer or its store's staff: state, amount, deadlines, history, and the
    actions its state allows now (each refused in place)."""
    aftersale = _aftersale(request, aftersale_id)
    is_buyer = aftersale.buyer_id == request.user.pk
    store = _staff_store(request.user, aftersale)  # None for a buyer who is not staff of the store
    bound, error = None, ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        done, form, error = _run(request, action, aftersale, store)
        if done:
            messages.success(request, done)
            return redirect("aftersales:detail", aftersale.pk)
        bound = (action, form) if form is not None else None
        aftersale = _aftersale(request, aftersale_id)  # as it stands now (someone may have moved it)
    dispute = _dispute_of(aftersale)
    moves = _moves(aftersale)
    if bound is not None:
        moves[bound[0]] = True  # the refused form stays, with its errors
    context = {
        "aftersale": _label(aftersale),
        "is_buyer": is_buyer,
        "store": store,
        "moves": moves,
        "forms": _forms(aftersale, bound),
        "error": error,
        "deadlines": _deadlines(aftersale),
        "history": _history(list(aftersale.events.all()), aftersale.kind),
        "dispute": dispute,
        "evidence": [e for e in dispute.evidence.all() if e.side == rules.Side.BUYER] if dispute else [],
        "merchant_evidence": [e for e in dispute.evidence.all() if e.side == rules.Side.MERCHANT]
        if dispute
        else [],
        "carriers": CARRIERS,
        "return_addresses": list(selectors.return_addresses(store)) if store else [],
    }
    status = _status_of(bound[1] if bound else None, error)
    return render(request, "aftersales/detail.html", context, status=status)


# --------------------------------------------------------------------------------- the merchant


@login_required
@require_http_methods(["GET", "POST"])
def store_aftersales(request, store_id: int):
    """The store's queue: the requests waiting for it first, by tab, with approve / reject /
    received on each card."""
    store = _store(request, store_id)
    refused = None  # (aftersale id, action, form, error)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if ACTIONS.get(action, ("",))[0] != "merchant":
            raise Http404
        aftersale = _aftersale(request, _posted_id(request, "aftersale_id"))
        if aftersale.store_id != store.pk:
            raise Http404
        done, form, error = _run(request, action, aftersale, store)
        if done:
            messages.success(request, done)
            return redirect(request.get_full_path())
        refused = (aftersale.pk, action, form, error)
    queue = selectors.aftersales_of_store(store)
    context = _listing(request, _pending_first(queue), queue)
    shown = False
    for aftersale in context["aftersales"]:
        mine = refused is not None and refused[0] == aftersale.pk
        aftersale.moves = _moves(aftersale)
        aftersale.forms = _forms(
            aftersale, (refused[1], refused[2]) if mine and refused[2] is not None else None
        )
        aftersale.error = refused[3] if mine else ""
        shown = shown or mine
    if refused is not None and not shown:
        form, error = refused[2], refused[3]
        messages.error(request, error or " ".join(str(e) for errors in form.errors.values() for e in errors))
    context.update(
        {"store": store, "carriers": CARRIERS, "return_addresses": list(selectors.return_addresses(store))}
    )
    status = 200 if refused is None else _status_of(refused[2], refused[3])
    return render(request, "aftersales/store_aftersales.html", context, status=status)


# ---------------------------------------------------------------------------------- operators


@require_http_methods(["GET", "POST"])
def disputes(request):
    """The operators' arbitration queue, oldest first, with a decide form on each; 404 for anyone else."""
    status = (
        DisputeStatus.DECIDED if request.GET.get("status") == DisputeStatus.DECIDED else DisputeStatus.OPEN
    )
    try:
        queue = selectors.disputes_for_operator(request.user, status=status)
    except DomainError as exc:
        raise Http404 from exc
    refused = None  # (dispute id, form)
    if request.method == "POST":
        dispute_id = _posted_id(request, "dispute_id")
        try:
            selectors.dispute_for_operator(request.user, dispute_id)
        except DomainError as exc:
            raise Http404 from exc
        form = DecideForm(request.POST, prefix=f"d{dispute_id}")
        if form.is_valid():
            try:
                services.decide_dispute(operator=request.user, dispute_id=dispute_id, **form.cleaned_data)
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("已裁决。"))
                return redirect(request.get_full_path())
        refused = (dispute_id, form)
    page = Paginator(queue.prefetch_related("aftersale__events"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for dispute in rows:
        _label(dispute.aftersale)
        dispute.history = _history(list(dispute.aftersale.events.all()), dispute.aftersale.kind)
        evidence = list(dispute.evidence.all())
        dispute.buyer_evidence = [e for e in evidence if e.side == rules.Side.BUYER]
        dispute.merchant_evidence = [e for e in evidence if e.side == rules.Side.MERCHANT]
        mine = refused is not None and refused[0] == dispute.pk
        dispute.form = refused[1] if mine else DecideForm(prefix=f"d{dispute.pk}")
    if refused is not None and not any(d.pk == refused[0] for d in rows):
        messages.error(request, " ".join(str(e) for errors in refused[1].errors.values() for e in errors))
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    context = {
        "disputes": rows,
        "page": page,
        "status": status,
        "tabs": [
            {
                "key": key,
                "label": label,
                "url": _with_query(request.path, status=key),
                "current": key == status,
            }
            for key, label in DISPUTE_TABS
        ],
        "previous": _with_query(request.path, **{**query, "page": page.previous_page_number()})
        if page.has_previous()
        else "",
        "next": _with_query(request.path, **{**query, "page": page.next_page_number()})
        if page.has_next()
        else "",
    }
    return render(request, "aftersales/disputes.html", context, status=422 if refused else 200)


@login_required
@require_http_methods(["GET", "POST"])
def return_addresses(request, store_id: int):
    """Where the store takes returns: add one, make one the default, delete one."""
    store = _store(request, store_id)
    form = ReturnAddressForm(prefix="new")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "add":
                form = ReturnAddressForm(request.POST, prefix="new")
                if form.is_valid():
                    services.add_return_address(store=store, **form.cleaned_data)
                    messages.success(request, _("退货地址已添加。"))
                    return redirect(request.path)
                status = 422
            elif action in ("default", "delete"):
                address_id = _posted_id(request, "address_id")
                if action == "default":
                    services.set_default_return_address(store=store, address_id=address_id)
                    messages.success(request, _("已设为默认退货地址。"))
                else:
                    services.delete_return_address(store=store, address_id=address_id)
                    messages.success(request, _("退货地址已删除。"))
                return redirect(request.path)
            else:
                raise Http404
        except DomainError as exc:
            if exc.status == 404 and not exc.field:
                raise Http404 from exc
            form.add_domain_error(exc)
            status = 422 if exc.status == 422 else 409
    context = {
        "store": store,
        "addresses": list(selectors.return_addresses(store)),
        "form": form,
        "limit": rules.RETURN_ADDRESSES_MAX,
    }
    return render(request, "aftersales/return_addresses.html", context, status=status)
