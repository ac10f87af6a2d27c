"""The customer-service pages (docs/service.md): the 联系客服 entry of a product, order or store
page; the buyer's conversations and chat page; the store's workbench (presence, the sessions,
the conversation with quick replies, transfer and close, the data panel); the settings page.

The chat is server-rendered (the newest page of messages, older ones through `before`) and the
forms post without scripts; `static/service/chat.js` then keeps the page live over
`/ws/service/`. Each view parses a form, calls a service or a selector and renders; a refusal is
shown in place. Not yours → 404."""

import uuid
from contextlib import suppress
from datetime import timedelta

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
from xiaodian.core import clock, throttle
from xiaodian.core.errors import DomainError
from xiaodian.core.pages import require_ids
from xiaodian.core.pagination import MAX_ID
from xiaodian.core.text import is_digits
from xiaodian.orders.rules import Status as OrderStatus
from xiaodian.stores.access import can, store_for
from xiaodian.stores.models import Store

from . import extensions, rules, selectors, services
from .days import today
from .forms import (
    AutoReplyForm,
    ContactForm,
    MessageForm,
    ModeForm,
    PresenceForm,
    QuickReplyForm,
    RatingForm,
    SettingsForm,
    TransferForm,
)
from .models import AutoReply, Conversation, QuickReply
from .rules import Kind, Mode, Sender, Status

PAGE_SIZE = 30  # messages drawn at once; older ones through "load earlier"
CONVERSATIONS_ON_PAGE = 50  # a buyer's list
SESSIONS_ON_WORKBENCH = 100
STATS_DAYS = 30


def _http(exc: DomainError) -> Exception:
    """A refusal of access as a page answers it: 404 (not yours) or 403 (not your role)."""
    return Http404(exc.message) if exc.status == 404 else PermissionDenied(exc.message)


def _store(request, store_id: int, perm: str):
    require_ids(store_id)
    try:
        return store_for(request.user, store_id, perm)
    except DomainError as exc:
        raise _http(exc) from exc


def _conversation(request, conversation_id: int) -> tuple[Conversation, str]:
    require_ids(conversation_id)
    try:
        return services.conversation_for(request.user, conversation_id)
    except DomainError as exc:
        raise Http404 from exc


def _posted_id(request, name: str) -> int:
    value = request.POST.get(name, "")
    if not is_digits(value) or not 1 <= int(value) <= MAX_ID:
        raise Http404
    return int(value)


def _safe_path(request, url: str) -> str:
    if url and url.startswith("/") and url_has_allowed_host_and_scheme(url, {request.get_host()}):
        return url
    return ""


def _page_url(conversation: Conversation, side: str) -> str:
    """Where a participant sees the conversation: the buyer's chat page or the workbench."""
    if side == Sender.BUYER:
        return reverse("service:chat", args=[conversation.pk])
    return reverse("service:workbench_conversation", args=[conversation.store_id, conversation.pk])


# ------------------------------------------------------------------------------------- entries


@require_POST
def contact(request):
    """联系客服 on a product, order or store page: the buyer's open session with the store (made
    now if there is none), with the product or the order as a card, then the chat page. A card
    already sent in this session is not sent again (its client id names it). A store still on the
    legacy customer service opens no session: the buyer goes where business contacts say
    (their business chat, or the consent page; extensions.legacy_entry)."""
    if not request.user.is_authenticated:
        return redirect_to_login(_safe_path(request, request.POST.get("next", "")) or reverse("web:home"))
    form = ContactForm(request.POST)
    if not form.is_valid():
        raise Http404
    data = form.cleaned_data
    try:
        conversation, _created = services.open_conversation(buyer=request.user, store_id=data["store_id"])
    except DomainError as exc:
        if exc.code == "service_legacy_mode":
            store = Store.objects.get(pk=data["store_id"])
            return redirect(extensions.legacy_entry(request.user, store) or "web:home")
        raise Http404 from exc
    card = None
    if data["product_id"]:
        card = {
            "kind": Kind.PRODUCT,
            "product_id": data["product_id"],
            "client_id": f"product-{data['product_id']}",
        }
    elif data["order_id"]:
        card = {"kind": Kind.ORDER, "order_id": data["order_id"], "client_id": f"order-{data['order_id']}"}
    if card is not None:
        with suppress(DomainError):  # not listed any more, or not this buyer's order: the chat opens anyway
            services.send_message(user=request.user, conversation_id=conversation.pk, **card)
    return redirect("service:chat", conversation_id=conversation.pk)


# ------------------------------------------------------------------------------ the chat itself


def _before(request) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if is_digits(value) and 1 <= int(value) <= MAX_ID else None


