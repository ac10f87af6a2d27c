"""The score's calendar: days are Asia/Shanghai days, and a score's window is the 90 of them that
end with its day."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from xiaodian.core import clock

from . import rules

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return clock.now().astimezone(SHANGHAI).date()


def window(as_of: date) -> tuple[datetime, datetime]:
    """The 90 days that end with `as_of`, as [start, end)."""
    end = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=SHANGHAI)
    return end - rules.WINDOW, end
