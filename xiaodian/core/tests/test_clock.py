from datetime import UTC, datetime, timedelta

import pytest

from xiaodian.core import clock


def test_the_clock_travels_and_advances_then_comes_back():
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    with clock.travel_to(moment):
        assert clock.now() == moment
        clock.advance(timedelta(minutes=15))
        assert clock.now() == moment + timedelta(minutes=15)
    assert clock.now() > datetime(2026, 6, 1, tzinfo=UTC)


def test_naive_times_are_refused():
    with pytest.raises(ValueError), clock.travel_to(datetime(2026, 1, 1)):
        pass