def _chat(request, conversation: Conversation, side: str, send_form: MessageForm | None) -> dict:
    """The chat component's context: a page of messages (the newest, or the one before `before`),
    each marked mine / read by the other side, and the composer."""
    before = _before(request)
    rows = selectors.messages(conversation, before=before, limit=PAGE_SIZE + 1)
    has_more = len(rows) > PAGE_SIZE
    rows = rows[-PAGE_SIZE:]
    mine = Sender.BUYER if side == Sender.BUYER else Sender.AGENT
    other_read = conversation.store_read_id if side == Sender.BUYER else conversation.buyer_read_id
    for message in rows:
        message.mine = message.sender == mine
        message.read = message.mine and message.pk <= other_read
        if message.kind == Kind.ORDER:
            status = message.card.get("status")
            message.card_status = OrderStatus(status).label if status in OrderStatus.values else ""
    live = before is None
    if send_form is None and conversation.status == Status.OPEN:
        send_form = MessageForm(initial={"client_id": f"form-{uuid.uuid4().hex}"})
    return {
        "conversation": conversation,
        "side": side,
        "chat_messages": rows,
        "has_more": has_more,
        "first_id": rows[0].pk if rows else None,
        "last_id": rows[-1].pk if rows else 0,
        "other_read": other_read,
        "live": live,
        "history": not live,
        "send_form": send_form,
        "page_url": _page_url(conversation, side),
        "order_statuses": {str(value): str(label) for value, label in OrderStatus.choices},
    }


def _render_history(request, chat: dict):
    """htmx's "load earlier": the older messages and, above them, the next link."""
    return render(request, "service/partials/history.html", chat)


def _buyer_page(request, conversation, *, send_form=None, rate_form=None, status=200):
    chat = _chat(request, conversation, Sender.BUYER, send_form)
    if request.htmx and chat["history"]:
        return _render_history(request, chat)
    closed = conversation.status == Status.CLOSED
    may_rate = (
        closed
        and conversation.rating is None
        and conversation.closed_at is not None
        and clock.now() - conversation.closed_at <= rules.RATING_WITHIN
    )
    if may_rate and rate_form is None:
        rate_form = RatingForm()
    context = {**chat, "store": conversation.store, "may_rate": may_rate, "rate_form": rate_form}
    return render(request, "service/chat.html", context, status=status)


@login_required
@require_GET
def conversations(request):
    """The buyer's sessions with stores, newest activity first, with what they have not read."""
    rows = selectors.with_summary(selectors.buyer_conversations(request.user), Sender.BUYER)
    return render(request, "service/conversations.html", {"rows": list(rows[:CONVERSATIONS_ON_PAGE])})


@login_required
@require_GET
def chat(request, conversation_id: int):
    """The buyer's chat page; an agent of the store is sent to the workbench's view of it."""
    conversation, side = _conversation(request, conversation_id)
    if side != Sender.BUYER:
        return redirect(_page_url(conversation, side))
    return _buyer_page(request, conversation)


def _render_conversation(request, conversation, side, *, send_form=None, status=422):
    """The page the participant posted from, again, with the form's refusal in place."""
    if side == Sender.BUYER:
        return _buyer_page(request, conversation, send_form=send_form, status=status)
    store = _store(request, conversation.store_id, Perm.CUSTOMER_SERVICE)
    return _workbench(request, store, conversation, send_form=send_form, status=status)


@login_required
@require_POST
@throttle.answers_rate_limited
def send(request, conversation_id: int):
    """Send without the websocket (the composer when scripts are off). An agent who answers has
    read what came before."""
    conversation, side = _conversation(request, conversation_id)
    form = MessageForm(request.POST)
    if form.is_valid():
        throttle.hit(rules.MESSAGE_SEND_PER_USER, request.user.pk)
        try:
            message, _created = services.send_message(
                user=request.user,
                conversation_id=conversation.pk,
                text=form.cleaned_data["text"],
                client_id=form.cleaned_data["client_id"],
            )
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            form.add_domain_error(exc)
        else:
            if side == Sender.AGENT:
                with suppress(DomainError):
                    services.acknowledge(
                        user=request.user, conversation_id=conversation.pk, up_to=message.pk, read=True
                    )
            return redirect(f"{_page_url(conversation, side)}#composer")
    return _render_conversation(request, conversation, side, send_form=form)


@login_required
@require_POST
def rate(request, conversation_id: int):
    """The buyer's 1–5 stars and comment for a closed session."""
    conversation, side = _conversation(request, conversation_id)
    if side != Sender.BUYER:
        raise Http404
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rate_conversation(
                buyer=request.user,
                conversation_id=conversation.pk,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("感谢你的评价。"))
            return redirect("service:chat", conversation_id=conversation.pk)
    return _buyer_page(request, conversation, rate_form=form, status=422)


