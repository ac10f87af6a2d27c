from django.core.handlers.asgi import ASGIRequest
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Header, Query, Router

from xiaodian.accounts.rules import Perm
from xiaodian.core.errors import DomainError
from xiaodian.core.openapi import refuses
from xiaodian.core.pagination import ObjectId, Page, PageParams, paginate
from xiaodian.payments import services as payments
from xiaodian.stores.access import store_for

from . import export, rules, selectors, services
from .schemas import (
    AddressOut,
    BulkShipIn,
    BulkShipOut,
    CarrierOut,
    CartItemIn,
    CartItemOut,
    CheckoutIn,
    CheckoutOut,
    OrderFilter,
    OrderOut,
    PayIn,
    PaymentOut,
    SavedAddressIn,
    ShipIn,
)

router = Router(tags=["orders"])


@router.get("/cart/items", response=Page[CartItemOut])
def list_cart(request, page: Query[PageParams]):
    return paginate(selectors.cart_of(request.auth), page)


@router.post("/cart/items", response={201: CartItemOut})
def add_to_cart(request, body: CartItemIn):
    item = services.add_to_cart(buyer=request.auth, **body.dict())
    return 201, selectors.cart_of(request.auth).get(pk=item.pk)


@router.delete("/cart/items/{item_id}", response={204: None})
def remove_cart_item(request, item_id: ObjectId):
    services.remove_cart_item(buyer=request.auth, item_id=item_id)
    return 204, None


@router.get("/addresses", response=Page[AddressOut])
def list_addresses(request, page: Query[PageParams]):
    return paginate(selectors.addresses_of(request.auth), page)


@router.post("/addresses", response={201: AddressOut})
def save_address(request, body: SavedAddressIn):
    return 201, services.save_address(buyer=request.auth, **body.dict())


@router.delete("/addresses/{address_id}", response={204: None})
def delete_address(request, address_id: ObjectId):
    services.delete_address(buyer=request.auth, address_id=address_id)
    return 204, None


def checkout_answer(placed: services.PlacedCheckout) -> dict:
    checkout, orders = placed.checkout, selectors.placed_orders(placed)
    status = (
        "paid"
        if all(o.paid_at for o in orders)
        else ("closed" if all(o.closed_at for o in orders) else "unpaid")
    )
    return {
        "orders": orders,
        "payment": {
            "checkout_id": checkout.pk,
            "amount_fen": checkout.total_fen,
            "pay_deadline": orders[0].pay_deadline,
            "status": status,
        },
    }


@router.post("/orders", response={201: CheckoutOut})
def place_order(
    request,
    body: CheckoutIn,
    idempotency_key: str = Header(..., alias="Idempotency-Key", max_length=rules.IDEMPOTENCY_KEY_MAX),
):
    """One order per store, paid together. Same Idempotency-Key + same body → the same answer;
    another body → 409 `idempotency_conflict`."""
    payload = body.dict()
    placed = services.place_order(
        buyer=request.auth,
        items=[
            services.LineRequest(sku_id=i["sku_id"], quantity=i["quantity"]) for i in payload.pop("items")
        ],
        idempotency_key=idempotency_key,
        **payload,
    )
    return 201, checkout_answer(placed)


