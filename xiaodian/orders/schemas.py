from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field, StrictBool

from xiaodian.core.pagination import JsonInt, ObjectId, SafeDate, StrictId

from . import rules
from .rules import Scene, Status


class AddressIn(Schema):
    recipient: str = Field(min_length=1, max_length=rules.RECIPIENT_MAX)
    phone: str = Field(
        max_length=rules.PHONE_MAX,
        pattern=rules.PHONE_PATTERN,
        description="11 digits, starting with 1",
        examples=["13800138000"],
    )
    region: str = Field(min_length=1, max_length=rules.REGION_MAX)
    detail: str = Field(min_length=1, max_length=rules.DETAIL_MAX)


class SavedAddressIn(AddressIn):
    is_default: StrictBool = False


class AddressOut(AddressIn):
    id: int
    is_default: bool


class CartItemIn(Schema):
    sku_id: StrictId
    quantity: JsonInt = Field(1, ge=1, le=rules.QUANTITY_MAX)
    scene: Scene = Field(Scene.OTHER, description="Where it was added from; kept as the item's last touch")
    source_type: str = Field("", max_length=rules.SOURCE_TYPE_MAX)
    source_id: StrictId | None = None


class CartItemOut(Schema):
    id: int
    sku_id: int
    product_id: int
    store_id: int
    title: str
    specs: dict
    unit_price_fen: int
    quantity: int
    stock: int

    @staticmethod
    def resolve_product_id(obj) -> int:
        return obj.sku.product_id

    @staticmethod
    def resolve_store_id(obj) -> int:
        return obj.sku.product.store_id

    @staticmethod
    def resolve_title(obj) -> str:
        return obj.sku.product.title

    @staticmethod
    def resolve_specs(obj) -> dict:
        return obj.sku.specs

    @staticmethod
    def resolve_unit_price_fen(obj) -> int:
        return obj.sku.price_fen

    @staticmethod
    def resolve_stock(obj) -> int:
        return obj.sku.stock


class LineIn(Schema):
    sku_id: StrictId
    quantity: JsonInt = Field(ge=1, le=rules.QUANTITY_MAX)


class CheckoutIn(Schema):
    items: list[LineIn] = Field(min_length=1, max_length=rules.LINES_MAX)
    address: AddressIn | None = None
    address_id: StrictId | None = None
    scene: Scene = Scene.OTHER
    source_type: str = Field("", max_length=rules.SOURCE_TYPE_MAX)
    source_id: StrictId | None = None
    note: str = Field(
        "", max_length=rules.NOTE_MAX, description="The buyer's note to the store, on each order"
    )
    coupon_ids: list[StrictId] = Field(
        default_factory=list,
        max_length=rules.LINES_MAX,
        description="The buyer's coupons to use (GET /me/coupons), at most one per store order",
    )


class LineOut(Schema):
    id: int
    sku_id: int
    product_id: int
    title: str
    specs: dict
    unit_price_fen: int
    quantity: int
    shipped_quantity: int
    discount_fen: int = Field(description="The line's part of the order's discount")


class ShipmentOut(Schema):
    carrier: str = Field(description="The carrier's name (Chinese)")
    carrier_code: str = Field(
        description="Its code in GET /carriers; empty for shipments made before the list"
    )
    tracking_no: str
    created_at: datetime
    lines: list[dict]

    @staticmethod
    def resolve_lines(obj) -> list[dict]:
        return [{"line_id": sl.line_id, "quantity": sl.quantity} for sl in obj.lines.all()]


class OrderOut(Schema):
    id: int
    number: str
    store_id: int
    store_name: str
    status: int
    status_label: str
    scene: int
    source_type: str
    source_id: int | None
    address: dict
    note: str = Field(description="The buyer's note to the store, typed at checkout")
    goods_fen: int
    shipping_fen: int
    discount_fen: int = Field(description="Coupons and campaigns: total = goods + shipping − discount")
    discounts: list[dict] = Field(
        description="What made the discount: {reason, reference, label, amount_fen}"
    )
    total_fen: int
    created_at: datetime
    pay_deadline: datetime
    paid_at: datetime | None
    ship_by: datetime | None = Field(None, description="paid_at + 48 h: ship by then (null unpaid)")
    shipped_at: datetime | None
    received_at: datetime | None
    closed_at: datetime | None
    lines: list[LineOut]
    shipments: list[ShipmentOut]

    @staticmethod
    def resolve_store_name(obj) -> str:
        return obj.store.name

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(Status(obj.status).label)

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())

    @staticmethod
    def resolve_shipments(obj):
        return list(obj.shipments.all())


class CheckoutPaymentOut(Schema):
    checkout_id: int
    amount_fen: int
    pay_deadline: datetime
    status: str


class CheckoutOut(Schema):
    orders: list[OrderOut]
    payment: CheckoutPaymentOut


class PayIn(Schema):
    channel: str = Field("native", pattern="^(native|jsapi)$")
    payer_openid: str = Field("", max_length=128)


class PaymentOut(Schema):
    out_trade_no: str
    amount_fen: int
    status: str
    channel: str
    prepay_id: str
    code_url: str
    pay_url: str


_CARRIER = "A carrier's code from GET /carriers (e.g. `SF`), or its Chinese or English name"
_TRACKING_NO = "Must fit the carrier's pattern (GET /carriers), else 422 `tracking_no_mismatch`"


class ShipIn(Schema):
    carrier: str = Field(min_length=1, max_length=rules.CARRIER_MAX, description=_CARRIER)
    tracking_no: str = Field(min_length=1, max_length=rules.TRACKING_NO_MAX, description=_TRACKING_NO)
    line_ids: list[StrictId] | None = Field(None, max_length=rules.LINES_MAX)


class BulkShipItemIn(Schema):
    order_id: StrictId
    tracking_no: str = Field(min_length=1, max_length=rules.TRACKING_NO_MAX, description=_TRACKING_NO)
    carrier: str | None = Field(
        None,
        min_length=1,
        max_length=rules.CARRIER_MAX,
        description="This order's carrier, if not the request's",
    )


class BulkShipIn(Schema):
    carrier: str | None = Field(
        None,
        min_length=1,
        max_length=rules.CARRIER_MAX,
        description=f"{_CARRIER}: for every order naming none",
    )
    orders: list[BulkShipItemIn] = Field(min_length=1, max_length=rules.BULK_SHIP_MAX)


class BulkShipResultOut(Schema):
    order_id: int
    shipped: bool
    status: int | None = Field(None, description="The order's status once shipped (21 or 30)")
    code: str | None = Field(None, description="Why it did not ship (docs/errors.md)")
    message: str | None = None


class BulkShipOut(Schema):
    shipped: int
    failed: int
    results: list[BulkShipResultOut]


class CarrierOut(Schema):
    code: str
    name: str = Field(description="In the request's language")
    name_zh: str
    name_en: str
    pattern: str = Field(description="A regular expression the whole tracking number (upper case) must match")
    example: str


class OrderFilter(Schema):
    store_id: ObjectId | None = None
    status: Status | None = None
    date_from: SafeDate | None = None
    date_to: SafeDate | None = None
    q: str = Field(
        "", max_length=rules.SEARCH_MAX, description="Part of the order number, the buyer's phone or name"
    )
    ship: Literal["waiting", "nearly", "late"] | None = Field(
        None, description="Still to ship, nearly late or late (earliest ship-by first)"
    )
    format: Literal["json", "csv"] = Field(
        "json", description="`csv` (with `store_id`): the filtered list as a text/csv file, streamed"
    )
