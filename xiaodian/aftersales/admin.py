from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from xiaodian.core.errors import DomainError

from . import services
from .models import AfterSale, AfterSaleEvent, Dispute


class EventInline(admin.TabularInline):
    model = AfterSaleEvent
    extra = 0
    can_delete = False
    readonly_fields = ("from_state", "to_state", "actor", "note", "at")


@admin.register(AfterSale)
class AfterSaleAdmin(admin.ModelAdmin):
    """Read-only: requests change through their services; operators may resend a failed refund."""

    list_display = ("id", "order", "store", "kind", "quantity", "amount_fen", "state", "created_at")
    list_filter = ("state", "kind", "reason_code")
    search_fields = ("order__number", "out_refund_no", "store__name")
    inlines = [EventInline]
    actions = ["retry_refund"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in AfterSale._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("重新发起退款"))
    def retry_refund(self, request, queryset):
        for aftersale in queryset:
            try:
                services.retry_refund(operator=request.user, aftersale_id=aftersale.pk)
            except DomainError as exc:
                self.message_user(request, f"AS{aftersale.pk}: {exc.message}", messages.WARNING)


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    """Decisions are made on the dispute queue page (/ops/disputes/); this is the record."""

    list_display = ("id", "aftersale", "status", "decision", "decided_by", "created_at", "decided_at")
    list_filter = ("status", "decision")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Dispute._meta.fields]

    def has_add_permission(self, request):
        return False
