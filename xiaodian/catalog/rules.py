"""Catalog rules: product states, sizes and limits (docs/catalog.md explains each)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaodian.core.scenes import Scene

TITLE_MAX = 60
DESCRIPTION_MAX = 5_000
SKUS_MAX = 100
SPEC_NAME_MAX = 20
SPEC_VALUE_MAX = 40
SPECS_MAX = 3  # e.g. colour, size, style
PRICE_MAX_FEN = 100_000_000  # ¥1,000,000
STOCK_MAX = 10_000_000
IMAGES_MAX = 9
SHARE_SCENE = Scene.PRODUCT_SHARE  # a purchase from a shared product link
ENTRY_PRODUCTS = 4  # products shown with a store entry on a bound account's profile
IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_MAX_PIXELS = 6000
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}  # Pillow format -> extension
BAN_REASON_MAX = 200
LOW_STOCK = 10  # the product page says "only a few left" at or below this; the merchant's "库存紧张" filter
MERCHANT_PAGE_SIZE = 20
SEARCH_MAX = 60  # characters of a merchant's product search (a title is at most TITLE_MAX)
BULK_PRODUCTS_MAX = 50  # products one bulk price or stock change may touch
# What a merchant types as a spec's values on the product form: "红, 蓝、白" (commas, 、 or new lines).
SPEC_VALUE_SEPARATORS = ",，、;；\n"


class ProductState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    LISTED = "listed", _("已上架")
    DELISTED = "delisted", _("已下架")
    BANNED = "banned", _("已封禁")


# Which state each action moves a product from, and to. `ban` takes any state but banned.
LISTABLE_FROM = frozenset({ProductState.DRAFT, ProductState.DELISTED})
DELISTABLE_FROM = frozenset({ProductState.LISTED})
BANNABLE_FROM = frozenset({ProductState.DRAFT, ProductState.LISTED, ProductState.DELISTED})
UNBANNABLE_FROM = frozenset({ProductState.BANNED})  # unbanned → delisted
EDITABLE_IN = BANNABLE_FROM  # a banned product is kept as it was, as the operators' evidence
