"""Feed fixtures: stores and products made and listed through the services (the catalog's event
puts them in the candidate table on commit), buyers who befriend each other through social's
services, orders placed and paid through the orders' services."""

import pytest

from xiaodian.chats.tests.conftest import befriend  # noqa: F401
from xiaodian.distribution import services
from xiaodian.orders.tests.conftest import ADDRESS, buyer, succeed  # noqa: F401
from xiaodian.search.tests.conftest import indexed, listed, open_store  # noqa: F401


@pytest.fixture
def catalog(open_store, listed):
    """Six stores of three to five products each (the first store five): {store: [products]}."""
    made = {}
    for s in range(6):
        store = open_store(f"发现测试{s}号店")
        made[store] = [listed(store, f"好物{s}-{p}") for p in range(5 if s == 0 else 3)]
    services.refresh_store_reach()
    return made


@pytest.fixture
def refreshed():
    return services.refresh_store_reach
