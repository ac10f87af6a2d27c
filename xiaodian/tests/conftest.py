"""Fixtures for the cross-app tests: the orders' and the live room's, reused."""

from xiaodian.core.tests.asgi import asgi_server  # noqa: F401  (the site with websockets)
from xiaodian.live.tests.conftest import (  # noqa: F401  (the live fixtures, reused here)
    bound,
    buy,
    channel,
    creator,
    item,
    live_room,
    room,
    sku,
)
from xiaodian.orders.tests.conftest import buyer, make_sku, place  # noqa: F401
