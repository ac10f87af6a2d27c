"""Every write of chats (docs/chats.md): 1:1 chats between contacts, groups (create, invite,
accept, remove, admins, transfer, leave), messages numbered per conversation, and read state.
Frames to the members' websockets go out on commit (`delivery`).

A message takes its sequence number under its conversation's row lock (`last_seq + 1`, written
back in the same transaction), so the numbers have no gap and no repeat however many senders race;
a group's membership changes take the same lock, so the 500-member limit holds under concurrent
joins."""

import uuid

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.images import read_image
from xiaodian.core.text import message_text
from xiaodian.social import cards
from xiaodian.social import selectors as contacts
from xiaodian.social import services as social

from . import delivery, extensions, rules
from .models import Conversation, Invitation, Member, Message
from .rules import InvitationState, Kind, MessageKind, Role

# -- conversations -----------------------------------------------------------------------------


def _active_user(user_id) -> User:
    found = User.objects.filter(pk=user_id, is_active=True).first() if isinstance(user_id, int) else None
    if found is None:
        raise DomainError("not_found")
    return found


def open_direct(*, user: User, other_id: int) -> tuple[Conversation, bool]:
    """The 1:1 chat between the user and a contact of theirs, made now if there is none (one per
    pair). Answers (conversation, created)."""
    other = _active_user(other_id)
    if other.pk == user.pk:
        raise DomainError("validation_error", _("不能和自己聊天"), field="user_id")
    if not contacts.has_contact(user.pk, other.pk):
        raise DomainError("chat_not_a_contact")
    low, high = sorted((user.pk, other.pk))
    existing = Conversation.objects.filter(kind=Kind.DIRECT, user_low_id=low, user_high_id=high).first()
    if existing is not None:
        return existing, False
    now = clock.now()
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                kind=Kind.DIRECT, user_low_id=low, user_high_id=high, created_by=user, created_at=now
            )
            Member.objects.bulk_create(
                Member(conversation=conversation, user_id=uid, joined_at=now) for uid in (low, high)
            )
    except IntegrityError:  # opened by the other side (or another tab) at the same moment
        return Conversation.objects.get(kind=Kind.DIRECT, user_low_id=low, user_high_id=high), False
    return conversation, True


def open_business(*, staff_id: int, buyer_id: int, title: str = "") -> Conversation:
    """A new business chat between a store's staff member and a buyer (two members). Called by
    xiaodian/business, which owns who may open one (the buyer's consent) and keeps the link from
    its contact record; its messages pass `extensions.business_gate`."""
    now = clock.now()
    with transaction.atomic():
        conversation = Conversation.objects.create(
            kind=Kind.BUSINESS, title=title[: rules.GROUP_TITLE_MAX], created_by_id=staff_id, created_at=now
        )
        Member.objects.bulk_create(
            Member(conversation=conversation, user_id=uid, joined_at=now) for uid in (staff_id, buyer_id)
        )
    return conversation


def close_business(*, conversation_id: int, keep_user_id: int, text: str) -> Message:
    """End a business chat (the store's customer service was upgraded): a platform line, sent to
    its members, then everyone but `keep_user_id` (the buyer, who keeps their copy) leaves it, so
    the staff's new mode does not show the old history."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation_id, kind=Kind.BUSINESS)
        line = _system(conversation, text)
        told = _member_ids(conversation.pk)
        Member.objects.filter(conversation=conversation).exclude(user_id=keep_user_id).delete()
        delivery.membership(conversation, told, "removed")
    return line


def _clean_title(title) -> str:
    title = (title if isinstance(title, str) else "").strip()
    if not 1 <= len(title) <= rules.GROUP_TITLE_MAX or "\x00" in title:
        raise DomainError(
            "validation_error", _("群聊名称须为 1–%(n)d 个字") % {"n": rules.GROUP_TITLE_MAX}, field="title"
        )
    return title


def create_group(*, owner: User, title: str) -> Conversation:
    """A group with its creator as the owner; members come in by invitation."""
    title = _clean_title(title)
    with transaction.atomic():
        conversation = Conversation.objects.create(
            kind=Kind.GROUP, title=title, created_by=owner, created_at=clock.now()
        )
        Member.objects.create(conversation=conversation, user=owner, role=Role.OWNER, joined_at=clock.now())
    return conversation


def _locked_group(conversation_id: int) -> Conversation:
    """The group's row, locked: membership changes and messages of one group run one at a time."""
    conversation = (
        Conversation.objects.select_for_update().filter(pk=conversation_id, kind=Kind.GROUP).first()
    )
    if conversation is None:
        raise DomainError("not_found")
    return conversation


