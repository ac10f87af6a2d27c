from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xiaodian.accounts.models import User
from xiaodian.orders.models import Order, OrderLine
from xiaodian.orders.rules import (
    CARRIER_MAX,
    DETAIL_MAX,
    PHONE_MAX,
    RECIPIENT_MAX,
    REGION_MAX,
    TRACKING_NO_MAX,
)
from xiaodian.stores.models import Store

from . import rules
from .rules import Kind, Reason, State


class AfterSale(models.Model):
    """One after-sale request on (part of) one order line."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="aftersales")
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="aftersales")
    buyer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="aftersales")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="aftersales")
    kind = models.CharField(_("售后类型"), max_length=10, choices=Kind.choices)
    reason_code = models.CharField(_("原因"), max_length=20, choices=Reason.choices)
    reason = models.CharField(_("说明"), max_length=rules.REASON_MAX, blank=True)
    quantity = models.PositiveIntegerField(_("数量"))
    units = models.JSONField(default=list, help_text="indexes of the line's units this request refunds")
    amount_fen = models.BigIntegerField(_("退款金额（分）"), default=0)
    state = models.CharField(
        _("状态"), max_length=32, choices=State.choices, default=State.MERCHANT_PROCESSING
    )
    created_at = models.DateTimeField()
    merchant_deadline = models.DateTimeField()
    reject_reason = models.CharField(max_length=rules.REASON_MAX, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    return_deadline = models.DateTimeField(null=True, blank=True)
    return_carrier = models.CharField(max_length=CARRIER_MAX, blank=True)
    return_tracking_no = models.CharField(max_length=TRACKING_NO_MAX, blank=True)
    return_shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    # db_default as well: the score bench writes after-sales rows in bulk, naming its columns
    return_to = models.JSONField(
        default=dict,
        db_default={},
        blank=True,
        help_text="the store's return address when the return was approved",
    )
    exchange_carrier = models.CharField(max_length=CARRIER_MAX, blank=True)
    exchange_tracking_no = models.CharField(max_length=TRACKING_NO_MAX, blank=True)
    # What the merchant agreed to refund when it is less than asked (null: the whole amount), and
    # why; the buyer may dispute the difference (docs/aftersales.md "Refunding less than asked").
    refund_fen = models.BigIntegerField(_("同意退款金额（分）"), null=True, blank=True)
    short_reason = models.CharField(
        _("少退原因"), max_length=rules.REASON_MAX, blank=True, default="", db_default=""
    )
    # The amount of the refund submitted under `out_refund_no` (the agreed amount, or a top-up)
    refund_due_fen = models.BigIntegerField(null=True, blank=True)
    out_refund_no = models.CharField(max_length=64, unique=True, null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    restocked_quantity = models.PositiveIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("售后单")
        verbose_name_plural = pgettext_lazy("plural", "售后单")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="aftersale_quantity_positive"),
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="aftersale_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(refund_fen__isnull=True) | Q(refund_fen__gte=1, refund_fen__lte=F("amount_fen")),
                name="aftersale_refund_within_amount",
            ),
            models.CheckConstraint(condition=Q(state__in=State.values), name="aftersale_state_known"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="aftersale_kind_known"),
        ]
        indexes = [
            models.Index(fields=["line", "state"]),
            models.Index(fields=["store", "state", "-created_at"]),
            models.Index(fields=["buyer", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"AS{self.pk} {self.kind} {self.state}"

    @property
    def short(self) -> bool:
        """The merchant agreed to refund less than asked."""
        return self.refund_fen is not None and self.refund_fen < self.amount_fen

    @property
    def dispute_opens_at(self):
        """When the buyer's 7 days to dispute started: the rejection, or the arrival of a refund
        of less than asked. None when there is nothing to dispute."""
        if self.state in (State.MERCHANT_REJECT_REFUND, State.MERCHANT_REJECT_RETURN):
            return self.rejected_at
        if self.short and self.state in rules.SUCCEEDED:
            return self.refunded_at
        return None


class ReturnAddress(models.Model):
    """Where a store takes returned goods; one is the default. An approved return keeps a copy
    (`AfterSale.return_to`), so editing the list later changes no request under way."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="return_addresses")
    recipient = models.CharField(_("收件人"), max_length=RECIPIENT_MAX)
    phone = models.CharField(_("手机号"), max_length=PHONE_MAX)
    region = models.CharField(_("省市区"), max_length=REGION_MAX)
    detail = models.CharField(_("详细地址"), max_length=DETAIL_MAX)
    is_default = models.BooleanField(_("默认地址"), default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-is_default", "-id"]
        verbose_name = _("退货地址")
        verbose_name_plural = pgettext_lazy("plural", "退货地址")
        constraints = [
            models.UniqueConstraint(
                fields=["store"], condition=Q(is_default=True), name="one_default_return_address_per_store"
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.region}{self.detail}"

    def snapshot(self) -> dict:
        return {
            "recipient": self.recipient,
            "phone": self.phone,
            "region": self.region,
            "detail": self.detail,
        }


class AfterSaleImage(models.Model):
    aftersale = models.ForeignKey(AfterSale, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="aftersales/%Y/%m/")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class AfterSaleEvent(models.Model):
    """The request's history: every state change, who made it and when."""

    aftersale = models.ForeignKey(AfterSale, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32)
    actor = models.CharField(max_length=20)  # buyer | merchant | system | platform | payment
    note = models.CharField(max_length=rules.REASON_MAX, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"


class Dispute(models.Model):
    """The buyer asks the platform to arbitrate a rejected request; operators decide."""

    aftersale = models.OneToOneField(AfterSale, on_delete=models.CASCADE, related_name="dispute")
    statement = models.TextField(_("申诉说明"), max_length=rules.EVIDENCE_TEXT_MAX)
    status = models.CharField(
        max_length=10, choices=rules.DisputeStatus.choices, default=rules.DisputeStatus.OPEN
    )
    merchant_statement = models.TextField(
        _("商家答复"), max_length=rules.EVIDENCE_TEXT_MAX, blank=True, default="", db_default=""
    )
    merchant_answered_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=10, choices=rules.Decision.choices, blank=True)
    decision_note = models.CharField(max_length=rules.EVIDENCE_TEXT_MAX, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("售后纠纷")
        verbose_name_plural = pgettext_lazy("plural", "售后纠纷")

    def __str__(self) -> str:
        return f"dispute on AS{self.aftersale_id}"


class DisputeEvidence(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="evidence")
    side = models.CharField(max_length=10, choices=rules.Side.choices, default=rules.Side.BUYER)
    image = models.ImageField(upload_to="disputes/%Y/%m/")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class PeriodEnd(models.Model):
    """A line whose after-sale period ended with nothing open on it: written once (the line is
    unique), in the transaction that emits `aftersale_period_ended`, so the event goes out once."""

    line = models.OneToOneField(OrderLine, on_delete=models.PROTECT, related_name="aftersale_period_end")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(_("售后期结束于"))

    class Meta:
        verbose_name = _("售后期结束")
        verbose_name_plural = _("售后期结束")

    def __str__(self) -> str:
        return f"line {self.line_id} · {self.ended_at:%Y-%m-%d %H:%M}"
