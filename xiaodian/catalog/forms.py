"""The catalog's forms: they parse what merchants type; the rules live in the services.

A product's spec names (颜色, 尺码, …) are typed once on the product form; each SKU row holds the
values for those names, a price in yuan and a stock. `sku_input` turns the rows into the
`skus=[{specs, price_fen, stock}]` the services take, and `show_domain_error` puts a service's
refusal next to the field it names (`skus.2.price_fen` → row 3's price).
"""

from decimal import Decimal

from django import forms
from django.forms import formset_factory
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xiaodian.core.errors import DomainError
from xiaodian.core.money import FEN_PER_YUAN, yuan_to_fen
from xiaodian.core.text import is_digits

from . import rules

SPEC_SLOTS = tuple(range(1, rules.SPECS_MAX + 1))


class CatalogForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_domain_error(self, exc: DomainError, field: str | None = None) -> None:
        self.add_error(field if field in self.fields else None, exc.message)


class ProductForm(CatalogForm):
    title = forms.CharField(label=_("商品标题"), max_length=rules.TITLE_MAX)
    category_id = forms.TypedChoiceField(label=_("类目"), coerce=int, help_text=_("只能选择末级类目。"))
    description = forms.CharField(
        label=_("商品描述"),
        max_length=rules.DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    spec_name_1 = forms.CharField(label=_("规格名 1"), max_length=rules.SPEC_NAME_MAX, required=False)
    spec_name_2 = forms.CharField(label=_("规格名 2"), max_length=rules.SPEC_NAME_MAX, required=False)
    spec_name_3 = forms.CharField(label=_("规格名 3"), max_length=rules.SPEC_NAME_MAX, required=False)

    def __init__(self, *args, categories: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category_id"].choices = categories
        self.fields["spec_name_1"].help_text = _("如“颜色”“尺码”；没有多个规格就都留空。")
        for slot in SPEC_SLOTS:
            self.fields[f"spec_name_{slot}"].widget.attrs["placeholder"] = (_("颜色"), _("尺码"), _("款式"))[
                slot - 1
            ]

    def text_fields(self):
        return [self[name] for name in ("title", "category_id", "description")]

    def spec_fields(self):
        return [self[f"spec_name_{slot}"] for slot in SPEC_SLOTS]

    def spec_names(self) -> dict[int, str]:
        """slot → name, for the slots that have one (after `is_valid`)."""
        names = {slot: self.cleaned_data.get(f"spec_name_{slot}", "").strip() for slot in SPEC_SLOTS}
        return {slot: name for slot, name in names.items() if name}


class SkuForm(CatalogForm):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    expected_stock = forms.IntegerField(required=False, widget=forms.HiddenInput)
    value_1 = forms.CharField(label=_("规格值 1"), max_length=rules.SPEC_VALUE_MAX, required=False)
    value_2 = forms.CharField(label=_("规格值 2"), max_length=rules.SPEC_VALUE_MAX, required=False)
    value_3 = forms.CharField(label=_("规格值 3"), max_length=rules.SPEC_VALUE_MAX, required=False)
    price = forms.DecimalField(
        label=_("价格（元）"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal(rules.PRICE_MAX_FEN) / FEN_PER_YUAN,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    stock = forms.IntegerField(
        label=_("库存"),
        min_value=0,
        max_value=rules.STOCK_MAX,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def value_fields(self):
        return [self[f"value_{slot}"] for slot in SPEC_SLOTS]


SkuFormSet = formset_factory(
    SkuForm, extra=0, can_delete=True, max_num=rules.SKUS_MAX, validate_max=True, absolute_max=rules.SKUS_MAX
)
SKU_PREFIX = "skus"


def sku_initial(skus, spec_names: list[str]) -> list[dict]:
    """Rows for a product's SKUs; `expected_stock` remembers the stock the merchant was shown."""
    rows = []
    for sku in skus:
        values = [sku.specs.get(name, "") for name in spec_names]
        row = {
            "id": sku.pk,
            "expected_stock": sku.stock,
            "price": Decimal(sku.price_fen) / FEN_PER_YUAN,
            "stock": sku.stock,
        }
        row.update({f"value_{slot}": value for slot, value in zip(SPEC_SLOTS, values, strict=False)})
        rows.append(row)
    return rows


def spec_name_initial(spec_names: list[str]) -> dict:
    return {f"spec_name_{slot}": name for slot, name in zip(SPEC_SLOTS, spec_names, strict=False)}


def sku_input(product_form: ProductForm, formset) -> tuple[list[dict], list[SkuForm]] | None:
    """The service's `skus` and, row for row, the form each came from; None when a row is
    inconsistent with the spec names (the errors are then on the rows)."""
    names = product_form.spec_names()
    rows, sources, ok = [], [], True
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE") or (not form.has_changed() and not data.get("id")):
            continue
        for slot in SPEC_SLOTS:
            value = (data.get(f"value_{slot}") or "").strip()
            if slot in names and not value:
                form.add_error(f"value_{slot}", _("请填写“%(name)s”。") % {"name": names[slot]})
                ok = False
            elif slot not in names and value:
                form.add_error(f"value_{slot}", _("请先在上方填写规格名 %(slot)d。") % {"slot": slot})
                ok = False
        row = {
            "specs": {names[slot]: (data.get(f"value_{slot}") or "").strip() for slot in names},
            "price_fen": yuan_to_fen(data["price"]),
            "stock": data["stock"],
        }
        if data.get("id"):
            row["id"] = data["id"]
            row["expected_stock"] = data.get("expected_stock")
        rows.append(row)
        sources.append(form)
    return (rows, sources) if ok else None


_SKU_FIELDS = {"price_fen": "price", "stock": "stock", "expected_stock": "stock"}
_PRODUCT_FIELDS = {"title": "title", "description": "description", "category_id": "category_id"}


def show_domain_error(exc: DomainError, product_form: ProductForm, rows: list[SkuForm]) -> None:
    """Put a service's refusal where it belongs: a product field, a SKU row, or the top of the form."""
    parts = (exc.field or "").split(".")
    if parts[0] == "skus" and len(parts) >= 2 and is_digits(parts[1]) and int(parts[1]) < len(rows):
        row = rows[int(parts[1])]
        field = _SKU_FIELDS.get(parts[2]) if len(parts) > 2 else None
        row.add_domain_error(exc, field)
        return
    product_form.add_domain_error(exc, _PRODUCT_FIELDS.get(exc.field or ""))


class ImageForm(CatalogForm):
    # A plain file field: the service decides what a valid image is and says why it is not.
    image = forms.FileField(
        label=_("添加图片"),
        help_text=format_lazy(
            _("PNG、JPEG、GIF 或 WebP，不超过 {mb} MB，最多 {n} 张。"),
            mb=rules.IMAGE_MAX_BYTES // 2**20,
            n=rules.IMAGES_MAX,
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )
