from datetime import datetime

from ninja import Schema
from pydantic import Field, StrictBool

from xiaodian.accounts.selectors import public_name
from xiaodian.catalog.rules import PRICE_MAX_FEN
from xiaodian.core.pagination import JsonInt, StrictId, json_int
from xiaodian.orders.schemas import AddressIn

from . import rules
from .rules import RoomState

_NO_CONTACT = "No contact details (phone numbers, WeChat/QQ ids, e-mail, links)"


class RoomIn(Schema):
    title: str = Field(min_length=1, max_length=rules.TITLE_MAX, description=_NO_CONTACT)
    scheduled_at: datetime = Field(
        description="From now to 90 days ahead; without a time zone it is read in Asia/Shanghai"
    )


class RoomOut(Schema):
    id: int
    account_id: int
    account_name: str
    title: str
    cover_url: str
    state: str = Field(description="scheduled | live | ended")
    state_label: str
    scheduled_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_account_name(obj) -> str:
        return obj.account.name

    @staticmethod
    def resolve_cover_url(obj) -> str:
        return obj.cover.url if obj.cover else ""

    @staticmethod
    def resolve_state_label(obj) -> str:
        return str(RoomState(obj.state).label)


class ShelfItemIn(Schema):
    sku_id: StrictId = Field(description="A SKU of a store the video account is bound to")
    live_price_fen: JsonInt = Field(ge=1, le=PRICE_MAX_FEN, description="At most the SKU's price")
    flash_stock: JsonInt = Field(ge=0, le=rules.FLASH_STOCK_MAX, description="Units sold at the live price")
    position: json_int(ge=0, le=rules.POSITION_MAX) | None = Field(None, description="Default: last")
    pinned: StrictBool = False


class ShelfItemOut(Schema):
    id: int
    room_id: int
    product_id: int
    sku_id: int
    title: str
    specs: dict
    price_fen: int = Field(description="The SKU's own price")
    live_price_fen: int
    flash_stock: int = Field(description="Units left at the live price")
    flash_stock_initial: int
    position: int
    is_pinned: bool

    @staticmethod
    def resolve_title(obj) -> str:
        return obj.product.title

    @staticmethod
    def resolve_specs(obj) -> dict:
        return obj.sku.specs

    @staticmethod
    def resolve_price_fen(obj) -> int:
        return obj.sku.price_fen


class RoomDetailOut(RoomOut):
    viewer_count: int = Field(description="Open websockets on the room")
    shelf: list[ShelfItemOut] = Field(description="Pinned item first, then by position")

    @staticmethod
    def resolve_shelf(obj) -> list:
        return obj.shelf_items


class CommentIn(Schema):
    text: str = Field(min_length=1, max_length=rules.COMMENT_MAX, description=_NO_CONTACT)


class CommentOut(Schema):
    id: int
    user: str = Field(description="The author's display name (or username)")
    text: str
    created_at: datetime

    @staticmethod
    def resolve_user(obj) -> str:
        return public_name(obj.user)


class BuyIn(Schema):
    shelf_item_id: StrictId
    quantity: JsonInt = Field(1, ge=1, le=rules.BUY_QUANTITY_MAX)
    address: AddressIn | None = None
    address_id: StrictId | None = None
    coupon_ids: list[StrictId] = Field(
        default_factory=list,
        max_length=1,
        description="The buyer's coupon to use (a live coupon of this room, or the store's)",
    )
