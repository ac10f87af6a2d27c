"""The search index's documents: one row per store and per listed product, with the terms cut by
`text` (docs/search.md). The full-text index over them is the database's own — an FTS5 table on
SQLite, a GIN-indexed tsvector on PostgreSQL — made by this app's migration (`backends`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import rules


class Document(models.Model):
    object_id = models.BigIntegerField(unique=True)  # the store's or product's id
    store_id = models.BigIntegerField(db_index=True)
    category_id = models.BigIntegerField()
    title = models.CharField(max_length=100)  # as shown
    name_key = models.CharField(max_length=400, db_index=True)  # normalised full name: exact matches
    name_terms = models.TextField()  # terms of the name or title
    context_terms = models.TextField()  # terms of the category (and, for a product, its store's name)
    traffic_weight = models.FloatField(default=rules.DEFAULT_TRAFFIC_WEIGHT)
    # when the store opened or the product was listed, in Unix seconds: the freshness factor
    fresh_ts = models.BigIntegerField(null=True)
    indexed_at = models.DateTimeField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title


class StoreDocument(Document):
    product_count = models.IntegerField(default=0, db_default=0)  # its listed products (those indexed)

    class Meta:
        verbose_name = _("店铺索引")
        verbose_name_plural = pgettext_lazy("plural", "店铺索引")


class ProductDocument(Document):
    price_min_fen = models.BigIntegerField(null=True)
    sales = models.BigIntegerField(default=0, db_default=0)  # units sold in paid orders: the tiebreaker

    class Meta:
        verbose_name = _("商品索引")
        verbose_name_plural = pgettext_lazy("plural", "商品索引")
        indexes = [models.Index(fields=["category_id", "price_min_fen"])]
