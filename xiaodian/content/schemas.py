from datetime import datetime

from ninja import Schema
from pydantic import Field

from xiaodian.core.pagination import ObjectId

from . import rules

_NO_CONTACT = "No contact details (phone numbers, WeChat/QQ ids, e-mail, links)"


class AccountIn(Schema):
    name: str = Field(min_length=1, max_length=rules.NAME_MAX, description=f"Unique; {_NO_CONTACT}")
    intro: str = Field("", max_length=rules.INTRO_MAX, description=_NO_CONTACT)


class EntryProductOut(Schema):
    id: int
    title: str
    price_fen: int | None
    image_url: str
    url: str = Field(description="The product page, with the account's scene and source")


class StoreEntryOut(Schema):
    store_id: int
    name: str
    url: str = Field(description="The store's homepage, with the account's scene and source")
    products: list[EntryProductOut]


class AccountOut(Schema):
    id: int
    name: str
    intro: str
    created_at: datetime
    follower_count: int | None = Field(description="For the account's owner only; null for everyone else")
    following: bool = Field(description="Whether the caller follows the account")
    stores: list[StoreEntryOut] = Field(
        description="Open stores the account is bound to, with a few products"
    )


class ArticleIn(Schema):
    title: str = Field(min_length=1, max_length=rules.TITLE_MAX, description=_NO_CONTACT)
    body: str = Field(
        min_length=1,
        max_length=rules.BODY_MAX,
        description="HTML, sanitised: p, h2, h3, strong, em, ul, ol, li, blockquote, img (src, alt), "
        'a (href), br, and product cards `<product-card data-product-id="123"></product-card>`',
    )


class ArticleOut(Schema):
    id: int
    account_id: int
    title: str
    body: str = Field(description="The sanitised HTML, product cards as placeholders")
    product_ids: list[int] = Field(description="The products the article's cards name, in order")
    state: str
    published_at: datetime | None
    view_count: int
    like_count: int
    share_count: int
    created_at: datetime


class VideoOut(Schema):
    id: int
    account_id: int
    title: str
    source_url: str = Field(description="The uploaded file's URL, or the https URL given")
    cover_url: str
    product_id: int | None
    state: str
    published_at: datetime | None
    view_count: int
    like_count: int
    share_count: int
    created_at: datetime

    @staticmethod
    def resolve_cover_url(obj) -> str:
        return obj.cover.url


class MiniProgramIn(Schema):
    name: str = Field(min_length=1, max_length=rules.NAME_MAX, description=_NO_CONTACT)
    app_id: str = Field(
        min_length=rules.APP_ID_LENGTH,
        max_length=rules.APP_ID_LENGTH,
        description="wx followed by 16 hex digits",
    )
    mall_path: str = Field(min_length=1, max_length=rules.MALL_PATH_MAX, description="Starts with /")


class MiniProgramOut(Schema):
    id: int
    name: str
    app_id: str
    mall_path: str
    created_at: datetime
    stores: list[StoreEntryOut] = Field(
        default_factory=list, description="Open stores the mini program is bound to"
    )


class FollowOut(Schema):
    following: bool


class LikeOut(Schema):
    liked: bool
    like_count: int


class ShareOut(Schema):
    share_count: int


class VideoForm(Schema):
    """The fields of the multipart video upload (the files are `file` and `cover`)."""

    title: str = Field(min_length=1, max_length=rules.TITLE_MAX)
    url: str = Field("", max_length=rules.VIDEO_URL_MAX)
    product_id: ObjectId | None = None
