"""Scene 13 for real: a product card a store's staff member sends in a business chat (through
chats' service, past business's gate) is a share on channel `business_chat` that verifies for the
chat's buyer only (shares/membership.py -> business.selectors.is_chat_buyer)."""

from xiaodian.chats import services as chats
from xiaodian.shares.models import Share

from .test_shares import checkout, opened


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


def test_a_mini_program_card_shared_in_a_business_chat_records_scene_12(
    client, api_for, legacy_contact, agent, buyer, legacy_store, legacy_sku, merchant, share_card
):
    """A mini-program card shared on channel business_chat (as social.cards.card_shared records it;
    chats' own cards are product, store, order and gift): its link opens the mini program, which is
    the verified source (scene 12), not the business chat."""
    from xiaodian.content import services as content
    from xiaodian.stores import services as stores

    program = content.create_mini_program(
        owner=merchant, name="果园商城", app_id="wx00000000000000ef", mall_path="/m"
    )
    stores.invite_link(store=legacy_store, user=merchant, kind="mini_program", account_id=program.pk)
    link = share_card(
        "mini_program",
        program.pk,
        channel="business_chat",
        channel_id=legacy_contact.conversation_id,
        by=agent,
    )
    _path, query = opened(client, link)
    assert (query["scene"], query["source_type"], query["source_id"]) == (
        "12",
        "mini_program",
        str(program.pk),
    )
    assert checkout(api_for, buyer, legacy_sku, 12, "mini_program", program.pk) == (
        12,
        "mini_program",
        program.pk,
    )
