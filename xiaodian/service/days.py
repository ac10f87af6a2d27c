"""Service hours are Asia/Shanghai clock times."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from xiaodian.core import clock

from . import rules

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_time(moment: datetime) -> time:
    return moment.astimezone(SHANGHAI).time()


def in_hours(moment: datetime) -> bool:
    """Whether a session starting at `moment` counts toward the reply metric (08:00–23:00)."""
    return rules.COUNTED_FROM <= local_time(moment) < rules.COUNTED_UNTIL


def today() -> date:
    return clock.now().astimezone(SHANGHAI).date()
