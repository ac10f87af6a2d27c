"""The orders pages' forms: they parse what buyers and merchants send; the rules live in the services.

A service refuses with a DomainError naming the input it objects to (`exc.field`, in the
service's words: `address.phone`, `line_ids`); `add_domain_error` shows the message next to that
field, or at the top of the form when the form has no such field.
"""

from datetime import date

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from xiaodian.core.errors import DomainError
from xiaodian.core.pagination import MAX_ID

from . import rules
from .rules import Scene
from .services import ShipRequest, ShipResult
from .sources import allowed as sources_allowed

# The listed carriers' names, offered as suggestions where any carrier name may be typed (a
# buyer's return shipment); an order ships with one chosen from rules.CARRIERS.
CARRIERS = tuple(carrier.name_zh for carrier in rules.CARRIERS.values())


def carrier_choices(blank: str = "") -> list[tuple[str, str]]:
    """The carriers as a select's choices, named in the active language, after a `blank` one."""
    language = get_language() or ""
    return [("", blank or _("选择快递公司"))] + [
        (code, rules.carrier_name(code, language)) for code in rules.CARRIERS
    ]


def _carrier_field(**kwargs) -> forms.ChoiceField:
    kwargs.setdefault("label", _("快递公司"))
    return forms.ChoiceField(choices=carrier_choices, **kwargs)


class OrdersForm(forms.Form):
    """A form that can show a service's refusal in place."""

    field_aliases: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_domain_error(self, exc: DomainError) -> None:
        name = self.field_aliases.get(exc.field, exc.field) if exc.field else None
        self.add_error(name if name in self.fields else None, exc.message)


def _id_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class CartAddForm(forms.Form):
    """The product page's buy form: a SKU, a quantity, and whether to buy it now."""

    sku_id = _id_field(error_messages={"required": _("请先选择规格。")})
    quantity = forms.IntegerField(min_value=1, max_value=rules.QUANTITY_MAX, required=False)
    buy_now = forms.BooleanField(required=False)
    action = forms.CharField(required=False)  # the product page's two buttons: "cart" | "buy"

    def wants_checkout(self) -> bool:
        return self.cleaned_data["buy_now"] or self.cleaned_data["action"] == "buy"


class QuantityForm(OrdersForm):
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=rules.QUANTITY_MAX)


def scene_of(*sources) -> dict:
    """The scene and source a purchase started from (`scene`, `source_type`, `source_id`), from the
    first source that carries a scene; a missing or malformed value falls back to 1 (other), and
    a source its scene does not allow is dropped."""
    for data in sources:
        if data and data.get("scene"):
            break
    else:
        return {"scene": Scene.OTHER, "source_type": "", "source_id": None}
    try:
        scene = int(data.get("scene"))
    except (TypeError, ValueError):
        scene = Scene.OTHER
    source_type = (data.get("source_type") or "").strip()
    try:
        source_id = int(data.get("source_id") or 0) or None
    except (TypeError, ValueError):
        source_id = None
    scene = scene if scene in Scene.values else Scene.OTHER
    if not sources_allowed(scene, source_type):  # a source that cannot go with the scene is dropped
        source_type, source_id = "", None
    return {
        "scene": scene,
        "source_type": source_type,
        "source_id": source_id if source_id is None or 1 <= source_id <= MAX_ID else None,
    }


