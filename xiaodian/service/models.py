"""Customer service's tables: a store's settings (mode, hours, welcome and offline messages, the
agents' session limit, the self-built endpoint), agents' presence, quick and keyword replies,
conversations and their messages, and the events sent to a self-built endpoint."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xiaodian.accounts.models import User
from xiaodian.stores.models import Store

from . import rules
from .rules import Kind, Mode, Presence, Sender, Status, WebhookState


class ServiceSettings(models.Model):
    store = models.OneToOneField(Store, primary_key=True, on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(_("客服模式"), max_length=12, choices=Mode.choices, default=Mode.WORKBENCH)
    welcome_message = models.CharField(_("欢迎语"), max_length=rules.SETTINGS_MESSAGE_MAX, blank=True)
    offline_message = models.CharField(_("离线留言提示"), max_length=rules.SETTINGS_MESSAGE_MAX, blank=True)
    opens_at = models.TimeField(_("服务开始时间"), default=rules.DEFAULT_OPENS_AT)
    closes_at = models.TimeField(_("服务结束时间"), default=rules.DEFAULT_CLOSES_AT)
    max_sessions = models.PositiveSmallIntegerField(
        _("每位客服同时接待上限"), default=rules.DEFAULT_MAX_SESSIONS
    )
    webhook_url = models.URLField(_("消息推送地址"), max_length=rules.WEBHOOK_URL_MAX, blank=True)
    webhook_secret = models.CharField(max_length=64, blank=True)
    mode_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("客服设置")
        verbose_name_plural = pgettext_lazy("plural", "客服设置")
        constraints = [
            models.CheckConstraint(condition=Q(mode__in=Mode.values), name="service_mode_known"),
            models.CheckConstraint(
                condition=Q(max_sessions__gte=1, max_sessions__lte=rules.MAX_SESSIONS_LIMIT),
                name="service_max_sessions_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.mode}"


class AgentPresence(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Presence.choices, default=Presence.OFFLINE)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "user"], name="presence_once_per_store")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.store_id} {self.status}"


class QuickReply(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(_("快捷回复"), max_length=rules.TEXT_MAX)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:20]


class AutoReply(models.Model):
    """A keyword rule: a buyer's text containing the keyword gets the reply, marked as a bot's."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    keyword = models.CharField(_("关键词"), max_length=rules.KEYWORD_MAX)
    reply = models.CharField(_("自动回复"), max_length=rules.TEXT_MAX)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["store", "keyword"], name="auto_reply_keyword_once")]

    def __str__(self) -> str:
        return self.keyword


class Conversation(models.Model):
    """A session between a buyer and a store, in the mode the store had when it opened. One open
    session per buyer, store and mode; a closed one stays for history and the rating."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    buyer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="service_conversations")
    mode = models.CharField(max_length=12, choices=Mode.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    agent = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    opened_by = models.CharField(max_length=8, choices=Sender.choices, default=Sender.BUYER)
    started_at = models.DateTimeField()
    last_message_at = models.DateTimeField()
    first_buyer_message_at = models.DateTimeField(null=True, blank=True)
    first_human_reply_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.CharField(max_length=rules.RATING_COMMENT_MAX, blank=True)
    # Receipts: the newest message id each side has received and read.
    buyer_delivered_id = models.BigIntegerField(default=0)
    buyer_read_id = models.BigIntegerField(default=0)
    store_delivered_id = models.BigIntegerField(default=0)
    store_read_id = models.BigIntegerField(default=0)

    # Not a column: "mine", "waiting" or "others" for the agent reading the queue, set by
    # `selectors.workbench_sessions`.
    group: str

    class Meta:
        ordering = ["-last_message_at", "-id"]
        verbose_name = _("客服会话")
        verbose_name_plural = pgettext_lazy("plural", "客服会话")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "buyer", "mode"],
                condition=Q(status=Status.OPEN),
                name="one_open_conversation",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True)
                | Q(rating__gte=rules.RATING_MIN, rating__lte=rules.RATING_MAX),
                name="conversation_rating_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "mode", "status", "-last_message_at"]),
            models.Index(fields=["buyer", "-last_message_at"]),
            models.Index(fields=["agent", "status"]),
        ]

    def __str__(self) -> str:
        return f"conversation {self.pk}"


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(max_length=8, choices=Sender.choices)
    author = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.TEXT)
    text = models.CharField(max_length=rules.TEXT_MAX, blank=True)
    card = models.JSONField(default=dict, blank=True)  # a product's or order's snapshot
    image = models.ImageField(upload_to="service/%Y/%m/", blank=True)
    client_id = models.CharField(max_length=rules.CLIENT_ID_MAX, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "author", "client_id"],
                condition=~Q(client_id=""),
                name="message_client_id_once_per_author",
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="message_kind_known"),
        ]
        indexes = [models.Index(fields=["conversation", "-id"])]

    def __str__(self) -> str:
        return f"{self.sender}: {self.text[:20]}"


class WebhookEvent(models.Model):
    """One event for a self-built endpoint: sent signed, retried with backoff; `event_id` lets the
    receiver drop a repeat."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=30)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=WebhookState.choices, default=WebhookState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["store", "-id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_id}"
