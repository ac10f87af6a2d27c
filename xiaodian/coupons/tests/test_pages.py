"""The discount on the order page, and the offers a checkout page can make from the buyer's coupons."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from xiaodian.core import clock
from xiaodian.coupons import selectors, services
from xiaodian.coupons.models import Coupon
from xiaodian.orders.models import Order
from xiaodian.orders.tests.test_pages import block


@pytest.fixture
def buyer_client(buyer):
    client = Client()
    client.force_login(buyer)
    return client


def test_the_order_page_shows_the_coupon_and_what_it_took_off(
    make_coupon, make_sku, store, buyer, place, buyer_client
):
    coupon = make_coupon(name="春季满减券")
    held = services.claim_coupon(buyer=buyer, coupon_id=coupon.pk)
    order = Order.objects.get(checkout=place(make_sku(store, price_fen=20_000), 1, coupon_ids=[held.pk]))
    amounts = block(buyer_client.get(reverse("orders:order_detail", args=[order.pk])), "amounts")
    assert "春季满减券" in amounts and "-¥20.00" in amounts and "¥180.00" in amounts


def test_the_buyers_coupons_are_offered_best_first_with_the_reasons_of_the_others(
    make_coupon, make_sku, store, buyer
):
    small = services.claim_coupon(
        buyer=buyer, coupon_id=make_coupon(threshold_fen=0, discount_type="amount_off", amount_fen=500).pk
    )
    big = services.claim_coupon(buyer=buyer, coupon_id=make_coupon().pk)  # ¥20 off ¥199
    far = services.claim_coupon(
        buyer=buyer, coupon_id=make_coupon(threshold_fen=100_000, amount_fen=5_000).pk
    )
    sku = make_sku(store, price_fen=20_000)
    draft = selectors.draft_of(store, [(sku.pk, sku.product_id, 1, 20_000)])
    offers = selectors.offers(buyer, draft, clock.now())
    assert [(o.held.pk, o.amount_fen, o.reason) for o in offers] == [
        (big.pk, 2_000, ""),
        (small.pk, 500, ""),
        (far.pk, 0, "threshold"),
    ]


@pytest.fixture
def merchant_client(merchant):
    client = Client()
    client.force_login(merchant)
    return client


def test_a_merchant_creates_and_stops_a_coupon_and_sees_its_report(
    merchant_client, store, buyer, place, make_sku
):
    url = reverse("coupons:store_coupons", args=[store.pk])
    assert merchant_client.get(url).status_code == 200
    form = {
        "action": "create",
        "name": "新客立减",
        "discount_type": "threshold_off",
        "amount": "20",
        "threshold": "199",
        "claim_ends": (clock.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "valid_days": "7",
        "total_quantity": "100",
        "per_buyer_limit": "1",
        "issue": "on",
    }
    assert merchant_client.post(url, form).status_code == 302
    coupon = Coupon.objects.get(store=store)
    assert (coupon.amount_fen, coupon.threshold_fen, coupon.state) == (2_000, 19_900, "active")
    bad = merchant_client.post(url, form | {"amount": "199"})  # not below the threshold
    assert bad.status_code == 200 and Coupon.objects.count() == 1
    held = services.claim_coupon(buyer=buyer, coupon_id=coupon.pk)
    place(make_sku(store, price_fen=20_000), 1, coupon_ids=[held.pk])
    report = block(merchant_client.get(url), f"coupon-{coupon.pk}")
    assert "1 / 100" in report and "¥180.00" in report and "¥20.00" in report
    assert merchant_client.post(url, {"action": "stop", "coupon_id": coupon.pk}).status_code == 302
    assert Coupon.objects.get(pk=coupon.pk).state == "stopped"


def test_a_stranger_does_not_see_a_stores_coupons(signed_in_stranger, store):
    assert signed_in_stranger.get(reverse("coupons:store_coupons", args=[store.pk])).status_code == 404


@pytest.fixture
def signed_in_stranger(make_user):
    client = Client()
    client.force_login(make_user("stranger"))
    return client


def test_a_buyer_claims_on_the_stores_coupon_page_and_finds_it_in_my_coupons(
    make_coupon, store, buyer_client
):
    coupon = make_coupon(name="到店有礼")
    url = reverse("coupons:shop_coupons", args=[store.pk])
    assert "到店有礼" in block(buyer_client.get(url), "claimable")
    assert buyer_client.post(url, {"coupon_id": coupon.pk}).status_code == 302
    assert (
        buyer_client.post(url, {"coupon_id": coupon.pk}).status_code == 302
    )  # the limit: a message, not a 500
    mine = block(buyer_client.get(reverse("coupons:mine")), "usable")
    assert "到店有礼" in mine and "满 ¥199.00 减 ¥20.00" in mine
    assert Coupon.objects.get(pk=coupon.pk).claimed_count == 1


def test_claiming_signed_out_asks_to_sign_in(make_coupon, store, client):
    coupon = make_coupon()
    r = client.post(reverse("coupons:shop_coupons", args=[store.pk]), {"coupon_id": coupon.pk})
    assert r.status_code == 302 and "login" in r.url


def test_the_money_breakdown_shows_the_discount(
    make_coupon, make_sku, store, buyer, place, merchant_client, django_capture_on_commit_callbacks
):
    from xiaodian.orders.tests.conftest import succeed

    held = services.claim_coupon(buyer=buyer, coupon_id=make_coupon().pk)
    checkout = place(make_sku(store, price_fen=20_000), 1, coupon_ids=[held.pk])
    with django_capture_on_commit_callbacks(execute=True):
        succeed(checkout)
    order = Order.objects.get(checkout=checkout)
    page = merchant_client.get(reverse("ledger:order_money", args=[store.pk, order.pk]))
    breakdown = block(page, "breakdown")
    assert "¥200.00" in breakdown and "-¥20.00" in breakdown and "¥180.00" in breakdown


def test_the_checkout_page_offers_the_best_coupon_and_places_the_order_with_it(
    make_coupon, make_sku, store, buyer, buyer_client
):
    from xiaodian.orders.tests.conftest import ADDRESS

    small = services.claim_coupon(
        buyer=buyer,
        coupon_id=make_coupon(threshold_fen=0, discount_type="amount_off", amount_fen=500, name="小券").pk,
    )
    big = services.claim_coupon(buyer=buyer, coupon_id=make_coupon(name="大券").pk)  # ¥20 off ¥199
    sku = make_sku(store, price_fen=20_000)
    page = buyer_client.get(reverse("orders:checkout"), {"sku": sku.pk, "quantity": 1})
    html = page.content.decode()
    assert f'<option value="{big.pk}" selected>' in html and f'<option value="{small.pk}">' in html
    assert block(page, f"coupon-off-{store.pk}") == "优惠券 -¥20.00"
    assert block(page, "checkout-total") == "¥180.00"
    form = {
        "key": "page-coupon",
        "line": f"{sku.pk}:1",
        "scene": "1",
        "address_id": "new",
        **ADDRESS,
        f"coupon_{store.pk}": str(small.pk),
    }
    r = buyer_client.post(reverse("orders:checkout"), form)
    order = Order.objects.get(buyer=buyer)
    assert r.status_code == 302, r.content.decode()[:500]
    assert (order.discount_fen, order.total_fen) == (500, 19_500)


def test_a_coupon_chosen_on_the_page_that_is_gone_meanwhile_is_refused_not_dropped(
    make_coupon, make_sku, store, buyer, buyer_client, place
):
    from xiaodian.orders.tests.conftest import ADDRESS

    held = services.claim_coupon(buyer=buyer, coupon_id=make_coupon().pk)
    sku = make_sku(store, price_fen=20_000, stock=5)
    place(sku, 1, coupon_ids=[held.pk])  # used in another tab meanwhile
    form = {
        "key": "gone",
        "line": f"{sku.pk}:1",
        "scene": "1",
        "address_id": "new",
        **ADDRESS,
        f"coupon_{store.pk}": str(held.pk),
    }
    r = buyer_client.post(reverse("orders:checkout"), form)
    assert r.status_code == 422 and "这张优惠券已经用过了" in r.content.decode()
    assert Order.objects.filter(buyer=buyer).count() == 1


def _coupon_form(**changes) -> dict:
    return {
        "action": "create",
        "name": "券",
        "discount_type": "amount_off",
        "amount": "5",
        "claim_ends": (clock.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "valid_days": "7",
        "total_quantity": "10",
        "per_buyer_limit": "1",
        "issue": "on",
    } | changes


def test_a_merchant_creates_a_product_coupon_and_a_live_coupon_on_the_page(
    merchant_client, store, make_sku, room, bound
):
    url = reverse("coupons:store_coupons", args=[store.pk])
    sku = make_sku(store, title="山茶花精华")
    page = merchant_client.get(url)
    html = page.content.decode()
    assert "山茶花精华" in block(page, "field-product_ids")
    assert f'<option value="{room.pk}">' in html  # the bound account's scheduled room

    r = merchant_client.post(url, _coupon_form(name="精华专享", kind="product", product_ids=[sku.product_id]))
    assert r.status_code == 302
    coupon = Coupon.objects.get(name="精华专享")
    assert coupon.kind == "product" and list(coupon.products.values_list("pk", flat=True)) == [sku.product_id]
    assert "山茶花精华" in block(merchant_client.get(url), f"coupon-{coupon.pk}")

    r = merchant_client.post(url, _coupon_form(name="直播专享", kind="live", live_room_id=str(room.pk)))
    assert r.status_code == 302
    assert Coupon.objects.get(name="直播专享").live_room_id == room.pk

    # refusals in place: a product coupon without products, a live coupon without a room
    r = merchant_client.post(url, _coupon_form(name="坏券", kind="product"))
    assert r.status_code == 200 and "商品券须选择" in block(r, "field-product_ids")
    r = merchant_client.post(url, _coupon_form(name="坏券", kind="live"))
    assert r.status_code == 200 and "直播券须指定" in r.content.decode()
    assert not Coupon.objects.filter(name="坏券").exists()


def test_a_merchant_creates_a_campaign_with_tiers_and_stops_it(merchant_client, store, make_sku):
    from xiaodian.coupons.models import Campaign

    url = reverse("coupons:store_coupons", args=[store.pk])
    sku = make_sku(store, title="羊毛围巾")
    form = {
        "action": "campaign",
        "campaign-name": "冬季满减",
        "campaign-product_ids": [sku.product_id],
        "campaign-threshold_1": "199",
        "campaign-off_1": "20",
        "campaign-threshold_2": "299",
        "campaign-off_2": "40",
        "campaign-ends": (clock.now() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
    }
    assert merchant_client.post(url, form).status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.tiers == [[19_900, 2_000], [29_900, 4_000]] and campaign.state == "active"
    shown = block(merchant_client.get(url), f"campaign-{campaign.pk}")
    assert "冬季满减" in shown and "满 ¥199.00 减 ¥20.00" in shown and "满 ¥299.00 减 ¥40.00" in shown

    bad = merchant_client.post(url, form | {"campaign-off_2": "10"})  # tiers must rise
    assert bad.status_code == 200 and "档位递增" in bad.content.decode() and Campaign.objects.count() == 1

    r = merchant_client.post(url, {"action": "stop_campaign", "campaign_id": campaign.pk})
    assert r.status_code == 302 and Campaign.objects.get().state == "stopped"
    assert merchant_client.post(url, {"action": "stop_campaign", "campaign_id": 99_999}).status_code == 404


def test_the_checkout_page_shows_a_running_campaign_before_placing_and_the_order_page_lists_both(
    make_coupon, make_sku, store, buyer, buyer_client
):
    from xiaodian.orders.tests.conftest import ADDRESS

    sku = make_sku(store, price_fen=20_000)
    services.create_campaign(
        store=store,
        name="冬季满减",
        product_ids=[sku.product_id],
        tiers=[[15_000, 1_500], [30_000, 4_000]],
        starts_at=clock.now() - timedelta(minutes=1),
        ends_at=clock.now() + timedelta(days=3),
    )
    held = services.claim_coupon(buyer=buyer, coupon_id=make_coupon(name="春季满减券").pk)  # ¥20 off ¥199
    page = buyer_client.get(reverse("orders:checkout"), {"sku": sku.pk, "quantity": 1})
    assert block(page, f"campaign-off-{store.pk}-1") == "满减活动 · 冬季满减 -¥15.00"
    assert block(page, f"coupon-off-{store.pk}") == "优惠券 -¥20.00"
    assert block(page, "checkout-total") == "¥165.00"  # what the order will cost
    form = {
        "key": "campaign-page",
        "line": f"{sku.pk}:1",
        "scene": "1",
        "address_id": "new",
        **ADDRESS,
        f"coupon_{store.pk}": str(held.pk),
    }
    assert buyer_client.post(reverse("orders:checkout"), form).status_code == 302
    order = Order.objects.get(buyer=buyer)
    assert (order.discount_fen, order.total_fen) == (3_500, 16_500)
    amounts = block(buyer_client.get(reverse("orders:order_detail", args=[order.pk])), "amounts")
    assert "冬季满减" in amounts and "-¥15.00" in amounts
    assert "春季满减券" in amounts and "-¥20.00" in amounts and "¥165.00" in amounts


def test_without_campaigns_the_checkout_page_costs_no_more_queries(
    make_sku, store, buyer_client, django_assert_max_num_queries
):
    sku = make_sku(store, price_fen=20_000)
    url = reverse("orders:checkout")
    buyer_client.get(url, {"sku": sku.pk, "quantity": 1})
    with django_assert_max_num_queries(10) as counted:
        buyer_client.get(url, {"sku": sku.pk, "quantity": 1})
    assert not any("coupons_campaign" in q["sql"] for q in counted.captured_queries)


def test_the_order_csv_export_has_the_discount(make_coupon, make_sku, store, buyer, place, merchant_client):
    import csv
    import io

    from xiaodian.orders.tests.conftest import succeed

    held = services.claim_coupon(buyer=buyer, coupon_id=make_coupon().pk)  # ¥20 off ¥199
    succeed(place(make_sku(store, price_fen=20_000), 1, coupon_ids=[held.pk]))
    response = merchant_client.get(reverse("orders:store_orders_export", args=[store.pk]))
    text_ = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text_)))
    row = dict(zip(header, rows[0], strict=True))
    assert (row["商品金额（元）"], row["优惠（元）"], row["实付金额（元）"]) == ("200.00", "20.00", "180.00")
