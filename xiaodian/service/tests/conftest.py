from datetime import datetime

import pytest

from xiaodian.accounts.rules import Role
from xiaodian.core import clock
from xiaodian.core.tests.asgi import asgi_server  # noqa: F401  (the site with websockets, for the browser tests)
from xiaodian.scoring.days import SHANGHAI
from xiaodian.service import services
from xiaodian.stores.models import Store, StoreStaff
from xiaodian.stores.rules import StoreState

NOON = datetime(2026, 6, 1, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture
def at_noon():
    """The platform clock frozen at noon, Shanghai (inside service hours); tests move it."""
    with clock.travel_to(NOON):
        yield


@pytest.fixture
def shop(store) -> Store:
    """The merchant's store, open."""
    Store.objects.filter(pk=store.pk).update(state=StoreState.OPEN)
    store.refresh_from_db()
    return store


@pytest.fixture
def make_agent(make_user, shop):
    def make(name: str | None = None, *, online: bool = True, store: Store | None = None):
        user = make_user(name)
        StoreStaff.objects.create(store=store or shop, user=user, role=Role.AGENT)
        if online:
            services.set_presence(user=user, store=store or shop, status="online")
        return user

    return make


@pytest.fixture
def agent(make_agent):
    return make_agent("agent_a")


@pytest.fixture
def buyer(make_user):
    return make_user("service_buyer")


@pytest.fixture
def conversation(shop, buyer, agent, at_noon):
    return services.open_conversation(buyer=buyer, store_id=shop.pk)[0]
