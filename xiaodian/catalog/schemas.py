from datetime import datetime
from typing import Annotated

from ninja import Schema
from pydantic import Field

from xiaodian.core.pagination import JsonInt, ObjectId, StrictId, json_int

from . import rules
from .selectors import ProductPage, cover_url

SpecName = Annotated[str, Field(max_length=rules.SPEC_NAME_MAX)]
SpecValue = Annotated[str, Field(max_length=rules.SPEC_VALUE_MAX)]
Specs = Annotated[
    dict[SpecName, SpecValue],
    Field(
        max_length=rules.SPECS_MAX,
        description='Spec name → value, e.g. {"颜色": "红", "尺码": "M"}; every SKU of a product '
        "uses the same names (at most 3); {} for a product without variants.",
    ),
]
StockSeen = json_int(ge=0, le=2**31 - 1)


class SkuIn(Schema):
    specs: Specs = {}
    price_fen: JsonInt = Field(ge=1, le=rules.PRICE_MAX_FEN)
    stock: JsonInt = Field(0, ge=0, le=rules.STOCK_MAX)


class ProductIn(Schema):
    category_id: StrictId = Field(description="A leaf category")
    title: str = Field(min_length=1, max_length=rules.TITLE_MAX)
    description: str = Field("", max_length=rules.DESCRIPTION_MAX)
    skus: list[SkuIn] = Field(min_length=1, max_length=rules.SKUS_MAX)


class SkuPatch(Schema):
    id: StrictId | None = Field(None, description="An existing SKU of this product; leave out to add one")
    specs: Specs = {}
    price_fen: JsonInt = Field(ge=1, le=rules.PRICE_MAX_FEN)
    stock: json_int(ge=0, le=rules.STOCK_MAX) | None = Field(
        None,
        description="The stock to set; leave out to keep an existing SKU's stock (a new SKU starts at 0)",
    )
    expected_stock: StockSeen | None = Field(
        None,
        description="With `stock` on an existing SKU: the stock you last read. The set happens only "
        "if it is still that (else 409 stock_changed).",
    )


class ProductPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=rules.TITLE_MAX)
    description: str | None = Field(None, max_length=rules.DESCRIPTION_MAX)
    category_id: StrictId | None = None
    skus: list[SkuPatch] | None = Field(
        None,
        min_length=1,
        max_length=rules.SKUS_MAX,
        description="The whole SKU list: SKUs left out are retired",
    )


class ProductFilter(Schema):
    state: rules.ProductState | None = None
    q: str | None = Field(None, max_length=rules.SEARCH_MAX, description="Text anywhere in the title")
    category_id: ObjectId | None = Field(None, description="Products of this (leaf) category")
    low_stock: bool = Field(
        False, description=f"Only products whose active SKUs hold at most {rules.LOW_STOCK} units in all"
    )


class BulkChangeIn(Schema):
    """Set or adjust the price and/or the stock of every active SKU of the chosen products: at most
    one of `price_fen` / `price_change_fen`, at most one of `stock` / `stock_change`, at least one."""

    product_ids: list[StrictId] = Field(min_length=1, max_length=rules.BULK_PRODUCTS_MAX)
    price_fen: json_int(ge=1, le=rules.PRICE_MAX_FEN) | None = Field(
        None, description="Set every price to this"
    )
    price_change_fen: json_int(ge=-rules.PRICE_MAX_FEN, le=rules.PRICE_MAX_FEN) | None = Field(
        None, description="Add this to every price (negative lowers it)"
    )
    stock: json_int(ge=0, le=rules.STOCK_MAX) | None = Field(None, description="Set every stock to this")
    stock_change: json_int(ge=-rules.STOCK_MAX, le=rules.STOCK_MAX) | None = Field(
        None, description="Add this to every stock (negative lowers it)"
    )


class BulkChangeOut(Schema):
    products: int = Field(description="Products changed")
    skus: int = Field(description="Active SKUs changed")


class SkuOut(Schema):
    id: int
    specs: dict[str, str]
    price_fen: int
    stock: int


class ImageOut(Schema):
    id: int
    url: str
    width: int
    height: int
    position: int

    @classmethod
    def of(cls, image) -> dict:
        return {
            "id": image.pk,
            "url": image.image.url,
            "width": image.width,
            "height": image.height,
            "position": image.position,
        }


class ProductOut(Schema):
    id: int
    store_id: int
    store_name: str
    category_id: int
    category_name: str
    title: str
    description: str
    state: str
    spec_names: list[str]
    price_min_fen: int | None
    price_max_fen: int | None
    stock_total: int
    skus: list[SkuOut]
    images: list[ImageOut]
    my_role: str | None = Field(None, description="Your role in the product's store, if any")
    created_at: datetime
    updated_at: datetime
    listed_at: datetime | None

    @classmethod
    def of(cls, page: ProductPage) -> "ProductOut":
        product = page.product
        return cls(
            id=product.pk,
            store_id=product.store_id,
            store_name=page.store.name,
            category_id=product.category_id,
            category_name=page.category.name,
            title=product.title,
            description=product.description,
            state=product.state,
            spec_names=page.spec_names,
            price_min_fen=page.price_min_fen,
            price_max_fen=page.price_max_fen,
            stock_total=page.stock_total,
            skus=[
                {
                    "id": s.pk,
                    "specs": dict(zip(page.spec_names, s.spec_values, strict=True)),  # in the shown order
                    "price_fen": s.price_fen,
                    "stock": s.stock,
                }
                for s in page.skus
            ],
            images=[ImageOut.of(i) for i in page.images],
            my_role=page.viewer_role,
            created_at=product.created_at,
            updated_at=product.updated_at,
            listed_at=product.listed_at,
        )


class ProductSummaryOut(Schema):
    id: int
    title: str
    state: str
    category_id: int
    category_name: str
    price_min_fen: int | None
    price_max_fen: int | None
    stock_total: int
    sku_count: int
    cover_url: str
    created_at: datetime
    updated_at: datetime
    listed_at: datetime | None

    @staticmethod
    def resolve_category_name(obj) -> str:
        return obj.category.name

    @staticmethod
    def resolve_cover_url(obj) -> str:
        return cover_url(obj.cover)
