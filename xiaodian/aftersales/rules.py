"""After-sales rules (DOMAIN.md "After-sales"): types, WeChat's state names, the one transition
table, windows and limits."""

from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

AFTERSALE_PERIOD = timedelta(days=7)  # after receipt
MERCHANT_ANSWER_WITHIN = timedelta(hours=48)  # or a refund request is approved automatically
RETURN_SHIP_WITHIN = timedelta(days=7)  # after approval, or the request closes
DISPUTE_WITHIN = timedelta(days=7)  # after a rejection, or after a refund of less than asked
EXCHANGE_CONFIRM_WITHIN = timedelta(days=10)  # after the replacement ships
RESUBMIT_AFTER = timedelta(minutes=5)  # a refund approved this long ago that never reached payments
MAX_ATTEMPTS = 5  # earlier requests on one line
REASON_MAX = 200
EVIDENCE_TEXT_MAX = 1000
IMAGES_MAX = 9
RETURN_ADDRESSES_MAX = 10  # per store


class Kind(models.TextChoices):
    REFUND = "refund", _("仅退款")
    RETURN = "return", _("退货退款")
    EXCHANGE = "exchange", _("换货")


class Reason(models.TextChoices):
    QUALITY = "quality", _("质量问题")
    NOT_AS_DESCRIBED = "not_as_described", _("与描述不符")
    WRONG_ITEM = "wrong_item", _("发错货")
    DAMAGED = "damaged", _("商品破损")
    NOT_RECEIVED = "not_received", _("未收到货")
    NOT_WANTED = "not_wanted", _("不想要了")
    OTHER = "other", _("其他")


# Reasons that count as the merchant's quality problem (the store score's quality-return rate).
QUALITY_REASONS = frozenset({Reason.QUALITY, Reason.NOT_AS_DESCRIBED, Reason.WRONG_ITEM, Reason.DAMAGED})


class State(models.TextChoices):
    MERCHANT_PROCESSING = "MERCHANT_PROCESSING", _("待商家处理")
    USER_CANCELD = "USER_CANCELD", _("用户已取消")
    MERCHANT_REJECT_REFUND = "MERCHANT_REJECT_REFUND", _("商家拒绝退款")
    MERCHANT_REJECT_RETURN = "MERCHANT_REJECT_RETURN", _("商家拒绝退货")
    USER_WAIT_RETURN = "USER_WAIT_RETURN", _("待买家退货")
    RETURN_CLOSED = "RETURN_CLOSED", _("退货关闭")
    MERCHANT_WAIT_RECEIPT = "MERCHANT_WAIT_RECEIPT", _("待商家收货")
    MERCHANT_OVERDUE_REFUND = "MERCHANT_OVERDUE_REFUND", _("商家逾期未处理，自动同意")
    MERCHANT_REFUND_SUCCESS = "MERCHANT_REFUND_SUCCESS", _("退款完成")
    MERCHANT_RETURN_SUCCESS = "MERCHANT_RETURN_SUCCESS", _("退货退款完成")
    PLATFORM_REFUNDING = "PLATFORM_REFUNDING", _("平台退款中")
    PLATFORM_REFUND_FAIL = "PLATFORM_REFUND_FAIL", _("平台退款失败，重试中")
    USER_WAIT_CONFIRM = "USER_WAIT_CONFIRM", _("待买家确认换货")
    MERCHANT_REFUND_RETRY_FAIL = "MERCHANT_REFUND_RETRY_FAIL", _("退款重试失败")
    MERCHANT_FAIL = "MERCHANT_FAIL", _("售后失败")


