"""Scene 13 for real: a product card a store's staff member sends in a business chat (through
chats' service, past business's gate) is a share on channel `business_chat` that verifies for the
chat's buyer only (shares/membership.py -> business.selectors.is_chat_buyer)."""

from xiaodian.chats import services as chats
from xiaodian.shares.models import Share

from .test_shares import checkout


def test_a_card_in_a_business_chat_is_a_share_that_records_scene_13(
    api_for, legacy_contact, agent, buyer, legacy_sku, make_user
):
    message, _new = chats.send_message(
        user=agent,
        conversation_id=legacy_contact.conversation_id,
        kind="card",
        card_kind="product",
        card_id=legacy_sku.product_id,
    )
    share = Share.objects.get(code=message.card_link.removeprefix("/s/"))
    assert (share.channel, share.channel_id) == ("business_chat", legacy_contact.conversation_id)
    assert message.sender_subject
    assert checkout(api_for, buyer, legacy_sku, 13, "social_share", share.pk) == (
        13,
        "social_share",
        share.pk,
    )
    # someone who is not the chat's buyer, or a scene that is not the channel's: scene 1
    assert checkout(api_for, make_user("stranger"), legacy_sku, 13, "social_share", share.pk) == (1, "", None)
    assert checkout(api_for, buyer, legacy_sku, 9, "social_share", share.pk) == (1, "", None)
