from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouponsConfig(AppConfig):
    name = "xiaodian.coupons"
    label = "coupons"
    verbose_name = _("优惠券")

    def ready(self) -> None:
        from xiaodian.content import cards
        from xiaodian.orders import extensions

        from . import receivers, selectors, services

        # A checkout takes the chosen coupons and the campaigns off each store order, and the
        # coupons are taken (used) inside its transaction.
        extensions.discounts.register(services.checkout_discounts)
        extensions.holds.register(services.take_coupons)
        # Coupons come back when their order closes unpaid or is fully refunded before they
        # expire; one returned by a closed order is taken again if the order is paid late (or,
        # used elsewhere meanwhile, the late payment is refunded).
        receivers.connect()
        extensions.reopen_holds.register(services.take_back_for_reopen)
        # The checkout page offers the buyer's coupons per store order, best first.
        extensions.checkout_offers.register(selectors.checkout_offers)
        # The store page, the product page and a live room's page show coupons to claim.
        cards.coupon_cards_resolver.register(selectors.coupon_cards)