S = State
# action -> {from state: to state}; the only moves a request makes. `refund` entries are the
# money-moving path; the payments app's refund outcome drives the PLATFORM_* rows.
TRANSITIONS: dict[str, dict[str, str]] = {
    "approve_refund": {
        S.MERCHANT_PROCESSING: S.PLATFORM_REFUNDING,
        S.MERCHANT_OVERDUE_REFUND: S.PLATFORM_REFUNDING,
    },
    "approve_return": {S.MERCHANT_PROCESSING: S.USER_WAIT_RETURN},
    "reject_refund": {S.MERCHANT_PROCESSING: S.MERCHANT_REJECT_REFUND},
    "reject_return": {
        S.MERCHANT_PROCESSING: S.MERCHANT_REJECT_RETURN,
        S.MERCHANT_WAIT_RECEIPT: S.MERCHANT_REJECT_RETURN,
    },
    "overdue": {S.MERCHANT_PROCESSING: S.MERCHANT_OVERDUE_REFUND},
    "cancel": {S.MERCHANT_PROCESSING: S.USER_CANCELD, S.USER_WAIT_RETURN: S.USER_CANCELD},
    "return_shipped": {S.USER_WAIT_RETURN: S.MERCHANT_WAIT_RECEIPT},
    "return_overdue": {S.USER_WAIT_RETURN: S.RETURN_CLOSED},
    "received_return": {S.MERCHANT_WAIT_RECEIPT: S.PLATFORM_REFUNDING},
    "received_exchange": {S.MERCHANT_WAIT_RECEIPT: S.USER_WAIT_CONFIRM},
    "confirm_exchange": {S.USER_WAIT_CONFIRM: S.MERCHANT_RETURN_SUCCESS},
    "refund_succeeded_refund": {
        S.PLATFORM_REFUNDING: S.MERCHANT_REFUND_SUCCESS,
        S.PLATFORM_REFUND_FAIL: S.MERCHANT_REFUND_SUCCESS,
    },
    "refund_succeeded_return": {
        S.PLATFORM_REFUNDING: S.MERCHANT_RETURN_SUCCESS,
        S.PLATFORM_REFUND_FAIL: S.MERCHANT_RETURN_SUCCESS,
    },
    "refund_failed": {S.PLATFORM_REFUNDING: S.PLATFORM_REFUND_FAIL},
    "refund_gave_up": {
        S.PLATFORM_REFUNDING: S.MERCHANT_REFUND_RETRY_FAIL,
        S.PLATFORM_REFUND_FAIL: S.MERCHANT_REFUND_RETRY_FAIL,
    },
    "refund_retry": {
        S.PLATFORM_REFUND_FAIL: S.PLATFORM_REFUNDING,
        S.MERCHANT_REFUND_RETRY_FAIL: S.PLATFORM_REFUNDING,
    },
    "dispute_for_buyer_refund": {S.MERCHANT_REJECT_REFUND: S.PLATFORM_REFUNDING},
    "dispute_for_buyer_return": {S.MERCHANT_REJECT_RETURN: S.USER_WAIT_RETURN},
    # the platform grants the buyer the difference of a partial refund: a second refund, the top-up
    "dispute_for_buyer_topup": {
        S.MERCHANT_REFUND_SUCCESS: S.PLATFORM_REFUNDING,
        S.MERCHANT_RETURN_SUCCESS: S.PLATFORM_REFUNDING,
    },
    "dispute_for_merchant": {
        S.MERCHANT_REJECT_REFUND: S.MERCHANT_FAIL,
        S.MERCHANT_REJECT_RETURN: S.MERCHANT_FAIL,
    },
}

FINAL = frozenset(
    {S.USER_CANCELD, S.RETURN_CLOSED, S.MERCHANT_REFUND_SUCCESS, S.MERCHANT_RETURN_SUCCESS, S.MERCHANT_FAIL}
)
# Requests that block a new one on the same line (a rejected one blocks while its dispute is open).
OPEN = frozenset(State.values) - FINAL - {S.MERCHANT_REJECT_REFUND, S.MERCHANT_REJECT_RETURN}
# Requests whose units count as refunded or on their way to it.
MONEY_MOVING = frozenset(
    {
        S.PLATFORM_REFUNDING,
        S.PLATFORM_REFUND_FAIL,
        S.MERCHANT_REFUND_RETRY_FAIL,
        S.MERCHANT_REFUND_SUCCESS,
        S.MERCHANT_RETURN_SUCCESS,
    }
)
SUCCEEDED = frozenset({S.MERCHANT_REFUND_SUCCESS, S.MERCHANT_RETURN_SUCCESS})


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("待仲裁")
    DECIDED = "decided", _("已裁决")


class Side(models.TextChoices):
    """Whose statement a piece of dispute evidence supports."""

    BUYER = "buyer", _("买家")
    MERCHANT = "merchant", _("商家")


class Decision(models.TextChoices):
    FOR_BUYER = "buyer", _("支持买家")
    FOR_MERCHANT = "merchant", _("支持商家")


class EventNote(models.TextChoices):
    """Notes the platform itself writes on a request's history; stored as the code."""

    DISPUTE_OPENED = "dispute_opened", _("买家发起了申诉")
    DISPUTE_ANSWERED = "dispute_answered", _("商家答复了申诉")
    REFUND_NOT_SUBMITTED = "refund_not_submitted", _("退款未能提交，等待重试")
    SHORT_KEPT = "short_kept", _("平台裁定：维持商家的退款金额")


# Who acts next: the states in which a request waits for the merchant (the queue's first tab and
# the workbench's to-do).
WAITING_FOR_MERCHANT = (State.MERCHANT_PROCESSING, State.MERCHANT_WAIT_RECEIPT)
