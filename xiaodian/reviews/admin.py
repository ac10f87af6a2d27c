"""Operators' view of reviews: read-only. A review, its follow-up and its reply change only through
the services (which check who writes, contact details and images)."""

from django.contrib import admin

from .models import FollowUp, Reply, Review, ReviewImage


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class FollowUpInline(ReadOnlyInline):
    model = FollowUp
    fields = ("text", "created_at")


class ReplyInline(ReadOnlyInline):
    model = Reply
    fields = ("text", "author", "created_at")


class ImageInline(ReadOnlyInline):
    model = ReviewImage
    fields = ("part", "image", "width", "height", "position")


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("pk", "product", "store", "rating", "created_at")
    list_filter = ("rating",)
    search_fields = ("text", "product__title", "store__name")
    list_select_related = ("product", "store")
    fields = ("line", "order", "product", "store", "buyer", "rating", "text", "created_at")
    inlines = [FollowUpInline, ReplyInline, ImageInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
