import pytest

from xiaodian.catalog.models import SKU, Product
from xiaodian.stores import services as stores


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
def listed(indexed, categories):
    def make(store, title: str, *, price_fen: int = 1_000, category: str = "女装"):
        def write():
            product = Product.objects.create(
                store=store, category=categories[category], title=title, state="listed"
            )
            SKU.objects.create(product=product, price_fen=price_fen, stock=5)
            return product

        return indexed(write)

    return make


@pytest.fixture
def rename(indexed):
    def do(store, name: str):
        return indexed(stores.update_store, store=store, name=name)

    return do