@login_required
@require_POST
def close(request, conversation_id: int):
    """The buyer or an agent ends the session."""
    conversation, side = _conversation(request, conversation_id)
    try:
        services.close_conversation(user=request.user, conversation_id=conversation.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("会话已结束。"))
    return redirect(_page_url(conversation, side))


# ---------------------------------------------------------------------------------- workbench


def _sessions_context(store, user, open_id: int | None) -> dict:
    return {
        "store": store,
        "sessions": selectors.workbench_sessions(store, user, limit=SESSIONS_ON_WORKBENCH),
        "open_id": open_id,
    }


def _workbench(request, store, conversation=None, *, send_form=None, transfer_form=None, status=200):
    chat = _chat(request, conversation, Sender.AGENT, send_form) if conversation is not None else {}
    if request.htmx and chat.get("history"):
        return _render_history(request, chat)
    agents = selectors.agents(store)
    me = next((a for a in agents if a["user_id"] == request.user.pk), None)
    context = {
        **chat,
        **_sessions_context(store, request.user, conversation.pk if conversation else None),
        "store": store,
        "mode": services.settings_for(store.pk).mode,
        "presence": me["status"] if me else "offline",
        "presence_choices": rules.Presence.choices,
        "may_manage": can(store, Perm.MANAGE_STORE),
    }
    if conversation is None:
        end = today()
        context["stats"] = _stats(store, end)
    else:
        context["quick_replies"] = list(selectors.quick_replies(store))
        if conversation.status == Status.OPEN and conversation.mode == Mode.WORKBENCH:
            context["transfer_form"] = transfer_form or TransferForm(
                agents=agents, current_agent_id=conversation.agent_id
            )
        context["agent_name"] = next((a["name"] for a in agents if a["user_id"] == conversation.agent_id), "")
    return render(request, "service/workbench.html", context, status=status)


def _stats(store, end) -> dict:
    """The data panel: `selectors.service_stats` for the last 30 days, with its numbers as shown."""
    stats = selectors.service_stats(store, start=end - timedelta(days=STATS_DAYS - 1), end=end)
    rate = stats["within_3min_rate"]
    stats["within_percent"] = f"{rate * 100:.1f}%" if rate is not None else ""
    stats["target_percent"] = f"{stats['target'] * 100:.0f}%"
    stats["meets_target"] = None if rate is None else rate >= stats["target"]
    seconds = stats["average_first_reply_seconds"]
    if seconds is None:
        stats["average_text"] = ""
    elif seconds < 60:
        stats["average_text"] = _("%(s)d 秒") % {"s": round(seconds)}
    else:
        minutes, rest = divmod(round(seconds), 60)
        stats["average_text"] = _("%(m)d 分 %(s)d 秒") % {"m": minutes, "s": rest}
    return stats


@login_required
@require_GET
def workbench(request, store_id: int):
    """The agents' workbench: presence, the open sessions, the data panel of the last 30 days."""
    store = _store(request, store_id, Perm.CUSTOMER_SERVICE)
    return _workbench(request, store)


def _store_conversation(request, store, conversation_id: int) -> Conversation:
    conversation, side = _conversation(request, conversation_id)
    if conversation.store_id != store.pk or side != Sender.AGENT:
        raise Http404
    return conversation


@login_required
@require_GET
def workbench_conversation(request, store_id: int, conversation_id: int):
    """One session in the workbench, as the store's side: the chat with quick replies, transfer and
    close beside it."""
    store = _store(request, store_id, Perm.CUSTOMER_SERVICE)
    conversation, side = _conversation(request, conversation_id)
    if conversation.store_id != store.pk:
        raise Http404
    if side != Sender.AGENT:  # the viewer is this session's buyer: their own chat page
        return redirect(_page_url(conversation, side))
    return _workbench(request, store, conversation)


@login_required
@require_GET
def workbench_sessions(request, store_id: int):
    """The sessions list alone (htmx refreshes it when the websocket says something changed)."""
    store = _store(request, store_id, Perm.CUSTOMER_SERVICE)
    value = request.GET.get("open", "")
    open_id = int(value) if is_digits(value) and 1 <= int(value) <= MAX_ID else None
    return render(request, "service/partials/sessions.html", _sessions_context(store, request.user, open_id))


@login_required
@require_POST
def presence(request, store_id: int):
    """The agent goes online (and takes waiting sessions), away or offline."""
    store = _store(request, store_id, Perm.CUSTOMER_SERVICE)
    back = reverse("service:workbench", args=[store.pk])
    next_url = _safe_path(request, request.POST.get("next", ""))
    form = PresenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择在线状态。"))
    else:
        try:
            services.set_presence(user=request.user, store=store, status=form.cleaned_data["status"])
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect(next_url if next_url.startswith(back) else back)


