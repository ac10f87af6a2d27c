"""The daily recompute of every store's score (03:00 Asia/Shanghai): it scores yesterday, the
last complete day; each run enqueues the next."""

from datetime import time, timedelta

from django_tasks import task

from xiaodian.core import schedule

from . import services
from .days import today


@schedule.daily(time(3, 0))
@task()
def recompute_scores() -> dict:
    try:
        return services.recompute_all(as_of=today() - timedelta(days=1))
    finally:
        schedule.run_next(recompute_scores)
