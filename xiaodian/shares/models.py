from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xiaodian.accounts.models import User

from . import rules


class Share(models.Model):
    """A card shared by `sharer` into a channel (a 1:1 chat, a group, a Moments post, a business
    chat): the record a purchase through its short link names as its source."""

    sharer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="shares")
    kind = models.CharField(_("卡片"), max_length=16, choices=rules.CardKind.choices)
    card_id = models.BigIntegerField()
    channel = models.CharField(_("分享到"), max_length=16, choices=rules.Channel.choices)
    channel_id = models.BigIntegerField()
    code = models.CharField(max_length=rules.CODE_MAX, unique=True)
    opens = models.PositiveIntegerField(default=0)  # opened by someone other than the sharer
    orders = models.PositiveIntegerField(default=0)  # orders placed with this share as their source
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("分享")
        verbose_name_plural = pgettext_lazy("plural", "分享")
        indexes = [models.Index(fields=["sharer", "-id"])]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=rules.CardKind.values), name="share_kind_known"),
            models.CheckConstraint(condition=Q(channel__in=rules.Channel.values), name="share_channel_known"),
            models.CheckConstraint(condition=Q(card_id__gt=0, channel_id__gt=0), name="share_ids_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.card_id} → {self.channel}:{self.channel_id}"
