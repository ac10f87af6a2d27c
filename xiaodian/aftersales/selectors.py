"""Reads for after-sales and disputes, each in a fixed number of queries."""

from django.db.models import Prefetch, QuerySet

from xiaodian.accounts.models import User
from xiaodian.accounts.rules import Perm
from xiaodian.core.errors import DomainError
from xiaodian.stores.access import store_for
from xiaodian.stores.models import Store

from .models import AfterSale, AfterSaleEvent, Dispute, ReturnAddress
from .rules import WAITING_FOR_MERCHANT, DisputeStatus


def _detailed(qs: QuerySet[AfterSale]) -> QuerySet[AfterSale]:
    return qs.select_related("order", "line", "store", "dispute").prefetch_related(
        "images", Prefetch("events", queryset=AfterSaleEvent.objects.order_by("pk"))
    )


def aftersales_of_buyer(buyer: User, *, state: str | None = None) -> QuerySet[AfterSale]:
    qs = AfterSale.objects.filter(buyer=buyer)
    return _detailed(qs.filter(state=state) if state else qs)


def aftersales_of_store(store: Store, *, state: str | None = None) -> QuerySet[AfterSale]:
    qs = AfterSale.objects.filter(store=store)
    return _detailed(qs.filter(state=state) if state else qs)


def aftersale_for(user: User, aftersale_id: int) -> AfterSale:
    """The buyer's own request, or one of a store the user handles orders for; else 404."""
    aftersale = _detailed(AfterSale.objects.filter(pk=aftersale_id)).first()
    if aftersale is None:
        raise DomainError("not_found")
    if aftersale.buyer_id != user.pk:
        store_for(user, aftersale.store_id, Perm.MANAGE_ORDERS)
    return aftersale


def return_addresses(store: Store) -> QuerySet[ReturnAddress]:
    """The default first, then the newest."""
    return ReturnAddress.objects.filter(store=store).order_by("-is_default", "-id")


def disputes_for_operator(user: User, *, status: str | None = DisputeStatus.OPEN) -> QuerySet[Dispute]:
    """The operators' queue, oldest first. Anyone else sees nothing of it (404)."""
    if not (user and user.is_authenticated and user.is_staff):
        raise DomainError("not_found")
    qs = Dispute.objects.select_related(
        "aftersale__order", "aftersale__store", "aftersale__line", "aftersale__buyer"
    )
    qs = qs.prefetch_related("evidence", "aftersale__images").order_by("created_at", "pk")
    return qs.filter(status=status) if status else qs


def dispute_for_operator(user: User, dispute_id: int) -> Dispute:
    dispute = disputes_for_operator(user, status=None).filter(pk=dispute_id).first()
    if dispute is None:
        raise DomainError("not_found")
    return dispute


def waiting_counts(store: Store) -> tuple[int, int]:
    """How many of the store's requests wait for the merchant, and how many of its disputes are
    open with the platform (the workbench's to-dos). Two queries."""
    waiting = AfterSale.objects.filter(store=store, state__in=WAITING_FOR_MERCHANT).count()
    disputes = Dispute.objects.filter(aftersale__store=store, status=DisputeStatus.OPEN).count()
    return waiting, disputes
