"""Every write of business contacts (docs/business.md): a buyer gives and withdraws consent to a
store; a store's staff member invites a consenting buyer (a business chat opens, in chats); the
gate every business-chat message passes (`check_message`, registered into chats); and a legacy
video store's customer-service upgrade (owner only, once)."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.accounts.rules import ROLE_PERMS, Role
from xiaodian.chats import services as chats
from xiaodian.chats.models import Message
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.permissions import require_user
from xiaodian.service import services as service
from xiaodian.stores.access import has_perm
from xiaodian.stores.models import Store, StoreStaff
from xiaodian.stores.rules import StoreState

from . import selectors
from .models import Consent, Contact, ServiceUpgrade
from .rules import STAFF_PERM, UPGRADE_MODES, ServiceMode

# The roles that serve business contacts (the customer-service permission).
_STAFF_ROLES = [role for role, perms in ROLE_PERMS.items() if STAFF_PERM in perms]

# -- consent -----------------------------------------------------------------------------------


def _open_store(store_id) -> Store:
    found = (
        Store.objects.select_related("subject").filter(pk=store_id, state=StoreState.OPEN).first()
        if isinstance(store_id, int)
        else None
    )
    if found is None:
        raise DomainError("not_found")
    return found


def give_consent(*, buyer: User, store_id: int) -> tuple[Consent, bool]:
    """The buyer allows the store's staff to hold them as a business contact (from the store's
    page, an order or customer service). Giving it again while it holds changes nothing; after a
    withdrawal it holds again from now. Answers (consent, changed)."""
    require_user(buyer)
    store = _open_store(store_id)
    now = clock.now()
    with transaction.atomic():
        found = Consent.objects.select_for_update().filter(store=store, buyer=buyer).first()
        if found is not None:
            if found.active:
                return found, False
            found.granted_at, found.withdrawn_at = now, None
            found.save(update_fields=["granted_at", "withdrawn_at"])
            return found, True
        try:
            with transaction.atomic():
                return Consent.objects.create(store=store, buyer=buyer, granted_at=now), True
        except IntegrityError:  # given from another tab at the same moment
            return Consent.objects.get(store=store, buyer=buyer), False


def withdraw_consent(*, buyer: User, store_id: int) -> Consent:
    """The buyer withdraws, at any time: from now on the store's staff cannot message them (their
    chats stay readable). Withdrawing again changes nothing; never given: 404."""
    require_user(buyer)
    if not isinstance(store_id, int):
        raise DomainError("not_found")
    with transaction.atomic():
        found = Consent.objects.select_for_update().filter(store_id=store_id, buyer=buyer).first()
        if found is None:
            raise DomainError("not_found")
        if found.active:
            found.withdrawn_at = clock.now()
            found.save(update_fields=["withdrawn_at"])
    return found


# -- contacts ----------------------------------------------------------------------------------


def _require_staff(user: User, store: Store) -> None:
    if not has_perm(user, store.pk, STAFF_PERM):
        raise DomainError("permission_denied")


def invite_contact(*, staff: User, store: Store, buyer_id: int) -> tuple[Contact, bool]:
    """A staff member (customer-service permission) adds a buyer who consented to the store as a
    business contact; their business chat opens. Without the buyer's consent 403
    `business_no_consent`; with an unverified subject 409 `business_subject_unverified`. Holding
    them already answers that contact. Answers (contact, created)."""
    _require_staff(staff, store)
    buyer = User.objects.filter(pk=buyer_id, is_active=True).first() if isinstance(buyer_id, int) else None
    if buyer is None:
        raise DomainError("not_found")
    if buyer.pk == staff.pk:
        raise DomainError("validation_error", _("不能添加自己"), field="buyer_id")
    if not selectors.has_consent(store.pk, buyer.pk):
        raise DomainError("business_no_consent", field="buyer_id")
    if not selectors.verified_subject(store):
        raise DomainError("business_subject_unverified")
    existing = Contact.objects.filter(store=store, staff=staff, buyer=buyer, closed_at__isnull=True).first()
    if existing is not None:
        return existing, False
    legacy = selectors.in_legacy_service(store)
    try:
        with transaction.atomic():
            conversation = chats.open_business(staff_id=staff.pk, buyer_id=buyer.pk, title=store.name)
            contact = Contact.objects.create(
                store=store,
                staff=staff,
                buyer=buyer,
                conversation=conversation,
                legacy=legacy,
                created_at=conversation.created_at,
            )
    except IntegrityError:  # invited from another tab at the same moment
        return Contact.objects.get(store=store, staff=staff, buyer=buyer, closed_at__isnull=True), False
    return contact, True


def check_message(conversation_id: int, sender_id: int, at: datetime) -> str:
    """The gate of every business-chat message (chats calls it inside the send's transaction,
    holding the conversation's lock). The buyer may always write in an open chat. The staff member
    must still serve the store, the buyer's consent must hold (403 `business_no_consent`), and
    writing first is for the legacy customer service only: otherwise the buyer must have written in
    this chat, consulted the store or ordered from it (403 `business_proactive_ended` once the
    store upgraded its customer service, else `cold_outreach`). A chat the upgrade closed takes no
    message (409 `business_chat_closed`). Answers the verified subject shown on a staff message."""
    contact = (
        Contact.objects.select_related("store", "store__subject")
        .filter(conversation_id=conversation_id)
        .first()
    )
    if contact is None:
        raise DomainError("not_found")
    if contact.closed_at is not None:
        raise DomainError("business_chat_closed")
    if sender_id == contact.buyer_id:
        return ""
    store = contact.store
    if (
        sender_id != contact.staff_id
        or not StoreStaff.objects.filter(store=store, user_id=sender_id, role__in=_STAFF_ROLES).exists()
    ):
        raise DomainError("permission_denied", _("你已不是这家店铺的客服人员"))
    if not selectors.has_consent(store.pk, contact.buyer_id):
        raise DomainError("business_no_consent")
    subject = selectors.verified_subject(store)
    if not subject:
        raise DomainError("business_subject_unverified")
    if not selectors.in_legacy_service(store):
        replied = Message.objects.filter(conversation_id=conversation_id, sender_id=contact.buyer_id).exists()
        if not replied and not service.may_contact(store.pk, contact.buyer_id):
            upgraded = ServiceUpgrade.objects.filter(store_id=store.pk).exists()
            raise DomainError("business_proactive_ended" if upgraded else "cold_outreach")
    return subject


# -- the legacy customer service's upgrade -----------------------------------------------------


def upgrade_service(
    *, user: User, store: Store, mode: str, webhook_url: str = ""
) -> tuple[ServiceUpgrade, str | None]:
    """The owner of a legacy video store moves its customer service from the legacy one (business
    contacts) to the workbench or self-built mode: once, and apart from the store's own upgrade.
    Histories do not carry over (the legacy business chats close, the new mode does not show them:
    the staff leave those chats, the buyer keeps their copy) and proactive messages end. Into
    self-built mode it answers the signing secret once, as customer service's mode switch does."""
    if not StoreStaff.objects.filter(store=store, user_id=user.pk, role=Role.OWNER).exists():
        raise DomainError("permission_denied", _("只有店主可以升级客服"))
    if mode not in UPGRADE_MODES:
        raise DomainError("validation_error", field="mode")
    if not store.is_legacy_video:
        raise DomainError("service_upgrade_not_legacy")
    now = clock.now()
    with transaction.atomic():
        Store.objects.select_for_update().filter(pk=store.pk).first()  # one upgrade at a time
        if ServiceUpgrade.objects.filter(store=store).exists():
            raise DomainError("service_already_upgraded")
        fields: dict = {"mode": mode}
        if webhook_url:
            fields["webhook_url"] = webhook_url
        _settings, secret = service.update_settings(user=user, store=store, **fields)
        upgrade = ServiceUpgrade.objects.create(store=store, mode=mode, upgraded_by=user, upgraded_at=now)
        line = _("本店客服已升级为%(mode)s，此前的企业联系人会话已结束。") % {"mode": ServiceMode(mode).label}
        for contact in Contact.objects.filter(store=store, closed_at__isnull=True).order_by("pk"):
            chats.close_business(
                conversation_id=contact.conversation_id, keep_user_id=contact.buyer_id, text=line
            )
        Contact.objects.filter(store=store, closed_at__isnull=True).update(closed_at=now)
    return upgrade, secret
