"""Operators' view of content: read-only lists. Content changes only through the services (which
sanitise bodies, check contact details and count with F())."""

from django.contrib import admin

from .models import Article, MiniProgram, OfficialAccount, Video, VideoAccount


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OfficialAccount)
class OfficialAccountAdmin(ReadOnlyAdmin):
    list_display = ["name", "owner", "follower_count", "created_at"]
    search_fields = ["name"]


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin):
    list_display = ["title", "account", "state", "published_at", "view_count", "like_count", "share_count"]
    list_filter = ["state"]
    list_select_related = ["account"]


@admin.register(VideoAccount)
class VideoAccountAdmin(ReadOnlyAdmin):
    list_display = ["name", "owner", "follower_count", "created_at"]
    search_fields = ["name"]


@admin.register(Video)
class VideoAdmin(ReadOnlyAdmin):
    list_display = ["title", "account", "state", "published_at", "view_count", "like_count", "share_count"]
    list_filter = ["state"]
    list_select_related = ["account"]


@admin.register(MiniProgram)
class MiniProgramAdmin(ReadOnlyAdmin):
    list_display = ["name", "app_id", "mall_path", "owner"]
    search_fields = ["name", "app_id"]
