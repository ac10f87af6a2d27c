"""Business contacts' reads (docs/business.md): a store's customer-service mode, a buyer's
consents and contacts, a store's contacts and the buyers who consented, and whether a user is the
buyer of a business chat (shares' membership check). Each costs a fixed number of queries."""

from datetime import datetime

from django.db.models import Exists, OuterRef

from xiaodian.accounts.models import User
from xiaodian.accounts.rules import Verification
from xiaodian.core.errors import DomainError
from xiaodian.service.models import ServiceSettings
from xiaodian.stores.models import Store

from .models import Consent, Contact, ServiceUpgrade
from .rules import ServiceMode


def in_legacy_service(store: Store) -> bool:
    """A legacy video store keeps the legacy customer service (business contacts, staff may write
    first) until its owner upgrades customer service; the store's own upgrade changes nothing."""
    return store.is_legacy_video and not ServiceUpgrade.objects.filter(store_id=store.pk).exists()


def service_mode(store: Store) -> str:
    if in_legacy_service(store):
        return ServiceMode.LEGACY
    mode = ServiceSettings.objects.filter(store_id=store.pk).values_list("mode", flat=True).first()
    return mode or ServiceMode.WORKBENCH


def verified_subject(store: Store) -> str:
    """The name of the store's business subject when it is verified, else ""."""
    subject = store.subject
    return subject.name if subject.verification == Verification.VERIFIED else ""


def consent(store_id: int, buyer_id: int) -> Consent | None:
    return Consent.objects.filter(store_id=store_id, buyer_id=buyer_id).first()


def has_consent(store_id: int, buyer_id: int) -> bool:
    return Consent.objects.filter(store_id=store_id, buyer_id=buyer_id, withdrawn_at__isnull=True).exists()


def buyer_consents(buyer: User) -> list[Consent]:
    """The stores the buyer gave consent to (withdrawn ones too, to give it again), newest first."""
    return list(
        Consent.objects.filter(buyer=buyer)
        .select_related("store", "store__subject")
        .order_by("-granted_at", "-id")
    )


def buyer_contacts(buyer: User) -> list[Contact]:
    """The staff holding the buyer as a business contact (open ones: a contact closed by the
    customer-service upgrade belongs to the old mode), each with its store's subject."""
    return list(
        Contact.objects.filter(buyer=buyer, closed_at__isnull=True)
        .select_related("store", "store__subject", "staff")
        .order_by("-id")
    )


def store_contacts(store: Store, *, limit: int = 50, offset: int = 0) -> tuple[list[Contact], int]:
    """The store's open business contacts, newest first, each with whether the buyer's consent
    still holds (`consenting`)."""
    rows = (
        Contact.objects.filter(store=store, closed_at__isnull=True)
        .select_related("staff", "buyer")
        .annotate(
            consenting=Exists(
                Consent.objects.filter(store=store, buyer=OuterRef("buyer"), withdrawn_at__isnull=True)
            )
        )
        .order_by("-id")
    )
    count = Contact.objects.filter(store=store, closed_at__isnull=True).count()
    return list(rows[offset : offset + limit]), count


def consenting_buyers(store: Store, staff: User, *, limit: int = 50) -> list[Consent]:
    """Buyers whose consent to the store holds and whom this staff member does not hold yet."""
    held = Contact.objects.filter(store=store, staff=staff, buyer=OuterRef("buyer"), closed_at__isnull=True)
    return list(
        Consent.objects.filter(store=store, withdrawn_at__isnull=True)
        .exclude(Exists(held))
        .select_related("buyer")
        .order_by("-granted_at", "-id")[:limit]
    )


def buyer_chat(store_id: int, buyer_id: int) -> int | None:
    """The buyer's newest open business chat with the store (a conversation id), if any."""
    return (
        Contact.objects.filter(store_id=store_id, buyer_id=buyer_id, closed_at__isnull=True)
        .order_by("-id")
        .values_list("conversation_id", flat=True)
        .first()
    )


def contact_for_staff(store: Store, contact_id: int) -> Contact:
    found = (
        Contact.objects.filter(pk=contact_id, store=store, closed_at__isnull=True)
        .select_related("buyer", "staff", "store", "store__subject")
        .first()
    )
    if found is None:
        raise DomainError("not_found")
    return found


def is_chat_buyer(conversation_id: int, user_id: int, shared_at: datetime) -> bool:
    """Shares' membership check for channel `business_chat`: the user is the buyer of that
    business chat, and was when the card was shared."""
    return Contact.objects.filter(
        conversation_id=conversation_id, buyer_id=user_id, created_at__lte=shared_at
    ).exists()
