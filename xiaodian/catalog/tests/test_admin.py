"""Operators see products with their SKUs and images, and ban through the service."""

import pytest
from django.urls import reverse

from xiaodian.catalog import services
from xiaodian.catalog.models import Product
from xiaodian.catalog.rules import ProductState

from .conftest import upload


@pytest.fixture
def ops_client(client, make_user):
    client.force_login(make_user("ops", is_staff=True, is_superuser=True))
    return client


def test_the_product_admin_pages_load(ops_client, product):
    services.add_product_image(product=product, upload=upload())
    assert ops_client.get(reverse("admin:catalog_product_changelist")).status_code == 200
    page = ops_client.get(reverse("admin:catalog_product_change", args=[product.pk]))
    assert page.status_code == 200
    assert "红" in page.content.decode()  # the SKU inline


def test_banning_in_the_admin(
    ops_client, product, listed_product, operator, django_capture_on_commit_callbacks
):
    services.ban_product(operator=operator, product=listed_product)  # already banned: skipped
    r = ops_client.post(
        reverse("admin:catalog_product_changelist"),
        {"action": "ban", "_selected_action": [product.pk, listed_product.pk]},
        follow=True,
    )
    assert r.status_code == 200
    product.refresh_from_db()
    assert (product.state, product.ban_reason) == (ProductState.BANNED, "运营封禁")
    html = r.content.decode()
    assert "已封禁 1 个商品" in html and "1 个商品已是封禁状态" in html
    assert Product.objects.filter(state=ProductState.BANNED).count() == 2
