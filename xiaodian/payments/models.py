from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Purpose(models.TextChoices):
    CHECKOUT = "checkout", _("订单支付")
    DEPOSIT = "deposit", _("保证金")


class PaymentStatus(models.TextChoices):
    CREATED = "created", _("待支付")
    SUCCEEDED = "succeeded", _("已支付")
    CLOSED = "closed", _("已关闭")


class Channel(models.TextChoices):
    NATIVE = "native", _("扫码支付")
    JSAPI = "jsapi", _("JSAPI 支付")


class Payment(models.Model):
    """One WeChat Pay transaction: our `out_trade_no`, what it pays for, and its outcome."""

    out_trade_no = models.CharField(max_length=32, unique=True)
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    reference_id = models.BigIntegerField(help_text="Checkout or StoreDeposit id, by purpose")
    amount_fen = models.BigIntegerField()
    description = models.CharField(max_length=127)
    channel = models.CharField(max_length=8, default="native")  # "native" | "jsapi"
    status = models.CharField(max_length=12, choices=PaymentStatus.choices, default=PaymentStatus.CREATED)
    prepay_id = models.CharField(max_length=64, blank=True)
    code_url = models.CharField(max_length=256, blank=True)
    transaction_id = models.CharField(max_length=32, blank=True)
    payer_openid = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # When the sweep asks WeChat Pay about it next, if it is still unpaid (services.sweep).
    next_query_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("支付单")
        verbose_name_plural = pgettext_lazy("plural", "支付单")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payment_amount_positive"),
            models.UniqueConstraint(fields=["purpose", "reference_id"], name="one_payment_per_reference"),
        ]
        indexes = [models.Index(fields=["transaction_id"], name="payment_transaction_id")]

    def __str__(self) -> str:
        return self.out_trade_no


class RefundStatus(models.TextChoices):
    PROCESSING = "processing", _("退款中")
    SUCCEEDED = "succeeded", _("已退款")
    FAILED = "failed", _("退款失败")


class Refund(models.Model):
    """One refund of (part of) a payment, by our `out_refund_no` (WeChat's idempotency key).

    `processing` from the moment it is submitted until WeChat Pay's REFUND.* notification (or an
    answer, or a query) settles it: `succeeded`, or `failed` with the reason. A failed refund is
    submitted again automatically (rules.REFUND_RETRY_DELAYS, same out_refund_no) until it has
    been tried rules.REFUND_MAX_ATTEMPTS times; then `gave_up` is set and it stays failed until
    someone asks again. `attempts` counts the submissions."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    out_refund_no = models.CharField(max_length=64, unique=True)
    amount_fen = models.BigIntegerField()
    reason = models.CharField(max_length=80, blank=True)
    status = models.CharField(max_length=12, choices=RefundStatus.choices, default=RefundStatus.PROCESSING)
    refund_id = models.CharField(max_length=32, blank=True, help_text="WeChat Pay's refund id")
    failure = models.CharField(max_length=200, blank=True, help_text="Why the last attempt failed")
    attempts = models.PositiveIntegerField(default=0, help_text="Submissions to WeChat Pay so far")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # When the sweep asks WeChat Pay about it next, if it is still processing (services.sweep).
    next_query_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    next_retry_at = models.DateTimeField(
        null=True, blank=True, help_text="When the automatic retry of a failed refund runs"
    )
    gave_up = models.BooleanField(default=False, help_text="Failed, and no automatic retry is left")
    created_at = models.DateTimeField(auto_now_add=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("退款单")
        verbose_name_plural = pgettext_lazy("plural", "退款单")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(gave_up=False) | Q(status=RefundStatus.FAILED), name="refund_gave_up_only_failed"
            ),
            models.CheckConstraint(
                condition=~Q(status=RefundStatus.SUCCEEDED) | Q(succeeded_at__isnull=False),
                name="refund_succeeded_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "gave_up"], name="refund_status_gave_up")]

    def __str__(self) -> str:
        return self.out_refund_no


class TransferState(models.TextChoices):
    PROCESSING = "processing", _("转账中")
    SUCCEEDED = "succeeded", _("已转账")
    FAILED = "failed", _("转账失败")


class Transfer(models.Model):
    """One 商家转账 transfer bill to a payee's WeChat balance (a merchant's withdrawal), by our
    `out_bill_no` (WeChat Pay's idempotency key: one number, one bill, ever).

    `processing` from the moment it is recorded (before it is submitted) until WeChat Pay's
    MCHTRANSFER.BILL.FINISHED notification (or a query) settles it: `succeeded`, or `failed` with
    WeChat Pay's fail_reason. Both are final: a failed transfer is not submitted again (its
    money goes back to whoever asked, through `transfer_failed`); a new attempt is a new number."""

    out_bill_no = models.CharField(max_length=32, unique=True)
    amount_fen = models.BigIntegerField()
    payee_openid = models.CharField(max_length=64)
    remark = models.CharField(max_length=32)
    state = models.CharField(max_length=12, choices=TransferState.choices, default=TransferState.PROCESSING)
    transfer_bill_no = models.CharField(max_length=64, blank=True, help_text="WeChat Pay's bill number")
    fail_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(help_text="When it was last sent to WeChat Pay (or recorded)")
    # When the sweep asks WeChat Pay about it next, if it is still processing (services.sweep).
    next_query_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("转账单")
        verbose_name_plural = pgettext_lazy("plural", "转账单")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="transfer_amount_positive"),
            models.CheckConstraint(
                condition=Q(state=TransferState.PROCESSING) | Q(finished_at__isnull=False),
                name="transfer_finished_has_time",
            ),
        ]
        indexes = [models.Index(fields=["state", "submitted_at"], name="transfer_state_submitted")]

    def __str__(self) -> str:
        return self.out_bill_no


class NotificationReceipt(models.Model):
    """A notification that was applied. The unique `notification_id`, inserted in the same
    transaction as the state change, is what makes a redelivered notification a no-op."""

    notification_id = models.CharField(max_length=64, unique=True)
    event_type = models.CharField(max_length=40)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="receipts", null=True)
    refund = models.ForeignKey(
        Refund, on_delete=models.PROTECT, related_name="receipts", null=True, blank=True
    )
    transfer = models.ForeignKey(
        Transfer, on_delete=models.PROTECT, related_name="receipts", null=True, blank=True
    )
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("已处理的支付通知")
        verbose_name_plural = pgettext_lazy("plural", "已处理的支付通知")

    def __str__(self) -> str:
        return self.notification_id


class NotificationOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("已处理")
    DUPLICATE = "duplicate", _("重复")
    REJECTED = "rejected", _("已拒绝")
    FAILED = "failed", _("处理失败")


class NotificationLog(models.Model):
    """Every notification that reached the endpoint, whatever became of it. No unique constraint on
    `notification_id`: a forged notification that borrows a genuine id must not block the genuine one."""

    notification_id = models.CharField(max_length=64, blank=True, db_index=True)
    event_type = models.CharField(max_length=40, blank=True)
    outcome = models.CharField(max_length=12, choices=NotificationOutcome.choices)
    code = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    out_trade_no = models.CharField(max_length=32, blank=True)
    out_refund_no = models.CharField(max_length=64, blank=True)
    out_bill_no = models.CharField(max_length=32, blank=True)
    headers = models.JSONField(default=dict)
    body = models.TextField(blank=True)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("支付通知日志")
        verbose_name_plural = pgettext_lazy("plural", "支付通知日志")

    def __str__(self) -> str:
        return f"{self.notification_id or '-'} {self.outcome}"
