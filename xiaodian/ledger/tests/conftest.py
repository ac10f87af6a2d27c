import pytest

from xiaodian.aftersales.tests.conftest import (  # noqa: F401
    merchant_view,
    paid_order,
    really_paid,
    shipped_order,
)
from xiaodian.orders.tests.conftest import buyer, make_sku, place  # noqa: F401


@pytest.fixture
def paid(paid_order, django_capture_on_commit_callbacks):
    """A paid order whose `order_paid` handlers ran (as right after the commit)."""

    def make(*lines):
        with django_capture_on_commit_callbacks(execute=True):
            order = paid_order(*lines)
        return order

    return make
