"""The demo's private domain (issue 21): contacts between the demo buyers, a 1:1 chat and a group
with messages and a product card, Moments posts with cards, a 1:1 gift and a group gift sent into
the group; and the history's private-domain orders come through real shares (scenes 9, 10, 11
with the share as their source), none claims a scene it cannot show (8, 13)."""

import io

import pytest
from django.core.management import call_command

from xiaodian.accounts.models import User
from xiaodian.chats.models import Conversation, Message
from xiaodian.core.scenes import Scene
from xiaodian.gifts.models import Gift
from xiaodian.gifts.rules import GiftState, SentFrom
from xiaodian.orders.models import Order
from xiaodian.shares import rules as share_rules
from xiaodian.shares.models import Share
from xiaodian.social import selectors as contacts
from xiaodian.social.models import Post

pytestmark = pytest.mark.django_db


def test_the_demo_shows_the_private_domain_and_its_orders_come_through_real_shares():
    call_command("demo", no_serve=True, stdout=io.StringIO())
    buyer, buyer2, creator = (User.objects.get(username=n) for n in ("buyer", "buyer2", "creator"))
    assert contacts.is_mutual(buyer.pk, buyer2.pk) and contacts.is_mutual(buyer2.pk, creator.pk)

    chat = Conversation.objects.get(kind="direct", user_low_id=min(buyer.pk, buyer2.pk))
    group = Conversation.objects.get(kind="group", title="山野茶友群")
    assert set(group.members.values_list("user_id", flat=True)) == {buyer.pk, buyer2.pk, creator.pk}
    for conversation in (chat, group):
        kinds = set(Message.objects.filter(conversation=conversation).values_list("kind", "card_kind"))
        assert {("text", ""), ("card", "product"), ("card", "store")} <= kinds
    assert Post.objects.filter(author=buyer).exclude(card_kind="").count() == 2

    # gifts from buyer2: to creator, its card in their 1:1 chat; two into the group, drawn by creator
    single = Gift.objects.get(kind="single")
    assert (single.giver_id, single.recipient_id, single.sent_from) == (buyer2.pk, creator.pk, SentFrom.CHAT)
    assert Message.objects.filter(
        conversation=single.conversation, card_kind="gift", card_id=single.pk
    ).exists()
    shared = Gift.objects.get(kind="group")
    assert (shared.conversation_id, shared.sent_from, shared.count) == (group.pk, SentFrom.GROUP_CHAT, 2)
    assert Message.objects.filter(conversation=group, card_kind="gift", card_id=shared.pk).exists()
    assert shared.paid_at is not None and shared.state == GiftState.CLAIMABLE
    assert list(shared.draws.values_list("user_id", flat=True)) == [creator.pk]

    # the history's scenes 9, 10, 11 name the share of their channel; none claims 8 or 13
    history = Order.objects.filter(buyer=buyer2, open_gift=False, recipient__isnull=True)
    channels = {Scene.CHAT: "chat", Scene.GROUP_CHAT: "group", Scene.MOMENTS: "moment"}
    for scene, channel in channels.items():
        through = history.filter(scene=scene)
        assert through.exists(), scene
        for order in through:
            assert order.source_type == share_rules.SOURCE_TYPE
            assert Share.objects.get(pk=order.source_id).channel == channel
    assert not history.filter(scene__in=(Scene.FEED, Scene.BUSINESS_CONTACT)).exists()
    assert Share.objects.filter(sharer=buyer, orders__gt=0).count() >= 3
    # `buyer` shares, chats and may draw, but places no order and receives none
    assert not Order.objects.filter(buyer=buyer).exists()
    assert not Order.objects.filter(recipient=buyer).exists()
