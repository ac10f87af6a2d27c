from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import (
    NotificationLog,
    NotificationReceipt,
    Payment,
    Refund,
    Transfer,
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
    fields = (
        "out_refund_no",
        "amount_fen",
        "status",
        "attempts",
        "last_attempt_at",
        "failure",
        "gave_up",
        "next_retry_at",
        "refund_id",
        "reason",
        "created_at",
    )
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
    """Every refund with where it stands: status, how many attempts, why the last one failed, when
    it was last submitted and when it is retried (or that it was given up)."""

    list_display = (
        "out_refund_no",
        "payment",
        "amount_fen",
        "status",
        "attempts",
        "last_attempt_at",
        "failure",
        "gave_up",
        "next_retry_at",
        "succeeded_at",
    )
    list_filter = ("status", "gave_up")
    search_fields = ("out_refund_no", "refund_id", "payment__out_trade_no")
    list_select_related = ("payment",)
    actions = ["retry_now"]

    def has_retry_permission(self, request) -> bool:
        return request.user.is_superuser

    @admin.action(description=_("立即重新提交所选的失败退款"), permissions=["retry"])
    def retry_now(self, request, queryset):
        failed = list(queryset.filter(status="failed").order_by("pk"))
        succeeded = sum(services.retry_failed_refund(refund).status == "succeeded" for refund in failed)
        self.message_user(
            request,
            ngettext(
                "已重新提交 %(count)d 笔退款，%(succeeded)d 笔已成功。",
                "已重新提交 %(count)d 笔退款，%(succeeded)d 笔已成功。",
                len(failed),
            )
            % {"count": len(failed), "succeeded": succeeded},
            messages.SUCCESS if succeeded == len(failed) else messages.WARNING,
        )


@admin.register(NotificationReceipt)
class NotificationReceiptAdmin(ReadOnlyAdmin):
    list_display = ("notification_id", "event_type", "payment", "refund", "received_at")
    search_fields = ("notification_id", "payment__out_trade_no", "refund__out_refund_no")
    list_select_related = ("payment", "refund")


@admin.register(NotificationLog)
class NotificationLogAdmin(ReadOnlyAdmin):
    list_display = (
        "received_at",
        "notification_id",
        "event_type",
        "outcome",
        "code",
        "out_trade_no",
        "out_refund_no",
        "out_bill_no",
    )
    list_filter = ("outcome", "code", "event_type")
    search_fields = ("notification_id", "out_trade_no", "out_refund_no", "out_bill_no")


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    """商家转账 transfers (withdrawals): they change only through WeChat Pay's answers."""

    list_display = (
        "out_bill_no",
        "amount_fen",
        "payee_openid",
        "state",
        "fail_reason",
        "created_at",
        "finished_at",
    )
    list_filter = ("state",)
    search_fields = ("out_bill_no", "transfer_bill_no", "payee_openid")
