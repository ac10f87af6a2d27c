from django.contrib import admin

from .models import SandboxRefund, SandboxTransaction, SandboxTransferBill


class ReadOnlyAdmin(admin.ModelAdmin):
    """The sandbox's records change only through its API and its pay page, as WeChat Pay's do."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
    list_display = (
        "out_refund_no",
        "trade",
        "amount_refund",
        "status",
        "submissions",
        "notify_attempts",
        "notified_at",
        "created_at",
    )
    list_filter = ("status",)
    search_fields = ("out_refund_no", "refund_id")
    list_select_related = ("trade",)


@admin.register(SandboxTransferBill)
class SandboxTransferBillAdmin(ReadOnlyAdmin):
    list_display = ("out_bill_no", "openid", "transfer_amount", "state", "fail_reason", "notified_at")
    list_filter = ("state",)
    search_fields = ("out_bill_no", "transfer_bill_no", "openid")
