"""The live-room rules (DOMAIN.md "Live rooms", docs/live.md): the room's states, who manages it,
the shelf (bound stores only, live price bounds, one pinned item), comments, and buying."""

import io
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from xiaodian.accounts.rules import Role
from xiaodian.catalog.models import SKU, Product
from xiaodian.content import services as content
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.tests.qr import qr_code_upload
from xiaodian.live import rules, selectors, services
from xiaodian.live.models import FlashHold, LiveComment, LiveRoom, LiveViewer, ShelfItem
from xiaodian.live.rules import RoomState
from xiaodian.orders import services as orders
from xiaodian.orders.models import Checkout, Order
from xiaodian.orders.rules import Scene, Status
from xiaodian.stores import services as stores
from xiaodian.stores.models import StoreLink, StoreStaff


def refused(code: str, call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value
    return caught.value


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "red").save(buffer, "PNG")
    return SimpleUploadedFile("cover.png", buffer.getvalue(), content_type="image/png")


def schedule(owner, account, **overrides):
    kwargs = {"title": "新品直播", "scheduled_at": clock.now() + timedelta(hours=2), **overrides}
    return services.schedule_live_room(owner=owner, account_id=account.pk, **kwargs)


# ------------------------------------------------------------------------------------ rooms


def test_a_room_goes_scheduled_live_ended_and_no_further(creator, room):
    assert room.state == RoomState.SCHEDULED and room.started_at is None
    live = services.start_live_room(owner=creator, room_id=room.pk)
    assert live.state == RoomState.LIVE and live.started_at is not None
    refused("invalid_transition", services.start_live_room, owner=creator, room_id=room.pk)
    ended = services.end_live_room(owner=creator, room_id=room.pk)
    assert ended.state == RoomState.ENDED and ended.ended_at is not None
    refused("invalid_transition", services.start_live_room, owner=creator, room_id=room.pk)
    refused("invalid_transition", services.end_live_room, owner=creator, room_id=room.pk)
    assert LiveRoom.objects.get(pk=room.pk).state == RoomState.ENDED


def test_a_scheduled_room_can_be_called_off(creator, room):
    ended = services.end_live_room(owner=creator, room_id=room.pk)
    assert (ended.state, ended.started_at) == (RoomState.ENDED, None)


def test_one_live_room_per_video_account(creator, channel, live_room, make_user):
    second = schedule(creator, channel)
    refused("live_room_already_live", services.start_live_room, owner=creator, room_id=second.pk)
    # the database refuses it too
    with pytest.raises(IntegrityError), transaction.atomic():
        LiveRoom.objects.filter(pk=second.pk).update(state=RoomState.LIVE, started_at=clock.now())
    # another account's room is not held back
    other = make_user()
    other_room = schedule(other, content.create_video_account(owner=other, name="别家直播"))
    assert services.start_live_room(owner=other, room_id=other_room.pk).state == RoomState.LIVE
    services.end_live_room(owner=creator, room_id=live_room.pk)
    assert services.start_live_room(owner=creator, room_id=second.pk).state == RoomState.LIVE


def test_only_the_accounts_owner_manages_its_rooms(creator, channel, room, make_user, merchant):
    stranger = make_user()
    refused("not_found", schedule, stranger, channel)
    refused("not_found", services.start_live_room, owner=stranger, room_id=room.pk)
    refused("not_found", services.end_live_room, owner=stranger, room_id=room.pk)
    # not even a merchant whose store the account is bound to
    refused("not_found", services.start_live_room, owner=merchant, room_id=room.pk)
    assert LiveRoom.objects.get(pk=room.pk).state == RoomState.SCHEDULED


@pytest.mark.parametrize(
    "title", ["加微信 shanye2024 下单", "电话 13800138000", "联系 138 0013 8000", "一三八零零一三八零零零"]
)
def test_contact_details_in_a_title_are_refused(creator, channel, title):
    error = refused("contact_details_not_allowed", schedule, creator, channel, title=title)
    assert error.field == "title"
    assert not LiveRoom.objects.exists()


def test_titles_have_a_length(creator, channel):
    refused("validation_error", schedule, creator, channel, title="  ")
    refused("validation_error", schedule, creator, channel, title="长" * (rules.TITLE_MAX + 1))
    assert schedule(creator, channel, title="长" * rules.TITLE_MAX).title == "长" * rules.TITLE_MAX


