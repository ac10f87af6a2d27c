"""Channel membership for real (shares.membership, wired to chats and social): a card sent in a 1:1
chat, a group or posted to Moments through their own services is a share that verifies for the
people in that channel, and for no one else."""

from datetime import timedelta

import pytest

from xiaodian.chats import services as chats
from xiaodian.core import clock
from xiaodian.shares.models import Share
from xiaodian.social import services as social

from .conftest import send_card
from .test_shares import checkout


@pytest.fixture
def sku(make_sku, store):
    return make_sku(store, price_fen=5_000, stock=50, title="山茶花精华")


def _sent(link: str) -> Share:
    return Share.objects.get(code=link.removeprefix("/s/"))


def test_a_card_in_a_1_1_chat_verifies_for_the_other_person_only(
    api_for, make_user, sharer, buyer, sku, befriend
):
    befriend(sharer, buyer)
    chat, _created = chats.open_direct(user=sharer, other_id=buyer.pk)
    share = _sent(send_card(sharer, chat.pk, sku.product_id).card_link)
    assert (share.channel, share.channel_id) == ("chat", chat.pk)
    assert checkout(api_for, buyer, sku, 9, "social_share", share.pk) == (9, "social_share", share.pk)
    stranger = make_user("stranger")
    assert checkout(api_for, stranger, sku, 9, "social_share", share.pk) == (1, "", None)


def test_a_card_in_a_group_verifies_for_members_who_were_there(
    api_for, make_user, sharer, buyer, sku, group_of, befriend
):
    group = group_of(sharer, buyer)
    with clock.travel_to(clock.now() + timedelta(minutes=1)):
        share = _sent(send_card(sharer, group.pk, sku.product_id).card_link)
    assert (share.channel, share.channel_id) == ("group", group.pk)
    assert checkout(api_for, buyer, sku, 10, "social_share", share.pk) == (10, "social_share", share.pk)
    # someone who joined after the card was sent could not have seen it
    latecomer = make_user("latecomer")
    with clock.travel_to(clock.now() + timedelta(minutes=2)):
        befriend(sharer, latecomer)
        invitation = chats.invite(user=sharer, conversation_id=group.pk, invitee_id=latecomer.pk)
        chats.accept_invitation(user=latecomer, invitation_id=invitation.pk)
    assert checkout(api_for, latecomer, sku, 10, "social_share", share.pk) == (1, "", None)


def test_a_card_in_moments_verifies_for_mutual_contacts_only(
    api_for, make_user, sharer, buyer, sku, befriend
):
    befriend(sharer, buyer)
    one_way = make_user("one_way")
    befriend(sharer, one_way)
    social.delete_contact(owner=sharer, other_id=one_way.pk)  # one_way still has the sharer
    post = social.create_post(author=sharer, text="好用", card_kind="product", card_id=sku.product_id)
    share = _sent(post.card_link)
    assert (share.channel, share.channel_id) == ("moment", post.pk)
    assert checkout(api_for, buyer, sku, 11, "social_share", share.pk) == (11, "social_share", share.pk)
    assert checkout(api_for, one_way, sku, 11, "social_share", share.pk) == (1, "", None)
