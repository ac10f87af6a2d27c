from ninja import File, Query, Router, Schema, UploadedFile

from xiaodian.accounts.rules import Perm
from xiaodian.core.errors import DomainError
from xiaodian.core.openapi import refuses
from xiaodian.core.pagination import ObjectId, Page, PageParams, paginate
from xiaodian.stores.access import store_for

from . import selectors, services
from .schemas import (
    AfterSaleIn,
    AfterSaleOut,
    ApproveIn,
    DecisionIn,
    DisputeIn,
    DisputeOut,
    ReceivedIn,
    RejectIn,
    ReturnAddressIn,
    ReturnAddressOut,
    ShipmentIn,
)

router = Router(tags=["aftersales"])


class AfterSaleFilter(Schema):
    store_id: ObjectId | None = None
    state: str | None = None


def _detail(request, aftersale_id: int):
    return selectors.aftersale_for(request.auth, aftersale_id)


def _merchant_store(request, aftersale_id: int):
    aftersale = selectors.aftersale_for(request.auth, aftersale_id)
    return store_for(request.auth, aftersale.store_id, Perm.MANAGE_ORDERS)


@router.post("/orders/{order_id}/aftersales", response={201: AfterSaleOut})
def request_aftersale(request, order_id: ObjectId, body: AfterSaleIn):
    """Images, if any, follow with `POST /aftersales/{id}/images` (multipart, up to 9)."""
    aftersale = services.request_aftersale(
        buyer=request.auth,
        order_id=order_id,
        line_id=body.line_id,
        kind=body.type,
        quantity=body.quantity,
        reason_code=body.reason_code,
        reason=body.reason,
    )
    return 201, _detail(request, aftersale.pk)


@router.post("/aftersales/{aftersale_id}/images", response=AfterSaleOut)
def add_images(request, aftersale_id: ObjectId, images: File[list[UploadedFile] | None] = None):
    aftersale = _detail(request, aftersale_id)  # 404 before anything about the body
    if not images:
        raise DomainError("validation_error", field="images")
    services.add_images(buyer=request.auth, aftersale_id=aftersale.pk, images=images)
    return _detail(request, aftersale_id)


@router.get("/aftersales", response=Page[AfterSaleOut])
def list_aftersales(request, filters: Query[AfterSaleFilter], page: Query[PageParams]):
    """The buyer's requests; with `store_id`, that store's queue (order permission needed)."""
    if filters.store_id is not None:
        store = store_for(request.auth, filters.store_id, Perm.MANAGE_ORDERS)
        return paginate(selectors.aftersales_of_store(store, state=filters.state), page)
    return paginate(selectors.aftersales_of_buyer(request.auth, state=filters.state), page)


@router.get("/aftersales/{aftersale_id}", response=AfterSaleOut)
def get_aftersale(request, aftersale_id: ObjectId):
    return _detail(request, aftersale_id)


@router.post("/aftersales/{aftersale_id}/approve", response=AfterSaleOut)
@refuses("refund_amount_invalid")
def approve(request, aftersale_id: ObjectId, body: ApproveIn | None = None):
    """A refund is paid back at once: the amount asked, or `refund_fen` (less, with a `reason` the
    buyer sees and may dispute). A return or exchange goes back to `return_address_id`, or the
    store's default address."""
    body = body or ApproveIn()
    services.approve_aftersale(
        store=_merchant_store(request, aftersale_id), aftersale_id=aftersale_id, **body.dict()
    )
    return _detail(request, aftersale_id)


@router.get("/stores/{store_id}/return-addresses", response=list[ReturnAddressOut])
def list_return_addresses(request, store_id: ObjectId):
    """The store's return addresses, the default first (at most 10)."""
    return selectors.return_addresses(store_for(request.auth, store_id, Perm.MANAGE_ORDERS))


@router.post("/stores/{store_id}/return-addresses", response={201: ReturnAddressOut})
def add_return_address(request, store_id: ObjectId, body: ReturnAddressIn):
    store = store_for(request.auth, store_id, Perm.MANAGE_ORDERS)
    return 201, services.add_return_address(store=store, **body.dict())


@router.post("/stores/{store_id}/return-addresses/{address_id}/default", response=ReturnAddressOut)
def default_return_address(request, store_id: ObjectId, address_id: ObjectId):
    store = store_for(request.auth, store_id, Perm.MANAGE_ORDERS)
    return services.set_default_return_address(store=store, address_id=address_id)


@router.delete("/stores/{store_id}/return-addresses/{address_id}", response={204: None})
def delete_return_address(request, store_id: ObjectId, address_id: ObjectId):
    store = store_for(request.auth, store_id, Perm.MANAGE_ORDERS)
    services.delete_return_address(store=store, address_id=address_id)
    return 204, None


@router.post("/aftersales/{aftersale_id}/reject", response=AfterSaleOut)
def reject(request, aftersale_id: ObjectId, body: RejectIn):
    services.reject_aftersale(
        store=_merchant_store(request, aftersale_id), aftersale_id=aftersale_id, reason=body.reason
    )
    return _detail(request, aftersale_id)


@router.post("/aftersales/{aftersale_id}/return-shipped", response=AfterSaleOut)
def return_shipped(request, aftersale_id: ObjectId, body: ShipmentIn):
    services.ship_return(buyer=request.auth, aftersale_id=aftersale_id, **body.dict())
    return _detail(request, aftersale_id)


@router.post("/aftersales/{aftersale_id}/received", response=AfterSaleOut)
@refuses("refund_amount_invalid")
def received(request, aftersale_id: ObjectId, body: ReceivedIn | None = None):
    body = body or ReceivedIn()
    services.receive_return(
        store=_merchant_store(request, aftersale_id), aftersale_id=aftersale_id, **body.dict()
    )
    return _detail(request, aftersale_id)


@router.post("/aftersales/{aftersale_id}/cancel", response=AfterSaleOut)
def cancel(request, aftersale_id: ObjectId):
    services.cancel_aftersale(buyer=request.auth, aftersale_id=aftersale_id)
    return _detail(request, aftersale_id)


@router.post("/aftersales/{aftersale_id}/confirm", response=AfterSaleOut)
def confirm(request, aftersale_id: ObjectId):
    services.confirm_exchange(buyer=request.auth, aftersale_id=aftersale_id)
    return _detail(request, aftersale_id)


@router.post("/aftersales/{aftersale_id}/dispute", response={201: DisputeOut})
def dispute(request, aftersale_id: ObjectId, body: DisputeIn):
    return 201, services.open_dispute(buyer=request.auth, aftersale_id=aftersale_id, statement=body.statement)


@router.post("/aftersales/{aftersale_id}/dispute/answer", response=DisputeOut)
def answer_dispute(request, aftersale_id: ObjectId, body: DisputeIn):
    """The store's side of an open dispute, once (evidence photos: on the request's page)."""
    store = _merchant_store(request, aftersale_id)
    return services.answer_dispute(store=store, aftersale_id=aftersale_id, statement=body.statement)


@router.get("/disputes", response=Page[DisputeOut])
def list_disputes(request, page: Query[PageParams], status: str | None = "open"):
    """The operators' arbitration queue, oldest first."""
    return paginate(selectors.disputes_for_operator(request.auth, status=status or None), page)


@router.post("/disputes/{dispute_id}/decide", response=DisputeOut)
def decide(request, dispute_id: ObjectId, body: DecisionIn):
    selectors.dispute_for_operator(request.auth, dispute_id)  # 404 for anyone but operators
    return services.decide_dispute(operator=request.auth, dispute_id=dispute_id, **body.dict())
