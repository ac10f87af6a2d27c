"""Chats and groups endpoints (docs/chats.md): `/api/v1/chats` for 1:1 chats and every
conversation's list, history, sending and read state; `/api/v1/groups` for groups. Someone outside
a conversation gets 404."""

from ninja import File, Query, Router, UploadedFile

from xiaodian.core import throttle
from xiaodian.core.errors import DomainError
from xiaodian.core.openapi import refuses
from xiaodian.core.pagination import ObjectId, PageParams

from . import rules, selectors, services
from .rules import Kind, MessageKind
from .schemas import (
    ChatConversationPage,
    ChatHistoryParams,
    ChatMessageIn,
    ChatMessageOut,
    ChatMessagePage,
    ChatOpenIn,
    ChatOpenOut,
    ChatReadIn,
    ChatReadOut,
    ChatSyncIn,
    ChatSyncOut,
    GroupIn,
    GroupInvitationOut,
    GroupOut,
    GroupUserIn,
)

router = Router(tags=["chats"])


def _conversation(request, conversation_id: int, kind: str | None = None):
    member = selectors.membership(request.auth, conversation_id)
    if kind is not None and member.conversation.kind != kind:
        raise DomainError("not_found")
    return member


def _history(request, conversation_id: int, params: ChatHistoryParams, kind: str | None = None) -> dict:
    member = _conversation(request, conversation_id, kind)
    rows, has_more = selectors.history(member, before=params.before, limit=params.limit)
    return {"items": selectors.frames(rows, request.auth.pk), "has_more": has_more}


def _send(request, conversation_id: int, body: ChatMessageIn, kind: str | None = None):
    _conversation(request, conversation_id, kind)
    throttle.hit(rules.MESSAGE_SEND_PER_USER, request.auth.pk)
    message, created = services.send_message(
        user=request.auth,
        conversation_id=conversation_id,
        kind=body.kind,
        text=body.text,
        card_kind=body.card_kind or "",
        card_id=body.card_id,
        client_id=body.client_id,
    )
    return (201 if created else 200), selectors.frames([message], request.auth.pk)[0]


# -- every conversation ------------------------------------------------------------------------


@router.get("/chats", response=ChatConversationPage)
def list_conversations(request, page: Query[PageParams]):
    """The caller's 1:1 chats and groups, newest activity first, each with its unread count."""
    rows, count = selectors.my_conversations(request.auth, limit=page.limit, offset=page.offset)
    return {"items": rows, "count": count, "unread_total": selectors.unread_total(request.auth)}


@router.post("/chats", response={200: ChatOpenOut, 201: ChatOpenOut})
def open_chat(request, body: ChatOpenIn):
    """Open (or return to) the 1:1 chat with a contact: 201 when new. 403 `chat_not_a_contact`
    when the caller does not have them."""
    conversation, created = services.open_direct(user=request.auth, other_id=body.user_id)
    return (201 if created else 200), conversation


@router.post("/chats/sync", response=ChatSyncOut)
def sync(request, body: ChatSyncIn):
    """What the client missed, from the last sequence it has per conversation (the websocket's
    `sync` over HTTP)."""
    try:
        have = {int(k): v for k, v in body.have.items()}
    except ValueError:
        raise DomainError("validation_error", field="have") from None
    rows, more = selectors.missed(request.auth, have, listed_only=body.listed_only)
    return {"items": selectors.frames(rows, request.auth.pk), "more": more}


@router.get("/chats/{chat_id}/messages", response=ChatMessagePage)
def history(request, chat_id: ObjectId, params: Query[ChatHistoryParams]):
    """A page of history, oldest first: the newest, or those before `before`."""
    return _history(request, chat_id, params)


@router.post("/chats/{chat_id}/messages", response={200: ChatMessageOut, 201: ChatMessageOut})
@refuses(
    "rate_limited",
    "chat_not_a_contact",
    "chat_contact_removed_you",
    "business_no_consent",
    "business_chat_closed",
    "business_proactive_ended",
    "business_subject_unverified",
    "cold_outreach",
)
def send(request, chat_id: ObjectId, body: ChatMessageIn):
    """A text or card message (pictures: `/images`). 201 when saved; 200 with the saved message
    for a `client_id` sent before. A 1:1 message to someone who deleted the caller: 403
    `chat_contact_removed_you`."""
    return _send(request, chat_id, body)


