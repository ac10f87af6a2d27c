"""The score's tables: the versioned formula, each computed score with its inputs, the category
benchmarks a run measured, the current score a store's traffic weight reads, and the facts the
customer-service app will fill."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xiaodian.accounts.models import User
from xiaodian.stores.models import Category, Store


class Formula(models.Model):
    """One version of the formula. Rows are never edited: the admin saves a change as the next
    version, and the newest version is the one the daily recompute uses."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    spec = models.JSONField(_("公式"))
    note = models.CharField(_("变更说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        ordering = ["-version"]
        verbose_name = _("评分公式")
        verbose_name_plural = pgettext_lazy("plural", "评分公式")

    def __str__(self) -> str:
        return f"v{self.version}"


class StoreScore(models.Model):
    """A store's score on one day under one formula version, with everything it was made of:
    `metrics` holds each metric's value, numerator and denominator, the benchmarks it was banded
    against, its band and sub-score; `dimensions` the dimension scores and their weights."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    formula = models.ForeignKey(Formula, on_delete=models.PROTECT, related_name="scores")
    as_of = models.DateField(_("日期"))
    score = models.DecimalField(_("评分"), max_digits=3, decimal_places=2, null=True, blank=True)
    qualifying_orders = models.PositiveIntegerField(_("有效订单数"))
    metrics = models.JSONField(default=dict)
    dimensions = models.JSONField(default=dict)
    badges = models.JSONField(default=list)
    # what the badge conditions read (scoring.badges.facts): the store's numbers and the thresholds
    badge_facts = models.JSONField(default=dict)
    traffic_weight = models.FloatField(_("流量系数"))
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-as_of", "-id"]
        verbose_name = _("店铺评分")
        verbose_name_plural = pgettext_lazy("plural", "店铺评分")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "as_of", "formula"], name="score_once_per_day_and_version"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=3, score__lte=5), name="score_in_range"
            ),
        ]
        indexes = [models.Index(fields=["store", "-as_of"])]

    def __str__(self) -> str:
        return f"{self.store_id} {self.as_of} {self.score}"


class Benchmark(models.Model):
    """What one run measured for a category (or the platform, `category` null): a metric's median
    and top-decile value over stores with a score, and the badge thresholds. A single store's
    recompute bands it against the latest run's benchmarks."""

    formula = models.ForeignKey(Formula, on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField()
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=40)  # a metric, or a badge threshold
    median = models.FloatField(null=True)
    top = models.FloatField(null=True)
    stores = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["formula", "-as_of"])]

    def __str__(self) -> str:
        return f"{self.category_id or 'platform'} {self.name} m={self.median} t={self.top}"


class CurrentScore(models.Model):
    """The newest score under the newest formula, one row per scored store: what search and the
    feed read for the traffic weight (one indexed lookup for a page of results)."""

    store = models.OneToOneField(Store, primary_key=True, on_delete=models.CASCADE, related_name="+")
    score = models.ForeignKey(StoreScore, on_delete=models.CASCADE, related_name="+")
    value = models.DecimalField(max_digits=3, decimal_places=2, null=True)
    badges = models.JSONField(default=list)
    traffic_weight = models.FloatField()

    def __str__(self) -> str:
        return f"{self.store_id} × {self.traffic_weight}"


class ServiceSessionFact(models.Model):
    """One customer-service session as the score reads it. The customer-service app fills this
    table (one row per session, updated as it goes); until then it is empty and the formula
    leaves the metrics that read it out."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField()
    in_service_hours = models.BooleanField()  # started 08:00–23:00 Asia/Shanghai
    first_human_reply_seconds = models.PositiveIntegerField(null=True, blank=True)  # bots excluded
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    complained = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["store", "started_at"])]

    def __str__(self) -> str:
        return self.session_key
