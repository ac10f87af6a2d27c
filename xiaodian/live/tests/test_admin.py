"""Operators see rooms, shelves, holds and comments in the admin, read-only (comments may be deleted)."""

import pytest
from django.urls import reverse

from xiaodian.live import services
from xiaodian.live.models import FlashHold, LiveComment, LiveRoom, ShelfItem


@pytest.fixture
def ops_client(client, make_user):
    client.force_login(make_user("ops", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", [LiveRoom, ShelfItem, FlashHold, LiveComment], ids=lambda m: m.__name__)
def test_every_live_model_has_its_admin_pages(ops_client, item, buy, buyer, model):
    buy(item, 1)
    services.post_comment(user=buyer, room_id=item.room_id, text="好看")
    opts = model._meta
    assert ops_client.get(reverse(f"admin:live_{opts.model_name}_changelist")).status_code == 200
    change = ops_client.get(reverse(f"admin:live_{opts.model_name}_change", args=[model.objects.first().pk]))
    assert change.status_code == 200


def test_rooms_and_shelves_cannot_be_edited_in_the_admin(ops_client, item):
    assert ops_client.get(reverse("admin:live_liveroom_add")).status_code == 403
    r = ops_client.post(reverse("admin:live_shelfitem_change", args=[item.pk]), {"flash_stock": 999})
    assert r.status_code == 403
    assert ShelfItem.objects.get(pk=item.pk).flash_stock == 10