_CSV = {"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}}


@router.get("/orders", response=Page[OrderOut], openapi_extra=_CSV)
def list_orders(request, filters: Query[OrderFilter], page: Query[PageParams]):
    """The buyer's orders; with `store_id`, that store's orders (order permission needed). `q`
    searches the order number, the buyer's phone and name; `ship` keeps those still to ship,
    nearly late or late. With `store_id`, `format=csv` answers the whole filtered list as a
    text/csv file (no paging), the same file as the store's order page exports."""
    criteria = {
        "statuses": None if filters.status is None else (filters.status,),
        "date_from": filters.date_from,
        "date_to": filters.date_to,
        "q": filters.q,
        "ship": filters.ship or "",
    }
    if filters.store_id is not None:
        store = store_for(request.auth, filters.store_id, Perm.MANAGE_ORDERS)
        orders = selectors.store_orders(store, **criteria)
        if filters.format == "csv":
            name = f"orders-{store.pk}-{timezone.localdate().isoformat()}.csv"
            return export.csv_response(
                selectors.export_orders(orders), name, asgi=isinstance(request, ASGIRequest)
            )
        return paginate(orders, page)
    if filters.format == "csv":
        raise DomainError("validation_error", _("导出 CSV 需要指定店铺（store_id）。"), field="format")
    return paginate(selectors.buyer_orders(request.auth, **criteria), page)


@router.get("/carriers", response=list[CarrierOut])
def list_carriers(request):
    """The carriers an order ships with, each with the pattern its tracking numbers follow."""
    language = get_language() or ""
    return [
        {
            "code": c.code,
            "name": rules.carrier_name(c.code, language),
            "name_zh": c.name_zh,
            "name_en": c.name_en,
            "pattern": c.pattern.pattern,
            "example": c.example,
        }
        for c in rules.CARRIERS.values()
    ]


@router.post("/stores/{store_id}/orders/ship", response=BulkShipOut)
@refuses("unknown_carrier", "tracking_no_mismatch")
def ship_orders(request, store_id: ObjectId, body: BulkShipIn):
    """Ship several of the store's orders at once, each all its remaining units, per order: each
    order ships or not on its own (already shipped: `invalid_transition`; not the store's:
    `not_found`; a number that does not fit its carrier: `tracking_no_mismatch`), and the answer
    says which. A malformed request (no orders, more than 50, an order twice) ships nothing."""
    store = store_for(request.auth, store_id, Perm.MANAGE_ORDERS)
    requests = [
        services.ShipRequest(
            order_id=item.order_id, carrier=item.carrier or body.carrier or "", tracking_no=item.tracking_no
        )
        for item in body.orders
    ]
    results = services.ship_orders(store=store, requests=requests)
    return {
        "shipped": sum(r.ok for r in results),
        "failed": sum(not r.ok for r in results),
        "results": [
            {
                "order_id": r.order_id,
                "shipped": r.ok,
                "status": r.order.status if r.order is not None else None,
                "code": r.error.code if r.error is not None else None,
                "message": str(r.error.message) if r.error is not None else None,
            }
            for r in results
        ],
    }


@router.get("/orders/{order_id}", response=OrderOut)
def get_order(request, order_id: ObjectId):
    return selectors.order_for(request.auth, order_id)


@router.post("/orders/{order_id}/pay", response=PaymentOut)
@refuses("payment_failed")
def pay_order(request, order_id: ObjectId, body: PayIn | None = None):
    body = body or PayIn()
    payment = services.pay_checkout(
        buyer=request.auth, order_id=order_id, channel=body.channel, payer_openid=body.payer_openid
    )
    return {
        **{
            f: getattr(payment, f)
            for f in ("out_trade_no", "amount_fen", "status", "channel", "prepay_id", "code_url")
        },
        "pay_url": payments.pay_url(payment),
    }


@router.post("/orders/{order_id}/cancel", response=list[OrderOut])
def cancel_order(request, order_id: ObjectId):
    closed = services.cancel_order(buyer=request.auth, order_id=order_id)
    return list(selectors.orders_of_buyer(request.auth).filter(pk__in=[o.pk for o in closed]))


@router.post("/orders/{order_id}/ship", response=OrderOut)
@refuses("unknown_carrier", "tracking_no_mismatch")
def ship_order(request, order_id: ObjectId, body: ShipIn):
    order = selectors.order_for(request.auth, order_id)
    store = store_for(request.auth, order.store_id, Perm.MANAGE_ORDERS)
    services.ship_order(store=store, order_id=order_id, **body.dict())
    return selectors.order_for(request.auth, order_id)


@router.post("/orders/{order_id}/confirm", response=OrderOut)
def confirm_order(request, order_id: ObjectId):
    services.confirm_receipt(buyer=request.auth, order_id=order_id)
    return selectors.order_for(request.auth, order_id)
