import pytest

from xiaodian.core import clock
from xiaodian.social import services


@pytest.fixture(autouse=True)
def _frozen_clock():
    """The clock stands still unless a test moves it."""
    with clock.travel_to(clock.now()):
        yield


@pytest.fixture
def befriend():
    """befriend(a, b): a asks, b accepts; both have each other."""

    def make(a, b, source="search"):
        request = services.send_contact_request(sender=a, recipient_id=b.pk, source=source)
        return services.accept_contact_request(user=b, request_id=request.pk)

    return make
