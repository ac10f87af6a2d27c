"""Chats' reads (docs/chats.md): my conversations with unread counts, a page of history, what a
reconnecting client missed, a group's members and my pending invitations. Each costs a fixed
number of queries, whatever the number of rows."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.core.errors import DomainError
from xiaodian.social import cards

from . import rules
from .delivery import message_frame
from .models import Conversation, Invitation, Member, Message
from .rules import InvitationState, Kind


@dataclass
class ConversationRow:
    id: int
    kind: str
    title: str
    last_seq: int
    last_read_seq: int
    unread: int
    role: str
    last_message_at: datetime | None
    last_text: str
    other_id: int | None  # a 1:1 chat: the other person


def membership(user: User, conversation_id: int) -> Member:
    """The user's membership of the conversation, with it; 404 for anyone else."""
    member = (
        Member.objects.select_related("conversation")
        .filter(conversation_id=conversation_id, user=user)
        .first()
    )
    if member is None:
        raise DomainError("not_found")
    return member


def is_member(user_id: int, conversation_id: int) -> bool:
    """Whether the user is in the conversation now (one query)."""
    return Member.objects.filter(conversation_id=conversation_id, user_id=user_id).exists()


def group_of(user: User, conversation_id: int) -> Conversation | None:
    """The group, if the user is one of its members now; None otherwise (or for a 1:1 chat)."""
    return Conversation.objects.filter(pk=conversation_id, kind=Kind.GROUP, members__user=user).first()


def groups_of(user: User, *, limit: int = 100) -> list[Conversation]:
    """The groups the user is in, newest activity first."""
    return list(
        Conversation.objects.filter(kind=Kind.GROUP, members__user=user).order_by(
            F("last_message_at").desc(nulls_last=True), "-pk"
        )[:limit]
    )


def conversation_ids_of(user_id: int) -> QuerySet:
    """The ids of the user's conversations, as a subquery (`conversation_id__in=`)."""
    return Member.objects.filter(user_id=user_id).values("conversation_id")


def member_count(conversation_id: int) -> int:
    return Member.objects.filter(conversation_id=conversation_id).count()


def _preview(kind: str, text: str) -> str:
    return {"image": _("[图片]"), "card": _("[卡片]")}.get(kind, text[:40])


def _title(conversation: Conversation, other: User | None) -> str:
    """A group's name; a 1:1 chat's other person; a business chat's other person and store."""
    if conversation.kind == Kind.GROUP:
        return conversation.title
    if conversation.kind == Kind.BUSINESS and conversation.title:
        return f"{other or ''} · {conversation.title}"
    return str(other or "")


def my_conversations(user: User, *, limit: int = 50, offset: int = 0) -> tuple[list[ConversationRow], int]:
    """The user's conversations, newest activity first, with unread counts (3 queries)."""
    newest = Message.objects.filter(
        conversation=OuterRef("conversation"), seq=OuterRef("conversation__last_seq")
    )
    rows = (
        Member.objects.filter(user=user)
        .select_related("conversation")
        .annotate(
            last_kind=Subquery(newest.values("kind")[:1]),
            last_text=Subquery(newest.values("text")[:1]),
        )
        .order_by(F("conversation__last_message_at").desc(nulls_last=True), "-conversation_id")
    )
    count = Member.objects.filter(user=user).count()
    page = list(rows[offset : offset + limit])
    direct = [m.conversation_id for m in page if m.conversation.kind != Kind.GROUP]
    others = {
        m.conversation_id: m.user
        for m in Member.objects.filter(conversation_id__in=direct).exclude(user=user).select_related("user")
    }
    found = []
    for m in page:
        c = m.conversation
        other = others.get(c.pk)
        found.append(
            ConversationRow(
                id=c.pk,
                kind=c.kind,
                title=_title(c, other),
                last_seq=c.last_seq,
                last_read_seq=m.last_read_seq,
                unread=max(0, c.last_seq - max(m.last_read_seq, m.joined_seq)),
                role=m.role,
                last_message_at=c.last_message_at,
                last_text=_preview(m.last_kind or "", m.last_text or ""),
                other_id=other.pk if other else None,
            )
        )
    return found, count


def unread_total(user: User) -> int:
    members = (
        Member.objects.filter(user=user)
        .select_related("conversation")
        .only("last_read_seq", "joined_seq", "conversation__last_seq")
    )
    return sum(max(0, m.conversation.last_seq - max(m.last_read_seq, m.joined_seq)) for m in members)


def frames(messages: list[Message], viewer_id: int) -> list[dict]:
    """Messages as frames, each card resolved for the viewer (one resolver call per card kind);
    a card the viewer may not see carries `view: null` and renders as unavailable."""
    views = cards.resolve(
        [(m.card_kind, m.card_id) for m in messages if m.card_kind and m.card_id], viewer_id
    )
    names = {u.pk: str(u) for u in User.objects.filter(pk__in={m.sender_id for m in messages if m.sender_id})}
    out = []
    for m in messages:
        frame = message_frame(m, names.get(m.sender_id or 0, ""))
        if frame["card"] is not None and m.card_id is not None:
            frame["card"]["view"] = views.get((m.card_kind, m.card_id))
        out.append(frame)
    return out


def history(member: Member, *, before: int | None = None, limit: int = 50) -> tuple[list[Message], bool]:
    """A page of the conversation, oldest first: the newest `limit` messages, or those before
    sequence `before`; and whether older ones exist. Only what the member may read (since they
    joined)."""
    rows = Message.objects.filter(conversation_id=member.conversation_id, seq__gt=member.joined_seq)
    if before is not None:
        rows = rows.filter(seq__lt=before)
    page = list(rows.order_by("-seq")[: limit + 1])
    return page[:limit][::-1], len(page) > limit


def missed(user: User, have: dict[int, int], *, listed_only: bool = False) -> tuple[list[Message], bool]:
    """What a reconnecting client lacks: in each of the user's conversations, the messages after
    the sequence it says it has (`have`; a conversation it does not name, from the start of what
    the user may read, unless `listed_only`), oldest first per conversation, at most SYNC_MAX; and
    whether more remain."""
    mine = (
        Member.objects.filter(user=user)
        .select_related("conversation")
        .only("joined_seq", "conversation__last_seq")
    )
    if listed_only:
        mine = mine.filter(conversation_id__in=list(have))
    wanted = Q()
    for m in mine:
        since = max(have.get(m.conversation_id, 0), m.joined_seq)
        if m.conversation.last_seq > since:
            wanted |= Q(conversation_id=m.conversation_id, seq__gt=since)
    if not wanted:
        return [], False
    rows = list(Message.objects.filter(wanted).order_by("conversation_id", "seq")[: rules.SYNC_MAX + 1])
    return rows[: rules.SYNC_MAX], len(rows) > rules.SYNC_MAX


def title_for(conversation: Conversation, viewer_id: int) -> str:
    other = None
    if conversation.kind != Kind.GROUP:
        other = next((m.user for m in members(conversation) if m.user_id != viewer_id), None)
    return _title(conversation, other)


def members(conversation: Conversation) -> list[Member]:
    return list(Member.objects.filter(conversation=conversation).select_related("user").order_by("id"))


def pending_invitations(user: User) -> list[Invitation]:
    return list(
        Invitation.objects.filter(invitee=user, state=InvitationState.PENDING).select_related(
            "conversation", "inviter"
        )
    )
