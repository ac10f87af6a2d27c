"""The library's hourly rerank (alliance.rules.RERANK_EVERY): every active plan's 30-day sales and
rank recomputed from the orders, so sales leaving the window and overnight store scores take effect;
each run enqueues the next."""

from django_tasks import task

from xiaodian.core import schedule

from . import rules, services


@schedule.every(rules.RERANK_EVERY)
@task()
def rerank_library() -> int:
    try:
        return services.rerank()
    finally:
        schedule.run_next(rerank_library)
