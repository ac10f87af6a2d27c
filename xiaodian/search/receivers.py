"""Index updates on commit: a store, product, SKU or category that changed is re-indexed once its
transaction commits (ARCHITECTURE.md: side effects run on commit, never inside)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from xiaodian.catalog.models import SKU, Product
from xiaodian.scoring import signals as scoring_signals
from xiaodian.stores import signals as store_signals
from xiaodian.stores.models import Category, Store

from . import services


def _on_commit(job, object_id: int) -> None:
    transaction.on_commit(lambda: job(object_id))


@receiver(post_save, sender=Store)
@receiver(post_delete, sender=Store)
def store_saved(sender, instance: Store, **kwargs) -> None:
    _on_commit(services.index_store, instance.pk)


@receiver(store_signals.store_changed)
def stores_updated(sender, store_ids: list[int], **kwargs) -> None:
    for store_id in store_ids:  # already on commit
        services.index_store(store_id)


@receiver(post_save, sender=Product)
@receiver(post_delete, sender=Product)
def product_changed(sender, instance: Product, **kwargs) -> None:
    _on_commit(services.index_product, instance.pk)


@receiver(post_save, sender=SKU)
def sku_changed(sender, instance: SKU, **kwargs) -> None:
    _on_commit(services.index_product, instance.product_id)


@receiver(post_save, sender=Category)
def category_changed(sender, instance: Category, created: bool, **kwargs) -> None:
    if not created:
        _on_commit(services.index_category, instance.pk)


@receiver(scoring_signals.weights_changed)
def weights_changed(sender, store_ids: list[int] | None, **kwargs) -> None:
    services.set_traffic_weights(store_ids)  # already on commit
