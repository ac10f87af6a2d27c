from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xiaodian.accounts.models import User
from xiaodian.catalog.models import Product
from xiaodian.live.models import LiveRoom
from xiaodian.orders.models import Order
from xiaodian.stores.models import Store

from . import rules
from .rules import BuyerCouponState, CampaignState, CouponState, DiscountType, Kind


class Coupon(models.Model):
    """A coupon a store issues (the template): what it takes off, where it applies, when it can be
    claimed and used, how many there are and how many one buyer may hold. Buyers claim instances
    (`BuyerCoupon`)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="coupons")
    name = models.CharField(_("名称"), max_length=rules.NAME_MAX)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    products = models.ManyToManyField(Product, blank=True, related_name="+")  # a product coupon's
    live_room = models.ForeignKey(
        LiveRoom, on_delete=models.PROTECT, null=True, blank=True, related_name="coupons"
    )  # a live coupon's room
    discount_type = models.CharField(_("优惠方式"), max_length=16, choices=DiscountType.choices)
    amount_fen = models.BigIntegerField(default=0)  # threshold_off, amount_off
    threshold_fen = models.BigIntegerField(default=0)  # 满 … (0: none)
    percent_off = models.PositiveSmallIntegerField(default=0)  # percent_off: 1–99
    cap_fen = models.BigIntegerField(default=0)  # percent_off: at most this off (0: no cap)
    claim_starts_at = models.DateTimeField()
    claim_ends_at = models.DateTimeField()
    # A fixed use window, or `valid_days` from the claim.
    use_starts_at = models.DateTimeField(null=True, blank=True)
    use_ends_at = models.DateTimeField(null=True, blank=True)
    valid_days = models.PositiveSmallIntegerField(null=True, blank=True)
    total_quantity = models.PositiveIntegerField()
    per_buyer_limit = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(max_length=10, choices=CouponState.choices, default=CouponState.DRAFT)
    claimed_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    issued_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("优惠券")
        verbose_name_plural = pgettext_lazy("plural", "优惠券")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="coupon_kind_known"),
            models.CheckConstraint(
                condition=Q(discount_type__in=DiscountType.values), name="coupon_discount_type_known"
            ),
            models.CheckConstraint(
                condition=Q(state__in=[CouponState.DRAFT, CouponState.ACTIVE, CouponState.STOPPED]),
                name="coupon_state_known",
            ),
            # the total is never exceeded (claims take one with a conditional UPDATE)
            models.CheckConstraint(
                condition=Q(claimed_count__lte=F("total_quantity")), name="coupon_claims_within_total"
            ),
            models.CheckConstraint(
                condition=Q(kind=Kind.LIVE, live_room__isnull=False)
                | (~Q(kind=Kind.LIVE) & Q(live_room__isnull=True)),
                name="coupon_live_room_for_live_coupons",
            ),
            models.CheckConstraint(
                condition=Q(use_starts_at__isnull=False, use_ends_at__isnull=False, valid_days__isnull=True)
                | Q(use_starts_at__isnull=True, use_ends_at__isnull=True, valid_days__isnull=False),
                name="coupon_one_use_window",
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gte=0, threshold_fen__gte=0, cap_fen__gte=0, per_buyer_limit__gte=1),
                name="coupon_amounts_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["store", "state"])]

    def __str__(self) -> str:
        return self.name


class BuyerCoupon(models.Model):
    """A coupon a buyer claimed: usable (unused, or returned after its order was cancelled or
    refunded) from `valid_from` until `valid_until`; used by at most one order at a time."""

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="claims")
    buyer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="coupons")
    # The buyer's n-th claim of this coupon: (coupon, buyer, seq) is unique, so the per-buyer limit
    # holds in the database too.
    seq = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=10, choices=BuyerCouponState.choices, default=BuyerCouponState.UNUSED)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    claimed_at = models.DateTimeField()
    # The order that used it (kept after a return, so a late payment of that order takes it again).
    order = models.ForeignKey(Order, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    used_at = models.DateTimeField(null=True, blank=True)
    discount_fen = models.BigIntegerField(default=0)  # what it took off its order
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["valid_until", "id"]
        constraints = [
            models.UniqueConstraint(fields=["coupon", "buyer", "seq"], name="buyer_coupon_seq_once"),
            models.CheckConstraint(
                condition=Q(
                    state__in=[BuyerCouponState.UNUSED, BuyerCouponState.USED, BuyerCouponState.RETURNED]
                ),
                name="buyer_coupon_state_known",
            ),
            models.CheckConstraint(
                condition=~Q(state=BuyerCouponState.USED) | Q(order__isnull=False, used_at__isnull=False),
                name="buyer_coupon_used_by_an_order",
            ),
        ]
        indexes = [
            models.Index(fields=["buyer", "state", "valid_until"]),
            models.Index(fields=["order"]),
            models.Index(fields=["coupon", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.coupon_id}#{self.pk}"


class Campaign(models.Model):
    """A full-reduction campaign (满减活动): tiers of (threshold, amount off) over the products it
    names, applied automatically at checkout within its window."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(_("名称"), max_length=rules.NAME_MAX)
    products = models.ManyToManyField(Product, related_name="+")
    tiers = models.JSONField()  # [[threshold_fen, off_fen], ...], thresholds rising
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=CampaignState.choices, default=CampaignState.ACTIVE)
    created_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("满减活动")
        verbose_name_plural = pgettext_lazy("plural", "满减活动")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[CampaignState.ACTIVE, CampaignState.STOPPED]),
                name="campaign_state_known",
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="campaign_window_forward"),
        ]
        indexes = [models.Index(fields=["store", "state", "ends_at"])]

    def __str__(self) -> str:
        return self.name
