"""The data center's public/private split (DOMAIN.md "Orders"): the private domain counts only
scenes a source verified; a checkout that claims a chat without a share it could have seen counts
as scene 1, public."""

from xiaodian.analytics import selectors as analytics
from xiaodian.analytics.rules import TZ
from xiaodian.core import clock
from xiaodian.orders.models import Order
from xiaodian.shares.models import Share
from xiaodian.shares.tests.conftest import buy_and_pay


def test_the_data_centre_counts_only_verified_private_scenes(buyer, store, make_sku, share_card, members):
    sku = make_sku(store, price_fen=1_000, stock=10)
    share_card("product", sku.product_id)
    members[("chat", 7)].add(buyer.pk)
    share = Share.objects.get()
    buy_and_pay(buyer, sku, 9, "", None, "d1")  # claims a chat, names nothing
    buy_and_pay(buyer, sku, 10, "social_share", share.pk, "d2")  # a chat's share claimed as a group's
    buy_and_pay(buyer, sku, 9, "social_share", share.pk, "d3")  # verified
    assert sorted(Order.objects.values_list("scene", flat=True)) == [1, 1, 9]
    today = clock.now().astimezone(TZ).date()
    report = analytics.store_report(store, today, today)
    assert (report.totals.private.orders, report.totals.public.orders) == (1, 2)
    assert report.totals.by_scene[9].orders == 1 and report.totals.by_scene[1].orders == 2
