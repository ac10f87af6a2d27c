"""Business contacts' tables (docs/business.md): a buyer's consent to a store, the contacts a
store's staff hold (each with its business chat, a chats conversation of kind `business`), and a
legacy video store's customer-service upgrade."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xiaodian.accounts.models import User
from xiaodian.chats.models import Conversation
from xiaodian.stores.models import Store

from .rules import UPGRADE_MODES


class Consent(models.Model):
    """A buyer allows a store's staff to hold them as a business contact. One row per buyer and
    store; withdrawing sets `withdrawn_at` (staff can no longer message them), giving it again
    clears it."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    buyer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="business_consents")
    granted_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("企业联系人授权")
        verbose_name_plural = pgettext_lazy("plural", "企业联系人授权")
        constraints = [models.UniqueConstraint(fields=["store", "buyer"], name="business_consent_once")]

    def __str__(self) -> str:
        return f"{self.buyer_id}→{self.store_id}"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class Contact(models.Model):
    """A store's staff member holds a buyer as a business contact; they talk in `conversation`.
    `legacy`: made while the store's customer service was the legacy one. The customer-service
    upgrade closes the legacy contacts (`closed_at`): their chats take no more messages and the
    new mode does not show them."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    staff = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    buyer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="business_contacts")
    conversation = models.OneToOneField(Conversation, on_delete=models.PROTECT, related_name="+")
    legacy = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("企业联系人")
        verbose_name_plural = pgettext_lazy("plural", "企业联系人")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "staff", "buyer"],
                condition=Q(closed_at__isnull=True),
                name="business_contact_once",
            ),
            models.CheckConstraint(condition=~Q(staff=models.F("buyer")), name="business_contact_not_self"),
        ]
        indexes = [models.Index(fields=["store", "closed_at"])]

    def __str__(self) -> str:
        return f"{self.staff_id}@{self.store_id}→{self.buyer_id}"


class ServiceUpgrade(models.Model):
    """A legacy video store's owner moved its customer service to the workbench or self-built mode
    (once; a separate step from the store's own upgrade)."""

    store = models.OneToOneField(Store, primary_key=True, on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(max_length=12)
    upgraded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    upgraded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("客服升级")
        verbose_name_plural = pgettext_lazy("plural", "客服升级")
        constraints = [
            models.CheckConstraint(
                condition=Q(mode__in=[m.value for m in UPGRADE_MODES]), name="business_upgrade_mode"
            )
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.mode}"
