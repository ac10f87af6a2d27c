"""Operators' view of products: SKUs and images inline, and a ban action that goes through the service.

Read-only otherwise: a product's text, SKUs and stock change only through the catalog services
(which check contact details, spec consistency and stock), that is through the merchant's pages
and API."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from xiaodian.core.errors import DomainError

from . import services
from .models import SKU, Product, ProductImage


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SkuInline(ReadOnlyInline):
    model = SKU
    fields = ("specs", "price_fen", "stock", "is_active")


class ImageInline(ReadOnlyInline):
    model = ProductImage
    fields = ("image", "width", "height", "position")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("title", "store", "category", "state", "listed_at", "banned_at", "updated_at")
    list_filter = ("state",)
    search_fields = ("title", "store__name")
    list_select_related = ("store", "category")
    inlines = [SkuInline, ImageInline]
    actions = ["ban", "unban"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # view only; the ban action is the operators' write

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("封禁所选商品"), permissions=["view"])
    def ban(self, request, queryset):
        banned = skipped = 0
        for product in queryset.select_related("store"):
            try:
                services.ban_product(operator=request.user, product=product, reason=str(_("运营封禁")))
            except DomainError:
                skipped += 1
            else:
                banned += 1
        self.message_user(request, _("已封禁 %(n)d 个商品。") % {"n": banned}, messages.SUCCESS)
        if skipped:
            self.message_user(
                request, _("%(n)d 个商品已是封禁状态，未改动。") % {"n": skipped}, messages.WARNING
            )

    @admin.action(description=_("解封所选商品"), permissions=["view"])
    def unban(self, request, queryset):
        unbanned = skipped = 0
        for product in queryset.select_related("store"):
            try:
                services.unban_product(operator=request.user, product=product)
            except DomainError:
                skipped += 1
            else:
                unbanned += 1
        self.message_user(request, _("已解封 %(n)d 个商品。") % {"n": unbanned}, messages.SUCCESS)
        if skipped:
            self.message_user(
                request, _("%(n)d 个商品不是封禁状态，未改动。") % {"n": skipped}, messages.WARNING
            )
