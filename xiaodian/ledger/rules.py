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


PLATFORM_KINDS = (
    AccountKind.CLEARING,
    AccountKind.FEE_INCOME,
    AccountKind.REFUNDS_OUT,
    AccountKind.WITHDRAWALS_OUT,
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


# DOMAIN.md: withdrawals from available, minimum ¥1, at most 3 a day by default. One withdrawal is
# one 商家转账 transfer bill, so it is at most what one bill may carry (payments.rules).
WITHDRAWAL_MIN_FEN = 100
WITHDRAWAL_MAX_FEN = 199_999
WITHDRAWALS_PER_DAY = 3


def withdrawal_payee(store_id: int) -> str:
    """Whom a store's withdrawals are paid to: a stable reference for the store's owner. The
    sandbox takes any openid; the real owner's openid replaces this when WeChat login lands."""
    return f"store{store_id}"


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