def _member(conversation_id: int, user_id: int) -> Member:
    member = Member.objects.filter(conversation_id=conversation_id, user_id=user_id).first()
    if member is None:
        raise DomainError("not_found")  # someone outside a conversation may not learn it exists
    return member


def _member_ids(conversation_id: int) -> list[int]:
    return list(Member.objects.filter(conversation_id=conversation_id).values_list("user_id", flat=True))


def invite(*, user: User, conversation_id: int, invitee_id: int) -> Invitation:
    """Any member invites one of their contacts; the invitee accepts. Inviting someone already
    invited answers the pending invitation."""
    _member(conversation_id, user.pk)
    invitee = _active_user(invitee_id)
    if not contacts.has_contact(user.pk, invitee.pk):
        raise DomainError("chat_not_a_contact", field="user_id")
    with transaction.atomic():
        conversation = _locked_group(conversation_id)
        if Member.objects.filter(conversation=conversation, user=invitee).exists():
            raise DomainError("chat_already_member", field="user_id")
        pending = Invitation.objects.filter(
            conversation=conversation, invitee=invitee, state=InvitationState.PENDING
        ).first()
        if pending is not None:
            return pending
        invitation = Invitation.objects.create(
            conversation=conversation, inviter=user, invitee=invitee, created_at=clock.now()
        )
        delivery.membership(conversation, [invitee.pk], "invited")
    return invitation


def _pending_invitation(user: User, invitation_id: int) -> Invitation:
    invitation = Invitation.objects.filter(pk=invitation_id, invitee=user).first()
    if invitation is None:
        raise DomainError("not_found")
    if invitation.state != InvitationState.PENDING:
        raise DomainError("invalid_transition", _("邀请已处理"))
    return invitation


def accept_invitation(*, user: User, invitation_id: int) -> Member:
    """The invitee joins, while the group has fewer than 500 members (counted under the group's
    lock, so concurrent joins cannot pass it)."""
    invitation = _pending_invitation(user, invitation_id)
    with transaction.atomic():
        conversation = _locked_group(invitation.conversation_id)
        if not Invitation.objects.filter(pk=invitation.pk, state=InvitationState.PENDING).exists():
            raise DomainError("invalid_transition", _("邀请已处理"))
        if Member.objects.filter(conversation=conversation).count() >= rules.GROUP_MAX_MEMBERS:
            raise DomainError("group_full")
        now = clock.now()
        member = Member.objects.create(
            conversation=conversation,
            user=user,
            joined_at=now,
            joined_seq=conversation.last_seq,
            last_read_seq=conversation.last_seq,
        )
        Invitation.objects.filter(pk=invitation.pk).update(state=InvitationState.ACCEPTED, decided_at=now)
        joined = _system(conversation, _("%(name)s 加入了群聊") % {"name": user})
        Member.objects.filter(pk=member.pk).update(last_read_seq=joined.seq)  # their own line is read
        member.last_read_seq = joined.seq
        delivery.membership(conversation, _member_ids(conversation.pk), "joined")
    return member


def decline_invitation(*, user: User, invitation_id: int) -> Invitation:
    invitation = _pending_invitation(user, invitation_id)
    with transaction.atomic():
        if not Invitation.objects.filter(pk=invitation.pk, state=InvitationState.PENDING).update(
            state=InvitationState.DECLINED, decided_at=clock.now()
        ):
            raise DomainError("invalid_transition", _("邀请已处理"))
    invitation.refresh_from_db()
    return invitation


def remove_member(*, user: User, conversation_id: int, member_id: int) -> None:
    """The owner removes anyone else; an admin removes plain members."""
    with transaction.atomic():
        conversation = _locked_group(conversation_id)
        actor = _member(conversation.pk, user.pk)
        target = Member.objects.filter(conversation=conversation, user_id=member_id).first()
        if target is None:
            raise DomainError("not_found")
        allowed = actor.role == Role.OWNER or (actor.role == Role.ADMIN and target.role == Role.MEMBER)
        if target.pk == actor.pk or not allowed:
            raise DomainError(
                "permission_denied", _("只有群主和管理员可以移出成员（管理员只能移出普通成员）")
            )
        told = _member_ids(conversation.pk)
        target.delete()
        Invitation.objects.filter(conversation=conversation, invitee_id=member_id).filter(
            state=InvitationState.PENDING
        ).update(state=InvitationState.WITHDRAWN, decided_at=clock.now())
        _system(conversation, _("%(name)s 被移出了群聊") % {"name": User.objects.get(pk=member_id)})
        delivery.membership(conversation, told, "removed")


