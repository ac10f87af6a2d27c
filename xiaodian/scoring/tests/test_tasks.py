"""The daily recompute: it scores every store for its day and enqueues tomorrow's run."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django_tasks_db.models import DBTaskResult

from xiaodian.core import clock
from xiaodian.scoring.tasks import recompute_scores

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.django_db
def test_the_daily_score_run_enqueues_the_next():
    with clock.travel_to(datetime(2026, 6, 1, 3, 0, 5, tzinfo=SHANGHAI)):
        summary = recompute_scores.call()
    assert summary["as_of"] == "2026-05-31"  # yesterday: the last complete day
    waiting = DBTaskResult.objects.filter(task_path="xiaodian.scoring.tasks.recompute_scores", status="READY")
    assert [row.run_after for row in waiting] == [datetime(2026, 6, 2, 3, 0, tzinfo=SHANGHAI)]
