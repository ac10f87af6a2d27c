from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import services
from .models import BrandAuthorization, Category, PlatformRules, Store, StoreDeposit, StoreStaff


@admin.register(PlatformRules)
class PlatformRulesAdmin(admin.ModelAdmin):
    """One row of live rules; edits apply to the next request, no deploy."""

    list_display = (
        "__str__",
        "enterprise_store_limit",
        "individual_store_limit",
        "upgrade_deadline",
        "updated_at",
    )

    def has_add_permission(self, request):
        return not PlatformRules.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "deposit_fen", "sort_order", "is_active")
    list_filter = ("is_active", "parent")
    search_fields = ("name",)


class StaffInline(admin.TabularInline):
    model = StoreStaff
    extra = 0
    raw_id_fields = ("user",)


class DepositInline(admin.TabularInline):
    model = StoreDeposit
    extra = 0
    readonly_fields = (
        "category",
        "amount_fen",
        "status",
        "transaction_id",
        "refund_id",
        "paid_at",
        "refunded_at",
    )
    can_delete = False


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "state", "subject", "main_category", "is_legacy_video", "upgraded_at")
    list_filter = ("kind", "state", "is_legacy_video")
    search_fields = ("name", "subject__name", "subject__licence_number")
    readonly_fields = ("name_key", "created_at", "opened_at", "closed_at")
    raw_id_fields = ("subject",)
    inlines = [StaffInline, DepositInline]


@admin.register(BrandAuthorization)
class BrandAuthorizationAdmin(admin.ModelAdmin):
    list_display = ("brand", "subject", "certificate_number", "status", "reviewed_by", "reviewed_at")
    list_filter = ("status",)
    search_fields = ("brand", "subject__name", "certificate_number")
    readonly_fields = ("status", "reviewed_by", "reviewed_at", "created_at")
    raw_id_fields = ("subject",)
    actions = ["approve", "reject"]

    def _review(self, request, queryset, approve):
        for authorization in queryset:
            services.review_brand_authorization(
                operator=request.user, authorization=authorization, approve=approve
            )
        self.message_user(request, _("已审核 %(n)d 条品牌授权。") % {"n": queryset.count()}, messages.SUCCESS)

    @admin.action(description=_("通过"))
    def approve(self, request, queryset):
        self._review(request, queryset, True)

    @admin.action(description=_("驳回"))
    def reject(self, request, queryset):
        self._review(request, queryset, False)
