"""Cards in the private domain: a product, store, order or gift shown in a chat, a group or a
Moments post (DOMAIN.md "Social graph and private domain").

Social (and chats, one layer up) store a card as its kind and id; what it shows belongs to the
apps above (catalog, stores, orders, gifts), which register a resolver per kind from their
`AppConfig.ready()`:

    cards.resolvers["product"].register(catalog.selectors.social_product_cards)

A resolver answers `{id: {"title", "subtitle", "image_url", "url"}}` for the ids the viewer may
see; an id it does not answer renders as an unavailable card.

Every card posted into a chat, a group or Moments is a share (who shared what, where): the app
that posts it calls `card_shared(...)` inside the posting transaction, and the shares app
(above orders) registers the provider that records the share and answers the link the card
opens, which carries the share as the order's verified source (scenes 9, 10, 11). With nothing
registered the card opens its plain page and no share is recorded.
"""

from xiaodian.core.extensions import ExtensionPoint

KINDS = ("product", "store", "order", "gift")

# Where a card is shared: a 1:1 chat, a group chat, a Moments post, a business-contact chat.
CHANNELS = ("chat", "group", "moment", "business_chat")


def _no_cards(ids: list[int], viewer_id: int | None) -> dict[int, dict]:
    """`{id: {"title", "subtitle", "image_url", "url"}}` of the cards the viewer may see. Social
    alone knows none."""
    return {}


def _no_share(*, sharer_id: int, kind: str, card_id: int, channel: str, channel_id: int) -> str:
    """Record that `sharer_id` shared this card into `channel` `channel_id` and answer the link
    the card opens ("" when no share is recorded: the card opens its plain page)."""
    return ""


resolvers: dict[str, ExtensionPoint] = {
    kind: ExtensionPoint(f"social.{kind}_cards", default=_no_cards) for kind in KINDS
}
card_shared = ExtensionPoint("social.card_shared", default=_no_share)


def resolve(cards: list[tuple[str, int]], viewer_id: int | None) -> dict[tuple[str, int], dict]:
    """What each (kind, id) card shows to the viewer, one resolver call per kind."""
    by_kind: dict[str, list[int]] = {}
    for kind, card_id in cards:
        by_kind.setdefault(kind, []).append(card_id)
    found: dict[tuple[str, int], dict] = {}
    for kind, ids in by_kind.items():
        if kind in resolvers:
            for card_id, view in resolvers[kind](ids, viewer_id).items():
                found[(kind, card_id)] = view
    return found