def set_admin(*, user: User, conversation_id: int, member_id: int, admin: bool) -> Member:
    """The owner makes a member an admin, or an admin a plain member again."""
    with transaction.atomic():
        conversation = _locked_group(conversation_id)
        if _member(conversation.pk, user.pk).role != Role.OWNER:
            raise DomainError("permission_denied", _("只有群主可以设置管理员"))
        target = _member(conversation.pk, member_id)
        if target.role == Role.OWNER:
            raise DomainError("invalid_transition", _("群主不能设为管理员"))
        target.role = Role.ADMIN if admin else Role.MEMBER
        target.save(update_fields=["role"])
        delivery.membership(conversation, _member_ids(conversation.pk), "roles")
    return target


def transfer_ownership(*, user: User, conversation_id: int, member_id: int) -> Member:
    """The owner hands the group to another member and becomes a plain member."""
    with transaction.atomic():
        conversation = _locked_group(conversation_id)
        owner = _member(conversation.pk, user.pk)
        if owner.role != Role.OWNER:
            raise DomainError("permission_denied", _("只有群主可以转让群主"))
        target = _member(conversation.pk, member_id)
        if target.pk == owner.pk:
            raise DomainError("validation_error", _("请选择另一位成员"), field="user_id")
        Member.objects.filter(pk=owner.pk).update(role=Role.MEMBER)  # first: one owner at a time
        Member.objects.filter(pk=target.pk).update(role=Role.OWNER)
        target.role = Role.OWNER
        _system(conversation, _("%(name)s 已成为新群主") % {"name": target.user})
        delivery.membership(conversation, _member_ids(conversation.pk), "roles")
    return target


def leave_group(*, user: User, conversation_id: int) -> None:
    """A member leaves. The owner transfers the group first, unless they are its last member."""
    with transaction.atomic():
        conversation = _locked_group(conversation_id)
        member = _member(conversation.pk, user.pk)
        told = _member_ids(conversation.pk)
        if member.role == Role.OWNER and len(told) > 1:
            raise DomainError("group_owner_must_transfer")
        member.delete()
        _system(conversation, _("%(name)s 退出了群聊") % {"name": user})
        delivery.membership(conversation, told, "left")


# -- messages ----------------------------------------------------------------------------------


def _clean_text(text) -> str:
    return message_text(text, limit=rules.TEXT_MAX)


def _check_direct(conversation: Conversation, sender_id: int) -> int:
    """Both edges must stand: the sender has the other, and the other still has the sender (as
    WeChat refuses a message to someone who deleted you). Answers the other's id."""
    pair = (conversation.user_low_id, conversation.user_high_id)
    assert pair[0] is not None and pair[1] is not None  # a 1:1 chat has both (chat_pair_ordered)
    other = pair[1] if pair[0] == sender_id else pair[0]
    if contacts.is_mutual(sender_id, other):  # one query for the usual case
        return other
    if not contacts.has_contact(sender_id, other):
        raise DomainError("chat_not_a_contact")
    if not contacts.has_contact(other, sender_id):
        raise DomainError("chat_contact_removed_you")
    return other


# The share channel a card posted in each kind of conversation is recorded on (shares' Channel).
_CARD_CHANNELS: dict[str, str] = {Kind.DIRECT: "chat", Kind.GROUP: "group", Kind.BUSINESS: "business_chat"}


def _next(conversation: Conversation, now) -> int:
    """The next sequence number of a conversation whose row this transaction holds locked."""
    seq = conversation.last_seq + 1
    Conversation.objects.filter(pk=conversation.pk).update(last_seq=seq, last_message_at=now)
    conversation.last_seq, conversation.last_message_at = seq, now
    return seq


def _system(conversation: Conversation, text: str) -> Message:
    """A line the platform writes into a group (joined, left, new owner), numbered like any other;
    the caller holds the group's lock and sends the frame to whoever should see it."""
    now = clock.now()
    message = Message.objects.create(
        conversation=conversation,
        seq=_next(conversation, now),
        kind=MessageKind.SYSTEM,
        text=text,
        created_at=now,
    )
    delivery.message_sent(message, _member_ids(conversation.pk), "")
    return message


