"""The live pages' forms: they parse what people type; the rules live in the services, whose
refusals are put next to the field they name."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaodian.catalog.rules import PRICE_MAX_FEN
from xiaodian.core.forms import DomainErrorForm, YuanField
from xiaodian.core.money import format_fen
from xiaodian.core.pagination import MAX_ID

from . import rules


class RoomForm(DomainErrorForm):
    title = forms.CharField(label=_("直播标题"), max_length=rules.TITLE_MAX)
    scheduled_at = forms.DateTimeField(
        label=_("开播时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    cover = forms.FileField(
        label=_("封面（可选）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )


def _sku_label(sku) -> str:
    specs = " / ".join(str(v) for v in sku.specs.values()) or _("默认")
    return f"{sku.product.store.name} · {sku.product.title} · {specs} · {format_fen(sku.price_fen)}"


class ShelfItemForm(DomainErrorForm):
    field_aliases = {"live_price_fen": "live_price"}
    sku_id = forms.TypedChoiceField(label=_("商品规格"), coerce=int)
    live_price = YuanField(
        label=_("直播价（元）"), max_fen=PRICE_MAX_FEN, help_text=_("不高于原价，例如 19.90")
    )
    flash_stock = forms.IntegerField(label=_("秒杀库存"), min_value=0, max_value=rules.FLASH_STOCK_MAX)
    pinned = forms.BooleanField(label=_("置顶"), required=False)

    def __init__(self, *args, skus, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sku_id"].choices = [(sku.pk, _sku_label(sku)) for sku in skus]


class BuyForm(DomainErrorForm):
    """The room's buy page: which shelf item (a SKU at its live price) and how many."""

    shelf_item_id = forms.TypedChoiceField(label=_("选择规格"), coerce=int, widget=forms.RadioSelect)
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=rules.BUY_QUANTITY_MAX, initial=1)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shelf_item_id"].choices = [
            (item.pk, _item_label(item)) for item in items if 1 <= item.pk <= MAX_ID
        ]


def _item_label(item) -> str:
    specs = " / ".join(str(v) for v in item.sku.specs.values()) or _("默认")
    return f"{item.product.title} · {specs} · {format_fen(item.live_price_fen)}"
