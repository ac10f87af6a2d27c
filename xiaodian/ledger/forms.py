"""The money page's withdraw form: it parses the amount in yuan; the rules live in the service."""

from django.utils.translation import gettext_lazy as _

from xiaodian.core.forms import DomainErrorForm, YuanField

from . import rules


class WithdrawForm(DomainErrorForm):
    field_aliases = {"amount_fen": "amount"}

    amount = YuanField(
        label=_("提现金额（元）"),
        min_fen=rules.WITHDRAWAL_MIN_FEN,
        max_fen=rules.WITHDRAWAL_MAX_FEN,
        help_text=_("从可提现余额转到店主的微信零钱；至少 1 元，每天最多 3 次。"),
    )
