"""Rows as the score reads them, written straight to the tables: the score only reads orders,
reviews, after-sales and disputes, so a test states each fact (paid at, shipped at, a 2-star
review) and checks the number computed from it by hand."""

import itertools
from datetime import date, datetime, timedelta

from xiaodian.aftersales.models import AfterSale, Dispute
from xiaodian.aftersales.rules import Kind, Reason, State
from xiaodian.catalog.models import SKU, Product
from xiaodian.catalog.rules import ProductState
from xiaodian.orders.models import Checkout, Order, OrderLine
from xiaodian.orders.rules import Status
from xiaodian.reviews.models import Review
from xiaodian.scoring.days import SHANGHAI
from xiaodian.stores.models import Store
from xiaodian.stores.rules import StoreState

AS_OF = date(2026, 6, 30)  # the window is 2026-04-02 00:00 .. 2026-07-01 00:00, Shanghai
IN_WINDOW = datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI)

_numbers = itertools.count(1)


class Facts:
    def __init__(self, buyer):
        self.buyer = buyer
        self.skus: dict[int, SKU] = {}

    def open(self, store: Store, *, opened_at: datetime | None = None) -> Store:
        Store.objects.filter(pk=store.pk).update(
            state=StoreState.OPEN, opened_at=opened_at or IN_WINDOW - timedelta(days=400)
        )
        store.refresh_from_db()
        return store

    def sku(self, store: Store) -> SKU:
        if store.pk not in self.skus:
            product = Product.objects.create(
                store=store, category=store.main_category, title="测试商品", state=ProductState.LISTED
            )
            self.skus[store.pk] = SKU.objects.create(product=product, price_fen=1000, stock=0)
        return self.skus[store.pk]

    def order(
        self,
        store: Store,
        *,
        paid_at: datetime | None = IN_WINDOW,
        shipped_after: timedelta | None = timedelta(hours=10),
        received_after: timedelta | None = None,
        status: int | None = None,
        total_fen: int = 1000,
        scene: int = 1,
    ) -> Order:
        n = next(_numbers)
        created = paid_at or IN_WINDOW
        checkout = Checkout.objects.create(
            buyer=self.buyer,
            idempotency_key=f"k{n}",
            request_hash="h",
            total_fen=total_fen,
            created_at=created,
        )
        shipped_at = paid_at + shipped_after if paid_at and shipped_after is not None else None
        received_at = shipped_at + received_after if shipped_at and received_after is not None else None
        if status is None:
            status = (
                Status.CANCELLED_UNPAID
                if paid_at is None
                else Status.COMPLETED
                if received_at
                else Status.SHIPPED
                if shipped_at
                else Status.TO_SHIP
            )
        order = Order.objects.create(
            number=f"S{n:012d}",
            checkout=checkout,
            buyer=self.buyer,
            store=store,
            status=status,
            scene=scene,
            address={},
            goods_fen=total_fen,
            total_fen=total_fen,
            created_at=created,
            pay_deadline=created + timedelta(minutes=15),
            paid_at=paid_at,
            shipped_at=shipped_at,
            received_at=received_at,
        )
        sku = self.sku(store)
        order.line = OrderLine.objects.create(
            order=order, sku=sku, product=sku.product, title="测试商品", unit_price_fen=total_fen, quantity=1
        )
        return order

    def orders(self, store: Store, count: int, **kwargs) -> list[Order]:
        return [self.order(store, **kwargs) for _ in range(count)]

    def review(self, order: Order, rating: int, *, at: datetime = IN_WINDOW) -> Review:
        return Review.objects.create(
            line=order.line,
            order=order,
            product=order.line.product,
            store=order.store,
            buyer=self.buyer,
            rating=rating,
            created_at=at,
        )

    def aftersale(
        self,
        order: Order,
        *,
        reason: str = Reason.QUALITY,
        kind: str = Kind.REFUND,
        state: str = State.MERCHANT_REFUND_SUCCESS,
        created_at: datetime = IN_WINDOW,
        handled_in: timedelta | None = timedelta(hours=24),
    ) -> AfterSale:
        closed = created_at + handled_in if handled_in is not None else None
        refunded = closed if state in (State.MERCHANT_REFUND_SUCCESS, State.MERCHANT_RETURN_SUCCESS) else None
        return AfterSale.objects.create(
            order=order,
            line=order.line,
            buyer=self.buyer,
            store=order.store,
            kind=kind,
            reason_code=reason,
            quantity=1,
            amount_fen=order.total_fen,
            state=state,
            created_at=created_at,
            merchant_deadline=created_at + timedelta(hours=48),
            refunded_at=refunded,
            closed_at=closed,
        )

    def dispute(self, aftersale: AfterSale, decision: str, *, at: datetime = IN_WINDOW) -> Dispute:
        return Dispute.objects.create(
            aftersale=aftersale,
            statement="说明",
            status="decided",
            decision=decision,
            created_at=at - timedelta(days=1),
            decided_at=at,
        )
