"""The orders pages: cart, checkout, the buyer's orders and the store's orders. Each view parses a
form, calls a service (writes) or a selector (reads) and renders; a service's DomainError is shown
in place, next to the field or the order it concerns.

Checkout takes an Idempotency-Key made when the checkout page is rendered (a hidden field), so
pressing 提交订单 twice makes one checkout. Store pages go through `stores.access.store_for`
(MANAGE_ORDERS): no role in the store → 404, a role without the permission → 403.
"""

import uuid
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.handlers.asgi import ASGIRequest
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaodian.accounts.rules import Perm
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.pagination import MAX_ID
from xiaodian.core.text import is_digits
from xiaodian.payments import services as payments
from xiaodian.stores.access import store_for

from . import amounts, export, extensions, rules, selectors, services, sources
from .forms import (
    TABS,
    BulkShipForm,
    CartAddForm,
    CheckoutForm,
    OrderFilterForm,
    QuantityForm,
    ShipForm,
    StoreOrderFilterForm,
    scene_of,
)
from .rules import EventNote, Status

PAGE_SIZE = 10
SHIPPABLE = (Status.TO_SHIP, Status.PARTLY_SHIPPED)

ACTORS = {
    "buyer": gettext_lazy("买家"),
    "merchant": gettext_lazy("商家"),
    "system": gettext_lazy("系统"),
    "payment": gettext_lazy("微信支付"),
}
# The services write these notes in English; the history shows them in the reader's language.


# ------------------------------------------------------------------------------------- helpers


def _http(exc: DomainError) -> Exception:
    """A refusal of access as a page answers it: 404 (not yours) or 403 (not your role)."""
    return Http404(exc.message) if exc.status == 404 else PermissionDenied(exc.message)


def _store(request, store_id: int):
    try:
        return store_for(request.user, store_id, Perm.MANAGE_ORDERS)
    except DomainError as exc:
        raise _http(exc) from exc


def _posted_id(request, name: str) -> int:
    try:
        value = int(request.POST.get(name, ""))
    except ValueError as exc:
        raise Http404 from exc
    if not 1 <= value <= MAX_ID:
        raise Http404
    return value


def _ids(values) -> list[int]:
    return [int(v) for v in values if is_digits(v) and 1 <= int(v) <= MAX_ID]


def _safe_path(request, url: str) -> str:
    """`url` as a path on this site (with its query), or "" when it points anywhere else."""
    if not url or not url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return ""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _referer(request) -> str:
    return _safe_path(request, request.headers.get("referer", ""))


def _with_query(url: str, **params) -> str:
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{url}?{urlencode(params)}" if params else url


def _pay(request, order_id: int, back: str):
    """Start (or resume) the checkout's payment and send the buyer to the pay page, which comes
    back to `back` once paid."""
    payment = services.pay_checkout(buyer=request.user, order_id=order_id)
    url = payments.pay_url(payment)
    if not url:
        messages.error(request, _("暂时无法打开支付页面，请稍后在订单里付款。"))
        return redirect(back)
    return redirect(f"{url}{'&' if '?' in url else '?'}return={quote(back, safe='/')}")


def _buyer_action(request, action: str, order_id: int, back: str):
    """Pay, cancel or confirm one of the buyer's orders; a refusal is raised for the page to show."""
    if action == "pay":
        return _pay(request, order_id, reverse("orders:order_detail", args=[order_id]))
    if action == "cancel":
        closed = services.cancel_order(buyer=request.user, order_id=order_id)
        messages.success(request, _("已取消 %(n)d 个订单。") % {"n": len(closed)})
    elif action == "confirm":
        order = services.confirm_receipt(buyer=request.user, order_id=order_id)
        messages.success(request, _("订单 %(number)s 已确认收货。") % {"number": order.number})
    else:
        raise Http404
    return redirect(back)


def _filtered_page(request, orders_qs_for, counts: dict[int, int], form_class=None):
    """The status tab, date filter and page of an order list."""
    filters = (form_class or OrderFilterForm)(request.GET)
    page = Paginator(orders_qs_for(**filters.criteria()), PAGE_SIZE).get_page(request.GET.get("page"))
    orders = list(page.object_list)
    current = filters.cleaned_data.get("tab") or ""
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    tabs = [
        {
            "key": key,
            "label": label,
            "count": sum(counts.values()) if statuses is None else sum(counts.get(s, 0) for s in statuses),
            "url": _with_query(request.path, **{**query, "tab": key}),
            "current": key == current,
        }
        for key, label, statuses in TABS
    ]
    return {
        "filters": filters,
        "tab": current,
        "tabs": tabs,
        "page": page,
        "orders": orders,
        "previous": _with_query(request.path, **{**query, "page": page.previous_page_number()})
        if page.has_previous()
        else "",
        "next": _with_query(request.path, **{**query, "page": page.next_page_number()})
        if page.has_next()
        else "",
    }


