"""The catalog's forms: they parse what merchants type; the rules live in the services.

A product's spec names (颜色, 尺码, …) and each name's values ("红, 蓝") are typed once on the
product form; the SKU rows are their matrix, one row per combination (颜色 × 尺码), each with a
price in yuan and a stock. The browser builds the rows as the merchant types
(`static/catalog/sku-matrix.js`); without script, "生成规格表" asks the server (`matrix_initial`).
`sku_input` turns the rows into the `skus=[{specs, price_fen, stock}]` the services take, and
`show_domain_error` puts a service's refusal next to the field it names (`skus.2.price_fen` →
row 3's price).
"""

import itertools
import re
from decimal import Decimal

from django import forms
from django.forms import formset_factory
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xiaodian.core.errors import DomainError
from xiaodian.core.money import FEN_PER_YUAN, yuan_to_fen
from xiaodian.core.text import is_digits, normalize

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
    spec_values_1 = forms.CharField(label=_("规格值"), required=False)
    spec_name_2 = forms.CharField(label=_("规格名 2"), max_length=rules.SPEC_NAME_MAX, required=False)
    spec_values_2 = forms.CharField(label=_("规格值"), required=False)
    spec_name_3 = forms.CharField(label=_("规格名 3"), max_length=rules.SPEC_NAME_MAX, required=False)
    spec_values_3 = forms.CharField(label=_("规格值"), required=False)

    def __init__(self, *args, categories: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category_id"].choices = categories
        self.fields["spec_name_1"].help_text = _("如“颜色”“尺码”；没有多个规格就都留空。")
        examples = ((_("颜色"), _("红, 蓝")), (_("尺码"), _("S, M, L")), (_("款式"), _("长袖, 短袖")))
        for slot, (name, values) in zip(SPEC_SLOTS, examples, strict=True):
            self.fields[f"spec_name_{slot}"].widget.attrs.update(placeholder=name, **{"data-spec-name": slot})
            self.fields[f"spec_values_{slot}"].widget.attrs.update(
                placeholder=values, **{"data-spec-values": slot}
            )
        self.fields["spec_values_1"].help_text = _("用逗号或顿号分开，如“红, 蓝”。")

    def text_fields(self):
        return [self[name] for name in ("title", "category_id", "description")]

    def spec_slots(self):
        """(name field, values field) for each of the SPECS_MAX slots."""
        return [(self[f"spec_name_{slot}"], self[f"spec_values_{slot}"]) for slot in SPEC_SLOTS]

    def clean(self):
        """Each name has values and each values field a name; values are not repeated within a
        name; the matrix has at most SKUS_MAX combinations."""
        data = super().clean()
        combinations = 1
        for slot in SPEC_SLOTS:
            name = (data.get(f"spec_name_{slot}") or "").strip()
            values = split_values(data.get(f"spec_values_{slot}") or "")
            field = f"spec_values_{slot}"
            if name and not values:
                self.add_error(field, _("请填写“%(name)s”的规格值。") % {"name": name})
            elif values and not name:
                self.add_error(f"spec_name_{slot}", _("请填写这些规格值的规格名。"))
            elif too_long := [v for v in values if len(v) > rules.SPEC_VALUE_MAX]:
                self.add_error(
                    field,
                    _("规格值最多 %(max)d 个字符：%(value)s")
                    % {"max": rules.SPEC_VALUE_MAX, "value": too_long[0]},
                )
            elif repeated := _repeated(values):
                self.add_error(field, _("“%(value)s”出现了两次。") % {"value": repeated})
            combinations *= max(len(values), 1)
        if combinations > rules.SKUS_MAX:
            self.add_error(
                None,
                _("规格组合有 %(n)d 个，最多 %(max)d 个。") % {"n": combinations, "max": rules.SKUS_MAX},
            )
        return data

    def spec_names(self) -> dict[int, str]:
        """slot → name, for the slots that have one (after `is_valid`)."""
        names = {slot: self.cleaned_data.get(f"spec_name_{slot}", "").strip() for slot in SPEC_SLOTS}
        return {slot: name for slot, name in names.items() if name}

    def spec_values(self) -> dict[int, list[str]]:
        """slot → values, for the slots that have a name (after `is_valid`)."""
        return {
            slot: split_values(self.cleaned_data.get(f"spec_values_{slot}") or "")
            for slot in self.spec_names()
        }


_SEPARATORS = re.compile("[" + re.escape(rules.SPEC_VALUE_SEPARATORS) + "]")


def split_values(text: str) -> list[str]:
    """ "红, 蓝、白" → ["红", "蓝", "白"]: the values a merchant typed, blanks dropped."""
    return [value.strip() for value in _SEPARATORS.split(text) if value.strip()]


def _repeated(values: list[str]) -> str:
    seen: set[str] = set()
    for value in values:
        key = normalize(value)
        if key in seen:
            return value
        seen.add(key)
    return ""


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ImagesField(forms.FileField):
    """Several files under one name; the service checks them (and says which one is wrong)."""

    def clean(self, data, initial=None):
        return [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]


class NewProductForm(ProductForm):
    """The create form also takes the product's first images (the service checks them)."""

    images = ImagesField(
        label=_("商品图片"),
        required=False,
        widget=MultipleImageInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp", "multiple": True}
        ),
        help_text=format_lazy(
            _("可一次选多张：PNG、JPEG、GIF 或 WebP，每张不超过 {mb} MB，最多 {n} 张。上架需要至少一张。"),
            mb=rules.IMAGE_MAX_BYTES // 2**20,
            n=rules.IMAGES_MAX,
        ),
    )


