"""The coupons' pages: the store's coupons with their report (create, stop), a store's coupons
for buyers to claim, and the buyer's own coupons. As thin as api.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaodian.accounts.rules import Perm
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.pages import http_error, posted_id
from xiaodian.core.pagination import MAX_ID
from xiaodian.stores.access import can, store_for
from xiaodian.stores.models import Store
from xiaodian.stores.rules import StoreState

from . import selectors, services
from .forms import CampaignForm, CouponForm

LIST_MAX = 100


@login_required
@require_http_methods(["GET", "POST"])
def store_coupons(request, store_id: int):
    """The store's coupons with each one's report; product managers create and stop them."""
    try:
        store = store_for(request.user, store_id, Perm.VIEW)
    except DomainError as exc:
        raise http_error(exc) from exc
    manage = can(store, Perm.MANAGE_PRODUCTS)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action and not manage:
        raise PermissionDenied
    products, rooms = selectors.create_choices(store.pk) if manage else ([], [])
    form = CouponForm(request.POST if action == "create" else None, products=products, rooms=rooms)
    campaign_form = CampaignForm(
        request.POST if action == "campaign" else None, products=products, prefix="campaign"
    )
    if action == "create" and form.is_valid():
        try:
            services.create_coupon(store=store, **form.service_kwargs())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("优惠券已创建。"))
            return redirect("coupons:store_coupons", store_id=store.pk)
    elif action == "campaign" and campaign_form.is_valid():
        try:
            services.create_campaign(store=store, **campaign_form.service_kwargs())
        except DomainError as exc:
            campaign_form.add_domain_error(exc)
        else:
            messages.success(request, _("满减活动已创建。"))
            return redirect(f"{reverse('coupons:store_coupons', args=[store.pk])}#campaigns")
    elif action == "stop_campaign":
        try:
            services.stop_campaign(store=store, campaign_id=posted_id(request, "campaign_id"))
        except DomainError as exc:
            raise http_error(exc) from exc
        return redirect(f"{reverse('coupons:store_coupons', args=[store.pk])}#campaigns")
    elif action in ("stop", "issue"):
        coupon_id = posted_id(request, "coupon_id")
        try:
            if action == "stop":
                services.stop_coupon(store=store, coupon_id=coupon_id)
            else:
                services.update_coupon(store=store, coupon_id=coupon_id, changes={"state": "active"})
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("coupons:store_coupons", store_id=store.pk)
    elif action not in ("", "create", "campaign"):
        raise Http404
    now = clock.now()
    coupons = list(selectors.store_report(store.pk)[:LIST_MAX])
    for coupon in coupons:
        coupon.shown_state = selectors.coupon_state(coupon, now)
        coupon.label = services.label(coupon)
    campaigns = list(selectors.campaigns_of(store.pk)[:LIST_MAX])
    for campaign in campaigns:
        campaign.shown_state = selectors.campaign_state(campaign, now)
        campaign.tier_labels = [services.tier_label(t, o) for t, o in campaign.tiers]
    context = {
        "store": store,
        "coupons": coupons,
        "campaigns": campaigns,
        "form": form,
        "campaign_form": campaign_form,
        "manage": manage,
    }
    return render(request, "coupons/store_coupons.html", context)


@require_http_methods(["GET", "POST"])
def shop_coupons(request, store_id: int):
    """An open store's coupons a buyer may claim now (signed in to claim)."""
    store = Store.objects.filter(pk=store_id, state=StoreState.OPEN).first() if store_id <= MAX_ID else None
    if store is None:
        raise Http404
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            services.claim_coupon(buyer=request.user, coupon_id=posted_id(request, "coupon_id"))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("领取成功，下单时可用。"))
        return redirect("coupons:shop_coupons", store_id=store.pk)
    now = clock.now()
    coupons = list(selectors.claimable(store.pk, now)[:LIST_MAX])
    for coupon in coupons:
        coupon.label = services.label(coupon)
    return render(request, "coupons/shop_coupons.html", {"store": store, "coupons": coupons})


def _back(request) -> str:
    """Where a claim from a coupon card goes back to: the page it was on (this site's only)."""
    url = request.POST.get("next", "")
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return "/me/coupons/"


@require_POST
def claim(request):
    """Claim from a coupon card (the store page, the product page, a live room): back to that page
    with a message (signed in to claim). A live coupon names its room (`room_id`)."""
    back = _back(request)
    if not request.user.is_authenticated:
        return redirect_to_login(back)
    coupon_id = posted_id(request, "coupon_id")
    room_id = posted_id(request, "room_id") if request.POST.get("room_id") else None
    try:
        services.claim_coupon(buyer=request.user, coupon_id=coupon_id, room_id=room_id)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("领取成功，下单时可用。"))
    return redirect(back)


@login_required
@require_GET
def my_coupons(request):
    """The buyer's coupons, soonest to expire first; used and expired ones below."""
    now = clock.now()
    held = list(selectors.buyer_coupons(request.user, now)[:LIST_MAX])
    for h in held:
        h.shown_state = selectors.held_state(h, now)
        h.label = services.label(h.coupon)
    usable = [h for h in held if h.shown_state in ("unused", "returned")]
    other = [h for h in held if h.shown_state not in ("unused", "returned")]
    return render(request, "coupons/mine.html", {"usable": usable, "other": other})
