"""The nightly drift check of the search index (04:30 Asia/Shanghai, after the scores'
recompute): what a lost event or a write outside the services left behind is repaired and
counted; each run enqueues the next."""

from datetime import time

from django_tasks import task

from xiaodian.core import schedule

from . import services


@schedule.daily(time(4, 30))
@task()
def check_search_index() -> dict:
    try:
        return dict(services.check_index(repair=True))
    finally:
        schedule.run_next(check_search_index)
