"""The Preferred Alliance's tables: a store's enabling, plans per product (and the promoters a
targeted or exclusive plan names), promoters (creators, agencies and their creators, sharers),
showcases, promotion links, alliance products on creators' live rooms, and the lines they sold (plan and ratios fixed for the commission)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xiaodian.accounts.models import User
from xiaodian.catalog.models import Category, Product
from xiaodian.content.models import VideoAccount
from xiaodian.orders.models import OrderLine
from xiaodian.orders.rules import SalesChannel
from xiaodian.stores.models import Store

from . import rules
from .rules import PlanKind, PromoterKind


class StoreAlliance(models.Model):
    """A store that enabled the alliance (the row exists exactly when it is enabled)."""

    store = models.OneToOneField(Store, primary_key=True, on_delete=models.CASCADE, related_name="+")
    enabled_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    enabled_at = models.DateTimeField(_("开通时间"))

    class Meta:
        verbose_name = _("优选联盟店铺")
        verbose_name_plural = pgettext_lazy("plural", "优选联盟店铺")

    def __str__(self) -> str:
        return str(self.store_id)


class Promoter(models.Model):
    """A user's promoter profile: a creator (with a video account), an agency, or a sharer."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="alliance_promoter")
    kind = models.CharField(_("推客类型"), max_length=10, choices=PromoterKind.choices)
    name = models.CharField(_("名称"), max_length=rules.NAME_MAX)
    video_account = models.ForeignKey(
        VideoAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        verbose_name = _("推客")
        verbose_name_plural = pgettext_lazy("plural", "推客")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PromoterKind.values), name="promoter_kind_known"),
            models.CheckConstraint(
                condition=~Q(kind=PromoterKind.CREATOR) | Q(video_account__isnull=False),
                name="creator_has_video_account",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AgencyMember(models.Model):
    """A creator under an agency (团长/机构): one agency per creator."""

    agency = models.ForeignKey(Promoter, on_delete=models.CASCADE, related_name="members")
    creator = models.OneToOneField(Promoter, on_delete=models.CASCADE, related_name="membership")
    joined_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(agency=models.F("creator")), name="agency_not_own_member")
        ]

    def __str__(self) -> str:
        return f"{self.creator_id} → {self.agency_id}"


class Plan(models.Model):
    """A promotion plan for one product. Ratios never change after creation (stop it and create
    another): the ratio a checkout records is the ratio in force when the order is paid."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    kind = models.PositiveSmallIntegerField(_("计划类型"), choices=PlanKind.choices)
    commission_ratio_ppm = models.PositiveIntegerField(_("佣金比例（百万分之一）"))
    service_ratio_ppm = models.PositiveIntegerField(_("服务费比例（百万分之一）"), default=0)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("停止时间"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    # The library's ranking, kept on the plan (services.rerank): units of the product sold in the
    # last SALES_WINDOW, and rank = commission_ratio_ppm × store score × (sales_30d + 1).
    sales_30d = models.PositiveIntegerField(default=0)
    library_rank = models.FloatField(default=0.0)
    # The library's conditions and filters, kept on the plan (services.refresh_library, on the
    # catalog's `product_changed` and the stores' `store_changed`) so that the library counts and
    # pages one table: the store is open and in the alliance and the product listed; the
    # product's lowest active SKU price; its category.
    in_library = models.BooleanField(default=False)
    price_fen = models.BigIntegerField(null=True, blank=True)
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-id"]
        verbose_name = _("推广计划")
        verbose_name_plural = pgettext_lazy("plural", "推广计划")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PlanKind.values), name="plan_kind_known"),
            models.CheckConstraint(
                condition=Q(commission_ratio_ppm__lte=rules.RATIO_MAX_PPM)
                & Q(service_ratio_ppm__lte=rules.RATIO_MAX_PPM),
                name="plan_ratios_at_most_90_percent",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="plan_ends_after_start",
            ),
        ]
        indexes = [
            # the library: live plans (not stopped) by kind; a product's plans
            models.Index(fields=["kind", "stopped_at", "starts_at"], name="plan_library"),
            models.Index(fields=["product", "stopped_at"], name="plan_product_live"),
            models.Index(fields=["store", "-id"], name="plan_store_newest"),
            # the library's order: best rank first among plans not stopped
            models.Index(
                fields=["-library_rank", "-id"],
                name="plan_library_rank",
                condition=Q(stopped_at__isnull=True, in_library=True),
            ),
            # the library's count: every column it filters on, so PostgreSQL counts the live plans
            # from this index alone (an index-only scan; SQLite ignores INCLUDE)
            models.Index(
                fields=["kind"],
                include=[
                    "starts_at",
                    "ends_at",
                    "product",
                    "store",
                    "category",
                    "commission_ratio_ppm",
                    "price_fen",
                ],
                name="plan_library_count",
                condition=Q(stopped_at__isnull=True, in_library=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class PlanPromoter(models.Model):
    """A promoter (a creator, sharer or agency) a targeted or exclusive plan names."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="listed")
    promoter = models.ForeignKey(Promoter, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "promoter"], name="plan_promoter_once")]
        indexes = [models.Index(fields=["promoter", "plan"], name="plan_promoter_by_promoter")]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.promoter_id}"


