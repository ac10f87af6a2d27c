from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xiaodian.stores.models import Category, Store

from . import rules


class Product(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="products")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=rules.TITLE_MAX)
    description = models.TextField(_("描述"), blank=True)
    # The SKUs' spec names in the order the merchant gave them: SKU.specs is a JSON object, and
    # PostgreSQL's jsonb does not keep the order of an object's keys.
    spec_names = models.JSONField(_("规格名"), default=list, blank=True)
    state = models.CharField(
        _("状态"), max_length=12, choices=rules.ProductState.choices, default=rules.ProductState.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    listed_at = models.DateTimeField(null=True, blank=True)
    banned_at = models.DateTimeField(_("封禁时间"), null=True, blank=True)
    ban_reason = models.CharField(_("封禁原因"), max_length=rules.BAN_REASON_MAX, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("商品")
        verbose_name_plural = pgettext_lazy("plural", "商品")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=rules.ProductState.values), name="product_state_known"
            ),
        ]
        indexes = [models.Index(fields=["store", "state"])]

    def __str__(self) -> str:
        return self.title


class SKU(models.Model):
    """One sellable variant: its spec values (e.g. {"颜色": "红", "尺码": "M"}), price and stock.

    Stock only changes through one conditional UPDATE (`catalog.services.take_stock`); the check
    constraint makes a negative stock impossible even for a buggy caller."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="skus")
    specs = models.JSONField(_("规格"), default=dict, blank=True)
    price_fen = models.BigIntegerField(_("价格（分）"))
    stock = models.IntegerField(_("库存"), default=0)
    is_active = models.BooleanField(default=True)

    # Not a column: the values in the product's spec-name order, set by `selectors.product_page`.
    spec_values: list[str]

    class Meta:
        ordering = ["id"]
        verbose_name = _("SKU")
        verbose_name_plural = pgettext_lazy("plural", "SKU")
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="sku_stock_not_negative"),
            models.CheckConstraint(condition=Q(price_fen__gt=0), name="sku_price_positive"),
        ]

    def __str__(self) -> str:
        spec = " / ".join(f"{k}:{v}" for k, v in self.specs.items())
        return f"{self.product_id}#{self.pk} {spec}"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="products/%Y/%m/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("商品图片")
        verbose_name_plural = pgettext_lazy("plural", "商品图片")

    def __str__(self) -> str:
        return self.image.name
