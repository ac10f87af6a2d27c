"""The gifts' pages (mobile-first): send a product as a gift (from its page), my gifts (received
and sent), one gift (accept it with an address and a style, or draw a group gift, with the draw's
commitment and, once closed, its seed), and the draw's verification. As thin as api.py."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from xiaodian.catalog.models import Product
from xiaodian.chats import selectors as chats
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.pages import require_ids
from xiaodian.core.text import is_digits
from xiaodian.orders import services as orders
from xiaodian.orders.models import Address
from xiaodian.payments import services as payments

from . import selectors, services
from .forms import AcceptForm, SendForm
from .models import GiftDraw
from .rules import GiftState, Kind, SentFrom


def _pay(request, gift):
    """The giver pays the gift's checkout on WeChat Pay's page and comes back to the gift."""
    back = reverse("gifts:detail", args=[gift.pk])
    order_id = gift.units.order_by("index").values_list("order_id", flat=True).first()
    try:
        url = payments.pay_url(orders.pay_checkout(buyer=request.user, order_id=order_id))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if not url:
        messages.error(request, _("暂时无法打开支付页面，请稍后在订单里付款。"))
        return redirect(back)
    return redirect(f"{url}{'&' if '?' in url else '?'}return={quote(back, safe='/')}")


@login_required
@require_http_methods(["GET", "POST"])
def send(request):
    """Send a product as a gift: to one friend, or as a group gift for members to draw."""
    raw = request.GET.get("product", "")
    if not is_digits(raw):
        raise Http404
    require_ids(int(raw))
    product = Product.objects.filter(pk=int(raw)).select_related("store").first()
    if product is None:
        raise Http404
    skus = selectors.giftable_skus(product.pk)
    contacts = selectors.contacts_of(request.user)
    groups = chats.groups_of(request.user)
    group = request.GET.get("group", "")
    form = SendForm(
        request.POST if request.method == "POST" else None,
        skus=selectors.sku_choices(skus),
        contacts=contacts,
        groups=groups,
        group_id=int(group) if is_digits(group) and any(g.pk == int(group) for g in groups) else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        common = {
            "giver": request.user,
            "sku_id": data["sku_id"],
            "idempotency_key": data["key"],
            "message": data["message"],
            "sent_from": data["sent_from"],
        }
        try:
            if data["mode"] == SendForm.GROUP and data["group_id"]:
                gift = services.send_group_gift(
                    count=data["count"], conversation_id=data["group_id"], **common
                )
            elif data["mode"] == SendForm.GROUP:
                gift = services.send_group_gift(count=data["count"], member_ids=data["member_ids"], **common)
            else:
                gift = services.send_gift(recipient_id=data["recipient_id"], **common)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return _pay(request, gift)
    excluded = bool(skus) and services.excluded_category(skus[0])
    context = {
        "product": product,
        "form": form,
        "skus": skus,
        "excluded": excluded,
        "has_contacts": bool(contacts),
        "has_groups": bool(groups),
    }
    return render(request, "gifts/send.html", context)


@login_required
@require_GET
def mine(request):
    """The gifts I received (and group gifts I may draw) and the gifts I sent."""
    tab = "sent" if request.GET.get("tab") == "sent" else "received"
    found = selectors.sent_by(request.user) if tab == "sent" else selectors.received_by(request.user)
    return render(request, "gifts/mine.html", {"tab": tab, "gifts": list(found[:100])})


def _visible(request, gift_id: int):
    require_ids(gift_id)
    gift = selectors.visible_gift(request.user, gift_id)
    if gift is None:
        raise Http404
    return gift


@login_required
@require_http_methods(["GET", "POST"])
def detail(request, gift_id: int):
    """One gift: its recipient (or a winner) accepts it here; a member draws a group gift; the
    giver sees how it stands (and pays it if not paid yet)."""
    gift = _visible(request, gift_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    unit = selectors.unit_of(gift, request.user)
    claimable = unit is not None and unit.state == GiftState.CLAIMABLE
    addresses = list(Address.objects.filter(buyer=request.user))
    styles = selectors.sku_choices(selectors.styles(unit)) if claimable and unit else []
    form = AcceptForm(request.POST if action == "accept" else None, addresses=addresses, styles=styles)
    if action == "pay" and gift.giver_id == request.user.pk:
        return _pay(request, gift)
    if action == "draw":
        try:
            entry = services.draw_gift(user=request.user, gift_id=gift.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if entry.unit_index is None:
                messages.info(request, _("很遗憾，这次没有抽中。"))
            else:
                messages.success(request, _("抽中了！请填写收货地址领取。"))
        return redirect("gifts:detail", gift_id=gift.pk)
    if action == "accept" and claimable and form.is_valid():
        try:
            services.accept_gift(
                user=request.user,
                gift_id=gift.pk,
                sku_id=form.cleaned_data["sku_id"],
                **form.address_kwargs(),
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("已领取礼物，商家会尽快发货。"))
            return redirect("gifts:detail", gift_id=gift.pk)
    now = clock.now()
    context = {
        "gift": gift,
        "unit": unit,
        "form": form if claimable else None,
        "is_giver": gift.giver_id == request.user.pk,
        "sent_from": SentFrom(gift.sent_from).label,
        "accept_by": services.draw_closes_at(gift),
        "report": selectors.draw_report(gift, now) if gift.kind == Kind.GROUP else None,
        "drawn": GiftDraw.objects.filter(gift=gift, user=request.user).exists(),
        "may_draw": gift.kind == Kind.GROUP
        and gift.giver_id != request.user.pk
        and not services.draw_closed(gift, now)
        and (gift.conversation_id is None or chats.is_member(request.user.pk, gift.conversation_id)),
        "group": chats.group_of(request.user, gift.conversation_id)
        if gift.kind == Kind.GROUP and gift.conversation_id
        else None,
        "order_ids": list(gift.units.values_list("order_id", flat=True))
        if gift.giver_id == request.user.pk
        else [],
    }
    return render(request, "gifts/detail.html", context)


@login_required
@require_GET
def verify(request, gift_id: int):
    """A group gift's draw recomputed from its revealed seed (docs/gifts.md "The draw")."""
    gift = _visible(request, gift_id)
    if gift.kind != Kind.GROUP:
        raise Http404
    return render(
        request, "gifts/verify.html", {"gift": gift, "report": selectors.draw_report(gift, clock.now())}
    )
