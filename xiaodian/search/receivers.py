"""Index updates. The catalog's and the stores' services record a durable event in the
transaction of every change the index shows (`product_changed`, `store_changed`); their handlers
(`services.index_products`, `services.index_stores`, connected in `apps.py`) run right after the
commit, and again from the worker if that run was lost. The receivers here cover what has no
service: a category renamed in the admin, a row deleted, and the scores' new traffic weights."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from xiaodian.catalog.models import Product
from xiaodian.scoring import signals as scoring_signals
from xiaodian.stores.models import Category, Store

from . import services


def _on_commit(job, object_id: int) -> None:
    transaction.on_commit(lambda: job(object_id))


@receiver(post_delete, sender=Store)
def store_deleted(sender, instance: Store, **kwargs) -> None:
    _on_commit(services.index_store, instance.pk)


@receiver(post_delete, sender=Product)
def product_deleted(sender, instance: Product, **kwargs) -> None:
    _on_commit(services.index_product, instance.pk)


@receiver(post_save, sender=Category)
def category_changed(sender, instance: Category, created: bool, **kwargs) -> None:
    if not created:
        _on_commit(services.index_category, instance.pk)


@receiver(scoring_signals.weights_changed)
def weights_changed(sender, store_ids: list[int] | None, **kwargs) -> None:
    services.set_traffic_weights(store_ids)  # already on commit
