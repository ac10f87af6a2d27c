"""Service hours are Asia/Shanghai clock times."""

from datetime import datetime, time

from xiaodian.core.clock import SHANGHAI, today

from . import rules

__all__ = ["SHANGHAI", "in_hours", "local_time", "today"]


def local_time(moment: datetime) -> time:
    return moment.astimezone(SHANGHAI).time()


def in_hours(moment: datetime) -> bool:
    """Whether a session starting at `moment` counts toward the reply metric (08:00–23:00)."""
    return rules.COUNTED_FROM <= local_time(moment) < rules.COUNTED_UNTIL
