from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from xiaodian.accounts.models import User
from xiaodian.catalog.models import SKU, Product
from xiaodian.stores.models import Store

from . import rules
from .rules import SalesChannel, Scene, Status


class Address(models.Model):
    buyer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    recipient = models.CharField(_("收货人"), max_length=rules.RECIPIENT_MAX)
    phone = models.CharField(_("手机号"), max_length=rules.PHONE_MAX)
    region = models.CharField(_("省市区"), max_length=rules.REGION_MAX)
    detail = models.CharField(_("详细地址"), max_length=rules.DETAIL_MAX)
    is_default = models.BooleanField(_("默认地址"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-id"]
        verbose_name = _("收货地址")
        verbose_name_plural = pgettext_lazy("plural", "收货地址")

    def __str__(self) -> str:
        return f"{self.recipient} {self.region}{self.detail}"

    def snapshot(self) -> dict:
        return {
            "recipient": self.recipient,
            "phone": self.phone,
            "region": self.region,
            "detail": self.detail,
        }


class CartItem(models.Model):
    buyer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="cart_items")
    sku = models.ForeignKey(SKU, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(default=1)
    added_at = models.DateTimeField(auto_now_add=True)
    # Where it was last added from (the last touch): a checkout from the cart records it.
    scene = models.PositiveSmallIntegerField(choices=Scene.choices, default=Scene.OTHER)
    source_type = models.CharField(max_length=rules.SOURCE_TYPE_MAX, blank=True)
    source_id = models.BigIntegerField(null=True, blank=True)
    touched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("购物车商品")
        verbose_name_plural = pgettext_lazy("plural", "购物车商品")
        constraints = [
            models.UniqueConstraint(fields=["buyer", "sku"], name="cart_sku_once"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cart_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} × {self.quantity}"


class Checkout(models.Model):
    """One buyer's checkout: one order per store, paid together by one payment (the Payment
    with purpose "checkout" and this checkout's id).

    `(buyer, idempotency_key)` is unique; `request_hash` is the hash of the request body, so a
    replay with the same body gets the same checkout and another body gets 409."""

    buyer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="checkouts")
    idempotency_key = models.CharField(max_length=rules.IDEMPOTENCY_KEY_MAX)
    request_hash = models.CharField(max_length=64)
    total_fen = models.BigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("结算单")
        verbose_name_plural = pgettext_lazy("plural", "结算单")
        constraints = [
            models.UniqueConstraint(
                fields=["buyer", "idempotency_key"], name="checkout_idempotency_key_once"
            ),
        ]

    def __str__(self) -> str:
        return f"checkout {self.pk}"


class Order(models.Model):
    number = models.CharField(_("订单号"), max_length=20, unique=True)
    checkout = models.ForeignKey(Checkout, on_delete=models.PROTECT, related_name="orders")
    buyer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="orders")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="orders")
    status = models.PositiveSmallIntegerField(_("状态"), choices=Status.choices, default=Status.UNPAID)
    scene = models.PositiveSmallIntegerField(_("来源场景"), choices=Scene.choices, default=Scene.OTHER)
    source_type = models.CharField(max_length=rules.SOURCE_TYPE_MAX, blank=True)
    source_id = models.BigIntegerField(null=True, blank=True)
    address = models.JSONField(_("收货地址"))
    # A gift order's recipient, who gives the address when accepting (status 12 until then).
    recipient = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="gifts_received"
    )
    # A gift whose recipient is named only after payment (one unit of a group gift): it waits (12)
    # like any gift, and `assign_gift` names its recipient, who then accepts it.
    open_gift = models.BooleanField(default=False, db_default=False)
    # The buyer's note to the store, typed at checkout (rules.NOTE_MAX characters).
    note = models.CharField(_("买家留言"), max_length=rules.NOTE_MAX, blank=True, default="", db_default="")
    goods_fen = models.BigIntegerField()
    shipping_fen = models.BigIntegerField(default=0)
    # Coupons and campaigns, split over the lines (`OrderLine.discount_fen`; orders.amounts).
    discount_fen = models.BigIntegerField(_("优惠"), default=0, db_default=0)
    # What made the discount: [{"reason", "reference", "label", "amount_fen"}] (orders.extensions).
    discounts = models.JSONField(default=list, db_default=[], blank=True)
    total_fen = models.BigIntegerField()
    created_at = models.DateTimeField()
    pay_deadline = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("订单")
        verbose_name_plural = pgettext_lazy("plural", "订单")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="order_status_known"),
            models.CheckConstraint(condition=Q(scene__in=Scene.values), name="order_scene_known"),
            models.CheckConstraint(
                condition=Q(total_fen=F("goods_fen") + F("shipping_fen") - F("discount_fen")),
                name="order_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(goods_fen__gte=0, shipping_fen__gte=0, discount_fen__gte=0),
                name="order_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(discount_fen__lte=F("goods_fen")), name="order_discount_within_goods"
            ),
        ]
        indexes = [
            models.Index(fields=["buyer", "-created_at"]),
            models.Index(fields=["store", "status", "-created_at"]),
            models.Index(fields=["status", "pay_deadline"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def ship_by(self):
        """The time the order must be shipped by: paid + 48 h (rules.SHIP_WITHIN); None unpaid."""
        return self.paid_at + rules.SHIP_WITHIN if self.paid_at else None

    def ship_flag(self, now) -> str:
        """For an order still to ship: "late" past its ship-by time, "nearly" within
        rules.NEARLY_LATE of it, else "" (the same bounds as selectors.ship_due)."""
        if self.paid_at is None or self.status not in rules.WAITING_TO_SHIP:
            return ""
        if now > self.ship_by:
            return "late"
        if now > self.ship_by - rules.NEARLY_LATE:
            return "nearly"
        return ""


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=60)
    specs = models.JSONField(default=dict)
    unit_price_fen = models.BigIntegerField()
    quantity = models.PositiveIntegerField()
    shipped_quantity = models.PositiveIntegerField(default=0)
    # The line's part of its order's discount (orders.amounts.split_discount).
    discount_fen = models.BigIntegerField(default=0, db_default=0)
    # Units refunded before they shipped (an after-sale on an unshipped line): never to be shipped.
    withdrawn_quantity = models.PositiveIntegerField(default=0)
    # Attribution: where this line's sale started and who promoted it (orders.extensions).
    scene = models.PositiveSmallIntegerField(_("来源场景"), choices=Scene.choices, default=Scene.OTHER)
    source_type = models.CharField(max_length=20, blank=True)
    source_id = models.BigIntegerField(null=True, blank=True)
    promoter = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    sales_channel = models.PositiveSmallIntegerField(
        _("带货渠道"), choices=SalesChannel.choices, null=True, blank=True
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(promoter__isnull=True, sales_channel__isnull=True)
                # (NULL IN (...) is unknown, which a CHECK lets through: hence isnull=False too)
                | Q(
                    promoter__isnull=False, sales_channel__isnull=False, sales_channel__in=SalesChannel.values
                ),
                name="line_promoter_has_a_channel",
            ),
            models.CheckConstraint(
                condition=Q(shipped_quantity__lte=F("quantity") - F("withdrawn_quantity")),
                name="line_not_overshipped",
            ),
            models.CheckConstraint(
                condition=Q(discount_fen__gte=0, discount_fen__lte=F("unit_price_fen") * F("quantity")),
                name="line_discount_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} × {self.quantity}"

    @property
    def to_ship(self) -> int:
        return self.quantity - self.withdrawn_quantity - self.shipped_quantity

    @property
    def total_fen(self) -> int:
        return self.unit_price_fen * self.quantity


class Shipment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(_("快递公司"), max_length=rules.CARRIER_MAX)  # its Chinese name
    # rules.CARRIERS' code; blank for shipments made before carriers were chosen from that list.
    carrier_code = models.CharField(max_length=rules.CARRIER_CODE_MAX, blank=True, default="", db_default="")
    tracking_no = models.CharField(_("运单号"), max_length=rules.TRACKING_NO_MAX)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_no}"

    @property
    def carrier_label(self) -> str:
        """The carrier's name in the active language (the stored name for an unlisted one)."""
        return rules.carrier_name(self.carrier_code, get_language() or "") or self.carrier


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="shipment_lines")
    quantity = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.line_id} × {self.quantity}"


class OrderEvent(models.Model):
    """The order's history: every status change, who made it and when."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.PositiveSmallIntegerField(null=True)
    to_status = models.PositiveSmallIntegerField()
    actor = models.CharField(max_length=20)  # buyer | merchant | system | payment
    note = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
