from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from xiaodian.accounts.rules import Perm, Role
from xiaodian.core.pagination import ObjectId, StrictId

from . import homepage, rules
from .access import can


class CategoryOut(Schema):
    id: int
    parent_id: ObjectId | None
    name: str
    deposit_fen: int | None = Field(description="Set on this category; null means as its parent")
    sort_order: int


class StoreIn(Schema):
    subject_id: StrictId
    name: str = Field(min_length=1, max_length=rules.NAME_INPUT_MAX)
    main_category_id: StrictId
    kind: rules.StoreKind = rules.StoreKind.ORDINARY


class StorePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=rules.NAME_INPUT_MAX)
    description: str | None = Field(None, max_length=rules.DESCRIPTION_MAX)
    main_category_id: StrictId | None = None


class StoreOut(Schema):
    id: int
    subject_id: ObjectId
    name: str
    kind: str
    state: str
    main_category_id: ObjectId
    description: str
    is_legacy_video: bool
    is_upgraded: bool
    upgraded_at: datetime | None
    created_at: datetime
    opened_at: datetime | None
    my_role: str | None = None
    permissions: list[str] = []

    @staticmethod
    def resolve_my_role(obj) -> str | None:
        return getattr(obj, "viewer_role", None)

    @staticmethod
    def resolve_permissions(obj) -> list[str]:
        return [p for p in Perm.values if can(obj, p)]


class StaffIn(Schema):
    user_id: StrictId
    role: Role


class StaffOut(Schema):
    id: int
    user_id: ObjectId
    username: str
    display_name: str
    role: str
    created_at: datetime

    @staticmethod
    def resolve_username(obj) -> str:
        return obj.user.username

    @staticmethod
    def resolve_display_name(obj) -> str:
        return obj.user.display_name


class DepositIn(Schema):
    category_id: StrictId


class DepositOut(Schema):
    id: int
    category_id: ObjectId
    category_name: str
    amount_fen: int
    status: str
    transaction_id: str
    paid_at: datetime | None
    refunded_at: datetime | None
    pay_url: str = Field(
        "",
        description="Where the merchant pays a pending deposit (the payment's page: WeChat Pay's, or the "
        "sandbox's), in the answer to POST …/deposits; empty once paid and in lists. Posting again "
        "for the same category answers the same pending payment.",
    )

    @staticmethod
    def resolve_category_name(obj) -> str:
        return obj.category.name


class BrandAuthorizationIn(Schema):
    brand: str = Field(min_length=1, max_length=rules.BRAND_MAX)
    certificate_number: str = Field(min_length=1, max_length=rules.CERTIFICATE_NUMBER_MAX)


class BrandAuthorizationOut(Schema):
    id: int
    subject_id: ObjectId
    brand: str
    certificate_number: str
    status: str
    reviewed_at: datetime | None
    created_at: datetime


class LinkIn(Schema):
    kind: rules.LinkKind
    account_id: StrictId


class LinkOut(Schema):
    id: int
    store_id: int
    store_name: str
    kind: str
    account_id: int
    account_name: str
    state: str
    invited_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    unbound_at: datetime | None
    unbound_by: str = Field(description='"store" or "account" once unbound, else empty')

    @staticmethod
    def resolve_store_name(obj) -> str:
        return obj.store.name

    @staticmethod
    def resolve_account_name(obj) -> str:
        return obj.account.name

    @staticmethod
    def resolve_state(obj) -> str:
        return obj.shown_state


class LinkFilter(Schema):
    kind: rules.LinkKind | None = None
    state: rules.LinkState | None = None


class TouchpointOut(Schema):
    key: str = Field(
        description="search, official_account, video_account, homepage, live_shelf or mini_program"
    )
    name: str
    connected: bool
    advice: str = Field(description="What to do to connect it; empty once connected")


class TouchpointReportOut(Schema):
    items: list[TouchpointOut]
    connected_count: int
    next: str | None = Field(description="The key of the touchpoint to connect next, null when all are")

    @staticmethod
    def resolve_items(obj) -> list:
        return obj.lines

    @staticmethod
    def resolve_next(obj) -> str | None:
        return obj.next.key if obj.next else None


# ------------------------------------------------------------------------------------ homepage


class HomepageIn(Schema):
    modules: list[homepage.Module] = Field(
        description=f"The draft's modules in page order, at most {rules.MODULES_MAX} "
        "(docs/stores.md, Homepage): banner, product_grid, articles, videos, mini_program"
    )


class HomepageOut(Schema):
    store_id: int
    draft: list[dict[str, Any]] = Field(description="The modules being edited, as HomepageIn takes them")
    published: list[dict[str, Any]] = Field(description="The modules the public page shows")
    version: int = Field(description="How many times the homepage was published; 0 = never")
    published_at: datetime | None
    updated_at: datetime | None


class HomepageImageOut(Schema):
    path: str = Field(description="What a banner module's `image` takes")
    url: str


class ShopProductOut(Schema):
    id: int
    title: str
    price_fen: int | None
    image_url: str
    url: str = Field(description="The product page, with scene=5&source_type=homepage&source_id=<store_id>")


class ShopArticleOut(Schema):
    id: int
    title: str
    account_id: int
    account_name: str
    published_at: datetime | None
    url: str


class ShopVideoOut(Schema):
    id: int
    title: str
    account_id: int
    account_name: str
    cover_url: str
    url: str


class ShopMiniProgramOut(Schema):
    id: int
    name: str
    app_id: str
    url: str = Field(description="The mini program's page, with scene=12")


class ShopModuleOut(Schema):
    type: str = Field(description="banner, product_grid, articles, videos or mini_program")
    title: str
    image_url: str = Field(description="banner: its image")
    url: str = Field(description="banner: its product's page, or empty")
    products: list[ShopProductOut] = Field(description="product_grid")
    articles: list[ShopArticleOut] = Field(description="articles")
    videos: list[ShopVideoOut] = Field(description="videos")
    mini_program: ShopMiniProgramOut | None = Field(description="mini_program")


class ShopCategoryOut(Schema):
    id: int
    name: str
    count: int = Field(description="Listed products of the store in this category")


class ShopHomepageOut(Schema):
    store_id: int
    store_name: str
    description: str
    version: int
    published_at: datetime | None
    is_default: bool = Field(description="Nothing published yet: the store's newest products stand in")
    modules: list[ShopModuleOut]
    categories: list[ShopCategoryOut] = Field(
        description="In-store categories (店内分类): those of the store's listed products, the fullest first"
    )

    @staticmethod
    def resolve_store_id(obj) -> int:
        return obj.store.pk

    @staticmethod
    def resolve_store_name(obj) -> str:
        return obj.store.name

    @staticmethod
    def resolve_description(obj) -> str:
        return obj.store.description
