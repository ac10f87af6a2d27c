"""Domain events, named in the domain's words, of two kinds.

**Durable** events (`DurableEvent`) are the facts that money and stock side effects hang on: an
order was paid, a refund was approved, an after-sale period ended. `emit()` is called inside the
transaction that makes the fact true, and writes one task row per handler in that same
transaction (an outbox in the task table): the rows exist exactly when the fact does, whatever
crashes afterwards. The worker runs each handler at least once, so a handler must be idempotent:
a second run changes nothing. A handler that raises is run again after `RETRY_DELAYS`; a run lost
with a killed worker is picked up again by `recover_stalled()` (when a worker starts, and by the
`sweep_events` sweep). Handlers are connected by the app that consumes the event, in its
`AppConfig.ready()`: a lower app never names a higher one.

An event declared `eager` also runs its handlers in this process right after the commit (what a
person waiting on a page expects: the refund submitted while the merchant's page reloads); a
handler that succeeded there marks its row done, one that failed leaves it to the worker.

**Notify** events (`NotifyEvent`) tell pages, sockets and indexes, best effort: a Django signal
sent on commit. Nothing that moves money or stock may hang on one.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.dispatch import Signal
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

log = logging.getLogger(__name__)

Handler = Callable[..., Any]

# After a failed run, the next one waits this long (then the next delay, ...); after the last, the
# row stays failed with its traceback for an operator (`xiaodian events --failed`).
RETRY_DELAYS = (
    timedelta(seconds=15),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
# A handler run that has not finished after this long is presumed lost with its worker (handlers
# are short: a database write, a call to WeChat Pay with its timeouts). Other tasks (a daily score
# recompute) get an hour.
LEASE = timedelta(minutes=2)
TASK_LEASE = timedelta(hours=1)

_durable: dict[str, DurableEvent] = {}


def handler_name(handler: Handler) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


class DurableEvent:
    """A fact with side effects that must happen, at least once, whatever crashes.

    `fields` names the payload's keys (JSON values: ids and amounts, never model instances)."""

    def __init__(self, name: str, *, fields: Iterable[str], eager: bool = False, doc: str = ""):
        if name in _durable:
            raise ValueError(f"a durable event named {name!r} exists already")
        self.name, self.fields, self.eager, self.__doc__ = name, frozenset(fields), eager, doc
        self._handlers: dict[str, Handler] = {}
        _durable[name] = self

    def __repr__(self) -> str:
        return f"<DurableEvent {self.name}>"

    def connect(self, handler: Handler) -> Handler:
        """Run `handler(**payload)` for every emission (from an `AppConfig.ready()`; usable as a
        decorator). Connecting the same function twice is harmless."""
        self._handlers[handler_name(handler)] = handler
        return handler

    def disconnect(self, handler: Handler) -> None:
        self._handlers.pop(handler_name(handler), None)

    @property
    def handlers(self) -> dict[str, Handler]:
        return dict(self._handlers)

    def emit(self, **payload: Any) -> list[str]:
        """Record the event inside the current transaction: one task row per handler. Answers the
        rows' ids. Must be called inside `transaction.atomic()`: outside one, a crash between the
        caller's write and this row would lose the side effect."""
        if set(payload) != self.fields:
            raise TypeError(f"{self.name} takes {sorted(self.fields)}, got {sorted(payload)}")
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError(f"{self.name} must be emitted inside the transaction that makes it true")
        rows = [(str(run_handler.enqueue(self.name, name, payload, 1).id), name) for name in self._handlers]
        if self.eager and rows:
            transaction.on_commit(lambda: _run_eagerly(self, rows, payload))
        return [row_id for row_id, _name in rows]


def run_now(event: DurableEvent, row_ids: list[str], **payload: Any) -> None:
    """Run the handlers of an emission now, in this process (a service that wants the effect
    before it answers calls this after its transaction); see `_run_eagerly`."""
    names = DBTaskResult.objects.filter(pk__in=row_ids).values_list("pk", "args_kwargs")
    rows = [(str(pk), args["args"][1]) for pk, args in names]
    _run_eagerly(event, rows, payload)


