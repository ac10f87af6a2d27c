from collections import defaultdict

import pytest

from xiaodian.alliance.tests.conftest import (  # noqa: F401
    creator,
    enabled,
    make_plan,
    make_promoter,
    open_plan,
    product,
)
from xiaodian.business.tests.conftest import agent, legacy_contact, legacy_sku, legacy_store, staff_of  # noqa: F401
from xiaodian.chats import services as chats
from xiaodian.chats.tests.conftest import befriend, group_of, png_bytes  # noqa: F401
from xiaodian.ledger import services as money
from xiaodian.orders import services as orders
from xiaodian.orders.tests.conftest import ADDRESS, buyer, make_sku, other_store, place, succeed  # noqa: F401
from xiaodian.shares import membership
from xiaodian.shares.rules import Channel
from xiaodian.social import cards


@pytest.fixture
def members(monkeypatch):
    """Channel membership (shares.membership) answered by the test itself, for the tests of the
    rules after it: `members[("chat", 7)].add(user.pk)` puts the user in chat 7. The real checks
    (chats' members, social's Moments visibility) have their own tests (test_membership.py)."""
    rooms: dict[tuple[str, int], set[int]] = defaultdict(set)
    for channel in Channel.values:
        monkeypatch.setitem(
            membership.CHECKS,
            channel,
            lambda channel_id, user_id, _at, ch=channel: user_id in rooms[(ch, channel_id)],
        )
    return rooms


@pytest.fixture
def sharer(make_user):
    return make_user("sharer")


@pytest.fixture
def share_card(sharer):
    """share_card(kind, card_id, channel="chat", channel_id=7, by=sharer) -> the short link, as a
    chat, group or Moments post records it (social.cards.card_shared)."""

    def share(kind, card_id, channel="chat", channel_id=7, by=None):
        return cards.card_shared(
            sharer_id=(by or sharer).pk, kind=kind, card_id=card_id, channel=channel, channel_id=channel_id
        )

    return share


def buy_and_pay(buyer, sku, scene, source_type, source_id, key):
    """Place a one-unit order claiming this scene and source, pay it, and post the payment (the
    alliance's commission too) as right after the commit: the order."""
    placed = orders.place_order(
        buyer=buyer,
        items=[orders.LineRequest(sku_id=sku.pk, quantity=1)],
        address=ADDRESS,
        scene=scene,
        source_type=source_type,
        source_id=source_id,
        idempotency_key=key,
    )
    succeed(placed.checkout)
    money.post_paid_orders(order_ids=[o.pk for o in placed.orders])
    return placed.orders[0]


def send_card(user, conversation_id: int, product_id: int):
    """Send a product card in a chat or group through chats' own service: the message (its
    `card_link` is the share's short link)."""
    message, _new = chats.send_message(
        user=user, conversation_id=conversation_id, kind="card", card_kind="product", card_id=product_id
    )
    return message
