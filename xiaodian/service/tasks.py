"""Customer service's background work: sending self-built events (with retries) and closing idle
sessions (a daily safety net; a buyer coming back to an idle session gets a new one anyway)."""

from datetime import time

from django_tasks import task

from xiaodian.core import clock, schedule

from . import services, webhooks


@task()
def send_webhook_event(event_id: int) -> str:
    delay = webhooks.deliver(event_id)
    if delay is not None:
        send_webhook_event.using(run_after=clock.now() + delay).enqueue(event_id)
        return f"retry in {int(delay.total_seconds())} s"
    return "done"


@schedule.daily(time(4, 0))
@task()
def close_idle_conversations() -> int:
    try:
        return services.close_idle_conversations()
    finally:
        schedule.run_next(close_idle_conversations)
