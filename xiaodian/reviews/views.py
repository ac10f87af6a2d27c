"""The reviews pages: the buyer's review and follow-up forms, the store's reply form and review
list, and the reviews block of the product page (loaded by htmx). Each view parses a form, calls a
service (writes) or a selector (reads) and renders; a refusal is shown next to its field.

Not your order or review → 404. Store pages go through `stores.access.store_for`: no role in the
store → 404, a role without the permission → 403 (the list needs any role, replying needs
customer service, `rules.REPLY_PERM`).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from xiaodian.accounts.rules import Perm
from xiaodian.core import throttle
from xiaodian.core.errors import DomainError
from xiaodian.core.pagination import MAX_ID
from xiaodian.core.text import is_digits
from xiaodian.stores.access import can, store_for

from . import rules, selectors, services
from .forms import FollowUpForm, ReplyForm, ReviewForm

MAX_OFFSET = 1_000_000


# ------------------------------------------------------------------------------------- helpers


def _http(exc: DomainError) -> Exception:
    """A refusal of access as a page answers it: 404 (not yours) or 403 (not your role)."""
    return Http404(exc.message) if exc.status == 404 else PermissionDenied(exc.message)


def _ids(*ids: int) -> None:
    if not all(1 <= i <= MAX_ID for i in ids):
        raise Http404


def _offset(request) -> int:
    try:
        return min(max(int(request.GET.get("offset", 0)), 0), MAX_OFFSET)
    except ValueError:
        return 0


def _rating(request) -> int | None:
    value = request.GET.get("rating", "")
    return int(value) if is_digits(value) and int(value) in rules.RATINGS else None


def _with_query(url: str, **params) -> str:
    params = {k: v for k, v in params.items() if v not in (None, "", 0)}
    return f"{url}?{urlencode(params)}" if params else url


# --------------------------------------------------------------------------------- the buyer


@login_required
@require_http_methods(["GET", "POST"])
@throttle.answers_rate_limited
def review_form(request, order_id: int, line_id: int):
    """Rate a line of a received order: stars, text, images. A line already reviewed goes to its
    follow-up page; a line not yet received says so instead of the form."""
    _ids(order_id, line_id)
    try:
        line = selectors.buyer_line(request.user, order_id, line_id)
    except DomainError as exc:
        raise Http404 from exc
    existing = getattr(line, "review", None)  # the reverse one-to-one raises an AttributeError when absent
    if existing is not None:
        return redirect("reviews:follow_up_form", review_id=existing.pk)
    order = line.order
    refusal = "" if order.status in rules.REVIEWABLE_STATUSES else DomainError("review_not_allowed").message
    form = ReviewForm(request.POST, request.FILES) if request.method == "POST" else ReviewForm()
    if request.method == "POST" and not refusal and form.is_valid():
        data = form.cleaned_data
        throttle.hit(rules.REVIEW_POST_PER_USER, request.user.pk)
        try:
            services.create_review(
                buyer=request.user,
                order_id=order.pk,
                line_id=line.pk,
                rating=data["rating"],
                text=data["text"],
                images=data["images"],
            )
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            if exc.code == "review_exists":  # a second submit: the first one stands
                messages.info(request, exc.message)
                return redirect("orders:order_detail", order_id=order.pk)
            if exc.field:
                form.add_domain_error(exc)
            else:
                refusal = exc.message
        else:
            messages.success(request, _("评价已发布，谢谢！"))
            return redirect(reverse("orders:order_detail", args=[order.pk]) + f"#line-{line.pk}")
    status = 409 if refusal and request.method == "POST" else (422 if form.is_bound else 200)
    context = {"line": line, "order": order, "form": form, "refusal": refusal}
    return render(request, "reviews/review_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@throttle.answers_rate_limited
def follow_up_form(request, review_id: int):
    """The buyer's own review, and the follow-up form until there is a follow-up."""
    _ids(review_id)
    try:
        review = selectors.buyer_review(request.user, review_id)
    except DomainError as exc:
        raise Http404 from exc
    has_follow_up = review.follow_up_or_none is not None
    form = None if has_follow_up else FollowUpForm()
    error = ""
    if request.method == "POST":
        if has_follow_up:
            error = DomainError("follow_up_exists").message
        else:
            form = FollowUpForm(request.POST, request.FILES)
            if form.is_valid():
                throttle.hit(rules.REVIEW_POST_PER_USER, request.user.pk)
                try:
                    services.add_follow_up(
                        buyer=request.user,
                        review_id=review.pk,
                        text=form.cleaned_data["text"],
                        images=form.cleaned_data["images"],
                    )
                except DomainError as exc:
                    if exc.field:
                        form.add_domain_error(exc)
                    else:
                        error = exc.message
                else:
                    messages.success(request, _("追评已发布。"))
                    return redirect("reviews:follow_up_form", review_id=review.pk)
    status = 200 if request.method == "GET" else (409 if error else 422)
    context = {"review": review, "form": form, "error": error}
    return render(request, "reviews/follow_up_form.html", context, status=status)


