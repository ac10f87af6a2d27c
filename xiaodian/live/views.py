"""The live pages: a video account's rooms (and, for its owner, the form to schedule one), the
owner's page to start, end and stock a room, the public room page (shelf, comments, viewer count
over the websocket), and buying in the room (pick a SKU, an address, pay). Each view parses a
form, calls a service or a selector and renders; a refusal is shown in place. Not yours → 404.
"""

import uuid
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaodian.content import cards
from xiaodian.content import selectors as content
from xiaodian.core import throttle
from xiaodian.core.errors import DomainError
from xiaodian.core.pages import found_or_404, require_ids
from xiaodian.core.pagination import MAX_ID
from xiaodian.core.text import is_digits
from xiaodian.orders import extensions as order_extensions
from xiaodian.orders import selectors as order_selectors
from xiaodian.orders import services as orders
from xiaodian.orders.forms import CheckoutForm
from xiaodian.payments import services as payments

from . import rules, selectors, services
from .forms import BuyForm, RoomForm, ShelfItemForm

ROOMS_ON_PAGE = 30


def _posted_id(request, name: str) -> int:
    value = request.POST.get(name, "")
    if not is_digits(value) or not 1 <= int(value) <= MAX_ID:
        raise Http404
    return int(value)


# ------------------------------------------------------------------------- a video account's rooms


