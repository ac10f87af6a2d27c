"""The platform's clock. Services ask `now()`; tests move it with `travel_to` / `advance`."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

# The platform's calendar: days, opening hours and windows are Asia/Shanghai's.
SHANGHAI = ZoneInfo("Asia/Shanghai")

_frozen: datetime | None = None


def now() -> datetime:
    return _frozen or timezone.now()


def today() -> date:
    """Today in Shanghai, by the platform's clock."""
    return now().astimezone(SHANGHAI).date()


@contextmanager
def travel_to(moment: datetime) -> Iterator[None]:
    """Freeze the clock at `moment` for the block (timezone-aware)."""
    global _frozen
    if timezone.is_naive(moment):
        raise ValueError("travel_to needs a timezone-aware datetime")
    before, _frozen = _frozen, moment
    try:
        yield
    finally:
        _frozen = before


def advance(delta: timedelta) -> None:
    """Move a frozen clock forward."""
    global _frozen
    if _frozen is None:
        raise RuntimeError("advance() works inside travel_to()")
    _frozen += delta
