"""The score's calendar: days are Asia/Shanghai days, and a score's window is the 90 of them that
end with its day."""

from datetime import date, datetime, time, timedelta

from xiaodian.core.clock import SHANGHAI, today

from . import rules

__all__ = ["SHANGHAI", "today", "window"]


def window(as_of: date) -> tuple[datetime, datetime]:
    """The 90 days that end with `as_of`, as [start, end)."""
    end = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=SHANGHAI)
    return end - rules.WINDOW, end
