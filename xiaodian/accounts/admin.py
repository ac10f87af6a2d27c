from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import ApiToken, Subject, User
from .rules import Verification


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (*DjangoUserAdmin.fieldsets, (_("资料"), {"fields": ("display_name", "avatar")}))
    list_display = ("username", "display_name", "is_staff", "is_active", "date_joined")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "name", "prefix", "key_hash", "created_at", "last_used_at")
    search_fields = ("user__username", "name", "prefix")

    def has_add_permission(self, request):
        return False  # tokens are issued to their user, who sees the secret once


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "licence_number", "owner", "verification", "created_at")
    list_filter = ("kind", "verification")
    search_fields = ("name", "licence_number", "owner__username")
    readonly_fields = ("verification", "verified_at", "created_at")
    actions = ["verify", "reject"]

    def _set(self, request, queryset, verification):
        for subject in queryset:
            services.set_subject_verification(
                operator=request.user, subject=subject, verification=verification
            )
        self.message_user(request, _("已更新 %(n)d 个主体。") % {"n": queryset.count()}, messages.SUCCESS)

    @admin.action(description=_("通过认证"))
    def verify(self, request, queryset):
        self._set(request, queryset, Verification.VERIFIED)

    @admin.action(description=_("驳回认证"))
    def reject(self, request, queryset):
        self._set(request, queryset, Verification.REJECTED)
