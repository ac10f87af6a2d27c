"""The touchpoints' endpoints: a promoter's public showcase, a live room's alliance products (the
creator adds and removes them; others get 404 or a refusal as {code, message}), the creator's
videos with whether each attributes, and a checkout through `POST /orders` naming a showcase, a
video or a room."""

from datetime import timedelta

import pytest

from xiaodian.alliance import services
from xiaodian.alliance.models import AttributedLine
from xiaodian.alliance.rules import PromoterKind, Touchpoint
from xiaodian.content import services as content
from xiaodian.content.tests.conftest import mp4, png
from xiaodian.core import clock
from xiaodian.live import services as live
from xiaodian.orders.models import OrderLine
from xiaodian.orders.rules import SalesChannel
from xiaodian.orders.tests.conftest import ADDRESS

pytestmark = pytest.mark.django_db


def checkout(api, sku, key, **source):
    body = {"items": [{"sku_id": sku.pk, "quantity": 1}], "address": ADDRESS, **source}
    return api.post("/orders", body, **{"Idempotency-Key": key})


@pytest.fixture
def room(creator):
    room = live.schedule_live_room(
        owner=creator.user,
        account_id=creator.video_account_id,
        title="好物直播",
        scheduled_at=clock.now() + timedelta(hours=1),
    )
    return live.start_live_room(owner=creator.user, room_id=room.pk)


def test_the_public_showcase(api_for, open_plan, product, creator, merchant):
    services.add_showcase_item(promoter=creator, product_id=product.pk)
    r = api_for(None).get(f"/alliance/promoters/{creator.pk}/showcase")
    assert r.status_code == 200 and r.json()["count"] == 1
    (item,) = r.json()["items"]
    assert (item["product_id"], item["title"], item["price_fen"]) == (product.pk, "山茶花精华", 10_000)
    assert item["url"] == f"/products/{product.pk}/?scene=3&source_type=showcase&source_id={creator.pk}"
    services.stop_plan(plan_id=open_plan.pk, by=merchant)
    assert api_for(None).get(f"/alliance/promoters/{creator.pk}/showcase").json() == {"items": [], "count": 0}
    assert api_for(None).get("/alliance/promoters/999999/showcase").status_code == 404


def test_a_sharers_showcase_is_a_product_share(api_for, open_plan, product, make_promoter):
    sharer = make_promoter(PromoterKind.SHARER)
    services.add_showcase_item(promoter=sharer, product_id=product.pk)
    (item,) = api_for(None).get(f"/alliance/promoters/{sharer.pk}/showcase").json()["items"]
    assert "scene=4&source_type=showcase" in item["url"]


def test_checkout_through_the_api_from_a_showcase(api_for, open_plan, product, creator, buyer):
    services.add_showcase_item(promoter=creator, product_id=product.pk)
    sku = product.skus.get()
    r = checkout(api_for(buyer), sku, "s1", scene=3, source_type="showcase", source_id=creator.pk)
    assert r.status_code == 201, r.content
    line = OrderLine.objects.get()
    assert (line.promoter_id, line.sales_channel) == (creator.user_id, SalesChannel.CREATOR)
    r = checkout(api_for(buyer), sku, "s2", scene=6, source_type="showcase", source_id=creator.pk)
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (422, "validation_error", "source_type")


def test_live_room_promotions(api_for, open_plan, product, creator, room, make_promoter, buyer):
    creator_api = api_for(creator.user)
    path = f"/alliance/live-rooms/{room.pk}/promotions"
    r = creator_api.post(path, {"product_id": product.pk})
    assert r.status_code == 201, r.content
    assert (r.json()["room_id"], r.json()["product_id"], r.json()["promoter_id"]) == (
        room.pk,
        product.pk,
        creator.pk,
    )
    assert creator_api.post(path, {"product_id": product.pk}).status_code == 201  # again: the same
    listed = api_for(None).get(path).json()
    assert listed["count"] == 1 and listed["items"][0]["url"].endswith(
        f"?scene=2&source_type=live_promotion&source_id={room.pk}"
    )
    # another creator's room: 404; a sharer: no video account; a product without a plan: refused
    other = make_promoter()
    assert api_for(other.user).post(path, {"product_id": product.pk}).status_code == 404
    sharer = make_promoter(PromoterKind.SHARER)
    assert api_for(sharer.user).post(path, {"product_id": product.pk}).status_code == 404
    r = creator_api.post(path, {"product_id": 999_999})
    assert (r.status_code, r.json()["code"]) == (409, "alliance_not_promotable")
    assert api_for(buyer).post(path, {"product_id": product.pk}).status_code == 404
    assert creator_api.post(path, {"product_id": "1"}).status_code == 422
    # a purchase through the room while it is live
    r = checkout(
        api_for(buyer), product.skus.get(), "l1", scene=2, source_type="live_promotion", source_id=room.pk
    )
    assert r.status_code == 201, r.content
    assert AttributedLine.objects.get().touchpoint == Touchpoint.LIVE
    # remove: another's room is a 404; the creator's removes it; again is a no-op
    assert api_for(other.user).delete(f"{path}/{product.pk}").status_code == 404
    assert api_for(None).get(path).json()["count"] == 1
    assert creator_api.delete(f"{path}/{product.pk}").status_code == 204
    assert creator_api.delete(f"{path}/{product.pk}").status_code == 204
    assert api_for(None).get(path).json()["count"] == 0


def test_a_bare_live_room_source_stays_refused(api_for, open_plan, product, room, buyer):
    """The room's own source is bought only through its flash-sale flow, as before."""
    r = checkout(
        api_for(buyer), product.skus.get(), "r1", scene=2, source_type="live_room", source_id=room.pk
    )
    assert r.status_code == 422


def test_my_videos_say_whether_they_attribute(api_for, open_plan, product, creator, buyer, make_sku, enabled):
    other = make_sku(enabled, title="没有计划").product
    made = []
    for product_id in (product.pk, other.pk):
        video = content.create_video(
            owner=creator.user,
            account_id=creator.video_account_id,
            title="开箱",
            cover=png(),
            file=mp4(),
            product_id=product_id,
        )
        content.publish_video(owner=creator.user, video_id=video.pk)
        made.append(video)
    rows = api_for(creator.user).get("/alliance/videos").json()
    assert [(v["video_id"], v["attributes"], v["plan_id"]) for v in rows] == [
        (made[1].pk, False, None),
        (made[0].pk, True, open_plan.pk),
    ]
    assert api_for(buyer).get("/alliance/videos").json()["code"] == "alliance_promoter_required"
    r = checkout(api_for(buyer), product.skus.get(), "v1", scene=3, source_type="video", source_id=made[0].pk)
    assert r.status_code == 201
    assert OrderLine.objects.get().promoter_id == creator.user_id
