"""The social pages: 通讯录 (contacts, new-friend requests, add by username), the recommended
deletions (only when the list is full) and 朋友圈 (Moments). As thin as api.py: every change is a
service call, every refusal shown as a message."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from xiaodian.core.errors import DomainError
from xiaodian.core.pages import posted_id
from xiaodian.core.pagination import MAX_ID
from xiaodian.core.text import is_digits

from . import cards, rules, selectors, services
from .rules import Source

PAGE = 30


def _number(value: str, default: int) -> int:
    return int(value) if is_digits(value) and 0 <= int(value) <= MAX_ID else default


def _contact_action(request, action: str) -> None:
    user = request.user
    if action == "add":
        found = selectors.find_user(request.POST.get("username", ""))
        if found is None:
            raise DomainError("not_found", _("没有找到这个用户名。"))
        services.send_contact_request(
            sender=user,
            recipient_id=found.pk,
            source=Source.SEARCH,
            greeting=request.POST.get("greeting", ""),
        )
        messages.success(request, _("好友申请已发送，等待对方验证。"))
    elif action == "accept":
        services.accept_contact_request(user=user, request_id=posted_id(request, "request_id"))
        messages.success(request, _("已添加为联系人。"))
    elif action == "decline":
        services.decline_contact_request(user=user, request_id=posted_id(request, "request_id"))
    elif action == "delete":
        services.delete_contact(owner=user, other_id=posted_id(request, "user_id"))
        messages.success(request, _("已删除联系人。"))
    else:
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def contacts(request):
    """通讯录: search within one's contacts, new-friend requests, add by username, delete."""
    if request.method == "POST":
        try:
            _contact_action(request, request.POST.get("action", ""))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("social:contacts")
    q = request.GET.get("q", "").strip()[: rules.SEARCH_MAX]
    offset = _number(request.GET.get("offset", ""), 0)
    page, matching = selectors.contact_page(request.user.pk, q=q, offset=offset, limit=PAGE)
    total = matching if not q else selectors.contact_count(request.user.pk)

    def link(at: int) -> str:
        return "?" + urlencode({"q": q, "offset": at}) if q else f"?offset={at}"

    return render(
        request,
        "social/contacts.html",
        {
            "q": q,
            "contacts": page,
            "total": total,
            "full": total >= rules.CONTACTS_MAX,
            "limit": rules.CONTACTS_MAX,
            "requests": list(selectors.pending_requests(request.user.pk)[:50]),
            "previous": link(max(0, offset - PAGE)) if offset else "",
            "next": link(offset + PAGE) if offset + PAGE < matching else "",
        },
    )


@login_required
def recommended_deletions(request):
    """Only when the list is full; otherwise there is nothing to see (no manual trigger)."""
    found = selectors.recommended_deletions(request.user.pk)
    if not found:
        return redirect("social:contacts")
    return render(request, "social/recommended.html", {"recommendations": found})


@login_required
@require_http_methods(["GET", "POST"])
def moments(request):
    """朋友圈: post (text, images, a card), the timeline with likes and comments."""
    if request.method == "POST":
        try:
            _moment_action(request, request.POST.get("action", ""))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("social:moments")
    before = _number(request.GET.get("before", ""), 0) or None
    found = selectors.timeline(request.user.pk, before=before, limit=20)
    return render(
        request,
        "social/moments.html",
        {
            "posts": found.items,
            "more": f"?before={found.items[-1].post.pk}" if found.has_more else "",
            "kinds": [(kind, _CARD_KINDS[kind]) for kind in cards.KINDS],
            "images_max": rules.POST_IMAGES_MAX,
        },
    )


_CARD_KINDS = {
    "product": gettext_lazy("商品"),
    "store": gettext_lazy("店铺"),
    "order": gettext_lazy("订单"),
    "gift": gettext_lazy("礼物"),
}


def _moment_action(request, action: str) -> None:
    user = request.user
    if action == "post":
        card_kind = request.POST.get("card_kind", "")
        raw_id = request.POST.get("card_id", "").strip()
        if raw_id and not (is_digits(raw_id) and 1 <= int(raw_id) <= MAX_ID):
            raise DomainError("validation_error", _("卡片编号须为数字。"), field="card_id")
        card_id = int(raw_id) if raw_id else None
        services.create_post(
            author=user,
            text=request.POST.get("text", ""),
            images=request.FILES.getlist("images"),
            card_kind=card_kind if card_id else None,
            card_id=card_id,
        )
        messages.success(request, _("已发表。"))
    elif action == "like":
        services.like_post(user=user, post_id=posted_id(request, "post_id"))
    elif action == "unlike":
        services.unlike_post(user=user, post_id=posted_id(request, "post_id"))
    elif action == "comment":
        services.comment_on_post(
            user=user, post_id=posted_id(request, "post_id"), text=request.POST.get("text", "")
        )
    elif action == "delete":
        services.delete_post(author=user, post_id=posted_id(request, "post_id"))
    elif action == "delete_comment":
        services.delete_comment(user=user, comment_id=posted_id(request, "comment_id"))
    else:
        raise Http404
