"""Operators edit the score's formula here. Saving a change never edits a version: it saves the
next one (services.create_formula), so every stored score keeps the version it was made with.
Scores are read-only; an action recomputes the chosen stores now."""

import json

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from xiaodian.core.errors import DomainError

from . import services
from .models import Formula, StoreScore


class FormulaForm(forms.ModelForm):
    spec = forms.JSONField(
        label=_("公式"),
        widget=forms.Textarea(attrs={"rows": 18, "cols": 80}),
        help_text=_("维度 → {weight, metrics: 指标 → 权重}；维度权重之和为 1。保存即生成新版本。"),
    )

    class Meta:
        model = Formula
        fields = ("spec", "note")

    def clean_spec(self):
        try:
            return services.check_spec(self.cleaned_data["spec"])
        except DomainError as refused:
            raise forms.ValidationError(refused.message) from refused


@admin.register(Formula)
class FormulaAdmin(admin.ModelAdmin):
    form = FormulaForm
    list_display = ("version", "note", "created_by", "created_at")
    readonly_fields = ("version", "created_by", "created_at")

    def get_changeform_initial_data(self, request):
        newest = Formula.objects.order_by("-version").first()
        spec = newest.spec if newest else services.rules.DEFAULT_FORMULA
        return {"spec": json.dumps(spec, ensure_ascii=False, indent=2)}

    def save_model(self, request, obj, form, change):
        saved = services.create_formula(
            spec=form.cleaned_data["spec"], note=form.cleaned_data["note"], by=request.user
        )
        obj.__dict__.update(saved.__dict__)  # the admin's messages and redirect name the new version
        if change:
            messages.info(request, _("公式的修改已保存为新版本 v%(version)s。") % {"version": saved.version})

    def has_delete_permission(self, request, obj=None):
        return False


@admin.action(description=_("按最新公式重新计算所选店铺"), permissions=["recompute"])
def recompute(modeladmin, request, queryset):
    stores = {score.store for score in queryset.select_related("store")}
    for store in stores:
        services.recompute_store(store)
    messages.success(request, _("已重新计算 %(n)d 家店铺。") % {"n": len(stores)})


@admin.register(StoreScore)
class StoreScoreAdmin(admin.ModelAdmin):
    list_display = ("store", "as_of", "score", "qualifying_orders", "traffic_weight", "formula")
    list_filter = ("as_of", "formula")
    search_fields = ("store__name",)
    list_select_related = ("store", "formula")
    actions = [recompute]

    def has_recompute_permission(self, request):
        return request.user.has_perm("scoring.change_formula")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