class CheckoutForm(OrdersForm):
    """Where to send the order: a saved address, or a new one (saved for next time)."""

    NEW = "new"

    key = forms.CharField(widget=forms.HiddenInput, max_length=rules.IDEMPOTENCY_KEY_MAX)
    address_id = forms.ChoiceField(label=_("收货地址"), widget=forms.RadioSelect)
    recipient = forms.CharField(label=_("收货人"), max_length=rules.RECIPIENT_MAX, required=False)
    phone = forms.CharField(
        label=_("手机号"),
        max_length=rules.PHONE_MAX,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    region = forms.CharField(
        label=_("省市区"),
        max_length=rules.REGION_MAX,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：上海市浦东新区")}),
    )
    detail = forms.CharField(label=_("详细地址"), max_length=rules.DETAIL_MAX, required=False)
    note = forms.CharField(
        label=_("给商家留言"),
        max_length=rules.NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("选填：送货时间、包装要求等")}),
    )

    field_aliases = {f"address.{name}": name for name in ("recipient", "phone", "region", "detail")}
    field_aliases["address_id"] = "address_id"
    field_aliases["address"] = "recipient"

    def __init__(self, *args, addresses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address_id"].choices = [
            (str(a.pk), f"{a.recipient} {a.phone} · {a.region}{a.detail}") for a in addresses
        ] + [(self.NEW, _("使用新地址"))]
        if not self.is_bound:
            self.initial.setdefault("address_id", str(addresses[0].pk) if addresses else self.NEW)
        self.fields["note"].help_text = _("最多 %(n)d 个字，商家在订单里看得到。") % {"n": rules.NOTE_MAX}

    def new_address_fields(self):
        return [self[name] for name in ("recipient", "phone", "region", "detail")]

    def clean(self):
        data = super().clean()
        if data.get("address_id") == self.NEW:
            for name in ("recipient", "phone", "region", "detail"):
                if not data.get(name, "").strip() and name not in self.errors:
                    self.add_error(name, _("请填写%(field)s。") % {"field": self.fields[name].label})
        return data

    def address_kwargs(self) -> dict:
        """`address=` or `address_id=` for `services.place_order`."""
        data = self.cleaned_data
        if data["address_id"] == self.NEW:
            return {"address": {name: data[name] for name in ("recipient", "phone", "region", "detail")}}
        return {"address_id": int(data["address_id"])}


