"""The daily recompute of every store's score (03:00 Asia/Shanghai); each run enqueues the next."""

from datetime import time

from django_tasks import task

from xiaodian.core import schedule

from . import services


@schedule.daily(time(3, 0))
@task()
def recompute_scores() -> dict:
    try:
        return services.recompute_all()
    finally:
        schedule.run_next(recompute_scores)
