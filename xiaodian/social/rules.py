"""Contacts and Moments: DOMAIN.md "Social graph and private domain". The numbers live here."""

from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

# A user has at most this many contacts (edges they own).
CONTACTS_MAX = 10_000
# Recommended deletions: shown only when the list is full, this many at a time.
RECOMMENDED_DELETIONS = 5
# Grey notes on a recommended deletion.
INACTIVE_AFTER = timedelta(days=180)  # the other has not used the platform for this long
NO_CONTACT_AFTER = timedelta(days=180)  # no chat with the other for this long

GREETING_MAX = 50  # the note sent with a contact request
REMARK_MAX = 32  # the owner's name for a contact
SEARCH_MAX = 32
PAGE_MAX = 100

POST_TEXT_MAX = 2000
POST_IMAGES_MAX = 9
POST_IMAGE_BYTES_MAX = 10 * 2**20
POST_IMAGE_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
COMMENT_MAX = 500


class Source(models.TextChoices):
    """How a contact was added."""

    SEARCH = "search", _("搜索")
    GROUP = "group", _("群聊")
    CARD = "card", _("名片")
    QR = "qr", _("二维码")
    PHONE = "phone", _("手机号")


class RequestState(models.TextChoices):
    PENDING = "pending", _("待验证")
    ACCEPTED = "accepted", _("已添加")
    DECLINED = "declined", _("已拒绝")
