"""Operators look at the alliance here, read-only: every change goes through the services."""

from django.contrib import admin

from .models import Plan, Promoter, StoreAlliance


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StoreAlliance)
class StoreAllianceAdmin(ReadOnly):
    list_display = ("store", "enabled_by", "enabled_at")


@admin.register(Plan)
class PlanAdmin(ReadOnly):
    list_display = (
        "id",
        "store",
        "product",
        "kind",
        "commission_ratio_ppm",
        "service_ratio_ppm",
        "starts_at",
        "ends_at",
        "stopped_at",
    )
    list_filter = ("kind",)
    list_select_related = ("store", "product")


@admin.register(Promoter)
class PromoterAdmin(ReadOnly):
    list_display = ("id", "name", "kind", "user", "created_at")
    list_filter = ("kind",)
    list_select_related = ("user",)
