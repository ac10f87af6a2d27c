"""Durable events: written with the fact, run at least once, retried, picked up after a crash."""

import os
import subprocess
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from xiaodian.core import events
from xiaodian.core.events import DurableEvent, handler_name, pending, run_pending

calls: list[tuple[str, dict]] = []
failures = {"left": 0}

sample = DurableEvent("core_test_sample", fields=["thing_id"])
eager_sample = DurableEvent("core_test_eager", fields=["thing_id"], eager=True)
unheard = DurableEvent("core_test_unheard", fields=["thing_id"])


def record(*, thing_id):
    calls.append(("record", {"thing_id": thing_id}))


def flaky(*, thing_id):
    if failures["left"] > 0:
        failures["left"] -= 1
        raise RuntimeError("the gateway is down")
    calls.append(("flaky", {"thing_id": thing_id}))


sample.connect(record)
sample.connect(flaky)
eager_sample.connect(flaky)


@pytest.fixture(autouse=True)
def _fresh():
    calls.clear()
    failures["left"] = 0


def _rows(event):
    return list(pending(event).order_by("enqueued_at"))


@pytest.mark.django_db
def test_an_emission_writes_one_row_per_handler_in_the_transaction():
    with transaction.atomic():
        ids = sample.emit(thing_id=7)
    rows = _rows(sample)
    assert sorted(str(r.pk) for r in rows) == sorted(ids)
    assert {r.args_kwargs["args"][1] for r in rows} == {handler_name(record), handler_name(flaky)}
    assert all(r.args_kwargs["args"][2] == {"thing_id": 7} for r in rows)
    assert calls == []  # nothing ran yet: the worker runs them


@pytest.mark.django_db
def test_an_event_nobody_handles_writes_nothing():
    with transaction.atomic():
        assert unheard.emit(thing_id=1) == []
    assert not pending(unheard).exists()


@pytest.mark.django_db
def test_a_rolled_back_fact_leaves_no_event():
    def fact_that_fails():
        with transaction.atomic():
            sample.emit(thing_id=3)
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        fact_that_fails()
    assert not pending(sample).exists()


@pytest.mark.django_db
def test_the_payload_must_match_the_declared_fields():
    with pytest.raises(TypeError), transaction.atomic():
        sample.emit(thing=1)


@pytest.mark.django_db(transaction=True)
def test_an_event_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        sample.emit(thing_id=1)


@pytest.mark.django_db
def test_the_worker_runs_each_handler_and_a_failure_is_retried_with_backoff():
    failures["left"] = 1
    with transaction.atomic():
        sample.emit(thing_id=5)
    before = timezone.now()
    assert run_pending(sample) == 2
    assert ("record", {"thing_id": 5}) in calls
    assert ("flaky", {"thing_id": 5}) not in calls
    failed = DBTaskResult.objects.get(status=TaskResultStatus.FAILED)
    assert "the gateway is down" in failed.traceback
    (retry,) = _rows(sample)
    assert retry.args_kwargs["args"][3] == 2  # the second attempt
    assert retry.run_after >= before + events.RETRY_DELAYS[0]
    assert run_pending(sample) == 1
    assert calls.count(("flaky", {"thing_id": 5})) == 1
    assert not pending(sample).exists()


@pytest.mark.django_db
def test_after_the_last_attempt_the_failure_stays_for_an_operator():
    failures["left"] = 100
    with transaction.atomic():
        eager_sample.emit(thing_id=9)
    for _ in range(len(events.RETRY_DELAYS) + 1):
        assert run_pending(eager_sample) == 1
    assert not pending(eager_sample).exists()
    assert DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count() == len(events.RETRY_DELAYS) + 1


@pytest.mark.django_db
def test_an_eager_event_runs_after_the_commit_and_its_row_is_done(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        (row_id,) = eager_sample.emit(thing_id=4)
        assert calls == []  # not before the commit
    assert calls == [("flaky", {"thing_id": 4})]
    assert DBTaskResult.objects.get(pk=row_id).status == TaskResultStatus.SUCCESSFUL
    assert run_pending(eager_sample) == 0  # the worker has nothing left to do


@pytest.mark.django_db
def test_an_eager_handler_that_fails_is_left_to_the_worker(django_capture_on_commit_callbacks):
    failures["left"] = 1
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        (row_id,) = eager_sample.emit(thing_id=6)
    assert calls == []
    assert DBTaskResult.objects.get(pk=row_id).status == TaskResultStatus.READY
    assert run_pending(eager_sample) == 1
    assert calls == [("flaky", {"thing_id": 6})]


@pytest.mark.django_db(transaction=True)  # the worker commits and reconnects as in production
def test_the_real_worker_runs_the_outbox(settings):
    from xiaodian.core.worker import make_worker

    with transaction.atomic():
        sample.emit(thing_id=11)
    make_worker(interval=0, batch=True).run()
    assert sorted(name for name, _ in calls) == ["flaky", "record"]
    assert not pending(sample).exists()


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


@pytest.mark.django_db
def test_runs_left_by_a_dead_worker_are_ready_again_and_a_live_ones_are_not():
    with transaction.atomic():
        sample.emit(thing_id=1)
        eager_sample.emit(thing_id=2)
    dead, alive, *_ = _rows(sample) + _rows(eager_sample)
    here = events.worker_id().rpartition(":")[0]
    DBTaskResult.objects.filter(pk=dead.pk).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now(), worker_ids=[f"{here}:{_dead_pid()}"]
    )
    DBTaskResult.objects.filter(pk=alive.pk).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now(), worker_ids=[f"{here}:{os.getpid()}"]
    )
    assert events.recover_stalled() == 1
    assert DBTaskResult.objects.get(pk=dead.pk).status == TaskResultStatus.READY
    assert DBTaskResult.objects.get(pk=alive.pk).status == TaskResultStatus.RUNNING


@pytest.mark.django_db
def test_a_run_older_than_the_lease_is_presumed_lost_with_its_worker():
    with transaction.atomic():
        sample.emit(thing_id=1)
    row = _rows(sample)[0]
    DBTaskResult.objects.filter(pk=row.pk).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - events.LEASE - timedelta(seconds=1),
        worker_ids=["another-host:123"],
    )
    assert events.recover_stalled() == 1
    assert events.recover_stalled() == 0


@pytest.mark.django_db
def test_a_long_task_on_another_host_has_an_hour_before_it_is_presumed_lost():
    from xiaodian.core.tasks import sweep_events

    result = sweep_events.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - events.LEASE - timedelta(minutes=1),
        worker_ids=["another-host:123"],
    )
    assert events.recover_stalled() == 0
    DBTaskResult.objects.filter(pk=result.id).update(
        started_at=timezone.now() - events.TASK_LEASE - timedelta(seconds=1)
    )
    assert events.recover_stalled() == 1


@pytest.mark.django_db
def test_an_eager_run_leaves_a_row_a_worker_already_took(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        (row_id,) = eager_sample.emit(thing_id=8)
    DBTaskResult.objects.filter(pk=row_id).update(status=TaskResultStatus.RUNNING, worker_ids=["w:1"])
    for callback in callbacks:
        callback()
    assert calls == []  # the worker runs it, not both
    assert DBTaskResult.objects.get(pk=row_id).status == TaskResultStatus.RUNNING
