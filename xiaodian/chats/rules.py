"""Chats' policy (DOMAIN.md "Social graph and private domain"; docs/chats.md): group size, roles,
message kinds and limits."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaodian.core.throttle import Limit

GROUP_MAX_MEMBERS = 500  # DOMAIN.md: groups hold up to 500 members
GROUP_TITLE_MAX = 30
TEXT_MAX = 2000  # characters of a text message
CLIENT_ID_MAX = 64
SENDER_SUBJECT_MAX = 100  # a business chat's verified subject name, shown on the staff's messages
IMAGE_MAX_BYTES = 5 * 2**20  # as customer service's pictures
PAGE_MAX = 100  # messages per history page
SYNC_MAX = 500  # messages one sync answer carries; the client asks again while `more`

# Sending, per sender, over the API, the websocket and the pages (django-ratelimit "COUNT/PERIOD").
MESSAGE_SEND_PER_USER = Limit("chats.message_send.user", "120/m")


class Kind(models.TextChoices):
    DIRECT = "direct", _("单聊")
    GROUP = "group", _("群聊")
    BUSINESS = "business", _("企业联系人")  # a store's staff member and a buyer (xiaodian/business)


class Role(models.TextChoices):
    OWNER = "owner", _("群主")
    ADMIN = "admin", _("管理员")
    MEMBER = "member", _("成员")


class MessageKind(models.TextChoices):
    TEXT = "text", _("文字")
    IMAGE = "image", _("图片")
    CARD = "card", _("卡片")
    SYSTEM = "system", _("系统消息")


class InvitationState(models.TextChoices):
    PENDING = "pending", _("待接受")
    ACCEPTED = "accepted", _("已接受")
    DECLINED = "declined", _("已拒绝")
    WITHDRAWN = "withdrawn", _("已失效")
