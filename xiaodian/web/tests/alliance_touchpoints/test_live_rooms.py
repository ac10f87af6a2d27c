"""Alliance products in a creator's live room (issue 19), with real live rooms: live and the
alliance are one layer and cannot import each other, so these tests sit above both. The creator
shows products it may promote in a live or scheduled room of its own (others: 404); the room page
lists them at the store's price; a purchase through the room (scene 2, `live_promotion`) while it
is live is the creator's, with the plan and ratios kept and the commission paid at payment; a
room not live, a stopped plan, a removed product attribute nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse

from xiaodian.alliance import services
from xiaodian.alliance.models import AttributedLine, LivePromotion
from xiaodian.alliance.rules import PromoterKind, Touchpoint
from xiaodian.alliance.tests.test_touchpoints import buy, promoted
from xiaodian.content import cards
from xiaodian.content import services as content
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.ledger import services as money
from xiaodian.ledger.models import LineCommission
from xiaodian.live import services as live
from xiaodian.orders.models import OrderLine
from xiaodian.orders.rules import SalesChannel, Scene
from xiaodian.orders.tests.conftest import ADDRESS, succeed

pytestmark = pytest.mark.django_db


def checkout(api, sku, key, **source):
    body = {"items": [{"sku_id": sku.pk, "quantity": 1}], "address": ADDRESS, **source}
    return api.post("/orders", body, **{"Idempotency-Key": key})


@pytest.fixture
def room_of():
    def make(promoter, start=True):
        room = live.schedule_live_room(
            owner=promoter.user,
            account_id=promoter.video_account_id,
            title="好物直播",
            scheduled_at=clock.now() + timedelta(hours=1),
        )
        if start:
            live.start_live_room(owner=promoter.user, room_id=room.pk)
        return room

    return make


@pytest.fixture
def room(creator):
    room = live.schedule_live_room(
        owner=creator.user,
        account_id=creator.video_account_id,
        title="好物直播",
        scheduled_at=clock.now() + timedelta(hours=1),
    )
    return live.start_live_room(owner=creator.user, room_id=room.pk)


# ---------------------------------------------------------------------------------- live rooms


def test_a_line_bought_from_a_live_rooms_alliance_product_is_the_creators(
    open_plan, product, sku, creator, buyer, room_of
):
    room = room_of(creator)
    services.add_live_promotion(user=creator.user, room_id=room.pk, product_id=product.pk)
    assert services.add_live_promotion(
        user=creator.user, room_id=room.pk, product_id=product.pk
    )  # again: same
    assert LivePromotion.objects.count() == 1
    (shown,) = cards.room_promotions(room.pk, creator.video_account_id)
    assert shown["url"] == f"/products/{product.pk}/?scene=2&source_type=live_promotion&source_id={room.pk}"
    assert shown["price_fen"] == 10_000  # the store's own price
    placed, lines = buy(
        buyer, (sku, 1), scene=Scene.LIVE_ROOM, source_type="live_promotion", source_id=room.pk
    )
    assert promoted(lines[product.pk]) == (
        creator.user_id,
        SalesChannel.CREATOR,
        2,
        "live_promotion",
        room.pk,
    )
    assert OrderLine.objects.get(pk=lines[product.pk].pk).unit_price_fen == 10_000
    kept = AttributedLine.objects.get()
    assert (kept.touchpoint, kept.link_id, kept.plan_id) == (Touchpoint.LIVE, None, open_plan.pk)
    succeed(placed.checkout)
    money.post_paid_orders(order_ids=[o.pk for o in placed.orders])
    assert LineCommission.objects.get().promoter_id == creator.user_id


def test_a_room_that_is_not_live_attributes_nothing(open_plan, product, sku, creator, buyer, room_of):
    room = room_of(creator, start=False)
    services.add_live_promotion(user=creator.user, room_id=room.pk, product_id=product.pk)
    _placed, lines = buy(
        buyer, (sku, 1), scene=Scene.LIVE_ROOM, source_type="live_promotion", source_id=room.pk
    )
    assert promoted(lines[product.pk])[:3] == (None, None, Scene.LIVE_ROOM)
    live.start_live_room(owner=creator.user, room_id=room.pk)
    live.end_live_room(owner=creator.user, room_id=room.pk)
    _placed, lines = buy(
        buyer, (sku, 1), scene=Scene.LIVE_ROOM, source_type="live_promotion", source_id=room.pk
    )
    assert promoted(lines[product.pk])[:2] == (None, None)
    assert AttributedLine.objects.count() == 0


def test_adding_to_a_live_room_is_refused(
    open_plan, product, make_sku, enabled, creator, make_promoter, room_of, make_user
):
    room = room_of(creator)
    stranger = make_promoter()
    with pytest.raises(DomainError) as refused:  # another creator's room
        services.add_live_promotion(user=stranger.user, room_id=room.pk, product_id=product.pk)
    assert refused.value.code == "not_found"
    with pytest.raises(DomainError) as refused:  # a sharer without a video account
        services.add_live_promotion(
            user=make_promoter(PromoterKind.SHARER).user, room_id=room.pk, product_id=product.pk
        )
    assert refused.value.code == "not_found"
    # a room of one's own, without being a promoter
    owner = make_user("not_a_promoter")
    account = content.create_video_account(owner=owner, name="普通号")
    own = live.schedule_live_room(
        owner=owner, account_id=account.pk, title="自己的直播", scheduled_at=clock.now() + timedelta(hours=1)
    )
    with pytest.raises(DomainError) as refused:
        services.add_live_promotion(user=owner, room_id=own.pk, product_id=product.pk)
    assert refused.value.code == "alliance_promoter_required"
    no_plan = make_sku(enabled, title="没有计划").product
    with pytest.raises(DomainError) as refused:
        services.add_live_promotion(user=creator.user, room_id=room.pk, product_id=no_plan.pk)
    assert refused.value.code == "alliance_not_promotable"
    live.end_live_room(owner=creator.user, room_id=room.pk)
    with pytest.raises(DomainError) as refused:  # an ended room
        services.add_live_promotion(user=creator.user, room_id=room.pk, product_id=product.pk)
    assert refused.value.code == "not_found"
    assert LivePromotion.objects.count() == 0


def test_a_stopped_plan_leaves_the_room_and_attributes_nothing(
    open_plan, product, sku, creator, buyer, room_of, merchant
):
    room = room_of(creator)
    services.add_live_promotion(user=creator.user, room_id=room.pk, product_id=product.pk)
    services.stop_plan(plan_id=open_plan.pk, by=merchant)
    assert cards.room_promotions(room.pk, creator.video_account_id) == []
    _placed, lines = buy(
        buyer, (sku, 1), scene=Scene.LIVE_ROOM, source_type="live_promotion", source_id=room.pk
    )
    assert promoted(lines[product.pk])[:2] == (None, None)


def test_the_room_page_shows_the_alliance_products(
    open_plan, product, creator, room_of, client, make_sku, enabled, make_plan, django_assert_max_num_queries
):
    room = room_of(creator)
    services.add_live_promotion(user=creator.user, room_id=room.pk, product_id=product.pk)
    for n in range(3):
        more = make_sku(enabled, title=f"联盟{n}").product
        make_plan(enabled, more)
        services.add_live_promotion(user=creator.user, room_id=room.pk, product_id=more.pk)
    client.get(reverse("live:room", args=[room.pk]))
    # session, room, shelf, comments, viewers; the alliance's rows, their plans, their cards
    with django_assert_max_num_queries(8):
        r = client.get(reverse("live:room", args=[room.pk]))
    html = r.content.decode()
    assert f'id="promotion-buy-{product.pk}"' in html and "联盟2" in html
    assert f"source_type=live_promotion&amp;source_id={room.pk}" in html


def test_a_live_source_must_name_a_room_with_alliance_products_and_fit_scene_2(
    open_plan, sku, buyer, creator, room_of
):
    room = room_of(creator)
    with pytest.raises(DomainError):  # no alliance product in the room: no such source
        buy(buyer, (sku, 1), scene=Scene.LIVE_ROOM, source_type="live_promotion", source_id=room.pk)
    services.add_live_promotion(user=creator.user, room_id=room.pk, product_id=sku.product_id)
    with pytest.raises(DomainError):  # scene 4 cannot name a live room
        buy(buyer, (sku, 1), scene=Scene.PRODUCT_SHARE, source_type="live_promotion", source_id=room.pk)


def test_the_touchpoints_page_puts_a_showcase_product_in_a_room(open_plan, product, creator, room_of, client):
    room = room_of(creator, start=False)
    services.add_showcase_item(promoter=creator, product_id=product.pk)
    client.force_login(creator.user)
    html = client.get(reverse("alliance:touchpoints")).content.decode()
    assert f"/alliance/showcase/{creator.pk}/" in html and f'id="add-live-{room.pk}"' in html
    r = client.post(
        reverse("alliance:touchpoints"), {"action": "add_live", "room_id": room.pk, "product_id": product.pk}
    )
    assert r.status_code == 302 and LivePromotion.objects.get().room_id == room.pk
    html = client.get(reverse("alliance:touchpoints")).content.decode()
    assert f'id="room-{room.pk}-product-{product.pk}"' in html
    client.post(
        reverse("alliance:touchpoints"),
        {"action": "remove_live", "room_id": room.pk, "product_id": product.pk},
    )
    assert LivePromotion.objects.count() == 0
    # another's room: the refusal is a message, nothing is written
    r = client.post(
        reverse("alliance:touchpoints"),
        {"action": "add_live", "room_id": 999_999, "product_id": product.pk},
        follow=True,
    )
    assert "未找到。" in r.content.decode()
    assert LivePromotion.objects.count() == 0
    assert (
        client.post(reverse("alliance:touchpoints"), {"action": "add_live", "room_id": "x"}).status_code
        == 404
    )


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


def test_the_alliance_reads_the_live_apps_own_state_name():
    """The alliance cannot import live: the state it looks for in content's room listing is live's."""
    from xiaodian.alliance.rules import ROOM_ON_AIR
    from xiaodian.live.rules import RoomState

    assert ROOM_ON_AIR == RoomState.LIVE