def send_message(
    *,
    user: User,
    conversation_id: int,
    kind: str = MessageKind.TEXT,
    text: str = "",
    image=None,
    card_kind: str = "",
    card_id: int | None = None,
    client_id: str = "",
) -> tuple[Message, bool]:
    """A text, image or card message from a member. `client_id` makes a resend harmless: the same
    id from the same sender in the same conversation answers the message already saved (created
    False). A 1:1 message needs both contact edges, checked and counted (social.note_chat); a card
    is recorded as a share (social.cards.card_shared) in the same transaction."""
    client_id = client_id.strip() if isinstance(client_id, str) else ""
    if len(client_id) > rules.CLIENT_ID_MAX:
        raise DomainError("validation_error", field="client_id")
    if client_id:
        seen = Message.objects.filter(
            conversation_id=conversation_id, sender=user, client_id=client_id
        ).first()
        if seen is not None:
            return seen, False
    if kind not in (MessageKind.TEXT, MessageKind.IMAGE, MessageKind.CARD):
        raise DomainError("validation_error", field="kind")
    body = ""
    if kind == MessageKind.TEXT:
        body = _clean_text(text)
    elif kind == MessageKind.IMAGE:  # shown to be a picture, at most IMAGE_MAX_BYTES, named by us
        data, image_format, _w, _h = read_image(image, max_bytes=rules.IMAGE_MAX_BYTES)
        image = ContentFile(data, name=f"{uuid.uuid4().hex}.{image_format.lower()}")
    elif card_kind not in cards.KINDS:
        raise DomainError(
            "validation_error",
            _("卡片类型须为 %(kinds)s") % {"kinds": "/".join(cards.KINDS)},
            field="card_kind",
        )
    elif not isinstance(card_id, int) or isinstance(card_id, bool) or card_id < 1:
        raise DomainError("validation_error", field="card_id")
    now = clock.now()
    try:
        with transaction.atomic():
            conversation = Conversation.objects.select_for_update().filter(pk=conversation_id).first()
            if conversation is None:
                raise DomainError("not_found")
            member_ids = _member_ids(conversation.pk)
            if user.pk not in member_ids:
                raise DomainError("not_found")
            subject = ""
            if conversation.kind == Kind.DIRECT:
                other = _check_direct(conversation, user.pk)
                social.note_chat(a_id=user.pk, b_id=other, at=now)
            elif conversation.kind == Kind.BUSINESS:  # consent, staff role, service mode: business's
                subject = extensions.business_gate(conversation.pk, user.pk, now)
            link = ""
            if kind == MessageKind.CARD and card_id is not None:
                link = cards.card_shared(
                    sharer_id=user.pk,
                    kind=card_kind,
                    card_id=card_id,
                    channel=_CARD_CHANNELS[conversation.kind],
                    channel_id=conversation.pk,
                )
            message = Message.objects.create(
                conversation=conversation,
                seq=_next(conversation, now),
                sender=user,
                kind=kind,
                text=body,
                image=image if kind == MessageKind.IMAGE else "",
                card_kind=card_kind if kind == MessageKind.CARD else "",
                card_id=card_id if kind == MessageKind.CARD else None,
                card_link=link,
                sender_subject=subject,
                client_id=client_id,
                created_at=now,
            )
            Member.objects.filter(conversation=conversation, user=user).update(last_read_seq=message.seq)
            delivery.message_sent(message, member_ids, str(user))
    except IntegrityError:
        if not client_id:
            raise
        # the same client id raced in from the sender's other connection
        return Message.objects.get(conversation_id=conversation_id, sender=user, client_id=client_id), False
    return message, True


def mark_read(*, user: User, conversation_id: int, seq: int) -> Member:
    """The member has read up to `seq` (capped at the newest). Read state only moves forward."""
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise DomainError("validation_error", field="seq")
    member = (
        Member.objects.select_related("conversation")
        .filter(conversation_id=conversation_id, user=user)
        .first()
    )
    if member is None:
        raise DomainError("not_found")
    seq = min(seq, member.conversation.last_seq)
    with transaction.atomic():
        if Member.objects.filter(pk=member.pk, last_read_seq__lt=seq).update(last_read_seq=seq):
            member.last_read_seq = seq
            delivery.read(member)
    return member
