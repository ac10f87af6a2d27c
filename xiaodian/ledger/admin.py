"""Operators set the technical service fee rates here. Saving never edits a version: it saves the
next one (services.create_fee_schedule); every paid order keeps the rate it was charged."""

import json

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from xiaodian.core.errors import DomainError

from . import rules, services
from .models import FeeSchedule, Withdrawal


class FeeScheduleForm(forms.ModelForm):
    rates = forms.JSONField(
        label=_("类目费率"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 60}),
        help_text=_(
            "类目 id → 费率（百万分之一，20000 即百分之二）；未列出的类目用上级类目的，再用默认费率。"
        ),
    )

    class Meta:
        model = FeeSchedule
        fields = ("default_ppm", "rates", "note")

    def clean(self):
        cleaned = super().clean()
        rates = cleaned.get("rates") or {}
        if not isinstance(rates, dict):
            raise forms.ValidationError(_("类目费率须为 JSON 对象。"))
        try:
            services.check_fee_rates(default_ppm=cleaned.get("default_ppm"), rates=rates)
        except DomainError as refused:
            raise forms.ValidationError(refused.message) from refused
        return cleaned


@admin.register(FeeSchedule)
class FeeScheduleAdmin(admin.ModelAdmin):
    form = FeeScheduleForm
    list_display = ("version", "default_ppm", "note", "created_by", "created_at")
    readonly_fields = ("version", "created_by", "created_at")

    def get_changeform_initial_data(self, request):
        newest = FeeSchedule.objects.order_by("-version").first()
        return {
            "default_ppm": newest.default_ppm if newest else rules.DEFAULT_FEE_PPM,
            "rates": json.dumps(newest.rates if newest else {}),
        }

    def save_model(self, request, obj, form, change):
        saved = services.create_fee_schedule(
            default_ppm=form.cleaned_data["default_ppm"],
            rates=form.cleaned_data.get("rates") or {},
            note=form.cleaned_data.get("note") or "",
            by=request.user,
        )
        obj.__dict__.update(saved.__dict__)
        messages.info(request, _("费率已保存为新版本 v%(version)s。") % {"version": saved.version})

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Withdrawal)
class WithdrawalAdmin(admin.ModelAdmin):
    """Operators look up withdrawals (a merchant asks where the money is); the state moves only
    with its transfer's outcome, so nothing here is editable."""

    list_display = ("out_bill_no", "store", "amount_fen", "state", "requested_at", "finished_at")
    list_filter = ("state",)
    search_fields = ("out_bill_no", "store__name")
    list_select_related = ("store",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
