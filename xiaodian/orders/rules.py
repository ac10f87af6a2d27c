"""Order rules (DOMAIN.md "Orders"): status codes, the transitions between them, scenes and windows."""

import re
from datetime import timedelta
from typing import NamedTuple

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaodian.core.scenes import PRIVATE_DOMAIN, Scene  # noqa: F401  (orders' own names for them)

PAY_WITHIN = timedelta(minutes=15)
AUTO_CONFIRM_AFTER = timedelta(days=10)
SHIP_WITHIN = timedelta(hours=48)
NEARLY_LATE = timedelta(hours=12)  # the merchant's workbench flags orders this close to their ship-by time
GIFT_ACCEPT_WITHIN = timedelta(
    hours=24
)  # after payment, or the gift is cancelled and refunded  # after payment: the ship-by time, and the score's 48 h shipping rate

LINES_MAX = 50
QUANTITY_MAX = 999
IDEMPOTENCY_KEY_MAX = 64
CART_ITEMS_MAX = 100
ADDRESSES_MAX = 20
SOURCE_TYPE_MAX = 20  # an order's and a cart item's source type (a name in `sources`)

# A delivery address's fields, in characters.
RECIPIENT_MAX = 30
PHONE_MAX = 20
# A mainland mobile number, as the address's phone (the API's schema says it; spaces around are cut).
PHONE_PATTERN = r"^\s*1[3-9]\d{9}\s*$"
REGION_MAX = 60
DETAIL_MAX = 120

# A shipment: the merchant's, and after-sales' return and exchange shipments alike.
CARRIER_MAX = 30
TRACKING_NO_MIN, TRACKING_NO_MAX = 4, 40
TRACKING_NO = re.compile(rf"[A-Za-z0-9-]{{{TRACKING_NO_MIN},{TRACKING_NO_MAX}}}")
TRACKING_NO_HINT = _("运单号为 4–40 位字母或数字。")  # states TRACKING_NO_MIN–MAX (a test checks)


class Carrier(NamedTuple):
    """A carrier the merchant ships with: its code (what the API takes and a shipment keeps), its
    name in Chinese and English, and the pattern its tracking numbers follow (upper case)."""

    code: str
    name_zh: str
    name_en: str
    pattern: re.Pattern[str]
    example: str  # a number that fits `pattern`, shown as the field's placeholder


def _carrier(code: str, name_zh: str, name_en: str, pattern: str, example: str) -> Carrier:
    return Carrier(code, name_zh, name_en, re.compile(pattern), example)


# The carriers an order ships with (the merchant picks one; a number that does not fit its pattern
# is refused with `tracking_no_mismatch`). Patterns follow each carrier's published numbering.
CARRIERS: dict[str, Carrier] = {
    c.code: c
    for c in (
        _carrier("SF", "顺丰速运", "SF Express", r"SF\d{13}|\d{12}", "SF1234567890123"),
        _carrier("JD", "京东物流", "JD Logistics", r"JD[A-Z0-9]{11,18}", "JDVA12345678901"),
        _carrier("ZTO", "中通快递", "ZTO Express", r"7[0-9]\d{10,13}", "731234567890"),
        _carrier("YTO", "圆通速递", "YTO Express", r"YT\d{13,15}", "YT1234567890123"),
        _carrier("YUNDA", "韵达快递", "Yunda Express", r"\d{13,15}", "4312345678901"),
        _carrier("STO", "申通快递", "STO Express", r"\d{12,15}", "773123456789012"),
        _carrier("EMS", "中国邮政 EMS", "China Post EMS", r"[A-Z]{2}\d{9}[A-Z]{2}|\d{13}", "EA123456789CN"),
        _carrier("JT", "极兔速递", "J&T Express", r"JT\d{13}", "JT1234567890123"),
        _carrier("DBL", "德邦快递", "Deppon Express", r"DPK\d{12}|\d{8,10}", "DPK123456789012"),
    )
}
CARRIER_CODE_MAX = 8


def find_carrier(text: str) -> Carrier | None:
    """The listed carrier `text` names: its code, or its Chinese or English name (any case, spaces
    around ignored), so a client that sent a listed name before codes existed still ships."""
    key = text.strip().casefold()
    for carrier in CARRIERS.values():
        if key in (carrier.code.casefold(), carrier.name_zh.casefold(), carrier.name_en.casefold()):
            return carrier
    return None


def carrier_name(code: str, language: str) -> str:
    """A carrier's name in `language` ("en…" English, else Chinese); "" for a code not listed."""
    carrier = CARRIERS.get(code)
    if carrier is None:
        return ""
    return carrier.name_en if language.startswith("en") else carrier.name_zh


