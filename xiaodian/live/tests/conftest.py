import itertools
from datetime import timedelta

import pytest

from xiaodian.accounts.rules import Role
from xiaodian.content import services as content
from xiaodian.core import clock
from xiaodian.live import services
from xiaodian.orders.tests.conftest import ADDRESS, buyer, make_sku, other_store  # noqa: F401
from xiaodian.stores.models import StoreLink, StoreStaff

_keys = itertools.count(1)


@pytest.fixture
def creator(make_user):
    """A video account's owner (not the merchant: a creator who sells the store's products)."""
    return make_user("creator")


@pytest.fixture
def channel(creator):
    return content.create_video_account(owner=creator, name="山野直播")


def bind(store, account, merchant) -> StoreLink:
    """A bound link, as if the account's owner had accepted the store's invitation."""
    now = clock.now()
    return StoreLink.objects.create(
        store=store,
        kind="video_account",
        video_account=account,
        state="bound",
        invited_by=merchant,
        invited_at=now,
        expires_at=now,
        answered_at=now,
    )


@pytest.fixture
def bound(store, channel, merchant, creator):
    """The channel bound to the store, and its creator one of the store's operators (who may
    manage its products, and so put them on a shelf at a live price)."""
    StoreStaff.objects.create(store=store, user=creator, role=Role.OPERATOR)
    return bind(store, channel, merchant)


@pytest.fixture
def sku(make_sku, store):
    return make_sku(store, price_fen=10_000, stock=100, title="羊毛大衣")


@pytest.fixture
def room(creator, channel):
    return services.schedule_live_room(
        owner=creator, account_id=channel.pk, title="春装上新", scheduled_at=clock.now() + timedelta(hours=1)
    )


@pytest.fixture
def live_room(creator, room):
    return services.start_live_room(owner=creator, room_id=room.pk)


@pytest.fixture
def item(creator, live_room, bound, sku):
    """The live room's pinned item: ¥68 instead of ¥100, 10 units at that price."""
    return services.add_shelf_item(
        owner=creator, room_id=live_room.pk, sku_id=sku.pk, live_price_fen=6_800, flash_stock=10, pinned=True
    )


@pytest.fixture
def buy(buyer):
    """Buy in the room: buy(item, 2) or buy(item, 1, key="k", who=someone)."""

    def do(item, quantity=1, *, key=None, who=None, **extra):
        return services.buy_in_room(
            buyer=who or buyer,
            room_id=item.room_id,
            shelf_item_id=item.pk,
            quantity=quantity,
            address=ADDRESS,
            idempotency_key=key or f"live{next(_keys)}",
            **extra,
        ).checkout

    return do
