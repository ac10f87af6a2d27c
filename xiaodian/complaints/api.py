"""The complaints endpoints: parse, call a service or selector, return a schema.

Filing and answering take JSON or multipart/form-data with the same fields plus up to 6 `images`
files (photos, evidence)."""

from ninja import Query, Router, Schema

from xiaodian.core.openapi import body_with_images, refuses
from xiaodian.core.pagination import MAX_ID, ObjectId, Page, PageParams, paginate
from xiaodian.core.parsing import body_and_images
from xiaodian.core.permissions import require_operator

from . import rules, selectors, services
from .models import Complaint
from .schemas import AnswerIn, ComplaintIn, ComplaintOut, RulingIn

router = Router(tags=["complaints"])


def _body(required: list[str], properties: dict) -> dict:
    return body_with_images(required, properties, images_max=rules.IMAGES_MAX)


_TEXT = {"type": "string", "minLength": 1, "maxLength": rules.TEXT_MAX}
_FILE_BODY = _body(
    ["reason", "text"],
    {
        "reason": {"type": "string", "enum": list(rules.Reason.values)},
        "text": _TEXT,
        "order_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        "store_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    },
)
_ANSWER_BODY = _body(["text"], {"text": _TEXT})


def out(complaint: Complaint) -> dict:
    return {
        "id": complaint.pk,
        "store_id": complaint.store_id,
        "store_name": complaint.store.name,
        "order_id": complaint.order_id,
        "order_number": complaint.order.number if complaint.order_id else None,
        "reason": complaint.reason,
        "reason_label": str(rules.Reason(complaint.reason).label),
        "state": complaint.state,
        "state_label": str(rules.State(complaint.state).label),
        "created_at": complaint.created_at,
        "timeline": [step.__dict__ for step in selectors.timeline(complaint)],
    }


def _one(user, complaint_id: int) -> dict:
    complaint, _side = selectors.complaint_for(user, complaint_id)
    return out(complaint)


class StateFilter(Schema):
    state: rules.State | None = None


@router.post("/complaints", response={201: ComplaintOut}, openapi_extra=_FILE_BODY)
@refuses("complaint_exists")
def file_complaint(request):
    """The buyer complains about one of their paid orders (`order_id`) or an open store
    (`store_id`), with a reason, text and photos. One per order: 409 `complaint_exists`."""
    body, images = body_and_images(request, ComplaintIn)
    complaint = services.file_complaint(
        buyer=request.auth,
        reason=body.reason,
        text=body.text,
        order_id=body.order_id,
        store_id=body.store_id,
        images=images,
    )
    return 201, _one(request.auth, complaint.pk)


@router.get("/complaints", response=Page[ComplaintOut])
def my_complaints(request, page: Query[PageParams]):
    """The buyer's own complaints, newest first."""
    result = paginate(selectors.for_buyer(request.auth), page)
    result["items"] = [out(c) for c in result["items"]]
    return result


@router.get("/complaints/{complaint_id}", response=ComplaintOut)
def get_complaint(request, complaint_id: ObjectId):
    """One complaint with its timeline, for its buyer, the store's customer service and operators."""
    return _one(request.auth, complaint_id)


@router.post("/complaints/{complaint_id}/answer", response=ComplaintOut, openapi_extra=_ANSWER_BODY)
def answer_complaint(request, complaint_id: ObjectId):
    """The store's one answer with evidence (`customer_service`), before the ruling; again → 409."""
    selectors.complaint_for(request.auth, complaint_id)
    body, images = body_and_images(request, AnswerIn)
    services.answer_complaint(staff=request.auth, complaint_id=complaint_id, text=body.text, images=images)
    return _one(request.auth, complaint_id)


@router.post("/complaints/{complaint_id}/ruling", response=ComplaintOut)
def rule_complaint(request, complaint_id: ObjectId, body: RulingIn):
    """An operator rules: `at_fault` true upholds it (the store's complaint rate counts it)."""
    selectors.complaint_for(request.auth, complaint_id)  # 404 for whoever may not see it; 403 for its store
    services.rule_complaint(
        operator=request.auth, complaint_id=complaint_id, at_fault=body.at_fault, note=body.note
    )
    return _one(request.auth, complaint_id)


@router.get("/stores/{store_id}/complaints", response=Page[ComplaintOut])
def store_complaints(request, store_id: ObjectId, filters: Query[StateFilter], page: Query[PageParams]):
    """The store's complaints, newest first (`customer_service`); `?state=` keeps one state."""
    result = paginate(selectors.for_store(request.auth, store_id, filters.state), page)
    result["items"] = [out(c) for c in result["items"]]
    return result


@router.get("/operations/complaints", response=Page[ComplaintOut])
def complaint_queue(request, filters: Query[StateFilter], page: Query[PageParams]):
    """Operators' queue: waiting complaints (open, answered), oldest first; `?state=` for others."""
    require_operator(request.auth)
    result = paginate(selectors.queue(filters.state), page)
    result["items"] = [out(c) for c in result["items"]]
    return result