class ShowcaseItem(models.Model):
    """A product in a promoter's showcase (橱窗)."""

    promoter = models.ForeignKey(Promoter, on_delete=models.CASCADE, related_name="showcase")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["-added_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["promoter", "product"], name="showcase_product_once")]

    def __str__(self) -> str:
        return f"{self.promoter_id}: {self.product_id}"


class PromotionLink(models.Model):
    """A promotion link / share code: one per promoter and plan. `token` is random (never
    sequential) and is what the link carries; `agency` is set when the promotion goes through the
    agency that the plan lists (the creator's own agency), and then the line's channel is 101."""

    token = models.BigIntegerField(unique=True)
    promoter = models.ForeignKey(Promoter, on_delete=models.CASCADE, related_name="links")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="links")
    agency = models.ForeignKey(Promoter, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["promoter", "plan"], name="link_once_per_promoter_plan"),
            models.CheckConstraint(condition=Q(token__gt=0), name="link_token_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.promoter_id}: {self.plan_id}"


class LivePromotion(models.Model):
    """An alliance product a creator shows in a live room of its own video account, beside the
    room's own shelf: sold at the store's price, without flash stock. `room_id` is the live app's
    room (same layer: the alliance cannot name its table), checked through `content.cards.
    live_rooms` when the product is added."""

    promoter = models.ForeignKey(Promoter, on_delete=models.CASCADE, related_name="live_promotions")
    video_account = models.ForeignKey(VideoAccount, on_delete=models.CASCADE, related_name="+")
    room_id = models.BigIntegerField()
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["room_id", "-added_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["room_id", "product"], name="live_promotion_once"),
            models.CheckConstraint(condition=Q(room_id__gt=0), name="live_promotion_room_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.room_id}: {self.product_id}"


class AttributedLine(models.Model):
    """An order line a promotion (link, showcase, short video or live room) sold, written inside its checkout: who promoted it, under
    which plan, and the ratios the commission will use (the plan's, which never change)."""

    line = models.OneToOneField(OrderLine, primary_key=True, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    # the link it came through; none for a showcase, short video or live room (`touchpoint`)
    link = models.ForeignKey(PromotionLink, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    touchpoint = models.CharField(
        max_length=10, choices=rules.Touchpoint.choices, default=rules.Touchpoint.LINK
    )
    promoter = models.ForeignKey(Promoter, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Promoter, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    sales_channel = models.PositiveSmallIntegerField(choices=SalesChannel.choices)
    commission_ratio_ppm = models.PositiveIntegerField()
    service_ratio_ppm = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(commission_ratio_ppm__lte=rules.RATIO_MAX_PPM)
                & Q(service_ratio_ppm__lte=rules.RATIO_MAX_PPM),
                name="attributed_ratios_at_most_90_percent",
            ),
            # a link's line names its link; a showcase's, video's or live room's names none
            models.CheckConstraint(
                condition=Q(touchpoint=rules.Touchpoint.LINK, link__isnull=False)
                | (~Q(touchpoint=rules.Touchpoint.LINK) & Q(link__isnull=True)),
                name="attributed_link_iff_link_touchpoint",
            ),
        ]
        indexes = [models.Index(fields=["promoter", "-created_at"], name="attributed_by_promoter")]

    def __str__(self) -> str:
        return f"{self.line_id}: {self.promoter_id}"
