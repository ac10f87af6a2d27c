"""The coupon pages' forms: they parse yuan and dates; the rules live in the services."""

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaodian.core import clock
from xiaodian.core.forms import DomainErrorForm, YuanField

from . import rules
from .rules import DiscountType


class CouponForm(DomainErrorForm):
    """A store coupon (product and live-room coupons through the API for now)."""

    field_aliases = {
        "amount_fen": "amount",
        "threshold_fen": "threshold",
        "cap_fen": "cap",
        "claim_ends_at": "claim_ends",
    }

    name = forms.CharField(label=_("名称"), max_length=rules.NAME_MAX)
    discount_type = forms.ChoiceField(label=_("优惠方式"), choices=DiscountType.choices)
    amount = YuanField(label=_("减多少（元）"), required=False, max_fen=rules.AMOUNT_MAX_FEN)
    threshold = YuanField(
        label=_("满多少可用（元，可不填）"), required=False, min_fen=0, max_fen=rules.AMOUNT_MAX_FEN
    )
    percent_off = forms.IntegerField(
        label=_("打折：减百分之几"), required=False, min_value=rules.PERCENT_MIN, max_value=rules.PERCENT_MAX
    )
    cap = YuanField(label=_("最多减（元，可不填）"), required=False, min_fen=0, max_fen=rules.AMOUNT_MAX_FEN)
    claim_ends = forms.DateTimeField(
        label=_("领取截止"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    valid_days = forms.IntegerField(
        label=_("领取后几天内可用"), min_value=1, max_value=rules.VALID_DAYS_MAX, initial=7
    )
    total_quantity = forms.IntegerField(label=_("发放总量"), min_value=1, max_value=rules.TOTAL_MAX)
    per_buyer_limit = forms.IntegerField(
        label=_("每人限领"), min_value=1, max_value=rules.PER_BUYER_MAX, initial=1
    )
    issue = forms.BooleanField(label=_("立即发放"), required=False, initial=True)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "kind": "store",
            "discount_type": data["discount_type"],
            "amount_fen": data.get("amount") or 0,
            "threshold_fen": data.get("threshold") or 0,
            "percent_off": data.get("percent_off") or 0,
            "cap_fen": data.get("cap") or 0,
            "claim_starts_at": clock.now() - timedelta(seconds=1),
            "claim_ends_at": data["claim_ends"],
            "valid_days": data["valid_days"],
            "total_quantity": data["total_quantity"],
            "per_buyer_limit": data["per_buyer_limit"],
            "issue": data["issue"],
        }