# The buyer's note to the store, typed at checkout (留言): at most this many characters.
NOTE_MAX = 200

# The store's order list: search text, a bulk shipment's size, the CSV export's read size.
SEARCH_MAX = 40
BULK_SHIP_MAX = 50
EXPORT_CHUNK = 500


class Status(models.IntegerChoices):
    UNPAID = 10, _("待付款")
    GIFT_PENDING = 12, _("礼物待领取")
    TO_SHIP = 20, _("待发货")
    PARTLY_SHIPPED = 21, _("部分发货")
    SHIPPED = 30, _("待收货")
    COMPLETED = 100, _("已完成")
    CANCELLED_OVERSOLD = 190, _("超卖取消")
    CANCELLED_REFUNDED = 200, _("全部退款取消")
    CANCELLED_UNPAID = 250, _("未付款取消")


# Paid orders not fully shipped yet: the ones with a ship-by time still ahead of them or passed.
WAITING_TO_SHIP = (Status.TO_SHIP, Status.PARTLY_SHIPPED)
# The merchant's order list filters by ship-by: `late` (past it), `nearly` (within NEARLY_LATE),
# `waiting` (all still to ship, most urgent first).
SHIP_FILTERS = ("waiting", "nearly", "late")


# The only moves an order makes; every service checks here, and the docs print this table.
TRANSITIONS: dict[int, frozenset[int]] = {
    # A gift order, once paid, waits for its recipient (12): accepted with an address → 20;
    # not accepted in time (or declined) → 250, and the payment goes back.
    Status.UNPAID: frozenset({Status.TO_SHIP, Status.GIFT_PENDING, Status.CANCELLED_UNPAID}),
    Status.GIFT_PENDING: frozenset({Status.TO_SHIP, Status.CANCELLED_UNPAID}),
    Status.TO_SHIP: frozenset({Status.PARTLY_SHIPPED, Status.SHIPPED, Status.CANCELLED_REFUNDED}),
    Status.PARTLY_SHIPPED: frozenset({Status.PARTLY_SHIPPED, Status.SHIPPED, Status.CANCELLED_REFUNDED}),
    Status.SHIPPED: frozenset({Status.COMPLETED, Status.CANCELLED_REFUNDED}),
    Status.COMPLETED: frozenset({Status.CANCELLED_REFUNDED}),
    # A payment that arrives after the order closed: the stock is taken again if it is still
    # there (→ 20), otherwise the order is cancelled as oversold and the payment refunded (→ 190).
    Status.CANCELLED_UNPAID: frozenset({Status.TO_SHIP, Status.GIFT_PENDING, Status.CANCELLED_OVERSOLD}),
    Status.CANCELLED_OVERSOLD: frozenset(),
    Status.CANCELLED_REFUNDED: frozenset(),
}

# Orders whose units are held out of stock (taken at checkout, given back when they close unpaid).
HOLDING_STOCK = frozenset(
    {
        Status.UNPAID,
        Status.GIFT_PENDING,
        Status.TO_SHIP,
        Status.PARTLY_SHIPPED,
        Status.SHIPPED,
        Status.COMPLETED,
    }
)


class SalesChannel(models.IntegerChoices):
    """Through whom a line was sold (WeChat Store's sales channels), stored with its promoter."""

    LINKED_ACCOUNT = 0, _("关联账号")
    PARTNER_ACCOUNT = 1, _("合作账号")
    AUTHORISED_ACCOUNT = 2, _("授权号")
    CREATOR = 100, _("达人")
    AGENCY = 101, _("机构")


class EventNote(models.TextChoices):
    """Why an order moved on its own or unusually; stored as the code, shown as the label."""

    CANCELLED_BY_BUYER = "cancelled_by_buyer", _("买家取消了订单")
    NOT_PAID_IN_TIME = "not_paid_in_time", _("超时未支付，订单自动关闭")
    PAID_AFTER_CLOSING = "paid_after_closing", _("订单关闭后才收到付款，已重新扣减库存")
    PAID_AFTER_CLOSING_SOLD_OUT = (
        "paid_after_closing_sold_out",
        _("订单关闭后才收到付款，商品已售罄，款项原路退回"),
    )
    PAID_AFTER_CLOSING_HOLD_GONE = (
        "paid_after_closing_hold_gone",
        _("订单关闭后才收到付款，所用优惠券已被其他订单使用，款项原路退回"),
    )
    CONFIRMED_AUTOMATICALLY = "confirmed_automatically", _("发货 10 天后自动确认收货")
    FULLY_REFUNDED = "fully_refunded", _("全部商品已退款，订单关闭")
    GIFT_DECLINED = "gift_declined", _("礼物未被领取，订单取消并退款")