def _shipments(order) -> list[dict]:
    """The order's shipments with the lines each carried (all prefetched: no queries)."""
    lines = {line.pk: line for line in order.lines.all()}
    return [
        {
            "shipment": shipment,
            "items": [(lines[sl.line_id], sl.quantity) for sl in shipment.lines.all() if sl.line_id in lines],
        }
        for shipment in order.shipments.all()
    ]


# ----------------------------------------------------------------------------------------- cart


@require_POST
def cart_add(request):
    """The product page's form: add to the cart and show it, or (buy now) go straight to checkout
    with just this SKU. The scene the product page was opened with travels along."""
    back = _referer(request)
    if not request.user.is_authenticated:
        return redirect_to_login(back or reverse("orders:cart"))
    form = CartAddForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
            break
        return redirect(back or "orders:cart")
    data = form.cleaned_data
    quantity = data["quantity"] or 1
    scene = scene_of(request.POST, request.GET, dict(parse_qsl(urlsplit(back).query)))
    if form.wants_checkout():
        return redirect(
            _with_query(
                reverse("orders:checkout"), sku=data["sku_id"], quantity=quantity, **_scene_params(scene)
            )
        )
    try:
        services.add_to_cart(buyer=request.user, sku_id=data["sku_id"], quantity=quantity, **scene)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back or "orders:cart")
    messages.success(request, _("已加入购物车。"))
    return redirect("orders:cart")


def _checked_scene(scene: dict, lines) -> dict:
    """The scene with its source dropped when the order could not name it (a draft, another
    store's homepage, a live room outside the room): a page never refuses a purchase for that (and
    `place_order` records scene 1 for a scene left without a source)."""
    store_ids = {line.sku.product.store_id for line in lines}
    if sources.problem(scene["scene"], scene["source_type"], scene["source_id"], store_ids=store_ids):
        return {**scene, "source_type": "", "source_id": None}
    return scene


def _scene_params(scene: dict) -> dict:
    """The scene as query parameters, left out when it is the default."""
    if scene["scene"] == 1 and not scene["source_type"] and not scene["source_id"]:
        return {}
    return scene


@login_required
@require_http_methods(["GET", "POST"])
def cart(request):
    """The cart by store: change a quantity, remove an item, tick items and check out. htmx swaps
    the cart in place; without htmx each change reloads the page."""
    action = request.POST.get("action", "") if request.method == "POST" else ""
    errors: dict[int, str] = {}
    if action:
        item_id = _posted_id(request, "item_id")
        try:
            if action == "update":
                form = QuantityForm(request.POST)
                if not form.is_valid():
                    raise DomainError("validation_error", form.errors["quantity"][0], field="quantity")
                services.set_cart_quantity(
                    buyer=request.user, item_id=item_id, quantity=form.cleaned_data["quantity"]
                )
            elif action == "remove":
                services.remove_cart_item(buyer=request.user, item_id=item_id)
            else:
                raise Http404
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            errors[item_id] = exc.message
        else:
            if not request.htmx:
                return redirect("orders:cart")
    lines = selectors.cart_lines(request.user)
    for line in lines:
        line.error = errors.get(line.item_id, "")
    context = {
        "groups": selectors.by_store(lines),
        "total_fen": sum(line.total_fen for line in lines),
        "count": sum(line.quantity for line in lines),
    }
    template = "orders/partials/cart.html" if request.htmx else "orders/cart.html"
    return render(request, template, context, status=422 if errors and not request.htmx else 200)


# ------------------------------------------------------------------------------------- checkout


def _posted_lines(request) -> tuple[dict[int, int], dict[int, int]]:
    """The checkout form's lines, `sku:quantity[:cart item]` each: {sku: quantity}, {sku: cart item}."""
    wanted: dict[int, int] = {}
    items: dict[int, int] = {}
    for value in request.POST.getlist("line"):
        parts = value.split(":")
        if not 2 <= len(parts) <= 3 or not all(is_digits(p) for p in parts):
            continue
        sku_id, quantity = int(parts[0]), int(parts[1])
        wanted[sku_id] = wanted.get(sku_id, 0) + quantity
        if len(parts) == 3 and int(parts[2]):
            items[sku_id] = int(parts[2])
    return wanted, items


