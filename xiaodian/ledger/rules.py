"""Ledger policy: account kinds, the default technical service fee and its rounding, withdrawals."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Fee rates are integers in parts per million: 20_000 ppm is 2%.
PPM = 1_000_000
DEFAULT_FEE_PPM = 20_000  # DOMAIN.md: the technical service fee defaults to 2%
MAX_FEE_PPM = 200_000  # an operator typing 20% is a mistake more likely than a policy


class AccountKind(models.TextChoices):
    # the platform's
    CLEARING = "clearing", _("清算账户")
    FEE_INCOME = "fee_income", _("技术服务费收入")
    REFUNDS_OUT = "refunds_out", _("退款支出")
    WITHDRAWALS_OUT = "withdrawals_out", _("提现支出")
    # each store's
    PENDING = "pending", _("待结算")
    AVAILABLE = "available", _("可提现")
    OWED = "owed", _("欠款")
    WITHDRAWING = "withdrawing", _("提现中")
    DEPOSIT = "deposit", _("保证金")
    # each promoter's (a user's)
    PROMOTER_PENDING = "promoter_pending", _("待结算佣金")
    PROMOTER_AVAILABLE = "promoter_available", _("可提现佣金")
    PROMOTER_OWED = "promoter_owed", _("佣金欠款")
    PROMOTER_WITHDRAWING = "promoter_withdrawing", _("佣金提现中")


PLATFORM_KINDS = (
    AccountKind.CLEARING,
    AccountKind.FEE_INCOME,
    AccountKind.REFUNDS_OUT,
    AccountKind.WITHDRAWALS_OUT,
)
PROMOTER_KINDS = (
    AccountKind.PROMOTER_PENDING,
    AccountKind.PROMOTER_AVAILABLE,
    AccountKind.PROMOTER_OWED,
    AccountKind.PROMOTER_WITHDRAWING,
)
STORE_KINDS = (
    AccountKind.PENDING,
    AccountKind.AVAILABLE,
    AccountKind.OWED,
    AccountKind.WITHDRAWING,
    AccountKind.DEPOSIT,
)


class Source(models.TextChoices):
    """What a journal records; with its key (the order, the refund number) it is unique."""

    PAYMENT = "payment", _("订单支付")
    REFUND = "refund", _("退款")
    SETTLEMENT = "settlement", _("结算")
    WITHDRAWAL = "withdrawal", _("提现")
    WITHDRAWAL_PAID = "withdrawal_paid", _("提现到账")
    WITHDRAWAL_RETURNED = "withdrawal_back", _("提现退回")
    DEPOSIT = "deposit", _("保证金缴纳")
    DEPOSIT_REFUND = "deposit_refund", _("保证金退还")
    COMMISSION_SETTLED = "commission_settled", _("佣金结算")


class ClaimKind(models.TextChoices):
    """What a promoter's share of a line is (extensions.CommissionClaim)."""

    COMMISSION = "commission", _("佣金")
    SERVICE = "service", _("服务费")


MAX_CLAIMS_PPM = 900_000  # DOMAIN.md: a ratio is 0–90%; all claims on a line together never more


def commission_of(paid_fen: int, ratio_ppm: int) -> int:
    """A claim on a line: its paid amount × ratio, rounded down to the fen (never above ratio × paid)."""
    return paid_fen * ratio_ppm // PPM


def commission_held(amount_fen: int, paid_fen: int, refunded_fen: int) -> int:
    """What of a claim is still earned once `refunded_fen` of the line's `paid_fen` went back, in
    all: in proportion, rounded down; nothing after a full refund. Refunds work on totals (this
    minus what was held before), so partial refunds never give back more than the claim."""
    if paid_fen <= 0:
        return 0
    return amount_fen * (paid_fen - min(refunded_fen, paid_fen)) // paid_fen


# DOMAIN.md: withdrawals from available, minimum ¥1, at most 3 a day by default. One withdrawal is
# one 商家转账 transfer bill, so it is at most what one bill may carry (payments.rules).
WITHDRAWAL_MIN_FEN = 100
WITHDRAWAL_MAX_FEN = 199_999
WITHDRAWALS_PER_DAY = 3


def withdrawal_payee(store_id: int) -> str:
    """Whom a store's withdrawals are paid to: a stable reference for the store's owner. The
    sandbox takes any openid; the real owner's openid replaces this when WeChat login lands."""
    return f"store{store_id}"


def promoter_payee(user_id: int) -> str:
    """Whom a promoter's withdrawals are paid to: a stable reference for the user, as above."""
    return f"user{user_id}"


def fee_of(amount_fen: int, rate_ppm: int) -> int:
    """The fee on an amount, rounded half up to the fen (1 fen at 2% of 25 fen is 0.5 → 1)."""
    return (amount_fen * rate_ppm + PPM // 2) // PPM


def fee_share(fee_fen: int, paid_fen: int, refunded_fen: int) -> int:
    """How much of a line's fee goes back once `refunded_fen` of its `paid_fen` has been refunded,
    in all: rounded half up, and all of it when everything went back. Refunds work on totals
    (this minus what went back before), so partial refunds never give back more than the fee."""
    if paid_fen <= 0:
        return fee_fen
    refunded_fen = min(refunded_fen, paid_fen)
    return (fee_fen * refunded_fen * 2 + paid_fen) // (paid_fen * 2)
