"""The demo data: each demo store that may list has listed products with SKUs and images; the legacy
小满的果园 has none listed."""

import pytest
from django.core.management import call_command

from xiaodian.catalog.models import Product
from xiaodian.catalog.rules import ProductState
from xiaodian.core.errors import DomainError
from xiaodian.stores import services as stores
from xiaodian.stores.models import Store


@pytest.mark.django_db
def test_demo_stores_that_can_list_have_listed_products():
    call_command("demo", no_serve=True)
    listed_somewhere = 0
    for store in Store.objects.filter(staff__user__username="merchant").distinct():
        products = list(Product.objects.filter(store=store).prefetch_related("skus", "images"))
        if store.name == "小满的果园":
            assert not [p for p in products if p.state == ProductState.LISTED]
            continue
        assert 2 <= len(products) <= 3, store.name
        for product in products:
            assert product.skus.count() >= 1 and product.images.count() >= 1
            assert all(sku.price_fen > 0 for sku in product.skus.all())
            try:
                stores.ensure_can_list(store=store, category_id=product.category_id)
            except DomainError:
                continue  # e.g. the deposit is still settling at the payment gateway
            assert product.state == ProductState.LISTED, product.title
            listed_somewhere += 1
    assert listed_somewhere >= 2  # 好物书房 needs no deposit
    assert Product.objects.filter(skus__specs__has_key="颜色").exists()