def _chosen_lines(request) -> list:
    """The lines the checkout page was opened with: ticked cart items, or a buy-now SKU."""
    if request.GET.get("sku"):
        sku_ids = _ids([request.GET["sku"]])
        quantity = _ids([request.GET.get("quantity", "1")]) or [1]
        return selectors.sku_lines({sku_ids[0]: quantity[0]}) if sku_ids else []
    item_ids = _ids(request.GET.getlist("item"))
    return selectors.cart_lines(request.user, item_ids) if item_ids else []


@login_required
@require_http_methods(["GET", "POST"])
def checkout(request):
    """Confirm the lines, pick or enter an address, place the order (one per store) and pay."""
    addresses = list(selectors.addresses_of(request.user))
    if request.method == "POST":
        wanted, cart_items = _posted_lines(request)
        lines = selectors.sku_lines(wanted, cart_items)
        scene = scene_of(request.POST)
        form = CheckoutForm(request.POST, addresses=addresses)
    else:
        lines = _chosen_lines(request)
        wanted = {line.sku.pk: line.quantity for line in lines}
        cart_items = {line.sku.pk: line.item_id for line in lines if line.item_id}
        scene = scene_of(request.GET)
        if not _scene_params(scene):  # from the cart: the last touch of its items
            scene = selectors.cart_scene(lines) or scene
        form = CheckoutForm(addresses=addresses, initial={"key": uuid.uuid4().hex})
    scene = _checked_scene(scene, lines)
    if not wanted:
        messages.error(request, _("请先选择要结算的商品。"))
        return redirect("orders:cart")
    groups = selectors.by_store(lines)
    coupon_ids = _offer_coupons(request, groups, scene)
    if request.method == "POST" and form.is_valid():
        try:
            return _place_and_pay(request, form, wanted, cart_items, scene, coupon_ids)
        except DomainError as exc:
            form.add_domain_error(exc)
    context = {
        "form": form,
        "groups": groups,
        "lines": lines,
        "total_fen": sum(group.subtotal_fen - group.discount_fen for group in groups),
        "scene": scene,
        "has_addresses": bool(addresses),
    }
    return render(request, "orders/checkout.html", context, status=422 if form.is_bound else 200)


def _offer_coupons(request, groups: list, scene: dict) -> list[int]:
    """Each store group's coupon offers (orders.extensions.checkout_offers) and the chosen one:
    what the form sent (`coupon_<store id>`, empty for none), else the best usable offer. Answers
    the chosen coupons' ids."""
    drafts = {
        group.store.pk: extensions.StoreOrderDraft(
            store=group.store,
            lines=tuple(
                extensions.PricedLine(
                    sku_id=line.sku.pk,
                    product_id=line.sku.product_id,
                    quantity=line.quantity,
                    unit_price_fen=line.sku.price_fen,
                )
                for line in group.lines
            ),
        )
        for group in groups
    }
    offered = extensions.checkout_offers(
        request.user, drafts, scene.get("source_type", ""), scene.get("source_id")
    )
    automatic = _automatic_discounts(request, drafts, scene)
    chosen = []
    for group in groups:
        group.offers = list(offered.get(group.store.pk, ()))
        usable = {offer.coupon_id: offer for offer in group.offers if not offer.problem}
        if request.method == "POST":
            sent = request.POST.get(f"coupon_{group.store.pk}", "")
            if is_digits(sent) and 1 <= int(sent) <= MAX_ID:
                # even one that is no longer usable: the checkout then says why, never drops it silently
                chosen.append(int(sent))
                pick = usable.get(int(sent))
            else:
                pick = None
        else:
            pick = next(iter(usable.values()), None)
            if pick:
                chosen.append(pick.coupon_id)
        group.chosen_coupon = pick.coupon_id if pick else None
        group.coupon_off_fen = pick.amount_fen if pick else 0
        # the campaigns' discounts and the coupon's, capped as the checkout caps them
        group.campaigns = automatic.get(group.store.pk, [])
        wanted = sum(d.amount_fen for d in group.campaigns) + group.coupon_off_fen
        group.discount_fen = min(wanted, amounts.max_discount(group.subtotal_fen)) if wanted else 0
    return chosen


