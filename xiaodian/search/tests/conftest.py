"""Search fixtures: stores and products made, listed and changed through the services, with the
index updates their commits trigger (the durable events' eager runs)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from xiaodian.catalog import services as catalog
from xiaodian.search import selectors
from xiaodian.stores import services as stores
from xiaodian.stores.models import StoreDeposit
from xiaodian.stores.rules import DepositStatus
from xiaodian.stores.selectors import CategoryTree


@pytest.fixture(autouse=True)
def _own_vocabulary():
    """Each test's query cutter knows only jieba's dictionary and the names of its own catalog."""
    selectors.forget_vocabulary()
    yield
    selectors.forget_vocabulary()


@pytest.fixture
def indexed(django_capture_on_commit_callbacks):
    """Run a write and the index updates its commit would trigger."""

    def run(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)

    return run


@pytest.fixture
def open_store(indexed, make_store, make_subject, make_user):
    def make(name: str, category: str = "女装"):
        owner = make_user()
        return indexed(make_store, owner, make_subject(owner), name=name, category=category)

    return make


@pytest.fixture
def brand_store(indexed, make_store, make_subject, make_user, operator):
    """A brand store, its brand approved through the stores' services."""

    def make(name: str, brand: str, category: str):
        owner = make_user()
        subject = make_subject(owner)
        authorization = stores.request_brand_authorization(
            subject=subject, brand=brand, certificate_number=f"TM-{subject.pk}"
        )
        stores.review_brand_authorization(operator=operator, authorization=authorization, approve=True)
        return indexed(make_store, owner, subject, name=name, category=category, kind="brand")

    return make


def _deposit_paid(store, category_id: int) -> None:
    """The deposit that covers the category, marked paid directly (as the catalog's tests do), so
    these tests do not depend on how the payment gateway settles deposits."""
    covering = CategoryTree().deposit_category(category_id)
    if covering is None or not covering.deposit_fen:
        return
    StoreDeposit.objects.get_or_create(
        store=store,
        category=covering,
        defaults={"amount_fen": covering.deposit_fen, "status": DepositStatus.PAID},
    )


def photo() -> SimpleUploadedFile:
    """A product photo: a product is listed with one (listing_needs_image)."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def listed(indexed, categories):
    """A product created and listed through the catalog's services."""

    def make(store, title: str, *, price_fen: int = 1_000, category: str = "女装"):
        category_id = categories[category].pk
        _deposit_paid(store, category_id)
        skus = [{"specs": {}, "price_fen": price_fen, "stock": 5}]
        product = catalog.create_product(
            store=store, category_id=category_id, title=title, skus=skus, images=[photo()]
        )
        return indexed(catalog.list_product, product=product)

    return make


@pytest.fixture
def rename(indexed):
    def do(store, name: str):
        return indexed(stores.update_store, store=store, name=name)

    return do