@router.post("/chats/{chat_id}/images", response={201: ChatMessageOut})
@refuses(
    "rate_limited",
    "chat_not_a_contact",
    "chat_contact_removed_you",
    "business_no_consent",
    "business_chat_closed",
    "business_proactive_ended",
    "business_subject_unverified",
    "cold_outreach",
)
def send_image(request, chat_id: ObjectId, image: File[UploadedFile | None] = None):
    """A picture (JPEG, PNG, GIF or WebP, at most 5 MB), as multipart `image`."""
    _conversation(request, chat_id)
    throttle.hit(rules.MESSAGE_SEND_PER_USER, request.auth.pk)
    message, _created = services.send_message(
        user=request.auth, conversation_id=chat_id, kind=MessageKind.IMAGE, image=image
    )
    return 201, selectors.frames([message], request.auth.pk)[0]


@router.post("/chats/{chat_id}/read", response=ChatReadOut)
def mark_read(request, chat_id: ObjectId, body: ChatReadIn):
    """The caller has read up to `seq`; read state only moves forward."""
    return services.mark_read(user=request.auth, conversation_id=chat_id, seq=body.seq)


# -- groups ------------------------------------------------------------------------------------


def _group_out(conversation) -> dict:
    return {
        "id": conversation.pk,
        "title": conversation.title,
        "last_seq": conversation.last_seq,
        "members": [
            {"user_id": m.user_id, "name": str(m.user), "role": m.role, "joined_at": m.joined_at}
            for m in selectors.members(conversation)
        ],
    }


@router.post("/groups", response={201: GroupOut})
def create_group(request, body: GroupIn):
    """A group with the caller as its owner; members join by invitation."""
    return 201, _group_out(services.create_group(owner=request.auth, title=body.title))


@router.get("/groups/invitations", response=list[GroupInvitationOut])
def my_invitations(request):
    """Invitations waiting for the caller's answer."""
    return selectors.pending_invitations(request.auth)


@router.post("/groups/invitations/{invitation_id}/accept", response=GroupOut)
@refuses("group_full")
def accept(request, invitation_id: ObjectId):
    """Join the group (409 `group_full` at 500 members)."""
    member = services.accept_invitation(user=request.auth, invitation_id=invitation_id)
    return _group_out(member.conversation)


@router.post("/groups/invitations/{invitation_id}/decline", response=GroupInvitationOut)
def decline(request, invitation_id: ObjectId):
    return services.decline_invitation(user=request.auth, invitation_id=invitation_id)


@router.get("/groups/{group_id}", response=GroupOut)
def group(request, group_id: ObjectId):
    """The group and its members (members only)."""
    return _group_out(_conversation(request, group_id, Kind.GROUP).conversation)


@router.post("/groups/{group_id}/invitations", response={201: GroupInvitationOut})
@refuses("chat_not_a_contact", "chat_already_member")
def invite(request, group_id: ObjectId, body: GroupUserIn):
    """A member invites one of their contacts; the invitee accepts."""
    return 201, services.invite(user=request.auth, conversation_id=group_id, invitee_id=body.user_id)


@router.delete("/groups/{group_id}/members/{user_id}", response={204: None})
def remove(request, group_id: ObjectId, user_id: ObjectId):
    """The owner removes anyone; an admin removes plain members."""
    services.remove_member(user=request.auth, conversation_id=group_id, member_id=user_id)
    return 204, None


@router.post("/groups/{group_id}/admins", response=GroupOut)
def add_admin(request, group_id: ObjectId, body: GroupUserIn):
    """The owner makes a member an admin."""
    member = services.set_admin(
        user=request.auth, conversation_id=group_id, member_id=body.user_id, admin=True
    )
    return _group_out(member.conversation)


@router.delete("/groups/{group_id}/admins/{user_id}", response=GroupOut)
def remove_admin(request, group_id: ObjectId, user_id: ObjectId):
    member = services.set_admin(user=request.auth, conversation_id=group_id, member_id=user_id, admin=False)
    return _group_out(member.conversation)


@router.post("/groups/{group_id}/owner", response=GroupOut)
def transfer(request, group_id: ObjectId, body: GroupUserIn):
    """The owner hands the group to another member."""
    member = services.transfer_ownership(user=request.auth, conversation_id=group_id, member_id=body.user_id)
    return _group_out(member.conversation)


@router.post("/groups/{group_id}/leave", response={204: None})
@refuses("group_owner_must_transfer")
def leave(request, group_id: ObjectId):
    services.leave_group(user=request.auth, conversation_id=group_id)
    return 204, None


@router.get("/groups/{group_id}/messages", response=ChatMessagePage)
def group_history(request, group_id: ObjectId, params: Query[ChatHistoryParams]):
    return _history(request, group_id, params, Kind.GROUP)


@router.post("/groups/{group_id}/messages", response={200: ChatMessageOut, 201: ChatMessageOut})
@refuses("rate_limited")
def group_send(request, group_id: ObjectId, body: ChatMessageIn):
    return _send(request, group_id, body, Kind.GROUP)
