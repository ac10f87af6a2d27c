"""The sandbox's own records: WeChat Pay's side of a transaction and of a refund (not the platform's
records, which are payments.Payment and payments.Refund).

These tables were created by payments' migrations 0001–0003 as `payments_sandbox*`; they moved here
with their rows (migrations/0001 and 0002, docs/decisions.md)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SandboxTradeState(models.TextChoices):
    NOTPAY = "NOTPAY", _("未支付")
    SUCCESS = "SUCCESS", _("支付成功")
    CLOSED = "CLOSED", _("已关闭")
    REFUND = "REFUND", _("转入退款")


class SandboxTransaction(models.Model):
    """A transaction as the local WeChat Pay sandbox keeps it (not the platform's record)."""

    mchid = models.CharField(max_length=32)
    appid = models.CharField(max_length=32)
    out_trade_no = models.CharField(max_length=32)
    trade_type = models.CharField(max_length=8)  # NATIVE | JSAPI
    prepay_id = models.CharField(max_length=64, unique=True)
    transaction_id = models.CharField(max_length=32, unique=True)
    description = models.CharField(max_length=127)
    amount_total = models.BigIntegerField()
    notify_url = models.CharField(max_length=256)
    attach = models.CharField(max_length=128, blank=True)
    payer_openid = models.CharField(max_length=128, blank=True)
    trade_state = models.CharField(
        max_length=8, choices=SandboxTradeState.choices, default=SandboxTradeState.NOTPAY
    )
    created_at = models.DateTimeField()
    success_time = models.DateTimeField(null=True, blank=True)
    notification_id = models.CharField(max_length=64, blank=True)
    notify_attempts = models.PositiveIntegerField(default=0)
    notified_at = models.DateTimeField(null=True, blank=True)
    # Switches for tests and the demo (services.fail_refunds / hold_refund_notifications).
    refund_failures_left = models.PositiveIntegerField(
        default=0, help_text="The next N refunds of this transaction end in refund_failure_status"
    )
    refund_failure_status = models.CharField(max_length=12, default="ABNORMAL")
    hold_refund_notifications = models.BooleanField(
        default=False, help_text="Settle refunds but do not deliver their notifications"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("沙箱交易")
        verbose_name_plural = pgettext_lazy("plural", "沙箱交易")
        constraints = [
            models.UniqueConstraint(
                fields=["mchid", "out_trade_no"], name="sandbox_one_trade_per_out_trade_no"
            ),
            models.CheckConstraint(condition=Q(amount_total__gt=0), name="sandbox_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.out_trade_no} {self.trade_state}"


class SandboxRefundStatus(models.TextChoices):
    PROCESSING = "PROCESSING", _("退款处理中")
    SUCCESS = "SUCCESS", _("退款成功")
    ABNORMAL = "ABNORMAL", _("退款异常")
    CLOSED = "CLOSED", _("退款关闭")


class SandboxRefund(models.Model):
    """A refund as the sandbox keeps it. It settles as soon as it is accepted (SUCCESS, or
    ABNORMAL / CLOSED when the transaction's failure switch says so) and its REFUND.* notification
    goes to `notify_url` like a payment's. Submitting a failed one again with the same
    out_refund_no processes it again, with a new notification id."""

    trade = models.ForeignKey(SandboxTransaction, on_delete=models.CASCADE, related_name="refunds")
    out_refund_no = models.CharField(max_length=64)
    refund_id = models.CharField(max_length=32, unique=True)
    amount_refund = models.BigIntegerField()
    reason = models.CharField(max_length=80, blank=True)
    status = models.CharField(
        max_length=12, choices=SandboxRefundStatus.choices, default=SandboxRefundStatus.SUCCESS
    )
    created_at = models.DateTimeField()
    success_time = models.DateTimeField(null=True, blank=True)
    submissions = models.PositiveIntegerField(default=1)
    notify_url = models.CharField(max_length=256, blank=True)
    notification_id = models.CharField(max_length=64, blank=True)
    notify_attempts = models.PositiveIntegerField(default=0)
    notified_at = models.DateTimeField(null=True, blank=True)

    # Not a column: `services.refund` says on the refund it answers whether this call accepted it.
    accepted: bool

    class Meta:
        ordering = ["-id"]
        verbose_name = _("沙箱退款")
        verbose_name_plural = pgettext_lazy("plural", "沙箱退款")
        constraints = [
            models.UniqueConstraint(
                fields=["trade", "out_refund_no"], name="sandbox_one_refund_per_out_refund_no"
            ),
            models.CheckConstraint(condition=Q(amount_refund__gt=0), name="sandbox_refund_positive"),
        ]

    def __str__(self) -> str:
        return self.out_refund_no


class SandboxTransferState(models.TextChoices):
    ACCEPTED = "ACCEPTED", _("转账已受理")
    PROCESSING = "PROCESSING", _("转账处理中")
    SUCCESS = "SUCCESS", _("转账成功")
    FAIL = "FAIL", _("转账失败")
    CANCELLED = "CANCELLED", _("转账已撤销")


class SandboxPayee(models.Model):
    """Switches for tests and the demo, per receiving openid (services.fail_transfers /
    hold_transfer_notifications): WeChat Pay's side of a user that is paid by transfers."""

    openid = models.CharField(max_length=64, unique=True)
    transfer_failures_left = models.PositiveIntegerField(
        default=0, help_text="The next N transfers to this openid end FAIL with transfer_fail_reason"
    )
    transfer_fail_reason = models.CharField(max_length=64, default="ACCOUNT_FROZEN")
    hold_transfer_notifications = models.BooleanField(
        default=False, help_text="Settle transfers but do not deliver their notifications"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("沙箱收款用户")
        verbose_name_plural = pgettext_lazy("plural", "沙箱收款用户")

    def __str__(self) -> str:
        return self.openid


class SandboxTransferBill(models.Model):
    """A 商家转账 transfer bill as the sandbox keeps it. It settles as soon as it is accepted
    (SUCCESS, or FAIL with a reason while the payee's failure switch is on) and its
    MCHTRANSFER.BILL.FINISHED notification goes to `notify_url`. The same out_bill_no answers the
    same bill, whatever its state (WeChat Pay never reuses a bill number)."""

    mchid = models.CharField(max_length=32)
    appid = models.CharField(max_length=32)
    out_bill_no = models.CharField(max_length=32)
    transfer_bill_no = models.CharField(max_length=64, unique=True)
    transfer_scene_id = models.CharField(max_length=16)
    openid = models.CharField(max_length=64)
    transfer_amount = models.BigIntegerField()
    transfer_remark = models.CharField(max_length=32)
    notify_url = models.CharField(max_length=256, blank=True)
    state = models.CharField(
        max_length=12, choices=SandboxTransferState.choices, default=SandboxTransferState.ACCEPTED
    )
    fail_reason = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    notification_id = models.CharField(max_length=64, blank=True)
    notify_attempts = models.PositiveIntegerField(default=0)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("沙箱转账单")
        verbose_name_plural = pgettext_lazy("plural", "沙箱转账单")
        constraints = [
            models.UniqueConstraint(fields=["mchid", "out_bill_no"], name="sandbox_one_bill_per_out_bill_no"),
            models.CheckConstraint(condition=Q(transfer_amount__gt=0), name="sandbox_transfer_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.out_bill_no} {self.state}"