class ShipForm(OrdersForm):
    """Ship an order: carrier and tracking number; tick lines to ship only those (a partial shipment)."""

    carrier = _carrier_field()
    tracking_no = forms.CharField(
        label=_("运单号"),
        max_length=rules.TRACKING_NO_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    line_ids = forms.TypedMultipleChoiceField(
        label=_("只发这些商品"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("都不选则发出全部未发货的商品。"),
    )

    def __init__(self, *args, order, **kwargs):
        kwargs.setdefault("prefix", f"ship-{order.pk}")
        super().__init__(*args, **kwargs)
        self.order = order
        unshipped = [line for line in order.lines.all() if line.to_ship > 0]
        self.fields["line_ids"].choices = [(line.pk, f"{line.title} × {line.quantity}") for line in unshipped]
        if len(unshipped) < 2:  # nothing to choose between
            del self.fields["line_ids"]

    def ship_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "carrier": data["carrier"],
            "tracking_no": data["tracking_no"],
            "line_ids": data.get("line_ids") or None,
        }


class BulkShipForm(OrdersForm):
    """Ship several orders at once (each all its remaining units): tick them, give each a tracking
    number, and one carrier for all (or each its own). A missing choice or number refuses the
    whole form; what the service refuses is per order (`services.ship_orders`)."""

    pick = forms.TypedMultipleChoiceField(
        label=_("选择订单"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    carrier = _carrier_field(label=_("快递公司（全部）"), required=False)

    def __init__(self, *args, orders, **kwargs):
        kwargs.setdefault("prefix", "bulk")
        super().__init__(*args, **kwargs)
        self.orders = list(orders)
        self.results: dict[int, ShipResult] = {}  # by order id, once the service has shipped them
        self.fields["pick"].choices = [(order.pk, order.number) for order in self.orders]
        for order in self.orders:
            self.fields[f"carrier_{order.pk}"] = _carrier_field(required=False)
            self.fields[f"carrier_{order.pk}"].choices = carrier_choices(blank=_("同上"))
            self.fields[f"tracking_no_{order.pk}"] = forms.CharField(
                label=_("运单号"),
                max_length=rules.TRACKING_NO_MAX,
                required=False,
                widget=forms.TextInput(attrs={"autocomplete": "off"}),
            )

    def clean(self):
        data = super().clean()
        picked = data.get("pick") or []
        if not picked and "pick" not in self.errors:
            self.add_error("pick", _("请勾选要发货的订单。"))
        if len(picked) > rules.BULK_SHIP_MAX:
            self.add_error("pick", _("一次可发 1–%(n)d 个订单。") % {"n": rules.BULK_SHIP_MAX})
        for pk in picked:
            if not (data.get(f"carrier_{pk}") or data.get("carrier")):
                self.add_error(f"carrier_{pk}", _("请选择快递公司。"))
            if not data.get(f"tracking_no_{pk}", "").strip():
                self.add_error(f"tracking_no_{pk}", _("请填写运单号。"))
        return data

    def requests(self) -> list[ShipRequest]:
        data = self.cleaned_data
        return [
            ShipRequest(
                order_id=pk,
                carrier=data.get(f"carrier_{pk}") or data["carrier"],
                tracking_no=data[f"tracking_no_{pk}"],
            )
            for pk in data["pick"]
        ]

    def rows(self) -> list[dict]:
        """One row per order offered, with its fields and (once shipped) its result, for the template."""
        return [
            {
                "order": order,
                "carrier": self[f"carrier_{order.pk}"],
                "tracking_no": self[f"tracking_no_{order.pk}"],
                "result": self.results.get(order.pk),
            }
            for order in self.orders
        ]


TABS = (
    ("", _("全部"), None),
    ("unpaid", _("待付款"), (rules.Status.UNPAID,)),
    ("to_ship", _("待发货"), (rules.Status.TO_SHIP, rules.Status.PARTLY_SHIPPED)),
    ("shipped", _("待收货"), (rules.Status.SHIPPED,)),
    ("completed", _("已完成"), (rules.Status.COMPLETED,)),
    (
        "cancelled",
        _("已取消"),
        (rules.Status.CANCELLED_OVERSOLD, rules.Status.CANCELLED_REFUNDED, rules.Status.CANCELLED_UNPAID),
    ),
)
TAB_STATUSES = {key: statuses for key, _label, statuses in TABS}


class OrderFilterForm(OrdersForm):
    """The order lists' status tab and date range (dates in Shanghai)."""

    tab = forms.ChoiceField(choices=[(key, label) for key, label, _s in TABS], required=False)
    # The same bounds as the API's SafeDate: a day far enough from year 1 and 9999 to convert.
    date_from = forms.DateField(
        label=_("开始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[MinValueValidator(date(1970, 1, 1)), MaxValueValidator(date(9998, 12, 31))],
    )
    date_to = forms.DateField(
        label=_("结束日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[MinValueValidator(date(1970, 1, 1)), MaxValueValidator(date(9998, 12, 31))],
    )

    def criteria(self) -> dict:
        """The selector's filters; a malformed value is left out (and shown next to its field)."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "statuses": TAB_STATUSES.get(data.get("tab") or ""),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }


class StoreOrderFilterForm(OrderFilterForm):
    """The store's order list adds the ship-by filter: still to ship, nearly late, late."""

    ship = forms.ChoiceField(
        label=_("发货时限"),
        required=False,
        choices=[
            ("", _("全部")),
            ("waiting", _("待发货（按截止时间）")),
            ("nearly", _("即将超时")),
            ("late", _("已超时")),
        ],
    )

    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=rules.SEARCH_MAX,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("订单号、买家手机号或姓名")}),
    )

    def criteria(self) -> dict:
        criteria = super().criteria()
        criteria["ship"] = self.cleaned_data.get("ship") or ""
        criteria["q"] = self.cleaned_data.get("q") or ""
        return criteria