def _automatic_discounts(request, drafts: dict, scene: dict) -> dict[int, list]:
    """The discounts a store order gets without a choice (full-reduction campaigns): what the
    `discounts` extensions answer for the page's lines with no coupon chosen."""
    if not drafts:
        return {}
    context = extensions.CheckoutContext(
        buyer=request.user,
        scene=scene.get("scene") or rules.Scene.OTHER,
        source_type=scene.get("source_type", ""),
        source_id=scene.get("source_id"),
        options={},
        lines=(),
    )
    found: dict[int, list] = {}
    for discounter in extensions.discounts:
        for discount in discounter(context, drafts):
            if discount.store_id in drafts and discount.amount_fen > 0:
                found.setdefault(discount.store_id, []).append(discount)
    return found


def _place_and_pay(
    request,
    form: CheckoutForm,
    wanted: dict[int, int],
    cart_items: dict[int, int],
    scene: dict,
    coupon_ids: list[int],
):
    address = form.address_kwargs()
    placed = services.place_order(
        buyer=request.user,
        items=[services.LineRequest(sku_id=sku, quantity=qty) for sku, qty in wanted.items()],
        idempotency_key=form.cleaned_data["key"],
        save_address="address" in address,
        cart_item_ids=list(cart_items.values()),
        note=form.cleaned_data["note"],
        coupon_ids=coupon_ids,
        **address,
        **scene,
    )
    if "address" in address and not placed.replayed and not placed.address_saved:
        full = services.ADDRESS_BOOK_FULL % {"n": rules.ADDRESSES_MAX}
        messages.warning(request, _("地址未保存：%(reason)s") % {"reason": full})
    order_ids = placed.order_ids
    back = (
        reverse("orders:order_detail", args=[order_ids[0]])
        if len(order_ids) == 1
        else _with_query(reverse("orders:my_orders"), tab="to_ship")
    )
    try:
        return _pay(request, order_ids[0], back)
    except DomainError as exc:  # placed but cannot be paid now (closed meanwhile, gateway down)
        messages.error(request, exc.message)
        return redirect(back)


# --------------------------------------------------------------------------------- buyer orders


