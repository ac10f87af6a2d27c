"""The order's extension points: how the apps above orders take part in a checkout without orders
knowing them. Each registers in its `AppConfig.ready()` (core.extensions):

- `price_adjustments`: lower a line's unit price before the totals are made (the live room's price
  today; coupons next). Called outside the transaction, for reads only.
- `discounts`: take money off a store order once its lines are priced (coupons the buyer chose,
  full-reduction campaigns). Given the `CheckoutContext` and each store's priced lines
  (`StoreOrderDraft`), a provider answers `Discount`s per store order (amount, reason,
  reference); orders adds them up, caps them (`amounts.max_discount`: never more than the goods,
  and the order pays at least one fen), keeps them on the order (`Order.discounts`) and splits
  the total over the lines (`amounts.split_discount`). Called outside the transaction, for reads
  only; refusing (a coupon that cannot be used) is a DomainError. What a discount uses up (the
  coupon itself) is taken by the provider's hold.
- `holds`: take something of the app's own inside the checkout's transaction, after the orders
  and lines are written and before the SKU stock (the live room's flash-sale stock). Raising a
  DomainError refuses the checkout, and everything rolls back.
- `checkout_offers` (one provider): for the checkout page, the buyer's coupons per store order,
  each priced against it (what it would take off, or why it cannot be used), best first; the page
  preselects the first usable one and sends the choice as `coupon_ids`.
- `attributions`: say where a line's sale started and who promoted it (scene, source, promoter,
  sales channel), stored on the line; without one, a line carries its order's scene and source.
- `buyer_links`: small links the order page shows its buyer (business contacts: the consent page
  of a store still on the legacy customer service). Not part of a checkout; for reads only.

Each provider looks at the `CheckoutContext` and answers nothing when the checkout is not its
own (a live-room price only for a checkout whose source is that room). A replayed checkout calls
none of them.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from xiaodian.accounts.models import User
from xiaodian.core.extensions import ExtensionList, ExtensionPoint
from xiaodian.stores.models import Store

from .models import Checkout, Order, OrderLine


@dataclass(frozen=True)
class DraftLine:
    """A line as the checkout sees it before anything is written."""

    sku_id: int
    product_id: int
    store_id: int
    quantity: int
    list_price_fen: int  # the SKU's own price


@dataclass(frozen=True)
class CheckoutContext:
    buyer: User
    scene: int
    source_type: str
    source_id: int | None
    # A flow's own choices, part of the idempotency fingerprint (a live room's shelf item). Only
    # server code sets them: the API and the checkout page take none.
    options: Mapping[str, Any]
    lines: tuple[DraftLine, ...]
    # The buyer coupons chosen for this checkout (at most one per store order), for the discounts.
    coupon_ids: tuple[int, ...] = ()
    # Rows an extension loaded and wants again later in the same checkout (its price step and its
    # hold): keyed by the extension's own name.
    memo: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class PriceAdjustment:
    sku_id: int
    unit_price_fen: int  # what the line's unit costs after it; never above the list price
    reason: str  # e.g. "live_price"


@dataclass(frozen=True)
class PricedLine:
    sku_id: int
    product_id: int
    quantity: int
    unit_price_fen: int  # after the price adjustments

    @property
    def total_fen(self) -> int:
        return self.unit_price_fen * self.quantity


@dataclass(frozen=True)
class StoreOrderDraft:
    """One store's order of a checkout, priced, before its discounts."""

    store: Store
    lines: tuple[PricedLine, ...]

    @property
    def goods_fen(self) -> int:
        return sum(line.total_fen for line in self.lines)


@dataclass(frozen=True)
class Discount:
    store_id: int
    amount_fen: int  # > 0
    reason: str  # "coupon" | "campaign"
    reference: str  # what gave it, e.g. "coupon:12" (the buyer's coupon)
    label: str = ""  # shown on the order, e.g. "满 199 减 20"


@dataclass(frozen=True)
class Written:
    """What a new checkout wrote, handed to the holds inside its transaction."""

    checkout: Checkout
    orders: list[Order]
    lines: list[OrderLine]


@dataclass(frozen=True)
class Attribution:
    scene: int
    source_type: str = ""
    source_id: int | None = None
    promoter_id: int | None = None
    sales_channel: int | None = None


@dataclass(frozen=True)
class CouponOffer:
    """One of the buyer's coupons as the checkout page offers it for a store order."""

    coupon_id: int  # the buyer's coupon (what `coupon_ids` names)
    label: str  # e.g. "满 ¥199.00 减 ¥20.00 · 春季满减券"
    amount_fen: int  # what it would take off this store order (0 when it cannot be used)
    problem: str = ""  # why it cannot be used here ("" when it can)


def _no_offers(
    buyer: User, drafts: Mapping[int, StoreOrderDraft], source_type: str, source_id: int | None
) -> Mapping[int, list[CouponOffer]]:
    return {}


PriceAdjuster = Callable[[CheckoutContext], Iterable[PriceAdjustment]]
Hold = Callable[[CheckoutContext, Written], None]
Discounter = Callable[[CheckoutContext, Mapping[int, StoreOrderDraft]], Iterable[Discount]]
# {sku_id: Attribution} for the lines it attributes; the first provider to name a line wins.
Attributor = Callable[[CheckoutContext], Mapping[int, Attribution]]


@dataclass(frozen=True)
class PageLink:
    """A link on the buyer's order page: its element id, its label and where it goes."""

    id: str
    label: str
    url: str


# The links a provider adds to the buyer's page of the order (none when it has nothing to say).
BuyerLinks = Callable[[Order], Iterable[PageLink]]
# A closed order paid late takes again what it gave back when it closed (the coupon it used),
# inside the payment's transaction; a DomainError means it cannot, and the order is cancelled
# and its payment refunded, as one whose stock sold out meanwhile.
ReopenHold = Callable[[Order], None]

price_adjustments: ExtensionList[PriceAdjuster] = ExtensionList("orders.price_adjustments")
holds: ExtensionList[Hold] = ExtensionList("orders.holds")
discounts: ExtensionList[Discounter] = ExtensionList("orders.discounts")
attributions: ExtensionList[Attributor] = ExtensionList("orders.attributions")
reopen_holds: ExtensionList[ReopenHold] = ExtensionList("orders.reopen_holds")
buyer_links: ExtensionList[BuyerLinks] = ExtensionList("orders.buyer_links")
# {store id: offers, best first} for the checkout page (coupons registers it).
checkout_offers = ExtensionPoint("orders.checkout_offers", default=_no_offers)
