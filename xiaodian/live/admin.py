"""Operators' view of live rooms: read-only lists (rooms, shelves and stock change only through the
services, which check ownership, prices and the flash-stock rule). Comments may be deleted, for
moderation."""

from django.contrib import admin

from .models import FlashHold, LiveComment, LiveRoom, ShelfItem


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ShelfInline(admin.TabularInline):
    model = ShelfItem
    fields = [
        "product",
        "sku",
        "live_price_fen",
        "flash_stock",
        "flash_stock_initial",
        "is_pinned",
        "removed_at",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LiveRoom)
class LiveRoomAdmin(ReadOnlyAdmin):
    list_display = ["title", "account", "state", "scheduled_at", "started_at", "ended_at"]
    list_filter = ["state"]
    list_select_related = ["account"]
    search_fields = ["title", "account__name"]
    inlines = [ShelfInline]


@admin.register(ShelfItem)
class ShelfItemAdmin(ReadOnlyAdmin):
    list_display = [
        "room",
        "product",
        "sku",
        "live_price_fen",
        "flash_stock",
        "flash_stock_initial",
        "is_pinned",
    ]
    list_select_related = ["room", "product", "sku"]
    list_filter = ["is_pinned"]


@admin.register(FlashHold)
class FlashHoldAdmin(ReadOnlyAdmin):
    list_display = ["item", "order", "quantity", "created_at", "released_at"]
    list_select_related = ["item", "order"]


@admin.register(LiveComment)
class LiveCommentAdmin(ReadOnlyAdmin):
    list_display = ["text", "user", "room", "created_at"]
    list_select_related = ["user", "room"]
    search_fields = ["text"]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_staff
