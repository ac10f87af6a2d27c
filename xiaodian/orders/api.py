from ninja import Header, Query, Router

from xiaodian.accounts.rules import Perm
from xiaodian.core.openapi import refuses
from xiaodian.core.pagination import ObjectId, Page, PageParams, paginate
from xiaodian.payments import services as payments
from xiaodian.stores.access import store_for

from . import rules, selectors, services
from .schemas import (
    AddressOut,
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


@router.get("/orders", response=Page[OrderOut])
def list_orders(request, filters: Query[OrderFilter], page: Query[PageParams]):
    """The buyer's orders; with `store_id`, that store's orders (order permission needed)."""
    criteria = {"status": filters.status, "date_from": filters.date_from, "date_to": filters.date_to}
    if filters.store_id is not None:
        store = store_for(request.auth, filters.store_id, Perm.MANAGE_ORDERS)
        return paginate(selectors.orders_of_store(store, **criteria), page)
    return paginate(selectors.orders_of_buyer(request.auth, **criteria), page)


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
def ship_order(request, order_id: ObjectId, body: ShipIn):
    order = selectors.order_for(request.auth, order_id)
    store = store_for(request.auth, order.store_id, Perm.MANAGE_ORDERS)
    services.ship_order(store=store, order_id=order_id, **body.dict())
    return selectors.order_for(request.auth, order_id)


@router.post("/orders/{order_id}/confirm", response=OrderOut)
def confirm_order(request, order_id: ObjectId):
    services.confirm_receipt(buyer=request.auth, order_id=order_id)
    return selectors.order_for(request.auth, order_id)
