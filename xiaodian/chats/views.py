"""The chat pages (docs/chats.md): 聊天 (my conversations with unread counts, invitations, a new
group), a conversation (history by sequence, the composer) and a group's info (members, invite,
admins, remove, transfer, leave).

The pages work without scripts: the composer and every button post. `static/chats/chat.js` then
keeps the conversation live over `/ws/chats/` (sending with a client id, showing what arrives,
marking it read, and syncing by sequence on every reconnect). Not yours → 404."""

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xiaodian.core import throttle
from xiaodian.core.errors import DomainError
from xiaodian.core.pages import found_or_404, posted_id, require_ids
from xiaodian.core.pagination import MAX_ID
from xiaodian.core.text import is_digits
from xiaodian.social.models import Contact

from . import rules, selectors, services
from .forms import ComposerForm, GroupForm
from .rules import Kind, MessageKind, Role

PAGE_SIZE = 30  # messages drawn at once; older ones through "更早的消息"
CONVERSATIONS_ON_PAGE = 50


def _member(request, conversation_id: int):
    require_ids(conversation_id)
    return found_or_404(selectors.membership, request.user, conversation_id)


def _act(request, call, **kwargs) -> tuple[bool, Any]:
    """Run a service for a button: (True, its answer), or (False, None) with the refusal shown as
    a message on the page the button returns to."""
    try:
        return True, call(**kwargs)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
        return False, None


@login_required
@require_GET
def conversations(request):
    """聊天: my 1:1 chats and groups, newest first, with unread counts; invitations; a new group."""
    rows, count = selectors.my_conversations(request.user, limit=CONVERSATIONS_ON_PAGE)
    context = {
        "rows": rows,
        "count": count,
        "invitations": selectors.pending_invitations(request.user),
        "group_form": GroupForm(),
    }
    return render(request, "chats/conversations.html", context)


@login_required
@require_POST
def open_direct(request):
    """发消息 from a contact: the 1:1 chat, made now if there is none."""
    ok, opened = _act(
        request, services.open_direct, user=request.user, other_id=posted_id(request, "user_id")
    )
    return redirect("chats:conversation", opened[0].pk) if ok else redirect("chats:conversations")


@login_required
@require_POST
def create_group(request):
    form = GroupForm(request.POST)
    if form.is_valid():
        ok, group = _act(request, services.create_group, owner=request.user, title=form.cleaned_data["title"])
        if ok:
            return redirect("chats:group", group.pk)
    else:
        messages.error(request, form.errors["title"][0])
    return redirect("chats:conversations")


def _page(request, member, form=None, status=200):
    before = request.GET.get("before", "")
    before = int(before) if is_digits(before) and 1 <= int(before) <= MAX_ID else None
    rows, has_more = selectors.history(member, before=before, limit=PAGE_SIZE)
    conversation = member.conversation
    title = selectors.title_for(conversation, request.user.pk)
    context = {
        "conversation": conversation,
        "title": title,
        "frames": selectors.frames(rows, request.user.pk),
        "has_more": has_more,
        "first_seq": rows[0].seq if rows else None,
        "live": before is None,
        "form": form or ComposerForm(initial={"client_id": f"form-{uuid.uuid4().hex}"}),
    }
    if context["live"] and rows:  # the newest page is on screen: it is read
        services.mark_read(user=request.user, conversation_id=conversation.pk, seq=rows[-1].seq)
    return render(request, "chats/conversation.html", context, status=status)


@login_required
@require_GET
def conversation(request, conversation_id: int):
    """A conversation: its newest page (or the one before `?before=`), and the composer."""
    return _page(request, _member(request, conversation_id))


@login_required
@require_POST
@throttle.answers_rate_limited
def send(request, conversation_id: int):
    """Send without the websocket: a text, or a picture."""
    member = _member(request, conversation_id)
    form = ComposerForm(request.POST, request.FILES)
    if form.is_valid():
        image = form.cleaned_data["image"]
        throttle.hit(rules.MESSAGE_SEND_PER_USER, request.user.pk)
        try:
            services.send_message(
                user=request.user,
                conversation_id=member.conversation_id,
                kind=MessageKind.IMAGE if image else MessageKind.TEXT,
                text=form.cleaned_data["text"],
                image=image,
                client_id=form.cleaned_data["client_id"],
            )
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            form.add_domain_error(exc)
        else:
            return redirect("chats:conversation", member.conversation_id)
    return _page(request, member, form=form, status=422)


# -- groups ------------------------------------------------------------------------------------


def _group(request, group_id: int):
    member = _member(request, group_id)
    if member.conversation.kind != Kind.GROUP:
        raise Http404
    return member


@login_required
@require_GET
def group(request, group_id: int):
    """群聊信息: members with their roles, invite a contact, and what the viewer's role allows."""
    member = _group(request, group_id)
    members = selectors.members(member.conversation)
    inside = {m.user_id for m in members}
    contacts = [
        c.other
        for c in Contact.objects.filter(owner=request.user)
        .select_related("other")
        .order_by("other__username")
        if c.other_id not in inside
    ]
    context = {
        "group": member.conversation,
        "me": member,
        "members": members,
        "contacts": contacts,
        "is_owner": member.role == Role.OWNER,
        "may_remove": member.role in (Role.OWNER, Role.ADMIN),
        "limit": rules.GROUP_MAX_MEMBERS,
    }
    return render(request, "chats/group.html", context)


@login_required
@require_POST
def invite(request, group_id: int):
    member = _group(request, group_id)
    invitee_id = posted_id(request, "user_id")
    ok, _invitation = _act(
        request,
        services.invite,
        user=request.user,
        conversation_id=member.conversation_id,
        invitee_id=invitee_id,
    )
    if ok:
        messages.success(request, _("已发送邀请，对方接受后入群。"))
    return redirect("chats:group", group_id)


@login_required
@require_POST
def manage(request, group_id: int, action: str):
    """The owner's and admins' buttons on a member: remove, make admin, unmake admin, transfer."""
    member = _group(request, group_id)
    target = posted_id(request, "user_id")
    calls = {
        "remove": lambda: services.remove_member(
            user=request.user, conversation_id=member.conversation_id, member_id=target
        ),
        "admin": lambda: services.set_admin(
            user=request.user, conversation_id=member.conversation_id, member_id=target, admin=True
        ),
        "unadmin": lambda: services.set_admin(
            user=request.user, conversation_id=member.conversation_id, member_id=target, admin=False
        ),
        "owner": lambda: services.transfer_ownership(
            user=request.user, conversation_id=member.conversation_id, member_id=target
        ),
    }
    if action not in calls:
        raise Http404
    _act(request, calls[action])
    return redirect("chats:group", group_id)


@login_required
@require_POST
def leave(request, group_id: int):
    member = _group(request, group_id)
    ok, _left = _act(request, services.leave_group, user=request.user, conversation_id=member.conversation_id)
    return redirect("chats:conversations") if ok else redirect("chats:group", group_id)


@login_required
@require_POST
def answer_invitation(request, invitation_id: int, answer: str):
    require_ids(invitation_id)
    if answer == "accept":
        ok, member = _act(request, services.accept_invitation, user=request.user, invitation_id=invitation_id)
        if ok:
            return redirect("chats:conversation", member.conversation_id)
    elif answer == "decline":
        _act(request, services.decline_invitation, user=request.user, invitation_id=invitation_id)
    else:
        raise Http404
    return redirect("chats:conversations")
