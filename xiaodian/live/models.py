"""Live rooms of video accounts, their product shelves, comments and viewers.

Flash-sale stock changes only through one conditional UPDATE (`services`); the check constraints
make a negative stock, a second pinned item or a second live room of one account impossible
even for a buggy caller. Which order line took how much flash stock is a `FlashHold` row, so it
can be given back exactly once."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xiaodian.accounts.models import User
from xiaodian.catalog.models import SKU, Product
from xiaodian.content.models import VideoAccount
from xiaodian.orders.models import Order, OrderLine

from . import rules
from .rules import RoomState


class LiveRoom(models.Model):
    account = models.ForeignKey(VideoAccount, on_delete=models.CASCADE, related_name="live_rooms")
    title = models.CharField(_("标题"), max_length=rules.TITLE_MAX)
    cover = models.ImageField(_("封面"), upload_to="live-covers/%Y/%m/", blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=RoomState.choices, default=RoomState.SCHEDULED)
    scheduled_at = models.DateTimeField(_("开播时间"))
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-scheduled_at", "-id"]
        verbose_name = _("直播间")
        verbose_name_plural = pgettext_lazy("plural", "直播间")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=RoomState.values), name="live_room_state_known"),
            models.CheckConstraint(
                condition=~Q(state=RoomState.LIVE) | Q(started_at__isnull=False), name="live_room_started"
            ),
            models.CheckConstraint(
                condition=Q(state=RoomState.ENDED) | Q(ended_at__isnull=True), name="live_room_ended_at"
            ),
            # One video account broadcasts one room at a time.
            models.UniqueConstraint(
                fields=["account"], condition=Q(state=RoomState.LIVE), name="one_live_room_per_account"
            ),
        ]
        indexes = [models.Index(fields=["account", "-scheduled_at"])]

    def __str__(self) -> str:
        return self.title


class ShelfItem(models.Model):
    """One SKU on a room's shelf, at a live-only price, with a flash-sale stock.

    `flash_stock` is what is left; `flash_stock_initial` what the owner put up. While the item
    exists, `flash_stock` + the units of its unreleased holds = `flash_stock_initial`. A removed
    item keeps its row (`removed_at`) so the holds of unpaid orders still point somewhere."""

    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="shelf")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="+")
    live_price_fen = models.BigIntegerField(_("直播价（分）"))
    flash_stock = models.IntegerField(_("秒杀库存"))
    flash_stock_initial = models.IntegerField(_("秒杀库存总数"))
    position = models.PositiveIntegerField(_("排序"), default=0)
    is_pinned = models.BooleanField(_("置顶"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    # Not a column: `selectors.shelf` sets the URL of the product's first image.
    image_url: str

    class Meta:
        ordering = ["-is_pinned", "position", "id"]
        verbose_name = _("货架商品")
        verbose_name_plural = pgettext_lazy("plural", "货架商品")
        constraints = [
            models.CheckConstraint(condition=Q(live_price_fen__gt=0), name="shelf_live_price_positive"),
            models.CheckConstraint(
                condition=Q(flash_stock__gte=0, flash_stock__lte=F("flash_stock_initial")),
                name="shelf_flash_stock_in_range",
            ),
            models.UniqueConstraint(
                fields=["room", "sku"], condition=Q(removed_at__isnull=True), name="shelf_sku_once"
            ),
            # At most one pinned item per room.
            models.UniqueConstraint(fields=["room"], condition=Q(is_pinned=True), name="one_pinned_item"),
            models.CheckConstraint(
                condition=Q(is_pinned=False) | Q(removed_at__isnull=True), name="shelf_removed_not_pinned"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room_id}: {self.sku_id} @ {self.live_price_fen}"


class FlashHold(models.Model):
    """Flash-sale units an order line took from a shelf item. `released_at` is set, once, when
    the order closed unpaid and the units went back (and cleared again if a late payment took
    them once more)."""

    item = models.ForeignKey(ShelfItem, on_delete=models.PROTECT, related_name="holds")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    line = models.OneToOneField(OrderLine, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="flash_hold_positive")]

    def __str__(self) -> str:
        return f"{self.item_id} × {self.quantity} (order {self.order_id})"


class LiveComment(models.Model):
    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="comments")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(_("内容"), max_length=rules.COMMENT_MAX)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("直播评论")
        verbose_name_plural = pgettext_lazy("plural", "直播评论")
        indexes = [models.Index(fields=["room", "-id"])]

    def __str__(self) -> str:
        return self.text


class LiveViewer(models.Model):
    """One open websocket watching a room. The viewer count is the number of fresh rows, so it
    is right whichever server process holds each connection, and a disconnect handled twice
    cannot count twice (the row is gone)."""

    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="viewers")
    channel_name = models.CharField(max_length=200, unique=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    joined_at = models.DateTimeField()
    # Refreshed by the page's heartbeat: a row not seen for rules.VIEWER_TTL (its process died
    # without closing the socket) no longer counts, and the next join in the room removes it.
    seen_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["room", "seen_at"])]

    def __str__(self) -> str:
        return f"{self.room_id}: {self.channel_name}"