@require_http_methods(["GET", "POST"])
def account_rooms(request, account_id: int):
    """The account's rooms for everyone; its owner also schedules a new one here."""
    require_ids(account_id)
    account = found_or_404(content.video_account, account_id)
    is_owner = content.is_owner(request.user, account)
    form = None
    if is_owner:
        form = RoomForm(request.POST, request.FILES) if request.method == "POST" else RoomForm()
    elif request.method == "POST":
        raise Http404
    if request.method == "POST" and form.is_valid():
        try:
            room = services.schedule_live_room(
                owner=request.user,
                account_id=account.pk,
                cover=form.cleaned_data["cover"] or None,
                title=form.cleaned_data["title"],
                scheduled_at=form.cleaned_data["scheduled_at"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("直播已预约，开播前可以先布置货架。"))
            return redirect("live:manage", room_id=room.pk)
    context = {
        "account": account,
        "is_owner": is_owner,
        "rooms": list(selectors.account_rooms(account.pk)[:ROOMS_ON_PAGE]),
        "form": form,
    }
    return render(request, "live/account_rooms.html", context, status=422 if form and form.is_bound else 200)


# ------------------------------------------------------------------------------- the owner's room


def _manage_action(request, room, shelf_form) -> str | None:
    """Do the posted action; the success message, or None when the form shows what went wrong."""
    action = request.POST.get("action", "")
    if action == "start":
        services.start_live_room(owner=request.user, room_id=room.pk)
        return _("已开播。")
    if action == "end":
        services.end_live_room(owner=request.user, room_id=room.pk)
        return _("直播已结束。")
    if action == "add":
        if not shelf_form.is_valid():
            return None
        try:
            data = shelf_form.cleaned_data
            services.add_shelf_item(
                owner=request.user,
                room_id=room.pk,
                sku_id=data["sku_id"],
                live_price_fen=data["live_price"],  # typed in yuan, taken in fen
                flash_stock=data["flash_stock"],
                pinned=data["pinned"],
            )
        except DomainError as exc:
            if exc.status == 404:
                raise
            shelf_form.add_domain_error(exc)
            return None
        return _("已上架。")
    item_id = _posted_id(request, "item_id")
    found_or_404(selectors.shelf_item, room.pk, item_id)
    if action == "pin":
        services.pin_shelf_item(owner=request.user, item_id=item_id)
        return _("已置顶。")
    if action == "unpin":
        services.unpin_shelf_item(owner=request.user, item_id=item_id)
        return _("已取消置顶。")
    if action == "remove":
        services.remove_shelf_item(owner=request.user, item_id=item_id)
        return _("已下架。")
    raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def manage(request, room_id: int):
    """Start or end my room, and stock its shelf: SKUs of the stores my video account is bound
    to, at a live price with a flash-sale stock; pin one. htmx swaps the page's panel in place."""
    require_ids(room_id)
    room = found_or_404(selectors.owned_room, request.user, room_id)
    skus = selectors.shelf_choices(room.account_id)
    adding = request.method == "POST" and request.POST.get("action") == "add"
    shelf_form = ShelfItemForm(request.POST if adding else None, skus=skus, prefix="shelf")
    error = notice = ""
    if request.method == "POST":
        try:
            done = _manage_action(request, room, shelf_form)
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            error = exc.message
        else:
            if done is not None:
                if not request.htmx:
                    messages.success(request, done)
                    return redirect("live:manage", room_id=room.pk)
                notice, shelf_form = done, ShelfItemForm(skus=skus, prefix="shelf")
        room = found_or_404(selectors.owned_room, request.user, room_id)
    refused = bool(error or shelf_form.errors)
    context = {
        "room": room,
        "shelf": selectors.shelf(room.pk),
        "shelf_form": shelf_form,
        "has_choices": bool(skus),
        "error": error,
        "notice": notice,
    }
    status = 422 if refused and not request.htmx else 200  # htmx swaps only 2xx answers
    return render(request, "live/manage.html", context, status=status)


# --------------------------------------------------------------------------------- the public room


@require_GET
def room(request, room_id: int):
    """The room: the video, the shelf (pinned item first, live price against the original, flash
    stock left), the comments and the viewer count, kept live over `/ws/live/<id>/`."""
    require_ids(room_id)
    page = found_or_404(selectors.room_page, room_id)
    context = {
        "page": page,
        "room": page.room,
        # other stores' products the room's creator promotes (the alliance's, at the store's price)
        "promotions": cards.room_promotions(page.room.pk, page.room.account_id),
        # the room's live coupons, claimable here while it is live (coupons fills this; one query)
        "coupons": cards.coupon_cards(None, room_id=page.room.pk)
        if page.room.state != rules.RoomState.ENDED
        else [],
        "coupons_closed": page.room.state != rules.RoomState.LIVE,
        "is_owner": selectors.is_owner(request.user, page.room),
        "comment_max": rules.COMMENT_MAX,
        "heartbeat_ms": int(rules.VIEWER_HEARTBEAT.total_seconds() * 1000),
    }
    return render(request, "live/room.html", context)


@login_required
@require_POST
@throttle.answers_rate_limited
def comment(request, room_id: int):
    """Post a comment without the websocket (the page's form when scripts are off)."""
    require_ids(room_id)
    throttle.hit(rules.COMMENT_PER_USER, request.user.pk)
    try:
        services.post_comment(user=request.user, room_id=room_id, text=request.POST.get("text", ""))
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    return redirect(f"{reverse('live:room', args=[room_id])}#comments")


# ------------------------------------------------------------------------------------ buying


def _pay(request, order_id: int):
    """Start the checkout's payment and send the buyer to the pay page, which comes back to the order."""
    back = reverse("orders:order_detail", args=[order_id])
    try:
        payment = orders.pay_checkout(buyer=request.user, order_id=order_id)
    except DomainError as exc:  # placed, but cannot be paid now
        messages.error(request, exc.message)
        return redirect(back)
    url = payments.pay_url(payment)
    if not url:
        messages.error(request, _("暂时无法打开支付页面，请稍后在订单里付款。"))
        return redirect(back)
    return redirect(f"{url}{'&' if '?' in url else '?'}return={quote(back, safe='/')}")


def _coupon_offers(request, page, item_id: int | None, quantity: int) -> list:
    """The buyer's coupons for the item at its live price (orders.extensions.checkout_offers,
    filled by coupons: the room's live coupons and the store's, usable ones best first)."""
    item = next((i for i in page.shelf if i.pk == item_id), None)
    if item is None:
        return []
    draft = order_extensions.StoreOrderDraft(
        store=item.product.store,
        lines=(
            order_extensions.PricedLine(
                sku_id=item.sku_id,
                product_id=item.product_id,
                quantity=quantity,
                unit_price_fen=item.live_price_fen,
            ),
        ),
    )
    offered = order_extensions.checkout_offers(
        request.user, {draft.store.pk: draft}, rules.SOURCE_TYPE, page.room.pk
    )
    return list(offered.get(draft.store.pk, ()))


def _chosen_coupon(request, offers: list) -> int | None:
    """The coupon the form sent (`coupon_id`, empty for none; even one no longer usable, so the
    checkout says why), else on the first visit the best usable offer."""
    if request.method == "POST":
        sent = request.POST.get("coupon_id", "")
        return int(sent) if is_digits(sent) and 1 <= int(sent) <= MAX_ID else None
    return next((offer.coupon_id for offer in offers if not offer.problem), None)


def _buy(request, room, buy_form: BuyForm, address_form: CheckoutForm, coupon_id: int | None):
    address = address_form.address_kwargs()
    placed = services.buy_in_room(
        buyer=request.user,
        room_id=room.pk,
        shelf_item_id=buy_form.cleaned_data["shelf_item_id"],
        quantity=buy_form.cleaned_data["quantity"],
        idempotency_key=address_form.cleaned_data["key"],
        save_address="address" in address,
        coupon_ids=[coupon_id] if coupon_id else [],
        **address,
    )
    return _pay(request, placed.order_ids[0])


@login_required
@require_http_methods(["GET", "POST"])
def buy(request, room_id: int):
    """Buy in the room: pick the SKU (a shelf item at its live price) and the quantity, an
    address, and place the order (scene 2, this room as its source); then the pay page."""
    require_ids(room_id)
    page = found_or_404(selectors.room_page, room_id)
    addresses = list(order_selectors.addresses_of(request.user))
    if request.method == "POST":
        buy_form = BuyForm(request.POST, items=page.shelf)
        address_form = CheckoutForm(request.POST, addresses=addresses)
    else:
        chosen = request.GET.get("item", "")
        initial = int(chosen) if is_digits(chosen) else (page.pinned.pk if page.pinned else None)
        buy_form = BuyForm(items=page.shelf, initial={"shelf_item_id": initial, "quantity": 1})
        address_form = CheckoutForm(addresses=addresses, initial={"key": uuid.uuid4().hex})
    item_id = buy_form["shelf_item_id"].value()
    quantity = buy_form["quantity"].value()
    offers = _coupon_offers(
        request,
        page,
        int(item_id) if is_digits(str(item_id or "")) else None,
        int(quantity) if is_digits(str(quantity or "")) and int(quantity) <= rules.BUY_QUANTITY_MAX else 1,
    )
    coupon_id = _chosen_coupon(request, offers)
    if request.method == "POST" and buy_form.is_valid() and address_form.is_valid():
        try:
            return _buy(request, page.room, buy_form, address_form, coupon_id)
        except DomainError as exc:
            name = (exc.field or "").split(".")[0]
            (
                address_form if name.startswith("address") or name in address_form.fields else buy_form
            ).add_domain_error(exc)
    context = {
        "page": page,
        "room": page.room,
        "buy_form": buy_form,
        "form": address_form,
        "has_addresses": bool(addresses),
        "offers": offers,
        "chosen_coupon": coupon_id,
    }
    return render(request, "live/buy.html", context, status=422 if buy_form.is_bound else 200)
