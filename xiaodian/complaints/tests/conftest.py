import pytest

from xiaodian.aftersales.tests.conftest import paid_order  # noqa: F401  (the after-sales fixtures)
from xiaodian.orders.tests.conftest import (  # noqa: F401  (the orders fixtures, reused here)
    ADDRESS,
    buyer,
    make_sku,
    other_store,
    place,
    succeed,
)
from xiaodian.stores.models import Store
from xiaodian.stores.rules import StoreState


@pytest.fixture
def open_store(store):
    Store.objects.filter(pk=store.pk).update(state=StoreState.OPEN)
    store.refresh_from_db()
    return store