@login_required
@require_http_methods(["GET", "POST"])
def my_orders(request):
    """The buyer's orders by status tab and date, with pay / cancel / confirm on each."""
    errors: dict[int, str] = {}
    if request.method == "POST":
        order_id = _posted_id(request, "order_id")
        try:
            return _buyer_action(request, request.POST.get("action", ""), order_id, request.get_full_path())
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            errors[order_id] = exc.message
    context = _filtered_page(
        request,
        lambda **criteria: selectors.buyer_orders(request.user, **criteria),
        selectors.status_counts(buyer=request.user),
    )
    for order in context["orders"]:
        order.error = errors.get(order.pk, "")
    return render(request, "orders/my_orders.html", context, status=409 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def order_detail(request, order_id: int):
    """One order for its buyer (with the buyer's actions) or its store's staff; anyone else: 404."""
    error = ""
    if request.method == "POST":
        try:
            return _buyer_action(request, request.POST.get("action", ""), order_id, request.path)
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            error = exc.message
    try:
        order = selectors.order_for(request.user, order_id)
    except DomainError as exc:
        raise _http(exc) from exc
    events = selectors.events_of(order)
    for event in events:
        event.actor_label = ACTORS.get(event.actor, event.actor)
        event.note_label = EventNote(event.note).label if event.note in EventNote.values else event.note
        event.to_label = Status(event.to_status).label
    order.error = error
    sources.describe([order])
    is_buyer = request.user.pk in (order.buyer_id, order.recipient_id)
    buyer_links = [link for links in extensions.buyer_links for link in links(order)] if is_buyer else []
    context = {
        "order": order,
        "is_buyer": is_buyer,
        "buyer_links": buyer_links,
        # whose goods these are (the after-sales links): a gift's are its recipient's, not the giver's
        "receives": order.recipient_id == request.user.pk
        or (order.buyer_id == request.user.pk and order.recipient_id is None and not order.open_gift),
        "events": events,
        "shipments": _shipments(order),
        "deadline": services.deadline_of(order),
        "ship_flag": order.ship_flag(clock.now()),
    }
    return render(request, "orders/order_detail.html", context, status=409 if error else 200)


# --------------------------------------------------------------------------------- store orders


def _ship_one(request, store):
    """The card's form: ship one order (all of it, or the ticked lines). The bound form, or a
    redirect once shipped."""
    try:
        order = selectors.store_order(store, _posted_id(request, "order_id"))
    except DomainError as exc:
        raise Http404 from exc
    bound = ShipForm(request.POST, order=order)
    if bound.is_valid():
        try:
            shipped = services.ship_order(store=store, order_id=order.pk, **bound.ship_kwargs())
        except DomainError as exc:
            if exc.status == 404 and exc.field is None:
                raise Http404 from exc
            bound.add_domain_error(exc)
        else:
            messages.success(
                request,
                _("订单 %(number)s 已发货（%(status)s）。")
                % {"number": shipped.number, "status": Status(shipped.status).label},
            )
            return redirect(request.get_full_path())
    return bound


def _ship_several(request, store):
    """The bulk form: ship the ticked orders, each through the service on its own (per order). The
    bound form with each order's result, or a redirect when every one shipped."""
    picked = _ids(request.POST.getlist("bulk-pick"))[: rules.BULK_SHIP_MAX + 1]
    offered = selectors.store_orders(store).filter(pk__in=picked).order_by("-pk")
    bulk = BulkShipForm(request.POST, orders=offered)
    if not bulk.is_valid():
        return bulk
    results = services.ship_orders(store=store, requests=bulk.requests())
    bulk.results = {result.order_id: result for result in results}
    shipped = [r for r in results if r.ok]
    if shipped:
        messages.success(
            request,
            ngettext("已发货 %(n)d 个订单：%(numbers)s", "已发货 %(n)d 个订单：%(numbers)s", len(shipped))
            % {"n": len(shipped), "numbers": "、".join(r.order.number for r in shipped if r.order)},
        )
    if len(shipped) == len(results):
        return redirect(request.get_full_path())
    failed = len(results) - len(shipped)
    messages.error(
        request,
        ngettext("%(n)d 个订单未发货，原因见下方。", "%(n)d 个订单未发货，原因见下方。", failed)
        % {"n": failed},
    )
    return bulk


def _query_links(request, context) -> None:
    """The ship-by links and the CSV export's link, each keeping the other filters."""
    query = {k: v for k, v in request.GET.items() if k not in ("page", "ship") and v}
    context["ship_links"] = [
        {
            "key": key,
            "label": label,
            "url": _with_query(request.path, **{**query, "ship": key}),
            "current": key == context["filters"].cleaned_data.get("ship", ""),
        }
        for key, label in context["filters"].fields["ship"].choices
    ]
    filters = {k: v for k, v in request.GET.items() if k != "page" and v}
    context["export_url"] = _with_query(
        reverse("orders:store_orders_export", args=[context["store"].pk]), **filters
    )


@login_required
@require_http_methods(["GET", "POST"])
def store_orders(request, store_id: int):
    """A store's orders: search, status tab, dates and ship-by; ship each (all of it, or the ticked
    lines), or several at once; export the filtered list as CSV."""
    store = _store(request, store_id)
    bound = bulk = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "ship":
            answer = bound = _ship_one(request, store)
        elif action == "bulk_ship":
            answer = bulk = _ship_several(request, store)
        else:
            raise Http404
        if isinstance(answer, HttpResponse):
            return answer
    now = clock.now()
    context = _filtered_page(
        request,
        lambda **criteria: selectors.store_orders(store, now=now, **criteria),
        selectors.status_counts(store=store),
        StoreOrderFilterForm,
    )
    context["store"] = store
    _query_links(request, context)
    shown = False
    for order in context["orders"]:
        if bound is not None and bound.order.pk == order.pk:
            order.ship_form, shown = bound, True
        elif order.status in SHIPPABLE:
            order.ship_form = ShipForm(order=order)
        order.flag = order.ship_flag(now)
    if bound is not None and bound.errors and not shown:
        messages.error(request, " ".join(str(e) for errors in bound.errors.values() for e in errors))
    if bulk is None:
        bulk = BulkShipForm(orders=[o for o in context["orders"] if o.status in SHIPPABLE])
    context.update({"bulk": bulk, "bulk_rows": bulk.rows()})
    status = 200 if request.method == "GET" else 422 if bulk.errors or bound is not None else 409
    return render(request, "orders/store_orders.html", context, status=status)


@login_required
@require_GET
def store_orders_export(request, store_id: int):
    """The store's order list as CSV, with the list's filters (search, tab, dates, ship-by),
    streamed (orders.export)."""
    store = _store(request, store_id)
    filters = StoreOrderFilterForm(request.GET)
    orders = selectors.export_orders(selectors.store_orders(store, **filters.criteria()))
    name = f"orders-{store.pk}-{timezone.localdate().isoformat()}.csv"
    return export.csv_response(orders, name, asgi=isinstance(request, ASGIRequest))
