"""The touchpoints' endpoints: a promoter's public showcase, a live room's alliance products (the
creator adds and removes them; others get 404 or a refusal as {code, message}), the creator's
videos with whether each attributes, and a checkout through `POST /orders` naming a showcase, a
video or a room."""

import pytest

from xiaodian.alliance import services
from xiaodian.alliance.rules import PromoterKind
from xiaodian.content import services as content
from xiaodian.content.tests.conftest import mp4, png
from xiaodian.orders.models import OrderLine
from xiaodian.orders.rules import SalesChannel
from xiaodian.orders.tests.conftest import ADDRESS

pytestmark = pytest.mark.django_db


def checkout(api, sku, key, **source):
    body = {"items": [{"sku_id": sku.pk, "quantity": 1}], "address": ADDRESS, **source}
    return api.post("/orders", body, **{"Idempotency-Key": key})


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
