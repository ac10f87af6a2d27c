"""Business contacts: a buyer's consents and contacts; a store's contacts, the buyers who
consented, inviting one, and a legacy video store's customer-service mode and its upgrade.
Messages go through the chats endpoints and /ws/chats/ (the contact's `conversation_id`)."""

from ninja import Query, Router

from xiaodian.core.openapi import refuses
from xiaodian.core.pagination import ObjectId, Page, PageParams
from xiaodian.core.permissions import require_user
from xiaodian.stores.access import store_for

from . import selectors, services
from .models import Consent, Contact, ServiceUpgrade
from .rules import STAFF_PERM
from .schemas import (
    ConsentingBuyerOut,
    ConsentOut,
    InviteIn,
    MyContactOut,
    ServiceModeOut,
    ServiceUpgradeIn,
    ServiceUpgradeOut,
    StoreContactOut,
)

router = Router(tags=["business contacts"])


def consent_out(consent: Consent) -> dict:
    return {
        "store_id": consent.store_id,
        "store_name": consent.store.name,
        "subject_name": selectors.verified_subject(consent.store),
        "active": consent.active,
        "granted_at": consent.granted_at,
        "withdrawn_at": consent.withdrawn_at,
    }


def _with_store(consent: Consent) -> Consent:
    return Consent.objects.select_related("store", "store__subject").get(pk=consent.pk)


def store_contact_out(contact: Contact) -> dict:
    return {
        "id": contact.pk,
        "buyer_id": contact.buyer_id,
        "buyer_name": str(contact.buyer),
        "staff_id": contact.staff_id,
        "staff_name": str(contact.staff),
        "conversation_id": contact.conversation_id,
        "legacy": contact.legacy,
        "consenting": contact.consenting  # type: ignore[attr-defined]
        if hasattr(contact, "consenting")
        else selectors.has_consent(contact.store_id, contact.buyer_id),
        "created_at": contact.created_at,
    }


# -- the buyer ---------------------------------------------------------------------------------


@router.get("/business-contacts", response=list[MyContactOut])
def my_contacts(request):
    """The staff members holding the caller as a business contact, each with its store's verified
    subject and the business chat."""
    require_user(request.auth)
    consents = {c.store_id: c.active for c in selectors.buyer_consents(request.auth)}
    return [
        {
            "id": c.pk,
            "store_id": c.store_id,
            "store_name": c.store.name,
            "subject_name": selectors.verified_subject(c.store),
            "staff_id": c.staff_id,
            "staff_name": str(c.staff),
            "conversation_id": c.conversation_id,
            "consenting": consents.get(c.store_id, False),
            "created_at": c.created_at,
        }
        for c in selectors.buyer_contacts(request.auth)
    ]


@router.get("/business-contacts/consents", response=list[ConsentOut])
def my_consents(request):
    """The stores the caller consented to (withdrawn ones too), newest first."""
    require_user(request.auth)
    return [consent_out(c) for c in selectors.buyer_consents(request.auth)]


@router.put("/business-contacts/consents/{store_id}", response={200: ConsentOut, 201: ConsentOut})
def give_consent(request, store_id: ObjectId):
    """Consent to the store's staff holding the caller as a business contact: 201 when it starts
    (or starts again after a withdrawal), 200 when it already held. An unknown or closed store: 404."""
    consent, changed = services.give_consent(buyer=request.auth, store_id=store_id)
    return (201 if changed else 200), consent_out(_with_store(consent))


@router.delete("/business-contacts/consents/{store_id}", response=ConsentOut)
def withdraw_consent(request, store_id: ObjectId):
    """Withdraw it, at any time: the store's staff can no longer message the caller (403
    `business_no_consent`). Never given: 404."""
    consent = services.withdraw_consent(buyer=request.auth, store_id=store_id)
    return consent_out(_with_store(consent))


# -- the store's staff (customer-service permission) -------------------------------------------


@router.get("/business-contacts/stores/{store_id}", response=Page[StoreContactOut])
def store_contacts(request, store_id: ObjectId, page: Query[PageParams]):
    """The store's business contacts (the current customer-service mode's: contacts the upgrade
    closed are not shown), newest first."""
    store = store_for(request.auth, store_id, STAFF_PERM)
    rows, count = selectors.store_contacts(store, limit=page.limit, offset=page.offset)
    return {"items": [store_contact_out(c) for c in rows], "count": count}


@router.get("/business-contacts/stores/{store_id}/consenting", response=list[ConsentingBuyerOut])
def consenting(request, store_id: ObjectId):
    """Buyers whose consent to the store holds and whom the caller does not hold yet (up to 50)."""
    store = store_for(request.auth, store_id, STAFF_PERM)
    return [
        {"buyer_id": c.buyer_id, "buyer_name": str(c.buyer), "granted_at": c.granted_at}
        for c in selectors.consenting_buyers(store, request.auth)
    ]


@router.post("/business-contacts/stores/{store_id}", response={200: StoreContactOut, 201: StoreContactOut})
@refuses("business_no_consent", "business_subject_unverified")
def invite(request, store_id: ObjectId, body: InviteIn):
    """Add a consenting buyer as the caller's business contact: 201 with the new business chat,
    200 when the caller holds them already. Without consent: 403 `business_no_consent`."""
    store = store_for(request.auth, store_id, STAFF_PERM)
    contact, created = services.invite_contact(staff=request.auth, store=store, buyer_id=body.buyer_id)
    return (201 if created else 200), store_contact_out(contact)


def _mode_out(store) -> dict:
    upgrade = ServiceUpgrade.objects.filter(store_id=store.pk).first()
    return {
        "mode": selectors.service_mode(store),
        "legacy_video_store": store.is_legacy_video,
        "store_upgraded": store.is_legacy_video and store.upgraded_at is not None,
        "service_upgraded_at": upgrade.upgraded_at if upgrade else None,
    }


@router.get("/business-contacts/stores/{store_id}/service", response=ServiceModeOut)
def service_mode(request, store_id: ObjectId):
    """The store's customer service: `legacy` (a legacy video store before its customer-service
    upgrade: staff may write first to consenting buyers), `workbench` or `self_built`."""
    return _mode_out(store_for(request.auth, store_id))


@router.post("/business-contacts/stores/{store_id}/service/upgrade", response={201: ServiceUpgradeOut})
@refuses("service_upgrade_not_legacy", "service_already_upgraded")
def upgrade_service(request, store_id: ObjectId, body: ServiceUpgradeIn):
    """The owner of a legacy video store moves customer service to the workbench or self-built
    mode (once; apart from the store's own upgrade). The legacy business chats end (histories do
    not carry over) and so do proactive messages."""
    store = store_for(request.auth, store_id)
    upgrade, secret = services.upgrade_service(
        user=request.auth, store=store, mode=body.mode, webhook_url=body.webhook_url
    )
    return 201, {"mode": upgrade.mode, "upgraded_at": upgrade.upgraded_at, "signing_secret": secret}
