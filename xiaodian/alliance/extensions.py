"""The alliance's extension point: touchpoints of the apps above it.

A promoter promotes through the alliance's own touchpoints (links, showcases, short videos, live
rooms: `services._claims`) and through those of apps above it, which register here, by the
order source type they own, what a checkout's source promoted:

    alliance.extensions.promotions.register("social_share", selectors.promotion)

A provider answers a `Promotion` (the user who promoted, the checkout's products it showed) or
None. The alliance then attributes those products exactly as for its own touchpoints: the
promoter's best plan for each, the buyer not the promoter, the plan's ratios kept beside the line.
"""

from collections.abc import Callable
from dataclasses import dataclass

from xiaodian.orders.extensions import CheckoutContext


@dataclass(frozen=True)
class Promotion:
    user_id: int  # who promoted (the user of a promoter, if they are one)
    product_ids: frozenset[int]  # the checkout's products the source showed


PromotionOf = Callable[[CheckoutContext], Promotion | None]


class Promotions:
    """Providers by source type; registering the same provider again is a no-op (ready() may run
    twice), another one for a taken type is a mistake."""

    def __init__(self) -> None:
        self._by_type: dict[str, PromotionOf] = {}

    def register(self, source_type: str, provider: PromotionOf) -> None:
        existing = self._by_type.get(source_type)
        if existing is not None and existing is not provider:
            raise ValueError(f"alliance promotions: {source_type!r} is already registered")
        self._by_type[source_type] = provider

    def get(self, source_type: str) -> PromotionOf | None:
        return self._by_type.get(source_type)


promotions = Promotions()
