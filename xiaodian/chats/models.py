"""Chats' tables: conversations (a 1:1 chat, one per pair, or a group), their members with read
state, group invitations, and messages numbered per conversation (docs/chats.md)."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xiaodian.accounts.models import User
from xiaodian.social.cards import KINDS as CARD_KINDS

from . import rules
from .rules import InvitationState, Kind, MessageKind, Role


class Conversation(models.Model):
    """A 1:1 chat (`user_low` < `user_high`, one per pair) or a group. `last_seq` is the sequence
    number of its newest message: a message takes `last_seq + 1` under this row's lock, so the
    numbers have no gap and no repeat, and clients sync by them."""

    kind = models.CharField(max_length=8, choices=Kind.choices)
    title = models.CharField(_("群聊名称"), max_length=rules.GROUP_TITLE_MAX, blank=True)
    user_low = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    user_high = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    last_seq = models.BigIntegerField(default=0)
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("会话")
        verbose_name_plural = pgettext_lazy("plural", "会话")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="chat_kind_known"),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind=Kind.DIRECT,
                        user_low__isnull=False,
                        user_high__isnull=False,
                        user_low__lt=F("user_high"),
                    )
                    | Q(kind__in=(Kind.GROUP, Kind.BUSINESS), user_low__isnull=True, user_high__isnull=True)
                ),
                name="chat_pair_ordered",
            ),
            models.UniqueConstraint(
                fields=["user_low", "user_high"], condition=Q(kind=Kind.DIRECT), name="chat_one_per_pair"
            ),
            models.CheckConstraint(condition=Q(last_seq__gte=0), name="chat_last_seq_not_negative"),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.kind} {self.pk}"


class Member(models.Model):
    """Someone in a conversation. `joined_seq`: the sequence number when they joined (a group's
    earlier messages are not theirs to read); `last_read_seq`: how far they have read."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="chat_memberships")
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField()
    joined_seq = models.BigIntegerField(default=0)
    last_read_seq = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="chat_member_once"),
            models.UniqueConstraint(
                fields=["conversation"], condition=Q(role=Role.OWNER), name="chat_one_owner"
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="chat_role_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.conversation_id} {self.role}"


class Invitation(models.Model):
    """A member invites a contact into a group; the invitee accepts (or declines)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="invitations")
    inviter = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    invitee = models.ForeignKey(User, on_delete=models.CASCADE, related_name="chat_invitations")
    state = models.CharField(max_length=10, choices=InvitationState.choices, default=InvitationState.PENDING)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "invitee"],
                condition=Q(state=InvitationState.PENDING),
                name="chat_invitation_pending_once",
            ),
            models.CheckConstraint(
                condition=Q(state__in=InvitationState.values), name="chat_invitation_state_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invitee_id}→{self.conversation_id} {self.state}"


class Message(models.Model):
    """One message: text, an image, a card (kind + id, shown through social.cards) or a system
    line. `seq` numbers a conversation's messages 1, 2, 3, … without gaps."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    seq = models.BigIntegerField()
    sender = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=8, choices=MessageKind.choices)
    text = models.TextField(blank=True)
    image = models.ImageField(upload_to="chats/%Y/%m/", blank=True)
    card_kind = models.CharField(max_length=10, blank=True)
    card_id = models.BigIntegerField(null=True, blank=True)
    card_link = models.CharField(max_length=500, blank=True)  # the share's link (shares), or ""
    # A business chat: the verified subject the staff sender wrote for, as vouched when it was sent
    # (xiaodian/business answers it through `extensions.business_gate`); "" otherwise.
    sender_subject = models.CharField(max_length=rules.SENDER_SUBJECT_MAX, blank=True)
    client_id = models.CharField(max_length=rules.CLIENT_ID_MAX, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="chat_message_seq_once"),
            models.UniqueConstraint(
                fields=["conversation", "sender", "client_id"],
                condition=~Q(client_id=""),
                name="chat_message_client_id_once",
            ),
            models.CheckConstraint(condition=Q(seq__gte=1), name="chat_message_seq_positive"),
            models.CheckConstraint(condition=Q(kind__in=MessageKind.values), name="chat_message_kind_known"),
            models.CheckConstraint(
                condition=(
                    Q(kind=MessageKind.CARD, card_kind__in=CARD_KINDS, card_id__isnull=False)
                    | (~Q(kind=MessageKind.CARD) & Q(card_kind="", card_id__isnull=True))
                ),
                name="chat_message_card_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}#{self.seq}"
