"""Complaints (投诉) policy: the reasons, the states, the limits (docs/complaints.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

TEXT_MAX = 500
IMAGES_MAX = 6


class Reason(models.TextChoices):
    NOT_AS_DESCRIBED = "not_as_described", _("货不对板")
    LATE_SHIPPING = "late_shipping", _("发货慢")
    RUDE_SERVICE = "rude_service", _("服务态度差")
    CONTACT_DIVERSION = "contact_diversion", _("引导线下交易")
    OTHER = "other", _("其他")


class State(models.TextChoices):
    """open (waiting for the merchant) → answered (waiting for a ruling) → upheld | dismissed.
    An operator may rule an open complaint too: the merchant's silence is no shield."""

    OPEN = "open", _("待商家回应")
    ANSWERED = "answered", _("待平台裁定")
    UPHELD = "upheld", _("投诉成立（商家责任）")
    DISMISSED = "dismissed", _("投诉不成立")


RULED = (State.UPHELD, State.DISMISSED)


class Part(models.TextChoices):
    BUYER = "buyer", _("买家")
    MERCHANT = "merchant", _("商家")
