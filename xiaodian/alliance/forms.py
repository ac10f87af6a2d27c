"""The alliance pages' forms: they parse percent and yuan; the rules live in the services."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaodian.core.forms import DomainErrorForm, YuanField
from xiaodian.core.pagination import MAX_ID
from xiaodian.core.text import is_digits
from xiaodian.ledger.forms import WithdrawForm

from . import rules
from .rules import PlanKind, PromoterKind

_PERCENT = {"min_value": Decimal(0), "max_value": Decimal(90), "max_digits": 6, "decimal_places": 4}


def ppm(percent: Decimal | None) -> int | None:
    return None if percent is None else int(percent * rules.PPM / 100)


class PlanForm(DomainErrorForm):
    field_aliases = {
        "product_ids": "products",
        "commission_ratio_ppm": "commission",
        "service_ratio_ppm": "service",
        "promoter_ids": "promoters",
    }

    products = forms.TypedMultipleChoiceField(label=_("商品（最多 20 个）"), coerce=int)
    kind = forms.TypedChoiceField(
        label=_("计划类型"), choices=PlanKind.choices, coerce=int, initial=PlanKind.OPEN
    )
    commission = forms.DecimalField(label=_("佣金比例（%）"), **_PERCENT)
    service = forms.DecimalField(
        label=_("机构服务费比例（%）"),
        required=False,
        help_text=_("通过机构推广时另付给机构；0–90%。"),
        **_PERCENT,
    )
    ends_at = forms.DateTimeField(
        label=_("结束时间（可不填）"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    promoters = forms.CharField(
        label=_("指定推客编号"),
        required=False,
        help_text=_("定向、专属推广：推客编号，用逗号分隔，最多 30 个。"),
    )

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["products"].choices = [(p.pk, p.title) for p in products]

    def clean_promoters(self) -> list[int]:
        text = self.cleaned_data.get("promoters") or ""
        ids = [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]
        if not all(is_digits(i) and 1 <= int(i) <= MAX_ID for i in ids):
            raise forms.ValidationError(_("推客编号须为数字。"))
        return [int(i) for i in ids]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "product_ids": data["products"],
            "kind": data["kind"],
            "commission_ratio_ppm": ppm(data["commission"]),
            "service_ratio_ppm": ppm(data.get("service")) or 0,
            "ends_at": data.get("ends_at"),
            "promoter_ids": data["promoters"],
        }


class JoinForm(DomainErrorForm):
    kind = forms.ChoiceField(label=_("我是"), choices=PromoterKind.choices, initial=PromoterKind.CREATOR)
    name = forms.CharField(label=_("推客名称"), max_length=rules.NAME_MAX)
    video_account_id = forms.TypedChoiceField(
        label=_("视频号（达人必选）"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["video_account_id"].choices = [("", "—")] + [(a.pk, a.name) for a in accounts]


class LibraryFilterForm(forms.Form):
    category = forms.TypedChoiceField(label=_("类目"), coerce=int, required=False, empty_value=None)
    ratio_min = forms.DecimalField(label=_("佣金比例不低于（%）"), required=False, **_PERCENT)
    ratio_max = forms.DecimalField(label=_("佣金比例不高于（%）"), required=False, **_PERCENT)
    price_min = YuanField(label=_("价格不低于（元）"), required=False, min_fen=0, max_fen=10**10)
    price_max = YuanField(label=_("价格不高于（元）"), required=False, min_fen=0, max_fen=10**10)

    def __init__(self, *args, categories=(), **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("全部类目"))] + [(c.pk, c.name) for c in categories]

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "category_id": data.get("category"),
            "ratio_min_ppm": ppm(data.get("ratio_min")),
            "ratio_max_ppm": ppm(data.get("ratio_max")),
            "price_min_fen": data.get("price_min"),
            "price_max_fen": data.get("price_max"),
        }


class CommissionWithdrawForm(WithdrawForm):
    """The promoter center's withdraw form: settled commission to the promoter's own WeChat balance."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = _("从可提现佣金转到你的微信零钱；至少 1 元，每天最多 3 次。")