class SkuForm(CatalogForm):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    expected_stock = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # The row's combination, set by the matrix (the row's heading shows it).
    value_1 = forms.CharField(max_length=rules.SPEC_VALUE_MAX, required=False, widget=forms.HiddenInput)
    value_2 = forms.CharField(max_length=rules.SPEC_VALUE_MAX, required=False, widget=forms.HiddenInput)
    value_3 = forms.CharField(max_length=rules.SPEC_VALUE_MAX, required=False, widget=forms.HiddenInput)
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

    def combination(self) -> str:
        """ "红 / M" (the row's values), or "" for a product without specs."""
        source = self.data if self.is_bound else self.initial
        values = [
            (source.get(self.add_prefix(f"value_{slot}")) if self.is_bound else source.get(f"value_{slot}"))
            or ""
            for slot in SPEC_SLOTS
        ]
        return " / ".join(v.strip() for v in values if v and v.strip())


class BaseSkuFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("不售这个组合")


SkuFormSet = formset_factory(
    SkuForm,
    formset=BaseSkuFormSet,
    extra=0,
    can_delete=True,
    max_num=rules.SKUS_MAX,
    validate_max=True,
    absolute_max=rules.SKUS_MAX,
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


def spec_initial(spec_names: list[str], skus) -> dict:
    """The product form's spec names and, for each, the values its SKUs use, in first-seen order."""
    initial: dict[str, str] = {}
    for slot, name in zip(SPEC_SLOTS, spec_names, strict=False):
        values = dict.fromkeys(sku.specs.get(name, "") for sku in skus)
        initial[f"spec_name_{slot}"] = name
        initial[f"spec_values_{slot}"] = ", ".join(v for v in values if v)
    return initial


def posted_rows(data, prefix: str) -> list[dict]:
    """The SKU rows as posted (unchecked text), to carry prices and stocks into a new matrix."""
    try:
        total = min(max(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), 0), rules.SKUS_MAX)
    except ValueError:
        total = 0
    fields = ("id", "expected_stock", "price", "stock", "DELETE", *(f"value_{slot}" for slot in SPEC_SLOTS))
    return [{name: data.get(f"{prefix}-{i}-{name}", "") for name in fields} for i in range(total)]


