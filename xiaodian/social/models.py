"""Contacts (directed edges and the requests that create them) and Moments."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xiaodian.accounts.models import User

from . import cards, rules
from .rules import RequestState, Source


def search_key(remark: str, name: str) -> str:
    return f"{remark}\n{name}".lower()


class Contact(models.Model):
    """`owner` has `other` in their contacts. Edges are directed: deleting removes only the
    deleter's edge, so the other may still have them (a one-way friendship)."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="contacts")
    other = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField()
    source = models.CharField(_("添加方式"), max_length=8, choices=Source.choices)
    added_by_owner = models.BooleanField(default=True)  # the owner sent the request
    remark = models.CharField(_("备注"), max_length=rules.REMARK_MAX, blank=True)
    # What contact search reads: the remark and the other's shown name (nickname, else username),
    # lower-cased (`search_key()`), so a search of a full list is one plain LIKE over one table;
    # refreshed when they rename (receivers.py) or the remark changes.
    search_key = models.CharField(max_length=rules.REMARK_MAX + 1 + 150, blank=True)
    last_chat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["owner_id", "id"]
        verbose_name = _("联系人")
        verbose_name_plural = pgettext_lazy("plural", "联系人")
        indexes = [models.Index(fields=["owner", "-id"], name="contact_owner_recent")]
        constraints = [
            models.UniqueConstraint(fields=["owner", "other"], name="contact_once"),
            models.CheckConstraint(condition=~Q(owner=F("other")), name="contact_not_self"),
            models.CheckConstraint(condition=Q(source__in=Source.values), name="contact_source_known"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id} → {self.other_id}"


class ContactRequest(models.Model):
    """`sender` asks to add `recipient`; accepting creates the missing edges both ways."""

    sender = models.ForeignKey(User, on_delete=models.CASCADE, related_name="contact_requests_sent")
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="contact_requests")
    source = models.CharField(_("添加方式"), max_length=8, choices=Source.choices)
    greeting = models.CharField(_("验证消息"), max_length=rules.GREETING_MAX, blank=True)
    state = models.CharField(max_length=8, choices=RequestState.choices, default=RequestState.PENDING)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("好友申请")
        verbose_name_plural = pgettext_lazy("plural", "好友申请")
        indexes = [models.Index(fields=["recipient", "state", "-id"], name="contact_request_inbox")]
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "recipient"],
                condition=Q(state=RequestState.PENDING),
                name="contact_request_one_pending",
            ),
            models.CheckConstraint(condition=~Q(sender=F("recipient")), name="contact_request_not_self"),
            models.CheckConstraint(
                condition=Q(state__in=RequestState.values), name="contact_request_state_known"
            ),
            models.CheckConstraint(
                condition=Q(source__in=Source.values), name="contact_request_source_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender_id} → {self.recipient_id} ({self.state})"


class Post(models.Model):
    """A Moments post: text, images and at most one card. Seen by the author and the author's
    mutual contacts."""

    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="moments")
    text = models.TextField(_("内容"), max_length=rules.POST_TEXT_MAX, blank=True)
    card_kind = models.CharField(max_length=8, blank=True, choices=[(k, k) for k in cards.KINDS])
    card_id = models.BigIntegerField(null=True, blank=True)
    card_link = models.CharField(max_length=500, blank=True)  # the share's link ("" : the plain page)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("朋友圈")
        verbose_name_plural = pgettext_lazy("plural", "朋友圈")
        indexes = [models.Index(fields=["author", "-id"], name="moment_author_recent")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(card_kind="") & Q(card_id__isnull=True))
                | (Q(card_kind__in=cards.KINDS) & Q(card_id__isnull=False)),
                name="moment_card_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_id}: {self.text[:20]}"


class PostImage(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveSmallIntegerField()
    image = models.ImageField(upload_to="moments/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        ordering = ["post_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["post", "position"], name="moment_image_position_once")
        ]

    def __str__(self) -> str:
        return f"{self.post_id}#{self.position}"


class Like(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["post_id", "id"]
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="moment_like_once")]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.post_id}"


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=rules.COMMENT_MAX)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["post_id", "id"]

    def __str__(self) -> str:
        return f"{self.author_id} on {self.post_id}: {self.text[:20]}"