def test_the_start_time_is_from_now_to_90_days_ahead(creator, channel):
    now = clock.now()
    for when in (
        now - timedelta(hours=1),
        now + timedelta(days=91),
        datetime(1, 1, 1),
        datetime(9999, 12, 31),
    ):
        assert (
            refused("validation_error", schedule, creator, channel, scheduled_at=when).field == "scheduled_at"
        )
    assert schedule(creator, channel, scheduled_at=now - timedelta(minutes=5)).pk
    # a time without a zone is read in Shanghai (UTC+8)
    in_half_an_hour = now + timedelta(minutes=30)
    naive = schedule(creator, channel, scheduled_at=timezone.localtime(in_half_an_hour).replace(tzinfo=None))
    assert abs((naive.scheduled_at - in_half_an_hour).total_seconds()) < 1


def test_at_most_20_rooms_wait_to_start(creator, channel):
    for _ in range(rules.SCHEDULED_MAX):
        schedule(creator, channel)
    refused("live_room_limit_reached", schedule, creator, channel)
    services.end_live_room(owner=creator, room_id=LiveRoom.objects.first().pk)
    assert schedule(creator, channel).state == RoomState.SCHEDULED


def test_a_cover_is_optional_and_must_be_an_image(creator, channel):
    room = schedule(creator, channel, cover=png())
    assert room.cover.name.startswith("live-covers/")
    bad = SimpleUploadedFile("cover.png", b"not an image", content_type="image/png")
    assert refused("image_invalid", schedule, creator, channel, cover=bad).field == "cover"


def test_a_cover_with_a_qr_code_is_refused(creator, channel):
    before = LiveRoom.objects.count()
    assert refused("qr_code_not_allowed", schedule, creator, channel, cover=qr_code_upload()).field == "cover"
    assert LiveRoom.objects.count() == before


# ------------------------------------------------------------------------------------ shelf


def add(creator, room, sku, **overrides):
    kwargs = {"sku_id": sku.pk, "live_price_fen": 500, "flash_stock": 5, **overrides}
    return services.add_shelf_item(owner=creator, room_id=room.pk, **kwargs)


def test_shelf_items_come_from_bound_stores_only(
    creator, room, sku, store, channel, merchant, make_sku, other_store
):
    refused("shelf_store_not_bound", add, creator, room, sku)  # no link yet
    link = StoreLink.objects.create(
        store=store,
        kind="video_account",
        video_account=channel,
        state="invited",
        invited_by=merchant,
        invited_at=clock.now(),
        expires_at=clock.now() + timedelta(days=7),
    )
    refused("shelf_store_not_bound", add, creator, room, sku)  # invited, not accepted
    StoreLink.objects.filter(pk=link.pk).update(state="bound")
    # bound, but a creator outside the store may not set the store's live prices
    refused("permission_denied", add, creator, room, sku)
    StoreStaff.objects.create(store=store, user=creator, role=Role.AGENT)  # a role without products
    refused("permission_denied", add, creator, room, sku)
    StoreStaff.objects.filter(store=store, user=creator).update(role=Role.OPERATOR)
    item = add(creator, room, sku)
    assert (item.product_id, item.sku_id, item.flash_stock, item.flash_stock_initial) == (
        sku.product_id,
        sku.pk,
        5,
        5,
    )
    refused("shelf_store_not_bound", add, creator, room, make_sku(other_store))
    StoreLink.objects.filter(pk=link.pk).update(state="unbound")
    refused("shelf_store_not_bound", add, creator, room, make_sku(store))


def test_only_buyable_skus_go_on_the_shelf(creator, room, bound, sku, make_sku, store):
    refused("product_not_available", add, creator, room, sku, sku_id=10**12)
    inactive = make_sku(store)
    SKU.objects.filter(pk=inactive.pk).update(is_active=False)
    refused("product_not_available", add, creator, room, inactive)
    draft = make_sku(store)
    Product.objects.filter(pk=draft.product_id).update(state="draft")
    refused("product_not_available", add, creator, room, draft)


def test_the_live_price_is_above_zero_and_at_most_the_skus_price(creator, room, bound, sku, make_sku, store):
    for price in (0, -1, sku.price_fen + 1):
        assert (
            refused("live_price_invalid", add, creator, room, sku, live_price_fen=price).field
            == "live_price_fen"
        )
    assert add(creator, room, sku, live_price_fen=sku.price_fen).live_price_fen == sku.price_fen
    assert add(creator, room, make_sku(store, price_fen=500), live_price_fen=1).live_price_fen == 1
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database keeps it above zero
        ShelfItem.objects.update(live_price_fen=0)


