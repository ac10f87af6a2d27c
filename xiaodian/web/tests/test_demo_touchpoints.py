"""The demo's touchpoints (issue 5): every demo store has a linked official account with an
article, a linked video account with a short video and a scheduled live room, and a published
homepage; its touchpoint report shows them. And its order history (issue 7): two months of orders
through every step, so the data center has charts and the flagship a store score."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from xiaodian.accounts.models import User
from xiaodian.aftersales.models import AfterSale
from xiaodian.aftersales.rules import QUALITY_REASONS, SUCCEEDED
from xiaodian.catalog.models import SKU
from xiaodian.content.models import Video
from xiaodian.core.scenes import PRIVATE_DOMAIN
from xiaodian.coupons.models import Campaign, Coupon
from xiaodian.live.models import LiveRoom
from xiaodian.orders.models import Order
from xiaodian.orders.rules import Status
from xiaodian.reviews.models import Review
from xiaodian.scoring.days import today, window
from xiaodian.scoring.models import CurrentScore
from xiaodian.stores import selectors, touchpoints
from xiaodian.stores.models import Homepage, Store
from xiaodian.web.demo import DEMO_VIDEO, PRODUCTS


@pytest.mark.django_db
def test_each_demo_store_is_connected_everywhere_the_demo_promises(client):
    call_command("demo", no_serve=True, stdout=io.StringIO())
    demo_stores = Store.objects.filter(staff__user__username="merchant", staff__role="owner")
    assert demo_stores.count() == 4
    for store in demo_stores:
        (official,) = selectors.links_of(store, kind="official_account", state="bound")
        assert official.official_account.articles.filter(state="published").exists()
        (video,) = selectors.links_of(store, kind="video_account", state="bound")
        assert video.video_account.videos.filter(state="published").exists()
        assert LiveRoom.objects.filter(account=video.video_account, state="scheduled").exists()
        homepage = Homepage.objects.get(store=store)
        assert homepage.version == 1
        assert {"banner", "articles", "videos"} <= {m["type"] for m in homepage.published}
        connected = {line.key for line in touchpoints.report(store).lines if line.connected}
        assert {"search", "official_account", "video_account", "homepage"} <= connected
    # A store with listed products also has them on its live shelf.
    tea = demo_stores.get(name="山野官方旗舰店")
    assert {line.key for line in touchpoints.report(tea).lines if line.connected} == {
        "search",
        "official_account",
        "video_account",
        "homepage",
        "live_shelf",
        "mini_program",
    }
    # The creator has an invitation waiting for her answer.
    creator = User.objects.get(username="creator")
    assert selectors.invitations_for(creator, state="invited").count() == 1
    # The flagship's promotions (issue 20): a store coupon on its page, a live coupon of its room,
    # a running campaign over its listed products.
    store_coupon = Coupon.objects.get(store=tea, kind="store", state="active")
    live_coupon = Coupon.objects.get(store=tea, kind="live", state="active")
    assert LiveRoom.objects.get(pk=live_coupon.live_room_id).account.store_links.filter(store=tea).exists()
    campaign = Campaign.objects.get(store=tea, state="active")
    assert set(campaign.products.values_list("pk", flat=True)) == set(
        tea.products.filter(state="listed").values_list("pk", flat=True)
    )
    page = client.get(f"/shop/{tea.pk}/").content.decode()
    assert f'id="coupon-card-{store_coupon.pk}"' in page and "新客满减券" in page


@pytest.mark.django_db
def test_the_demo_videos_are_served_by_this_site(client):
    """Offline-complete (issue 14): the demo's short video is the shipped file, uploaded like a
    merchant's and served from this site's media, not a link to another host."""
    call_command("demo", no_serve=True, stdout=io.StringIO())
    videos = list(Video.objects.all())
    assert videos and all(video.file and not video.url for video in videos)
    body = b"".join(client.get(videos[0].file.url).streaming_content)
    assert body == DEMO_VIDEO.read_bytes() and body[:4] == b"\x1a\x45\xdf\xa3"  # a WebM (EBML) file
    assert 0 < len(body) <= 512 * 1024


@pytest.mark.django_db
def test_the_demo_has_two_months_of_orders_and_the_flagship_has_a_score():
    call_command("demo", no_serve=True, stdout=io.StringIO())
    flagship = Store.objects.get(name="山野官方旗舰店")
    clothes = Store.objects.get(name="拾光服饰")
    start, end = window(today())
    paid = Order.objects.filter(store=flagship, paid_at__gte=start, paid_at__lt=end)

    # Enough qualifying orders for a score (docs/scoring.md), scored right away; 拾光服饰 has orders
    # but too few: "no score yet".
    assert paid.count() >= 30
    assert CurrentScore.objects.get(store=flagship).value is not None
    assert Order.objects.filter(store=clothes, paid_at__isnull=False).exists()
    assert CurrentScore.objects.filter(store=clothes, value__isnull=False).count() == 0

    # Spread over scenes (the private domain too) and days, as the data center charts them.
    scenes = set(paid.values_list("scene", flat=True))
    assert len(scenes) >= 6 and scenes & PRIVATE_DOMAIN
    days = {timezone.localtime(order.paid_at).date() for order in paid}
    assert len(days) >= 15 and (max(days) - min(days)).days >= 30
    # Mostly shipped within 48 hours, a few late; received, reviewed (a bad review too), refunded.
    shipped = [o for o in paid if o.shipped_at is not None]
    late = [o for o in shipped if o.shipped_at - o.paid_at > timedelta(hours=48)]
    assert 1 <= len(late) <= len(shipped) // 5
    assert paid.filter(status=Status.COMPLETED).count() >= 30
    assert Review.objects.filter(store=flagship, rating__lte=2).exists()
    refunded = AfterSale.objects.filter(store=flagship, state__in=SUCCEEDED)
    assert {(a.kind, a.reason_code in QUALITY_REASONS) for a in refunded} == {
        ("refund", False),
        ("return", True),
    }
    assert Order.objects.filter(store=flagship, status=Status.CANCELLED_UNPAID).exists()

    # Half of each SKU's stock is left for the demo's own buyers; `buyer` starts with no orders.
    seeded = {
        (title, tuple(sorted(specs.items()))): stock
        for products in PRODUCTS.values()
        for title, _leaf, _text, skus, *_rest in products
        for specs, _price, stock in skus
    }
    for sku in SKU.objects.select_related("product"):
        assert sku.stock >= seeded[(sku.product.title, tuple(sorted(sku.specs.items())))] // 2, sku
    assert not Order.objects.filter(buyer__username="buyer").exists()