def _combination_key(values) -> tuple[str, ...]:
    return tuple(normalize(v) for v in values)


def matrix_initial(names: dict[int, str], values: dict[int, list[str]], previous: list[dict]) -> list[dict]:
    """One row per combination of the spec values (the first spec varies slowest), keeping the
    id, price, stock and "不售" of a previous row with the same combination. No specs: one row."""
    slots = sorted(names)
    kept = {
        _combination_key(row.get(f"value_{slot}", "") for slot in slots): row
        for row in previous
        if all(row.get(f"value_{slot}", "").strip() for slot in slots)
    }
    rows = []
    for combination in itertools.product(*(values[slot] for slot in slots)):
        row: dict = {f"value_{slot}": value for slot, value in zip(slots, combination, strict=True)}
        before = kept.get(_combination_key(combination))
        if before:
            row.update({k: before[k] for k in ("id", "expected_stock", "price", "stock") if before.get(k)})
            row["DELETE"] = bool(before.get("DELETE"))
        rows.append(row)
    return rows


def sku_input(product_form: ProductForm, formset) -> tuple[list[dict], list[SkuForm]] | None:
    """The service's `skus` and, row for row, the form each came from; None when a row is
    inconsistent with the spec names (the errors are then on the rows)."""
    names = product_form.spec_names()
    rows, sources, ok = [], [], True
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE") or (not form.has_changed() and not data.get("id")):
            continue
        for slot in SPEC_SLOTS:  # the matrix keeps rows and names in step; a stale page may not
            value = (data.get(f"value_{slot}") or "").strip()
            if (slot in names) != bool(value):
                form.add_error(None, _("这一行的规格与上方的规格名不一致，请重新生成规格表。"))
                ok = False
                break
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


class ProductFilterForm(CatalogForm):
    """The merchant's product list: title text, state, category, low stock (read from the query)."""

    q = forms.CharField(label=_("搜索商品"), max_length=rules.SEARCH_MAX, required=False)
    state = forms.ChoiceField(label=_("状态"), required=False)
    category = forms.TypedChoiceField(label=_("类目"), coerce=int, required=False, empty_value=None)
    low = forms.BooleanField(label=format_lazy(_("库存紧张（≤ {n}）"), n=rules.LOW_STOCK), required=False)

    def __init__(self, *args, categories: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(placeholder=_("商品标题"), type="search")
        self.fields["state"].choices = [("", _("全部状态")), *rules.ProductState.choices]
        self.fields["category"].choices = [("", _("全部类目")), *categories]

    def filters(self) -> dict:
        """{q, state, category_id, low_stock}; what does not parse is left out rather than refused."""
        if not self.is_valid():
            data = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        else:
            data = self.cleaned_data
        return {
            "q": (data.get("q") or "").strip(),
            "state": data.get("state") or None,
            "category_id": data.get("category"),
            "low_stock": bool(data.get("low")),
        }


class BulkChangeForm(CatalogForm):
    """A bulk price or stock change of the products ticked in the list (`product_ids`)."""

    CHANGES = (
        ("price_fen", _("设置价格（元）")),
        ("price_change_fen", _("调整价格（元，可为负数）")),
        ("stock", _("设置库存")),
        ("stock_change", _("调整库存（可为负数）")),
    )
    change = forms.ChoiceField(label=_("批量修改"), choices=CHANGES)
    value = forms.DecimalField(
        label=_("数值"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )

    def clean(self):
        data = super().clean()
        change, value = data.get("change"), data.get("value")
        if change in ("stock", "stock_change") and value is not None and value != value.to_integral_value():
            self.add_error("value", _("库存须为整数。"))
        return data

    def service_kwargs(self) -> dict:
        """{"price_fen": 9900} and the like, after `is_valid`: yuan become fen."""
        change, value = self.cleaned_data["change"], self.cleaned_data["value"]
        return {change: yuan_to_fen(value) if change.startswith("price") else int(value)}
