from django.contrib import admin

from .models import (
    NotificationLog,
    NotificationReceipt,
    Payment,
    Refund,
    SandboxRefund,
    SandboxTransaction,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Payment records change only through WeChat Pay and the payments services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = ("out_refund_no", "amount_fen", "status", "refund_id", "reason", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "out_trade_no",
        "purpose",
        "reference_id",
        "amount_fen",
        "channel",
        "status",
        "created_at",
        "paid_at",
    )
    list_filter = ("status", "purpose", "channel")
    search_fields = ("out_trade_no", "transaction_id", "=reference_id")
    inlines = [RefundInline]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("out_refund_no", "payment", "amount_fen", "status", "created_at", "succeeded_at")
    list_filter = ("status",)
    search_fields = ("out_refund_no", "refund_id", "payment__out_trade_no")
    list_select_related = ("payment",)


@admin.register(NotificationReceipt)
class NotificationReceiptAdmin(ReadOnlyAdmin):
    list_display = ("notification_id", "event_type", "payment", "received_at")
    search_fields = ("notification_id", "payment__out_trade_no")
    list_select_related = ("payment",)


@admin.register(NotificationLog)
class NotificationLogAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "notification_id", "event_type", "outcome", "code", "out_trade_no")
    list_filter = ("outcome", "code")
    search_fields = ("notification_id", "out_trade_no")


@admin.register(SandboxTransaction)
class SandboxTransactionAdmin(ReadOnlyAdmin):
    list_display = (
        "out_trade_no",
        "trade_type",
        "amount_total",
        "trade_state",
        "notify_attempts",
        "notified_at",
    )
    list_filter = ("trade_state", "trade_type")
    search_fields = ("out_trade_no", "transaction_id", "prepay_id")


@admin.register(SandboxRefund)
class SandboxRefundAdmin(ReadOnlyAdmin):
    list_display = ("out_refund_no", "trade", "amount_refund", "status", "created_at")
    search_fields = ("out_refund_no", "refund_id")
    list_select_related = ("trade",)
