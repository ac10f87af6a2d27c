"""The after-sales pages' forms: they parse what buyers, merchants and operators send; the rules
live in the services.

A service refuses with a DomainError naming the input it objects to (`exc.field`, in the
service's words: `quantity`, `tracking_no`, `image`); `add_domain_error` shows the message next to
that field, or at the top of the form when the form has no such field.
"""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xiaodian.core.errors import DomainError
from xiaodian.core.forms import YuanField
from xiaodian.core.pagination import MAX_ID
from xiaodian.orders.rules import (
    CARRIER_MAX,
    DETAIL_MAX,
    PHONE_MAX,
    RECIPIENT_MAX,
    REGION_MAX,
    TRACKING_NO_MAX,
)

from . import rules
from .rules import Decision, DisputeStatus, Kind, Reason, State

REFUND_MAX_FEN = 10**12  # the field's own bound; the service holds the amount to what was asked

S = State
# The list pages' tabs: who acts next. Every state is in exactly one tab.
TABS = (
    ("", _("全部"), None),
    ("merchant", _("待商家处理"), rules.WAITING_FOR_MERCHANT),
    ("buyer", _("待买家处理"), (S.USER_WAIT_RETURN, S.USER_WAIT_CONFIRM)),
    (
        "refunding",
        _("退款中"),
        (
            S.MERCHANT_OVERDUE_REFUND,
            S.PLATFORM_REFUNDING,
            S.PLATFORM_REFUND_FAIL,
            S.MERCHANT_REFUND_RETRY_FAIL,
        ),
    ),
    ("rejected", _("商家已拒绝"), (S.MERCHANT_REJECT_REFUND, S.MERCHANT_REJECT_RETURN)),
    ("done", _("已完成"), (S.MERCHANT_REFUND_SUCCESS, S.MERCHANT_RETURN_SUCCESS)),
    ("closed", _("已关闭"), (S.USER_CANCELD, S.RETURN_CLOSED, S.MERCHANT_FAIL)),
)
TAB_STATES = {key: states for key, _label, states in TABS}
TAB_OF_STATE = {state: key for key, _label, states in TABS if states for state in states}
# The merchant's queue shows these first: the requests waiting for the merchant.
PENDING = TAB_STATES["merchant"]

DISPUTE_TABS = (
    (DisputeStatus.OPEN, DisputeStatus.OPEN.label),
    (DisputeStatus.DECIDED, DisputeStatus.DECIDED.label),
)


class AfterSalesForm(forms.Form):
    """A form that can show a service's refusal in place."""

    field_aliases: dict[str, str] = {"image": "images"}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_domain_error(self, exc: DomainError) -> None:
        name = self.field_aliases.get(exc.field, exc.field) if exc.field else None
        self.add_error(name if name in self.fields else None, exc.message)


def _images_help_now() -> str:
    return gettext("最多 %(n)d 张。") % {"n": rules.IMAGES_MAX}


_images_help = lazy(_images_help_now, str)  # in the reader's language, when shown


class MultipleImageInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.ImageField):
    """Several images in one file input; each must be an image Pillow can open (the service
    checks formats and sizes again)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": "image/*", "multiple": True}))
        kwargs.setdefault("help_text", _images_help())
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        one = super().clean
        return [one(f, initial) for f in files]


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class RequestForm(AfterSalesForm):
    """Ask for an after-sale on one order line."""

    type = forms.ChoiceField(
        label=_("售后类型"), choices=Kind.choices, widget=forms.RadioSelect, initial=Kind.REFUND
    )
    quantity = forms.IntegerField(label=_("数量"), min_value=1)  # its maximum is the line's quantity
    reason_code = forms.ChoiceField(label=_("原因"), choices=[("", _("请选择原因")), *Reason.choices])
    reason = forms.CharField(label=_("说明"), max_length=rules.REASON_MAX, required=False, widget=_textarea())
    images = MultipleImageField(label=_("图片凭证"), required=False)

    def __init__(self, *args, line, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quantity"] = forms.IntegerField(
            label=_("数量"),
            min_value=1,
            max_value=line.quantity,
            widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        )
        self.initial.setdefault("quantity", line.quantity)

    def request_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["type"],
            "quantity": data["quantity"],
            "reason_code": data["reason_code"],
            "reason": data["reason"],
        }


class ReturnShipForm(AfterSalesForm):
    """The buyer sends the goods back."""

    carrier = forms.CharField(
        label=_("快递公司"),
        max_length=CARRIER_MAX,
        widget=forms.TextInput(attrs={"list": "carriers", "autocomplete": "off"}),
    )
    tracking_no = forms.CharField(label=_("运单号"), max_length=TRACKING_NO_MAX)


class DisputeForm(AfterSalesForm):
    """The buyer asks the platform to arbitrate a rejection."""

    statement = forms.CharField(label=_("申诉说明"), max_length=rules.EVIDENCE_TEXT_MAX, widget=_textarea(4))
    images = MultipleImageField(label=_("证据图片"), required=False)


def _refund_fields() -> dict:
    """The amount to refund, in yuan (prefilled with what was asked), and why, when it is less."""
    return {
        "refund_fen": YuanField(label=_("退款金额（元）"), required=False, max_fen=REFUND_MAX_FEN),
        "short_reason": forms.CharField(
            label=_("少退原因"),
            required=False,
            max_length=rules.REASON_MAX,
            help_text=_("少于买家申请的金额时必填，买家会看到，并可申请平台介入。"),
        ),
    }


class ApproveForm(AfterSalesForm):
    """Agreeing to a request; a refund names its amount (less than asked, with a reason), a return
    or exchange where the goods go back."""

    return_address_id = forms.IntegerField(label=_("退货地址"), required=False, min_value=1, max_value=MAX_ID)
    # the service's `reason` is the form's `short_reason` (the reject form on the same card has a `reason`)
    field_aliases = {**AfterSalesForm.field_aliases, "reason": "short_reason"}

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        if kind == Kind.REFUND:
            self.fields.update(_refund_fields())

    def approve_kwargs(self) -> dict:
        return _service_kwargs(self, ("return_address_id", "refund_fen", "short_reason"))


class ReturnAddressForm(AfterSalesForm):
    recipient = forms.CharField(label=_("收件人"), max_length=RECIPIENT_MAX)
    phone = forms.CharField(label=_("手机号"), max_length=PHONE_MAX)
    region = forms.CharField(label=_("省市区"), max_length=REGION_MAX)
    detail = forms.CharField(label=_("详细地址"), max_length=DETAIL_MAX)
    is_default = forms.BooleanField(label=_("设为默认退货地址"), required=False)


class AnswerForm(AfterSalesForm):
    """The store's side of an open dispute."""

    statement = forms.CharField(label=_("答复说明"), max_length=rules.EVIDENCE_TEXT_MAX, widget=_textarea(4))
    images = MultipleImageField(label=_("证据图片"), required=False)


class ImagesForm(AfterSalesForm):
    images = MultipleImageField(label=_("图片"))


class RejectForm(AfterSalesForm):
    reason = forms.CharField(label=_("拒绝理由"), max_length=rules.REASON_MAX, widget=_textarea(2))


def _service_kwargs(form: AfterSalesForm, names: tuple[str, ...]) -> dict:
    """The cleaned fields the service takes, `short_reason` under the service's name `reason`."""
    return {
        "reason" if name == "short_reason" else name: form.cleaned_data[name]
        for name in names
        if name in form.fields
    }


class ReceivedForm(AfterSalesForm):
    """The returned goods arrived; for an exchange, the replacement ships with them."""

    field_aliases = {**AfterSalesForm.field_aliases, "reason": "short_reason"}

    carrier = forms.CharField(
        label=_("换货快递公司"),
        max_length=CARRIER_MAX,
        required=False,
        widget=forms.TextInput(attrs={"list": "carriers", "autocomplete": "off"}),
    )
    tracking_no = forms.CharField(label=_("换货运单号"), max_length=TRACKING_NO_MAX, required=False)

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        if kind != Kind.EXCHANGE:  # a return needs the receipt confirmed, and the amount refunded
            del self.fields["carrier"], self.fields["tracking_no"]
            self.fields.update(_refund_fields())

    def received_kwargs(self) -> dict:
        return _service_kwargs(self, ("carrier", "tracking_no", "refund_fen", "short_reason"))


class DecideForm(AfterSalesForm):
    decision = forms.ChoiceField(label=_("裁决"), choices=Decision.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("裁决说明"), max_length=rules.EVIDENCE_TEXT_MAX, required=False, widget=_textarea(2)
    )


class FilterForm(AfterSalesForm):
    """The list pages' tab (a group of states) or one exact state."""

    tab = forms.ChoiceField(choices=[(key, label) for key, label, _s in TABS], required=False)
    state = forms.ChoiceField(choices=[("", ""), *State.choices], required=False)

    def criteria(self) -> tuple[str | None, tuple | None]:
        """(state, states of the tab); a malformed value is left out."""
        self.is_valid()
        data = self.cleaned_data
        return data.get("state") or None, TAB_STATES.get(data.get("tab") or "")