# ------------------------------------------------------------------------------------ the store


@login_required
@require_http_methods(["GET", "POST"])
@throttle.answers_rate_limited
def reply_form(request, review_id: int):
    """A review of the store's product, and the reply form until the store has replied."""
    _ids(review_id)
    try:
        store = store_for(request.user, selectors.store_id_of(review_id), rules.REPLY_PERM)
        review = selectors.store_review(store, review_id)
    except DomainError as exc:
        raise _http(exc) from exc
    has_reply = review.reply_or_none is not None
    form = None if has_reply else ReplyForm()
    error = ""
    if request.method == "POST":
        if has_reply:
            error = DomainError("reply_exists").message
        else:
            form = ReplyForm(request.POST)
            if form.is_valid():
                throttle.hit(rules.REVIEW_POST_PER_USER, request.user.pk)
                try:
                    services.reply_to_review(
                        staff=request.user, review_id=review.pk, text=form.cleaned_data["text"]
                    )
                except DomainError as exc:
                    if exc.field:
                        form.add_domain_error(exc)
                    else:
                        error = exc.message
                else:
                    messages.success(request, _("回复已发布。"))
                    return redirect(
                        reverse("reviews:store_reviews", args=[store.pk]) + f"#review-{review.pk}"
                    )
    status = 200 if request.method == "GET" else (409 if error else 422)
    context = {"review": review, "store": store, "form": form, "error": error}
    return render(request, "reviews/reply_form.html", context, status=status)


@login_required
@require_GET
def store_reviews(request, store_id: int):
    """The store's reviews, newest first, filtered by rating, each with a reply form while unanswered."""
    _ids(store_id)
    try:
        store = store_for(request.user, store_id, Perm.VIEW)
    except DomainError as exc:
        raise _http(exc) from exc
    rating = _rating(request)
    offset = _offset(request)
    summary = selectors.store_rating_summary(store)
    total = summary.count if rating is None else dict(summary.stars)[rating]
    size = rules.MERCHANT_PAGE_SIZE
    reviews = list(selectors.store_reviews(store, rating=rating)[offset : offset + size])
    url = reverse("reviews:store_reviews", args=[store.pk])
    tabs = [
        {"rating": None, "label": _("全部"), "count": summary.count, "url": url, "current": rating is None}
    ]
    tabs += [
        {
            "rating": r,
            "label": rules.RATING_LABELS[r],
            "count": n,
            "url": _with_query(url, rating=r),
            "current": rating == r,
        }
        for r, n in summary.stars
    ]
    context = {
        "store": store,
        "summary": summary,
        "reviews": reviews,
        "tabs": tabs,
        "rating": rating,
        "may_reply": can(store, rules.REPLY_PERM),
        "text_max": rules.TEXT_MAX,
        "previous": _with_query(url, rating=rating, offset=max(offset - size, 0)) if offset > 0 else "",
        "next": _with_query(url, rating=rating, offset=offset + size) if offset + size < total else "",
    }
    return render(request, "reviews/store_reviews.html", context)


# ------------------------------------------------------------------------------ the product page


@require_GET
def product_reviews(request, product_id: int):
    """The product's rating summary and reviews. htmx asks for the block (the product page loads
    it), or for the next batch (`offset`); a plain request gets a page of its own."""
    _ids(product_id)
    try:
        product = selectors.visible_product(product_id, viewer=request.user)
    except DomainError as exc:
        raise Http404 from exc
    rating = _rating(request)
    offset = _offset(request)
    summary = selectors.rating_summary(product.pk)
    total = summary.count if rating is None else dict(summary.stars)[rating]
    size = rules.PAGE_SIZE
    reviews = list(selectors.product_reviews(product.pk, rating=rating)[offset : offset + size])
    url = reverse("reviews:product_reviews", args=[product.pk])
    filters = [{"label": _("全部"), "count": summary.count, "url": url, "current": rating is None}]
    filters += [
        {
            "label": rules.RATING_LABELS[r],
            "count": n,
            "url": _with_query(url, rating=r),
            "current": rating == r,
        }
        for r, n in summary.stars
        if n
    ]
    context = {
        "product": product,
        "summary": summary,
        "reviews": reviews,
        "filters": filters,
        "rating": rating,
        "total": total,
        "previous": _with_query(url, rating=rating, offset=max(offset - size, 0)) if offset > 0 else "",
        "next": _with_query(url, rating=rating, offset=offset + size) if offset + size < total else "",
    }
    if request.htmx:
        template = "reviews/partials/review_items.html" if offset else "reviews/partials/product_block.html"
    else:
        template = "reviews/product_reviews.html"
    return render(request, template, context)
