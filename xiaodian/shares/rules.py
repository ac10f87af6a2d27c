"""Shares (DOMAIN.md "Social graph and private domain"): every card shared into a chat, a group or
Moments is a record (who shared what, where); a purchase that starts from it carries it as its
verified source, with the scene of its channel."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaodian.core.scenes import Scene

# The source type an order names for a share (orders.sources): its id is the share's.
SOURCE_TYPE = "social_share"


class Channel(models.TextChoices):
    """Where a card is shared (social.cards.CHANNELS)."""

    CHAT = "chat", _("单聊")
    GROUP = "group", _("群聊")
    MOMENT = "moment", _("朋友圈")
    BUSINESS_CHAT = "business_chat", _("企业微信聊天")


class CardKind(models.TextChoices):
    """What is shared (social.cards.KINDS, and the mini program's card)."""

    PRODUCT = "product", _("商品")
    STORE = "store", _("店铺")
    ORDER = "order", _("订单")
    GIFT = "gift", _("礼物")
    MINI_PROGRAM = "mini_program", _("小程序")


# The scene a purchase through a share records, by the share's channel.
SCENE_OF_CHANNEL: dict[str, int] = {
    Channel.CHAT: Scene.CHAT,
    Channel.GROUP: Scene.GROUP_CHAT,
    Channel.MOMENT: Scene.MOMENTS,
    Channel.BUSINESS_CHAT: Scene.BUSINESS_CONTACT,
}

# A mini-program card opens the mini program's page, whose products record scene 12 with the mini
# program as the source (verified: it is bound to the store); the share itself is not the source.
OWN_SOURCE_KINDS = frozenset({CardKind.MINI_PROGRAM})

# The short link's code: random (never sequential, so codes cannot be walked), base 36.
CODE_BITS = 60
CODE_MAX = 12  # 36**12 > 2**60
