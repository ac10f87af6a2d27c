from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xiaodian.accounts.models import User
from xiaodian.catalog.models import SKU, Product
from xiaodian.chats.models import Conversation
from xiaodian.orders.models import Checkout, Order

from . import rules
from .rules import GiftState, Kind, SentFrom


class Gift(models.Model):
    """A gift: one unit to one friend (`single`), or several to draw among a group's members
    (`group`). Each unit is an order of its own (`GiftUnit.order`), all of one checkout paid by
    the giver; the orders core keeps each waiting (12) for its recipient.

    A group gift commits to its draw when it is made: `commitment` is the SHA-256 of the secret
    `seed`, shown from the start; the seed itself is shown only once the draw has closed, and
    anyone can then recompute the winners (`draw.assign`, docs/gifts.md)."""

    kind = models.CharField(max_length=8, choices=Kind.choices)
    giver = models.ForeignKey(User, on_delete=models.PROTECT, related_name="gifts_given")
    # A single gift's friend (a group gift's recipients are its units' holders).
    recipient = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    sent_from = models.PositiveSmallIntegerField(_("来源"), choices=SentFrom.choices)
    # Where it was sent (sent from 0 or 1): the giver's 1:1 chat with the recipient, or the chats
    # group whose members (at the time they draw) may draw it. The gift card is posted there once
    # the gift is paid.
    conversation = models.ForeignKey(
        Conversation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    message = models.CharField(_("留言"), max_length=rules.MESSAGE_MAX, blank=True)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="+")
    count = models.PositiveIntegerField(_("份数"))
    unit_fen = models.BigIntegerField(_("单价"))
    checkout = models.OneToOneField(Checkout, on_delete=models.PROTECT, related_name="gift")
    state = models.PositiveSmallIntegerField(choices=GiftState.choices, default=GiftState.CLAIMABLE)
    created_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    # The group draw: who may draw is the group's members when they draw (`conversation`), or,
    # for a group gift sent from elsewhere, a snapshot of the ids given (`GiftMember`).
    # `members_count` is the draw's M: the group's size (the giver left out) when it was sent.
    seed = models.CharField(max_length=2 * rules.SEED_BYTES, blank=True)
    commitment = models.CharField(max_length=64, blank=True)
    members_count = models.PositiveIntegerField(default=0)
    draws_count = models.PositiveIntegerField(default=0)
    won_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("礼物")
        verbose_name_plural = pgettext_lazy("plural", "礼物")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=GiftState.values), name="gift_state_known"),
            models.CheckConstraint(condition=Q(sent_from__in=SentFrom.values), name="gift_sent_from_known"),
            models.CheckConstraint(
                condition=Q(kind=Kind.SINGLE, count=1, recipient__isnull=False)
                | Q(kind=Kind.GROUP, count__gte=1, recipient__isnull=True),
                name="gift_kind_shape",
            ),
            models.CheckConstraint(
                condition=Q(unit_fen__gte=1, unit_fen__lte=rules.PRICE_MAX_FEN),
                name="gift_price_within_limit",
            ),
            models.CheckConstraint(
                condition=Q(conversation__isnull=True)
                | Q(kind=Kind.SINGLE, sent_from=SentFrom.CHAT)
                | Q(kind=Kind.GROUP, sent_from=SentFrom.GROUP_CHAT),
                name="gift_conversation_matches_sent_from",
            ),
            models.CheckConstraint(
                condition=Q(won_count__lte=F("count"), draws_count__lte=F("members_count")),
                name="gift_draws_within_bounds",
            ),
        ]
        indexes = [models.Index(fields=["giver", "-created_at"])]

    def __str__(self) -> str:
        return f"gift {self.pk}"


class GiftUnit(models.Model):
    """One gift of a gift: its order, who holds it (the friend, or the member who drew it), and
    its state."""

    gift = models.ForeignKey(Gift, on_delete=models.CASCADE, related_name="units")
    index = models.PositiveIntegerField()  # 0..count-1, in order id order: the draw's unit numbers
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="gift_unit")
    holder = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    state = models.PositiveSmallIntegerField(choices=GiftState.choices, default=GiftState.CLAIMABLE)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["gift", "index"]
        constraints = [
            models.UniqueConstraint(fields=["gift", "index"], name="gift_unit_index_once"),
            models.CheckConstraint(condition=Q(state__in=GiftState.values), name="gift_unit_state_known"),
        ]
        indexes = [models.Index(fields=["holder", "state"])]

    def __str__(self) -> str:
        return f"gift {self.gift_id} #{self.index}"


class GiftMember(models.Model):
    """Who may draw a group gift: the eligible members, as given when the gift was made."""

    gift = models.ForeignKey(Gift, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["gift", "user"], name="gift_member_once")]

    def __str__(self) -> str:
        return f"gift {self.gift_id}: {self.user_id}"


class GiftDraw(models.Model):
    """One member's draw of a group gift, in the order the draws came (`seq`, from 0): the public
    input of the verification. `unit_index` is the unit won, if any."""

    gift = models.ForeignKey(Gift, on_delete=models.CASCADE, related_name="draws")
    seq = models.PositiveIntegerField()
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    unit_index = models.PositiveIntegerField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["gift", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["gift", "seq"], name="gift_draw_seq_once"),
            models.UniqueConstraint(fields=["gift", "user"], name="gift_draw_once_per_member"),
            models.UniqueConstraint(
                fields=["gift", "unit_index"],
                condition=Q(unit_index__isnull=False),
                name="gift_unit_drawn_once",
            ),
        ]

    def __str__(self) -> str:
        return f"gift {self.gift_id} draw {self.seq}"
