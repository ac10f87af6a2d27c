"""What the live app tells others: the store's live-shelf touchpoint, and the rooms a video
account's profile lists."""

from datetime import timedelta

from django.urls import reverse

from xiaodian.core import clock
from xiaodian.live import services
from xiaodian.live.tests.conftest import bind
from xiaodian.stores import touchpoints


def live_shelf(store) -> bool:
    return {line.key: line.connected for line in touchpoints.report(store).lines}["live_shelf"]


def test_a_product_on_a_scheduled_rooms_shelf_connects_the_live_shelf(creator, room, bound, sku, store):
    assert live_shelf(store) is False
    item = services.add_shelf_item(
        owner=creator, room_id=room.pk, sku_id=sku.pk, live_price_fen=5_000, flash_stock=3
    )
    assert live_shelf(store) is True
    services.remove_shelf_item(owner=creator, item_id=item.pk)
    assert live_shelf(store) is False


def test_an_ended_room_or_an_unbound_account_no_longer_counts(creator, item, bound, store):
    assert live_shelf(store) is True
    bound.state = "unbound"
    bound.save()
    assert live_shelf(store) is False
    bound.state = "bound"
    bound.save()
    services.end_live_room(owner=creator, room_id=item.room_id)
    assert live_shelf(store) is False


def test_another_stores_shelf_does_not_count(creator, channel, item, other_store, merchant):
    bind(other_store, channel, merchant)  # bound to the same channel, but none of its products on the shelf
    assert live_shelf(other_store) is False


def test_the_video_account_profile_lists_its_live_and_scheduled_rooms(client, creator, channel, live_room):
    later = services.schedule_live_room(
        owner=creator, account_id=channel.pk, title="下周专场", scheduled_at=clock.now() + timedelta(days=7)
    )
    html = client.get(reverse("content:video_account", args=[channel.pk])).content.decode()
    assert f'id="live-room-{live_room.pk}"' in html and f'id="live-room-{later.pk}"' in html
    assert html.index(f"live-room-{live_room.pk}") < html.index(f"live-room-{later.pk}")  # the live one first
    services.end_live_room(owner=creator, room_id=live_room.pk)
    html = client.get(reverse("content:video_account", args=[channel.pk])).content.decode()
    assert f'id="live-room-{live_room.pk}"' not in html
