import pytest

from xiaodian.accounts.rules import Role
from xiaodian.business import services
from xiaodian.orders.tests.conftest import buyer, make_sku, place  # noqa: F401
from xiaodian.stores import access
from xiaodian.stores import services as stores


@pytest.fixture
def legacy_store(make_store, merchant, subject):
    """A legacy video store (the old kind): its customer service is the legacy one."""
    return make_store(merchant, subject, name="旧视频小店", legacy_video=True)


@pytest.fixture
def agent(make_user):
    return make_user("agent")


@pytest.fixture
def staff_of(merchant):
    """staff_of(store, user, role="agent"): the owner grants the user a role in the store."""

    def grant(store, user, role=Role.AGENT):
        stores.add_staff(
            store=access.store_for(merchant, store.pk, "manage_staff"), user_id=user.pk, role=role
        )
        return user

    return grant


@pytest.fixture
def sku(make_sku, store):
    return make_sku(store, price_fen=5_000, stock=50, title="山茶花精华")


@pytest.fixture
def legacy_sku(make_sku, legacy_store):
    return make_sku(legacy_store, price_fen=3_000, stock=50, title="手工皂")


@pytest.fixture
def legacy_contact(buyer, legacy_store, agent, staff_of):
    """A legacy video store's agent holds the buyer (who consented from the store's page)."""
    staff_of(legacy_store, agent)
    services.give_consent(buyer=buyer, store_id=legacy_store.pk)
    return services.invite_contact(staff=agent, store=legacy_store, buyer_id=buyer.pk)[0]


from xiaodian.core.tests.asgi import asgi_server  # noqa: E402, F401  (the site with websockets, for the browser test)
