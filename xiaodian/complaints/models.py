"""A buyer's complaint about an order or a store, the merchant's answer with evidence, and the
platform's ruling. The timeline is the complaint's own times (filed, answered, ruled)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xiaodian.accounts.models import User
from xiaodian.orders.models import Order
from xiaodian.stores.models import Store

from . import rules
from .rules import Part, Reason, State


class Complaint(models.Model):
    buyer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="complaints")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.CharField(_("投诉原因"), max_length=20, choices=Reason.choices)
    text = models.CharField(_("投诉内容"), max_length=rules.TEXT_MAX)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(_("投诉时间"))
    answer = models.CharField(_("商家回应"), max_length=rules.TEXT_MAX, blank=True)
    answered_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    ruling_note = models.CharField(_("裁定说明"), max_length=rules.TEXT_MAX, blank=True)
    ruled_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    ruled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("投诉")
        verbose_name_plural = pgettext_lazy("plural", "投诉")
        constraints = [
            models.CheckConstraint(condition=Q(reason__in=Reason.values), name="complaint_reason_known"),
            models.CheckConstraint(condition=Q(state__in=State.values), name="complaint_state_known"),
            # one complaint per order
            models.UniqueConstraint(
                fields=["order"], condition=Q(order__isnull=False), name="complaint_one_per_order"
            ),
            # one complaint about a store (no order) waiting at a time per buyer
            models.UniqueConstraint(
                fields=["buyer", "store"],
                condition=Q(order__isnull=True, state__in=[State.OPEN, State.ANSWERED]),
                name="complaint_one_open_per_store",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "state"]),
            models.Index(fields=["state", "created_at"]),
            models.Index(fields=["state", "ruled_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.reason} {self.state}"


class ComplaintImage(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="images")
    part = models.CharField(max_length=10, choices=Part.choices)
    image = models.ImageField(upload_to="complaints/%Y/%m/")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("投诉图片")
        verbose_name_plural = pgettext_lazy("plural", "投诉图片")
        constraints = [
            models.CheckConstraint(condition=Q(part__in=Part.values), name="complaint_image_part_known"),
        ]

    def __str__(self) -> str:
        return self.image.name
