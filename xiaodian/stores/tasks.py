"""Scheduled store work. Each task calls a service that re-checks the clock and the state, so a
task that runs early, late or twice does the right thing."""

from django_tasks import task

from . import services


@task()
def expire_link_invitation(link_id: int) -> bool:
    return services.expire_link_invitation(link_id)
