"""Every write of a complaint (docs/complaints.md): the buyer files it (about an order of theirs or
a store), the store's customer service answers once with text and evidence, an operator rules
(the merchant at fault or not). Who may act is checked first (a stranger gets not_found), then
the state, then the content; each write is one transaction. An upheld complaint counts in the
store score's complaint rate (scoring reads `selectors.upheld_by_store`)."""

import uuid
from collections.abc import Sequence

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.accounts.rules import Perm
from xiaodian.catalog.services import CheckedImage
from xiaodian.catalog.services import check_images as catalog_images
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.permissions import require_operator, require_user
from xiaodian.core.text import is_storable
from xiaodian.orders.models import Order
from xiaodian.stores.access import store_for
from xiaodian.stores.models import Store
from xiaodian.stores.rules import StoreState

from . import rules
from .models import Complaint, ComplaintImage
from .rules import Part, Reason, State


def clean_text(text, *, field: str, required: bool = True) -> str:
    text = (text if isinstance(text, str) else "").strip()
    if required and not text:
        raise DomainError("validation_error", _("请填写内容。"), field=field)
    if len(text) > rules.TEXT_MAX:
        raise DomainError(
            "validation_error", _("内容不能超过 %(max)d 个字。") % {"max": rules.TEXT_MAX}, field=field
        )
    if not is_storable(text):
        raise DomainError("validation_error", _("内容中含有无法保存的字符。"), field=field)
    return text


def check_images(uploads: Sequence[UploadedFile] | None, *, field: str = "images") -> list[CheckedImage]:
    return catalog_images(uploads, limit=rules.IMAGES_MAX, field=field)


def file_complaint(
    *,
    buyer: User,
    reason: str,
    text: str,
    order_id: int | None = None,
    store_id: int | None = None,
    images: Sequence[UploadedFile] | None = None,
) -> Complaint:
    """The buyer complains about one of their paid orders (`order_id`) or about a store
    (`store_id`). One complaint per order (409 `complaint_exists`), and one waiting complaint
    about a store per buyer."""
    require_user(buyer)
    if order_id is not None:
        order = Order.objects.filter(pk=order_id, buyer=buyer).first()
        if order is None:
            raise DomainError("not_found")
        if order.paid_at is None:
            raise DomainError("invalid_transition", _("订单付款后才能投诉。"))
        store_id = order.store_id
    elif store_id is not None:
        if not Store.objects.filter(pk=store_id, state=StoreState.OPEN).exists():
            raise DomainError("not_found")
    else:
        raise DomainError("validation_error", _("请选择要投诉的订单或店铺。"), field="order_id")
    if reason not in Reason.values:
        raise DomainError("validation_error", _("请选择投诉原因。"), field="reason")
    text = clean_text(text, field="text")
    checked = check_images(images)
    try:
        with transaction.atomic():
            complaint = Complaint.objects.create(
                buyer=buyer,
                store_id=store_id,
                order_id=order_id,
                reason=reason,
                text=text,
                created_at=clock.now(),
            )
            _store_images(complaint, checked, Part.BUYER)
    except IntegrityError as exc:
        raise DomainError("complaint_exists") from exc
    return complaint


def _store_images(complaint: Complaint, checked: list[CheckedImage], part: str) -> None:
    for position, image in enumerate(checked):
        row = ComplaintImage(complaint=complaint, part=part, position=position)
        row.image.save(f"{uuid.uuid4().hex}.{image.extension}", ContentFile(image.data), save=False)
        row.save()


def answer_complaint(
    *, staff: User, complaint_id: int, text: str, images: Sequence[UploadedFile] | None = None
) -> Complaint:
    """The store's one answer, with evidence, by staff with the customer-service permission
    (other staff → 403, anyone else → 404); only before the ruling and only once."""
    complaint = Complaint.objects.filter(pk=complaint_id).first()
    if complaint is None:
        raise DomainError("not_found")
    store_for(staff, complaint.store_id, Perm.CUSTOMER_SERVICE)
    text = clean_text(text, field="text")
    checked = check_images(images)
    with transaction.atomic():
        updated = Complaint.objects.filter(pk=complaint.pk, state=State.OPEN).update(
            state=State.ANSWERED, answer=text, answered_by=staff, answered_at=clock.now()
        )
        if not updated:
            raise DomainError("invalid_transition", _("这条投诉已回应或已裁定。"))
        _store_images(complaint, checked, Part.MERCHANT)
    complaint.refresh_from_db()
    return complaint


def rule_complaint(*, operator: User, complaint_id: int, at_fault: bool, note: str = "") -> Complaint:
    """The platform's ruling: the merchant at fault (upheld: it counts in the store score's
    complaint rate) or not (dismissed). Once; an open complaint may be ruled without an answer."""
    require_operator(operator)
    if not isinstance(at_fault, bool):
        raise DomainError("validation_error", field="at_fault")
    note = clean_text(note, field="note", required=False)
    with transaction.atomic():
        updated = Complaint.objects.filter(pk=complaint_id, state__in=[State.OPEN, State.ANSWERED]).update(
            state=State.UPHELD if at_fault else State.DISMISSED,
            ruling_note=note,
            ruled_by=operator,
            ruled_at=clock.now(),
        )
        if not updated:
            if not Complaint.objects.filter(pk=complaint_id).exists():
                raise DomainError("not_found")
            raise DomainError("invalid_transition", _("这条投诉已裁定。"))
    return Complaint.objects.get(pk=complaint_id)
