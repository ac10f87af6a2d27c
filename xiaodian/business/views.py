"""Business contacts' pages (mobile-first): the buyer's business contacts and consents, a store's
consent page, the staff's business contacts (invite, send a product card, chat), and a legacy
video store's customer-service upgrade. As thin as api.py; the chats themselves are chats' pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaodian.accounts.models import User
from xiaodian.accounts.rules import Perm, Role
from xiaodian.catalog.models import Product
from xiaodian.chats import services as chats
from xiaodian.core.errors import DomainError
from xiaodian.core.pages import posted_id, require_ids
from xiaodian.orders.extensions import PageLink
from xiaodian.orders.models import Order
from xiaodian.stores.access import store_for
from xiaodian.stores.models import Store, StoreStaff
from xiaodian.stores.rules import StoreState

from . import selectors, services
from .forms import UpgradeForm
from .models import ServiceUpgrade
from .rules import STAFF_PERM

CARD_PRODUCTS_MAX = 50  # products offered in a contact's card menu


def _store(request, store_id: int, perm: str) -> Store:
    require_ids(store_id)
    try:
        return store_for(request.user, store_id, perm)
    except DomainError as exc:
        raise (Http404(exc.message) if exc.status == 404 else PermissionDenied(exc.message)) from exc


def _act(request, call, **kwargs):
    """Run a service for a button: its answer, or None with the refusal shown on the next page."""
    try:
        return call(**kwargs)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
        return None


# -- the buyer ---------------------------------------------------------------------------------


@login_required
@require_GET
def mine(request):
    """企业联系人: the staff holding me as a business contact (each with its store's verified
    subject and the chat), and the stores I consented to, with 撤回授权 / 重新授权."""
    consents = selectors.buyer_consents(request.user)
    contacts = selectors.buyer_contacts(request.user)
    for c in contacts:
        c.subject_name = selectors.verified_subject(c.store)  # type: ignore[attr-defined]
    for c in consents:
        c.subject_name = selectors.verified_subject(c.store)  # type: ignore[attr-defined]
    return render(request, "business/mine.html", {"contacts": contacts, "consents": consents})


@login_required
@require_http_methods(["GET", "POST"])
def consent(request, store_id: int):
    """A store's consent page (from its homepage): who the store is (its verified subject) and
    the switch. POST `action` give or withdraw."""
    require_ids(store_id)
    store = Store.objects.select_related("subject").filter(pk=store_id, state=StoreState.OPEN).first()
    if store is None:
        raise Http404
    if request.method == "POST":
        if request.POST.get("action") == "withdraw":
            if _act(request, services.withdraw_consent, buyer=request.user, store_id=store.pk):
                messages.success(request, _("已撤回授权，本店员工不能再给你发消息。"))
        elif _act(request, services.give_consent, buyer=request.user, store_id=store.pk):
            messages.success(request, _("已授权，本店员工可以添加你为企业联系人。"))
        return redirect("business:consent", store.pk)
    found = selectors.consent(store.pk, request.user.pk)
    active = found is not None and found.active
    chat_id = selectors.buyer_chat(store.pk, request.user.pk) if active else None
    context = {
        "store": store,
        "subject_name": selectors.verified_subject(store),
        "consent": found,
        "active": active,
        "legacy": selectors.in_legacy_service(store),
        "chat_id": chat_id,
    }
    return render(request, "business/consent.html", context)


def service_entry(buyer: User, store: Store) -> str:
    """Where 联系客服 leads for a store still on the legacy customer service (registered into
    service.extensions.legacy_entry): the buyer's business chat with it when their consent holds
    and a staff member added them, else the consent page, which says how the store serves."""
    if selectors.has_consent(store.pk, buyer.pk):
        chat_id = selectors.buyer_chat(store.pk, buyer.pk)
        if chat_id is not None:
            return reverse("chats:conversation", args=[chat_id])
    return reverse("business:consent", args=[store.pk])


def order_links(order: Order) -> list[PageLink]:
    """The buyer's order page of a store still on the legacy customer service links its consent
    page (registered into orders.extensions.buyer_links)."""
    if not selectors.in_legacy_service(order.store):
        return []
    url = reverse("business:consent", args=[order.store_id])
    return [PageLink("business-consent-link", _("允许商家添加我为企业联系人"), url)]


# -- the store's staff -------------------------------------------------------------------------


@login_required
@require_GET
def store_contacts(request, store_id: int):
    """The store's business contacts: chat, send a product card; buyers who consented, to add; the
    customer-service mode (a legacy video store: its upgrade)."""
    store = _store(request, store_id, STAFF_PERM)
    contacts, count = selectors.store_contacts(store, limit=100)
    products = list(
        Product.objects.filter(store=store, state="listed")
        .order_by("-id")
        .values("id", "title")[:CARD_PRODUCTS_MAX]
    )
    context = {
        "store": store,
        "contacts": contacts,
        "count": count,
        "consenting": selectors.consenting_buyers(store, request.user),
        "products": products,
        "mode": selectors.service_mode(store),
        "subject_name": selectors.verified_subject(store),
        "is_owner": store.viewer_role == Role.OWNER,
    }
    return render(request, "business/store_contacts.html", context)


@login_required
@require_POST
def invite(request, store_id: int):
    store = _store(request, store_id, STAFF_PERM)
    found = _act(
        request,
        services.invite_contact,
        staff=request.user,
        store=store,
        buyer_id=posted_id(request, "buyer_id"),
    )
    if found is not None:
        messages.success(request, _("已添加为企业联系人。"))
    return redirect("business:store_contacts", store.pk)


@login_required
@require_POST
def send_card(request, store_id: int, contact_id: int):
    """Send a listed product of the store as a card in the contact's business chat (a share on
    channel business_chat: a purchase through it records scene 13), then open the chat."""
    store = _store(request, store_id, STAFF_PERM)
    require_ids(contact_id)
    contact = _http404(lambda: selectors.contact_for_staff(store, contact_id))
    if contact.staff_id != request.user.pk:
        raise Http404
    product_id = posted_id(request, "product_id")
    if not Product.objects.filter(pk=product_id, store=store, state="listed").exists():
        raise Http404
    sent = _act(
        request,
        chats.send_message,
        user=request.user,
        conversation_id=contact.conversation_id,
        kind="card",
        card_kind="product",
        card_id=product_id,
    )
    if sent is None:
        return redirect("business:store_contacts", store.pk)
    return redirect("chats:conversation", contact.conversation_id)


def _http404(call):
    try:
        return call()
    except DomainError as exc:
        raise Http404 from exc


@login_required
@require_http_methods(["GET", "POST"])
def upgrade(request, store_id: int):
    """升级客服 (the owner of a legacy video store): what changes, and the switch to the workbench
    or self-built mode. Anyone else on the staff sees the page without the form."""
    store = _store(request, store_id, Perm.VIEW)
    if not store.is_legacy_video:
        raise Http404
    is_owner = StoreStaff.objects.filter(store=store, user=request.user, role=Role.OWNER).exists()
    done = ServiceUpgrade.objects.filter(store=store).first()
    form = UpgradeForm(request.POST or None)
    secret = None
    if request.method == "POST":
        if not is_owner:
            raise PermissionDenied(_("只有店主可以升级客服"))
        if form.is_valid():
            answer = _act(
                request,
                services.upgrade_service,
                user=request.user,
                store=store,
                mode=form.cleaned_data["mode"],
                webhook_url=form.cleaned_data["webhook_url"],
            )
            if answer is not None:
                done, secret = answer
                messages.success(request, _("客服已升级。"))
                if secret is None:
                    return redirect("business:upgrade", store.pk)
    context = {
        "store": store,
        "form": form,
        "is_owner": is_owner,
        "done": done,
        "secret": secret,
        "mode": selectors.service_mode(store),
        "contacts": selectors.store_contacts(store, limit=1)[1],
    }
    return render(request, "business/upgrade.html", context)