def _run_eagerly(event: DurableEvent, rows: list[tuple[str, str]], payload: dict) -> None:
    """Right after the commit, in this process: each handler whose row no worker has taken yet is
    claimed (READY → RUNNING, so a worker polling meanwhile leaves it alone), run, and marked
    done; one that fails goes back to READY for the worker and its retries."""
    for row_id, name in rows:
        handler = event._handlers.get(name)
        if handler is None:
            continue
        claimed = DBTaskResult.objects.filter(pk=row_id, status=TaskResultStatus.READY).update(
            status=TaskResultStatus.RUNNING, started_at=timezone.now(), worker_ids=[worker_id()]
        )
        if not claimed:  # a worker has it
            continue
        try:
            handler(**payload)
        except Exception:
            log.exception("event %s: %s failed in-process; the worker runs it again", event.name, name)
            DBTaskResult.objects.filter(pk=row_id).update(status=TaskResultStatus.READY, started_at=None)
            continue
        DBTaskResult.objects.filter(pk=row_id).update(
            status=TaskResultStatus.SUCCESSFUL, finished_at=timezone.now()
        )


@task()
def run_handler(event: str, handler: str, payload: dict, attempt: int) -> str:
    """The worker's side of a durable event: run one handler once. On failure the next attempt is
    queued (`RETRY_DELAYS`) before this run is recorded as failed."""
    found = _durable.get(event)
    target = found.handlers.get(handler) if found else None
    if target is None:  # the code that handled it is gone: nothing left to do
        log.warning("event %s: no handler %s any more", event, handler)
        return "no handler"
    try:
        target(**payload)
    except Exception:
        if attempt <= len(RETRY_DELAYS):
            run_after = timezone.now() + RETRY_DELAYS[attempt - 1]
            run_handler.using(run_after=run_after).enqueue(event, handler, payload, attempt + 1)
        else:
            log.error("event %s: %s gave up after %s attempts", event, handler, attempt)
        raise
    return "done"


def durable_events() -> dict[str, DurableEvent]:
    return dict(_durable)


def pending(event: DurableEvent | None = None) -> QuerySet[DBTaskResult]:
    """Handler runs not yet done (waiting, running or to be retried), optionally of one event."""
    rows = DBTaskResult.objects.filter(
        task_path=run_handler.module_path,
        status__in=(TaskResultStatus.READY, TaskResultStatus.RUNNING),
    )
    if event is not None:
        rows = rows.filter(args_kwargs__args__0=event.name)
    return rows


def run_pending(event: DurableEvent | None = None) -> int:
    """Run every waiting handler run now, in this process, as the worker would but without
    waiting for retry times (the tests' way to drain the outbox). Answers how many ran."""
    count = 0
    for row in list(pending(event).filter(status=TaskResultStatus.READY).order_by("enqueued_at")):
        claimed = DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.READY).update(
            status=TaskResultStatus.RUNNING, started_at=timezone.now()
        )
        if not claimed:
            continue
        row.refresh_from_db()
        try:
            value = run_handler.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        except Exception as exc:
            row.set_failed(exc)  # its retry, if any, is queued already
        else:
            row.set_successful(value)
        count += 1
    return count


# -------------------------------------------------------------------------- crashed workers


def worker_id() -> str:
    """This process as a worker: `host:pid`, so a restarted worker can tell its dead predecessors."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_stalled() -> int:
    """Tasks left running by a worker that died: ready again. A task counts as stalled when the
    worker that claimed it ran on this host and its process is gone, or when it has run longer
    than its lease (`LEASE` for a durable handler, `TASK_LEASE` for other tasks: a worker on
    another host). Every task re-checks its state, and every durable handler is idempotent, so
    running one again is safe. Answers how many."""
    host = socket.gethostname()
    stalled = []
    now = timezone.now()
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    for pk, path, started_at, workers in running.values_list("pk", "task_path", "started_at", "worker_ids"):
        last = str(workers[-1]) if workers else ""
        where, _, pid = last.rpartition(":")
        dead_here = where == host and pid.isdigit() and not _alive(int(pid))
        lease = LEASE if path == run_handler.module_path else TASK_LEASE
        if dead_here or (started_at is not None and started_at < now - lease):
            stalled.append(pk)
    if not stalled:
        return 0
    return DBTaskResult.objects.filter(pk__in=stalled, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.READY, started_at=None
    )


# ------------------------------------------------------------------------------------ notify


class NotifyEvent(Signal):
    """A best-effort event for pages, sockets and indexes: receivers run after the commit."""

    def send_on_commit(self, sender: Any, **payload: Any) -> None:
        transaction.on_commit(lambda: self.send(sender=sender, **payload))
