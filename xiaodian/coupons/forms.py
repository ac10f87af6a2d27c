"""The coupon pages' forms: they parse yuan and dates; the rules live in the services."""

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaodian.core import clock
from xiaodian.core.forms import DomainErrorForm, YuanField

from . import rules
from .rules import DiscountType, Kind


def _choices(products, rooms) -> tuple[list, list]:
    product_choices = [(p.pk, p.title) for p in products]
    room_choices = [(r.pk, f"{r.title} · {r.get_state_display()}") for r in rooms]
    return product_choices, room_choices


class CouponForm(DomainErrorForm):
    """A coupon: the store's, some of its products' (`product_ids`), or a live room's
    (`live_room_id`: a room of a video account bound to the store, not ended)."""

    field_aliases = {
        "amount_fen": "amount",
        "threshold_fen": "threshold",
        "cap_fen": "cap",
        "claim_ends_at": "claim_ends",
    }

    name = forms.CharField(label=_("名称"), max_length=rules.NAME_MAX)
    kind = forms.ChoiceField(label=_("券类型"), choices=Kind.choices, initial=Kind.STORE, required=False)
    product_ids = forms.TypedMultipleChoiceField(
        label=_("适用商品（商品券）"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    live_room_id = forms.TypedChoiceField(
        label=_("直播间（直播券）"), coerce=int, required=False, empty_value=None
    )
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

    def __init__(self, *args, products=(), rooms=(), **kwargs):
        super().__init__(*args, **kwargs)
        product_choices, room_choices = _choices(products, rooms)
        self.fields["product_ids"].choices = product_choices
        self.fields["live_room_id"].choices = [("", _("不指定")), *room_choices]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kind = data["kind"] or Kind.STORE
        return {
            "name": data["name"],
            "kind": kind,
            "product_ids": data["product_ids"] if kind == Kind.PRODUCT else None,
            "live_room_id": data["live_room_id"] if kind == Kind.LIVE else None,
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


TIER_ROWS = 3  # tiers on the page (the API takes up to rules.TIERS_MAX)


class CampaignForm(DomainErrorForm):
    """A full-reduction campaign (满减活动) over some of the store's products, from now until
    `ends_at`, with up to TIER_ROWS tiers (满 X 减 Y; empty rows are left out)."""

    field_aliases = {"ends_at": "ends", "tiers": "threshold_1"}

    name = forms.CharField(label=_("活动名称"), max_length=rules.NAME_MAX)
    product_ids = forms.TypedMultipleChoiceField(
        label=_("参加活动的商品"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    ends = forms.DateTimeField(
        label=_("活动结束"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product_ids"].choices, _rooms = _choices(products, ())
        for n in range(1, TIER_ROWS + 1):
            self.fields[f"threshold_{n}"] = YuanField(
                label=_("第 %(n)d 档：满（元）") % {"n": n}, required=n == 1, max_fen=rules.AMOUNT_MAX_FEN
            )
            self.fields[f"off_{n}"] = YuanField(
                label=_("减（元）"), required=n == 1, max_fen=rules.AMOUNT_MAX_FEN
            )

    def tier_fields(self):
        return [(self[f"threshold_{n}"], self[f"off_{n}"]) for n in range(1, TIER_ROWS + 1)]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        tiers = []
        for n in range(1, TIER_ROWS + 1):
            threshold, off = data.get(f"threshold_{n}"), data.get(f"off_{n}")
            if threshold or off:
                tiers.append([threshold or 0, off or 0])
        return {
            "name": data["name"],
            "product_ids": data["product_ids"],
            "tiers": tiers,
            "starts_at": clock.now() - timedelta(seconds=1),
            "ends_at": data["ends"],
        }
