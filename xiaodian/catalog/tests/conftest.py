"""Catalog fixtures. Users, subjects, stores and categories come from the root conftest.

`store` (拾光服饰, main category 女装) is open; `paid_store` is the same store with the 服饰鞋包
deposit (which covers 女装) marked paid directly, so these tests do not depend on how the
payment gateway settles deposits.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from xiaodian.catalog import services
from xiaodian.stores.models import StoreDeposit
from xiaodian.stores.rules import DepositStatus


def image_bytes(size=(16, 12), fmt="PNG", colour="orange") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


def upload(data: bytes | None = None, name="photo.png", content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes() if data is None else data, content_type=content_type)


def skus(*rows) -> list[dict]:
    """skus(("红", "M", 9900, 5), ...) → SKU dicts with 颜色/尺码 specs."""
    return [{"specs": {"颜色": c, "尺码": s}, "price_fen": p, "stock": n} for c, s, p, n in rows]


TWO_SKUS = (("红", "M", 9900, 5), ("蓝", "L", 12900, 0))


def pay_deposit_directly(store, category) -> StoreDeposit:
    return StoreDeposit.objects.create(
        store=store, category=category, amount_fen=category.deposit_fen, status=DepositStatus.PAID
    )


@pytest.fixture
def paid_store(store, categories):
    pay_deposit_directly(store, categories["服饰鞋包"])
    return store


@pytest.fixture
def make_product(categories):
    def make(
        store,
        *,
        title="亚麻衬衫",
        category="女装",
        rows=TWO_SKUS,
        description="透气亚麻。",
        listed=False,
        photos=1,
    ):
        """A draft with `photos` photos (one by default: a product is listed with a photo)."""
        product = services.create_product(
            store=store,
            category_id=categories[category].pk,
            title=title,
            description=description,
            skus=skus(*rows),
            images=[upload() for _ in range(photos)],
        )
        if listed:
            services.list_product(product=product)
        return product

    return make


@pytest.fixture
def product(make_product, paid_store):
    """A draft product of the paid store, two SKUs (one in stock), one photo."""
    return make_product(paid_store)


@pytest.fixture
def bare_product(make_product, paid_store):
    """The same draft without a photo."""
    return make_product(paid_store, photos=0)


@pytest.fixture
def listed_product(make_product, paid_store):
    return make_product(paid_store, listed=True)