def test_the_flash_stock_is_zero_or_more(creator, room, bound, sku):
    refused("validation_error", add, creator, room, sku, flash_stock=-1)
    refused("validation_error", add, creator, room, sku, flash_stock=rules.FLASH_STOCK_MAX + 1)
    item = add(creator, room, sku, flash_stock=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        ShelfItem.objects.filter(pk=item.pk).update(flash_stock=-1)


def test_a_sku_is_on_a_shelf_once_and_the_shelf_has_a_size(
    creator, room, bound, sku, make_sku, store, monkeypatch
):
    add(creator, room, sku)
    refused("shelf_item_exists", add, creator, room, sku)
    monkeypatch.setattr(rules, "SHELF_MAX", 2)
    add(creator, room, make_sku(store))
    refused("shelf_full", add, creator, room, make_sku(store))


def test_nobody_else_stocks_my_shelf_and_an_ended_room_is_closed(creator, room, bound, sku, merchant):
    refused("not_found", add, merchant, room, sku)
    services.end_live_room(owner=creator, room_id=room.pk)
    refused("invalid_transition", add, creator, room, sku)
    assert not ShelfItem.objects.exists()


def test_one_pinned_item_per_room(creator, room, bound, sku, make_sku, store):
    first = add(creator, room, sku, pinned=True)
    second = add(creator, room, make_sku(store), pinned=True)  # pinning a new item unpins the old one
    assert list(ShelfItem.objects.filter(is_pinned=True).values_list("pk", flat=True)) == [second.pk]
    services.pin_shelf_item(owner=creator, item_id=first.pk)
    assert list(ShelfItem.objects.filter(is_pinned=True).values_list("pk", flat=True)) == [first.pk]
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds the rule
        ShelfItem.objects.filter(pk=second.pk).update(is_pinned=True)
    services.unpin_shelf_item(owner=creator, item_id=first.pk)
    assert not ShelfItem.objects.filter(is_pinned=True).exists()


def test_removing_an_item_unpins_it_and_the_sku_can_come_back(creator, room, bound, sku):
    item = add(creator, room, sku, pinned=True)
    services.remove_shelf_item(owner=creator, item_id=item.pk)
    removed = ShelfItem.objects.get(pk=item.pk)
    assert removed.removed_at is not None and not removed.is_pinned
    refused("not_found", services.remove_shelf_item, owner=creator, item_id=item.pk)
    refused("not_found", services.pin_shelf_item, owner=creator, item_id=item.pk)
    assert add(creator, room, sku).pk != item.pk


def test_pinning_and_removing_are_the_owners(creator, room, bound, sku, merchant):
    item = add(creator, room, sku)
    for action in (services.pin_shelf_item, services.unpin_shelf_item, services.remove_shelf_item):
        refused("not_found", action, owner=merchant, item_id=item.pk)
    assert ShelfItem.objects.get(pk=item.pk).removed_at is None


# --------------------------------------------------------------------------------- comments


def test_comments_in_a_live_room(buyer, live_room):
    comment = services.post_comment(user=buyer, room_id=live_room.pk, text="  这件大衣有 M 码吗？ ")
    assert comment.text == "这件大衣有 M 码吗？"
    frame = services.comment_frame(comment)
    assert (frame["type"], frame["user"], frame["text"]) == ("comment", "b***", comment.text)


def test_comments_with_contact_details_or_out_of_bounds_are_refused(buyer, live_room):
    for text in ("加我 vx: shanye_2024", "私聊 13912345678", "邮箱 a@b.cn", "看 https://t.cn/x"):
        assert (
            refused(
                "contact_details_not_allowed",
                services.post_comment,
                user=buyer,
                room_id=live_room.pk,
                text=text,
            ).field
            == "text"
        )
    refused("validation_error", services.post_comment, user=buyer, room_id=live_room.pk, text="   ")
    refused(
        "validation_error",
        services.post_comment,
        user=buyer,
        room_id=live_room.pk,
        text="好" * (rules.COMMENT_MAX + 1),
    )
    refused("validation_error", services.post_comment, user=buyer, room_id=live_room.pk, text="a\x00b")
    assert not LiveComment.objects.exists()


def test_comments_only_while_live(buyer, creator, room):
    refused("live_room_not_live", services.post_comment, user=buyer, room_id=room.pk, text="开始了吗")
    services.start_live_room(owner=creator, room_id=room.pk)
    services.post_comment(user=buyer, room_id=room.pk, text="来了")
    services.end_live_room(owner=creator, room_id=room.pk)
    refused("live_room_not_live", services.post_comment, user=buyer, room_id=room.pk, text="结束了")
    refused("not_found", services.post_comment, user=buyer, room_id=10**12, text="你好")


def test_viewers_are_counted_once_per_connection(live_room, buyer):
    assert services.join_room(room_id=live_room.pk, channel_name="a", user=buyer) == 1
    assert services.join_room(room_id=live_room.pk, channel_name="b") == 2
    assert services.leave_room(room_id=live_room.pk, channel_name="a") == 1
    assert (
        services.leave_room(room_id=live_room.pk, channel_name="a") == 1
    )  # a second disconnect counts nothing
    assert services.leave_room(room_id=live_room.pk, channel_name="b") == 0


# ----------------------------------------------------------------------------------- buying


def test_buying_records_scene_2_the_room_and_the_live_price(buy, item, sku, live_room, buyer):
    checkout = buy(item, 2)
    order = Order.objects.get(checkout=checkout)
    line = order.lines.get()
    assert (order.scene, order.source_type, order.source_id) == (Scene.LIVE_ROOM, "live_room", live_room.pk)
    assert (line.unit_price_fen, line.quantity, order.total_fen, checkout.total_fen) == (
        6_800,
        2,
        13_600,
        13_600,
    )
    assert ShelfItem.objects.get(pk=item.pk).flash_stock == 8
    assert SKU.objects.get(pk=sku.pk).stock == 98  # the SKU's stock is taken as for any order
    hold = FlashHold.objects.get()
    assert (hold.item_id, hold.order_id, hold.line_id, hold.quantity, hold.released_at) == (
        item.pk,
        order.pk,
        line.pk,
        2,
        None,
    )


def test_no_more_than_the_flash_stock_is_sold(buy, item, sku):
    buy(item, 8)
    error = refused("flash_sold_out", buy, item, 3)
    assert error.status == 409
    buy(item, 2)
    refused("flash_sold_out", buy, item, 1)
    assert ShelfItem.objects.get(pk=item.pk).flash_stock == 0
    assert SKU.objects.get(pk=sku.pk).stock == 90  # refused purchases took nothing
    assert Order.objects.count() == 2 and Checkout.objects.count() == 2


def test_only_a_live_room_sells(buy, creator, room, bound, sku, buyer):
    item = add(creator, room, sku, live_price_fen=6_800, flash_stock=3)
    refused("live_room_not_live", buy, item, 1)
    services.start_live_room(owner=creator, room_id=room.pk)
    buy(item, 1)
    services.end_live_room(owner=creator, room_id=room.pk)
    refused("live_room_not_live", buy, item, 1)
    assert ShelfItem.objects.get(pk=item.pk).flash_stock == 2 and Order.objects.count() == 1


def test_a_purchase_is_idempotent(buy, creator, item, live_room):
    first = buy(item, 2, key="same")
    again = buy(item, 2, key="same")
    assert again.pk == first.pk
    assert ShelfItem.objects.get(pk=item.pk).flash_stock == 8 and FlashHold.objects.count() == 1
    refused("idempotency_conflict", buy, item, 3, key="same")
    services.end_live_room(owner=creator, room_id=live_room.pk)
    assert buy(item, 2, key="same").pk == first.pk  # the first answer again, though the room ended


def test_a_removed_item_or_a_stray_quantity_cannot_be_bought(buy, creator, item):
    refused("validation_error", buy, item, 0)
    refused("validation_error", buy, item, rules.BUY_QUANTITY_MAX + 1)
    services.remove_shelf_item(owner=creator, item_id=item.pk)
    refused("product_not_available", buy, item, 1)
    assert not Order.objects.exists()


def test_an_item_of_another_room_is_not_found(buyer, item, creator, channel):
    other = schedule(creator, channel)
    refused(
        "not_found",
        services.buy_in_room,
        buyer=buyer,
        room_id=other.pk,
        shelf_item_id=item.pk,
        quantity=1,
        address_id=None,
        idempotency_key="x",
    )


def test_the_buyer_never_pays_more_than_the_skus_own_price(buy, item, sku):
    SKU.objects.filter(pk=sku.pk).update(price_fen=5_000)  # the store's price dropped below the live price
    line = Order.objects.get(checkout=buy(item, 1)).lines.get()
    assert line.unit_price_fen == 5_000


# ------------------------------------------------------------------------- giving flash stock back


def test_a_cancelled_order_gives_its_flash_stock_back_once(
    buy, item, buyer, django_capture_on_commit_callbacks
):
    order = Order.objects.get(checkout=buy(item, 3))
    with django_capture_on_commit_callbacks(execute=True):
        orders.cancel_order(buyer=buyer, order_id=order.pk)
    assert ShelfItem.objects.get(pk=item.pk).flash_stock == 10
    assert FlashHold.objects.get().released_at is not None
    # the signal delivered again, or the service called again: nothing more comes back
    assert services.release_flash_stock(order_ids=[order.pk]) == 0
    assert ShelfItem.objects.get(pk=item.pk).flash_stock == 10


def test_an_order_closed_for_not_paying_gives_its_flash_stock_back(
    buy, item, django_capture_on_commit_callbacks
):
    with clock.travel_to(clock.now()):
        checkout = buy(item, 4)
        clock.advance(orders.rules.PAY_WITHIN)
        with django_capture_on_commit_callbacks(execute=True):
            orders.close_unpaid_checkout(checkout.pk)
    assert Order.objects.get(checkout=checkout).status == Status.CANCELLED_UNPAID
    assert ShelfItem.objects.get(pk=item.pk).flash_stock == 10


def test_a_paid_order_keeps_its_flash_stock(buy, item):
    from xiaodian.orders.tests.conftest import succeed

    checkout = buy(item, 2)
    succeed(checkout)
    assert services.release_flash_stock(order_ids=[Order.objects.get(checkout=checkout).pk]) == 0
    assert ShelfItem.objects.get(pk=item.pk).flash_stock == 8


def test_a_payment_after_closing_takes_the_flash_stock_again(
    buy, item, buyer, django_capture_on_commit_callbacks
):
    from xiaodian.orders.tests.conftest import succeed

    first = buy(item, 4)
    with django_capture_on_commit_callbacks(execute=True):
        orders.cancel_order(buyer=buyer, order_id=Order.objects.get(checkout=first).pk)
    assert ShelfItem.objects.get(pk=item.pk).flash_stock == 10
    with django_capture_on_commit_callbacks(execute=True):
        succeed(first)  # WeChat Pay's money arrived after all
    assert Order.objects.get(checkout=first).status == Status.TO_SHIP
    assert ShelfItem.objects.get(pk=item.pk).flash_stock == 6
    assert FlashHold.objects.get().released_at is None


def test_a_late_payment_never_takes_the_flash_stock_below_zero(
    buy, item, buyer, django_capture_on_commit_callbacks
):
    from xiaodian.orders.tests.conftest import succeed

    first = buy(item, 4)
    with django_capture_on_commit_callbacks(execute=True):
        orders.cancel_order(buyer=buyer, order_id=Order.objects.get(checkout=first).pk)
    buy(item, 10)  # someone else bought every unit meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        succeed(first)
    assert ShelfItem.objects.get(pk=item.pk).flash_stock == 0
    assert FlashHold.objects.get(order__checkout=first).released_at is not None


def test_unbinding_the_account_stops_sales_from_its_shelf(item, bound, buy, merchant):
    stores.unbind_link(user=merchant, link_id=bound.pk)
    with pytest.raises(DomainError) as refused:
        buy(item, 1)
    assert refused.value.code == "product_not_available"
    assert not Order.objects.exists()
    assert ShelfItem.objects.get(pk=item.pk).flash_stock == 10


def test_an_ended_room_sells_nothing(creator, item, buy):
    services.end_live_room(owner=creator, room_id=item.room_id)
    with pytest.raises(DomainError) as refused:
        buy(item, 1)
    assert refused.value.code == "live_room_not_live"
    assert ShelfItem.objects.get(pk=item.pk).flash_stock == 10


def test_a_viewer_not_heard_from_for_90_seconds_stops_counting(room):
    with clock.travel_to(clock.now()):
        assert services.join_room(room_id=room.pk, channel_name="a") == 1
        assert services.join_room(room_id=room.pk, channel_name="b") == 2
        clock.advance(rules.VIEWER_TTL - timedelta(seconds=1))
        services.touch_viewer(channel_name="a")  # a's heartbeat; b's process died silently
        clock.advance(timedelta(seconds=2))
        assert selectors.viewer_count(room.pk) == 1
        assert services.join_room(room_id=room.pk, channel_name="c") == 2
    assert sorted(LiveViewer.objects.values_list("channel_name", flat=True)) == ["a", "c"]  # b swept
