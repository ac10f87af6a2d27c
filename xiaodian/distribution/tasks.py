"""The feed's recurring work: the sweep that keeps videos, articles, live rooms and likes in step
(they send no events), the daily store aggregates (after the score's 03:00 recompute), and the
daily exposure concentration of yesterday."""

from datetime import time, timedelta

from django_tasks import task

from xiaodian.core import clock, schedule

from . import services


@schedule.every(timedelta(minutes=1))
@task()
def sync_feed() -> dict:
    try:
        return {**services.sync_content(), "proofs": services.collect_likes()}
    finally:
        schedule.run_next(sync_feed)


@schedule.daily(time(3, 30))
@task()
def refresh_store_reach() -> int:
    try:
        return services.refresh_store_reach()
    finally:
        schedule.run_next(refresh_store_reach)


@schedule.daily(time(0, 15))
@task()
def summarize_exposure() -> int:
    try:
        return len(services.summarize_exposure(day=clock.today() - timedelta(days=1)))
    finally:
        schedule.run_next(summarize_exposure)
