"""The ledger's extension point: who else is paid from an order line when it is paid.

The alliance (above the ledger) knows which lines a promoter reached and at what ratios; the
ledger moves the money. At payment, `post_payment` asks every registered provider for the claims
on the orders it posts and puts them in the payment's own journal: the store's pending is credited
with the paid amount less the technical service fee and the claims, each promoter's pending with
theirs (DOMAIN.md "Money"). A claim's amount is the line's paid share × its ratio, rounded down to
the fen, so it never exceeds ratio × paid; refunds lower it in proportion and the line's after-sale
period settles it (services.post_line_refund, services.settle_line).

    # alliance/apps.py, in AllianceConfig.ready()
    ledger_extensions.commissions.register(selectors.commission_claims)
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from xiaodian.core.extensions import ExtensionList


@dataclass(frozen=True)
class CommissionClaim:
    line_id: int
    promoter_id: int  # the user paid: a creator, a sharer, or an agency (its service fee)
    kind: str  # rules.ClaimKind: "commission" or "service"
    ratio_ppm: int  # of the line's paid amount, fixed when the order is paid
    reference: str  # the claimant's own key for it (the alliance's commission order), unique


# Given the ids of orders being posted as paid, the claims on their lines (none for most orders).
Commissioner = Callable[[list[int]], Iterable[CommissionClaim]]

commissions: ExtensionList[Commissioner] = ExtensionList("ledger.commissions")