@login_required
@require_POST
def transfer(request, store_id: int, conversation_id: int):
    """Hand the session to another agent of the store."""
    store = _store(request, store_id, Perm.CUSTOMER_SERVICE)
    conversation = _store_conversation(request, store, conversation_id)
    form = TransferForm(request.POST, agents=selectors.agents(store), current_agent_id=conversation.agent_id)
    if form.is_valid():
        try:
            services.transfer(
                agent=request.user,
                conversation_id=conversation.pk,
                to_user_id=form.cleaned_data["to_user_id"],
            )
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            form.add_domain_error(exc)
        else:
            messages.success(request, _("会话已转接。"))
            return redirect(
                "service:workbench_conversation", store_id=store.pk, conversation_id=conversation.pk
            )
    return _workbench(request, store, conversation, transfer_form=form, status=422)


# ----------------------------------------------------------------------------------- settings


def _settings_forms(current, posted=None, action: str = "") -> dict:
    def bound(name):
        return posted if action == name else None

    return {
        "settings_form": SettingsForm(
            bound("settings"),
            initial={
                "welcome_message": current.welcome_message,
                "offline_message": current.offline_message,
                "opens_at": current.opens_at,
                "closes_at": current.closes_at,
                "max_sessions": current.max_sessions,
            },
        ),
        "mode_form": ModeForm(
            bound("mode"), initial={"mode": current.mode, "webhook_url": current.webhook_url}
        ),
        "auto_form": AutoReplyForm(bound("auto_add")),
        "quick_form": QuickReplyForm(bound("quick_add")),
    }


def _settings_action(request, store, action: str, forms: dict) -> tuple[str | None, str | None]:
    """Do the posted action: (its success message, a new signing secret to show once), or
    (None, None) when a form shows what went wrong."""
    user = request.user
    if action in ("auto_delete", "quick_delete"):
        model = AutoReply if action == "auto_delete" else QuickReply
        services.delete_reply(user=user, store=store, model=model, reply_id=_posted_id(request, "reply_id"))
        return _("已删除。"), None
    form = {
        "settings": forms["settings_form"],
        "mode": forms["mode_form"],
        "auto_add": forms["auto_form"],
        "quick_add": forms["quick_form"],
    }.get(action)
    if form is None:
        raise Http404
    if not form.is_valid():
        return None, None
    data = form.cleaned_data
    try:
        if action == "settings":
            services.update_settings(user=user, store=store, **data)
        elif action == "mode":
            _current, secret = services.update_settings(
                user=user, store=store, mode=data["mode"], webhook_url=data["webhook_url"]
            )
            return _("客服模式已保存。"), secret
        elif action == "auto_add":
            services.add_auto_reply(user=user, store=store, keyword=data["keyword"], reply=data["reply"])
        else:
            services.add_quick_reply(user=user, store=store, text=data["text"])
    except DomainError as exc:
        form.add_domain_error(exc)
        return None, None
    return _("已保存。"), None


@login_required
@require_http_methods(["GET", "POST"])
def service_settings(request, store_id: int):
    """Welcome and offline messages, service hours, the session limit, keyword and quick replies,
    and the mode (workbench or self-built; the owner's alone). Switching to self-built shows the
    new signing secret once."""
    store = _store(request, store_id, Perm.MANAGE_STORE)
    current = services.settings_for(store.pk)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    forms = _settings_forms(current, request.POST, action)
    new_secret = None
    if request.method == "POST":
        try:
            done, new_secret = _settings_action(request, store, action, forms)
        except DomainError as exc:  # a reply deleted meanwhile
            messages.error(request, exc.message)
            return redirect("service:settings", store_id=store.pk)
        if done is not None and new_secret is None:
            messages.success(request, done)
            return redirect("service:settings", store_id=store.pk)
        if new_secret is not None:  # shown once: drawn from this answer, never stored for a later one
            current = services.settings_for(store.pk)
            forms = _settings_forms(current)
            messages.success(request, done)
    context = {
        "store": store,
        "current": current,
        "new_secret": new_secret,
        "auto_replies": list(selectors.auto_replies(store)),
        "quick_replies": list(selectors.quick_replies(store)),
        "auto_max": rules.AUTO_REPLIES_MAX,
        "quick_max": rules.QUICK_REPLIES_MAX,
        **forms,
    }
    refused = any(f.is_bound and f.errors for f in forms.values())
    return render(request, "service/settings.html", context, status=422 if refused else 200)
