"""Recurring tasks: the next run's time, one waiting run per task, each run enqueueing the next."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from xiaodian.core import clock, schedule

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 6, 1, 2, 59, tzinfo=SHANGHAI), datetime(2026, 6, 1, 3, 0, tzinfo=SHANGHAI)),
        (datetime(2026, 6, 1, 3, 0, tzinfo=SHANGHAI), datetime(2026, 6, 2, 3, 0, tzinfo=SHANGHAI)),
        (datetime(2026, 6, 1, 23, 0, tzinfo=ZoneInfo("UTC")), datetime(2026, 6, 3, 3, 0, tzinfo=SHANGHAI)),
    ],
)
def test_next_run_is_the_next_such_time_in_shanghai(now, expected):
    assert schedule.next_run(time(3, 0), now) == expected


@pytest.mark.django_db
def test_ensure_scheduled_enqueues_each_daily_task_once():
    with clock.travel_to(datetime(2026, 6, 1, 12, 0, tzinfo=SHANGHAI)):
        first = schedule.ensure_scheduled()
        again = schedule.ensure_scheduled()
    assert "xiaodian.scoring.tasks.recompute_scores" in first
    assert again == []
    waiting = DBTaskResult.objects.get(task_path="xiaodian.scoring.tasks.recompute_scores")
    assert waiting.status == TaskResultStatus.READY
    assert waiting.run_after == datetime(2026, 6, 2, 3, 0, tzinfo=SHANGHAI)
