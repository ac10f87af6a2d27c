"""The alliance's pages: the merchant's alliance page (enable with the conditions explained, the
plans, a form to create them, stop), the promoter's center (join; the library with filters; the
showcase; links to copy), and the short share link `/a/<code>`. As thin as api.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from xiaodian.accounts.rules import Perm
from xiaodian.catalog.models import Product
from xiaodian.catalog.rules import ProductState
from xiaodian.content.models import VideoAccount
from xiaodian.core.errors import DomainError
from xiaodian.core.pages import http_error, posted_id
from xiaodian.core.pagination import MAX_ID
from xiaodian.ledger import selectors as ledger_selectors
from xiaodian.ledger import services as money
from xiaodian.stores.access import store_for
from xiaodian.stores.selectors import CategoryTree

from . import report_views, selectors, services
from .forms import CommissionWithdrawForm, JoinForm, LibraryFilterForm, PlanForm
from .models import Promoter, PromotionLink, StoreAlliance

PAGE_SIZE = 20


@login_required
@require_http_methods(["GET", "POST"])
def store_alliance(request, store_id: int):
    """The merchant's alliance page (owner, admin)."""
    try:
        store = store_for(request.user, store_id, Perm.MANAGE_STORE)
    except DomainError as exc:
        raise http_error(exc) from exc
    action = request.POST.get("action", "") if request.method == "POST" else ""
    products = list(Product.objects.filter(store=store, state=ProductState.LISTED).order_by("-id")[:200])
    form = PlanForm(request.POST if action == "create" else None, products=products)
    refusal = None
    if action == "enable":
        try:
            services.enable_alliance(store=store, by=request.user)
        except DomainError as exc:
            refusal = exc
        else:
            messages.success(request, _("已开通优选联盟。"))
            return redirect("alliance:store_alliance", store_id=store.pk)
    elif action == "create" and form.is_valid():
        try:
            plans = services.create_plans(store=store, by=request.user, **form.service_kwargs())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("已创建 %(n)d 个推广计划。") % {"n": len(plans)})
            return redirect("alliance:store_alliance", store_id=store.pk)
    elif action == "stop":
        try:
            services.stop_plan(plan_id=posted_id(request, "plan_id"), by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("推广计划已停止。"))
        return redirect("alliance:store_alliance", store_id=store.pk)
    elif action not in ("", "create"):
        raise Http404
    enabled = StoreAlliance.objects.filter(store=store).first()
    plans = list(selectors.store_plans(store)[:100]) if enabled else []
    for plan in plans:
        plan.state = selectors.plan_state(plan)
    return render(
        request,
        "alliance/store_alliance.html",
        {
            "store": store,
            "enabled": enabled,
            "conditions": selectors.eligibility(store),
            "refusal": refusal,
            "plans": plans,
            "promoted": list(selectors.store_attributed_lines(store)[:20]) if enabled else [],
            "form": form,
            **(report_views.performance_context(request, store) if enabled else {}),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def center(request):
    """The promoter's center: join first; then the library, the showcase and the links."""
    promoter = (
        Promoter.objects.select_related("video_account", "membership__agency")
        .filter(user=request.user)
        .first()
    )
    if promoter is None:
        return _join(request)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    withdraw = CommissionWithdrawForm(request.POST if action == "withdraw" else None)
    if action == "withdraw":
        if withdraw.is_valid():
            try:
                money.request_promoter_withdrawal(
                    promoter=request.user, amount_fen=withdraw.cleaned_data["amount"]
                )
            except DomainError as exc:
                withdraw.add_domain_error(exc)
            else:
                messages.success(request, _("提现申请已提交，到账后会显示在下方。"))
                return redirect(request.get_full_path())
        action = ""  # the page again, with the form's errors
    if action:
        try:
            if action == "add":
                services.add_showcase_item(promoter=promoter, product_id=posted_id(request, "product_id"))
                messages.success(request, _("已加入橱窗。"))
            elif action == "remove":
                services.remove_showcase_item(promoter=promoter, product_id=posted_id(request, "product_id"))
                messages.success(request, _("已移出橱窗。"))
            elif action == "link":
                services.make_link(promoter=promoter, plan_id=posted_id(request, "plan_id"))
                messages.success(request, _("推广链接已生成，复制后分享给买家。"))
            else:
                raise Http404
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(request.get_full_path())
    tree = CategoryTree()
    filter_form = LibraryFilterForm(request.GET or None, categories=list(tree.by_id.values()))
    filters = selectors.LibraryFilters(**filter_form.filters()) if request.GET else selectors.LibraryFilters()
    page = Paginator(selectors.library(promoter, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    for plan in page.object_list:
        plan.commission_fen = selectors.commission_fen(plan.price_fen, plan.commission_ratio_ppm)
    links = list(
        PromotionLink.objects.filter(promoter=promoter).select_related("plan__product").order_by("-id")[:50]
    )
    for link in links:
        link.url = request.build_absolute_uri(selectors.short_url(link))
        link.code = selectors.code_of(link.token)
        link.state = selectors.plan_state(link.plan)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "alliance/center.html",
        {
            "promoter": promoter,
            "agency": selectors.agency_of(promoter),
            "filter_form": filter_form,
            "page": page,
            "query": query.urlencode(),
            "showcase": list(selectors.showcase(promoter)[:100]),
            "links": links,
            "earnings": selectors.earnings(request.user),
            "commissions": selectors.commission_orders(selectors.promoter_commissions(request.user)[:20]),
            "withdraw_form": withdraw,
            "withdrawals": ledger_selectors.promoter_withdrawals(request.user)[:10],
            **report_views.earnings_context(request),
        },
        status=400 if withdraw.is_bound else 200,
    )


def _join(request):
    accounts = list(VideoAccount.objects.filter(owner=request.user).order_by("id"))
    form = JoinForm(request.POST if request.method == "POST" else None, accounts=accounts)
    if form.is_valid():
        try:
            services.join_alliance(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("欢迎加入优选联盟！"))
            return redirect("alliance:center")
    return render(request, "alliance/join.html", {"form": form, "accounts": accounts})


@require_GET
def share(request, code: str):
    """A share code opens its product's page as a product share through the link (scene 4)."""
    link = selectors.link_by_code(code)
    if link is None:
        raise Http404
    return redirect(selectors.product_url(link))


# ---------------------------------------------------------------------------------- touchpoints


@require_GET
def showcase(request, promoter_id: int):
    """A promoter's public showcase (橱窗): the items that still attribute; each opens the
    product page with the showcase as its source, so a purchase is the promoter's."""
    if not 1 <= promoter_id <= MAX_ID:
        raise Http404
    promoter = (
        Promoter.objects.select_related("video_account", "membership__agency").filter(pk=promoter_id).first()
    )
    if promoter is None:
        raise Http404
    return render(
        request,
        "alliance/showcase.html",
        {"promoter": promoter, "products": selectors.public_showcase(promoter, limit=PAGE_SIZE * 5)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def touchpoints(request):
    """The promoter's selling tools: its public showcase, its short videos with product cards
    (whether each attributes now), and its live rooms' alliance products (add, remove)."""
    try:
        promoter = selectors.promoter_of(request.user)
    except DomainError:
        return redirect("alliance:center")
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            room_id = posted_id(request, "room_id")
            product_id = posted_id(request, "product_id")
            if action == "add_live":
                services.add_live_promotion(user=request.user, room_id=room_id, product_id=product_id)
                messages.success(request, _("已放进直播间。"))
            elif action == "remove_live":
                services.remove_live_promotion(user=request.user, room_id=room_id, product_id=product_id)
                messages.success(request, _("已从直播间移出。"))
            else:
                raise Http404
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("alliance:touchpoints")
    shown = selectors.public_showcase(promoter, limit=100)
    return render(
        request,
        "alliance/touchpoints.html",
        {
            "promoter": promoter,
            "showcase_url": request.build_absolute_uri(selectors.showcase_url(promoter)),
            "showcase": shown,
            "videos": selectors.video_promotions(promoter),
            "rooms": selectors.creator_rooms(promoter),
        },
    )
