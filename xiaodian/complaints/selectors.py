"""Reads of complaints: the buyer's, a store's, the operators' queue, one complaint with its
timeline, and the upheld complaints per store that the store score counts."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.accounts.rules import Perm
from xiaodian.core.errors import DomainError
from xiaodian.core.permissions import require_user
from xiaodian.stores.access import store_for

from .models import Complaint, ComplaintImage
from .rules import Part, State


def _rows() -> QuerySet[Complaint]:
    return Complaint.objects.select_related("store", "order").prefetch_related(
        Prefetch(
            "images", queryset=ComplaintImage.objects.order_by("part", "position", "id"), to_attr="image_list"
        )
    )


def for_buyer(buyer: User) -> QuerySet[Complaint]:
    require_user(buyer)
    return _rows().filter(buyer=buyer)


def for_store(staff: User, store_id: int, state: str | None = None) -> QuerySet[Complaint]:
    store_for(staff, store_id, Perm.CUSTOMER_SERVICE)
    rows = _rows().filter(store_id=store_id)
    return rows.filter(state=state) if state else rows


def waiting_answer_count(store_id: int) -> int:
    """How many of the store's complaints still wait for its answer (the workbench's to-do)."""
    return Complaint.objects.filter(store_id=store_id, state=State.OPEN).count()


def queue(state: str | None = None) -> QuerySet[Complaint]:
    """The operators' queue: waiting complaints first, oldest first."""
    rows = _rows()
    if state:
        return rows.filter(state=state).order_by("created_at", "id")
    return rows.filter(state__in=[State.OPEN, State.ANSWERED]).order_by("created_at", "id")


def complaint_for(user: User, complaint_id: int) -> tuple[Complaint, str]:
    """One complaint and the side the user sees it from: buyer, merchant (customer-service staff of
    the store) or operator. Anyone else → 404."""
    require_user(user)
    complaint = _rows().filter(pk=complaint_id).first()
    if complaint is None:
        raise DomainError("not_found")
    if complaint.buyer_id == user.pk:
        return complaint, "buyer"
    if user.is_staff:
        return complaint, "operator"
    store_for(user, complaint.store_id, Perm.CUSTOMER_SERVICE)
    return complaint, "merchant"


@dataclass(frozen=True)
class Step:
    at: datetime
    who: str
    what: str
    text: str
    images: list[str]


def timeline(complaint: Complaint) -> list[Step]:
    """What happened, in order: filed, answered, ruled. Both sides see the same."""
    images = getattr(complaint, "image_list", None)
    if images is None:
        images = list(complaint.images.all())
    by_part = {part: [i.image.url for i in images if i.part == part] for part in Part.values}
    steps = [Step(complaint.created_at, "buyer", _("买家投诉"), complaint.text, by_part[Part.BUYER])]
    if complaint.answered_at:
        steps.append(
            Step(complaint.answered_at, "merchant", _("商家回应"), complaint.answer, by_part[Part.MERCHANT])
        )
    if complaint.ruled_at:
        what = (
            _("平台裁定：投诉成立（商家责任）")
            if complaint.state == State.UPHELD
            else _("平台裁定：投诉不成立")
        )
        steps.append(Step(complaint.ruled_at, "platform", what, complaint.ruling_note, []))
    return steps


def upheld_by_store(*, start: datetime, end: datetime, store_ids=None) -> dict[int, int]:
    """Complaints ruled upheld (the merchant at fault) in [start, end), per store: one GROUP BY.
    The store score's complaint rate divides these by the store's qualifying orders."""
    rows = Complaint.objects.filter(state=State.UPHELD, ruled_at__gte=start, ruled_at__lt=end)
    if store_ids is not None:
        rows = rows.filter(store_id__in=store_ids)
    return dict(rows.values_list("store_id").annotate(n=Count("id")).values_list("store_id", "n"))
