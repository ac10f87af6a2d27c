"""Frames to websocket groups through the channel layer: in-memory within one process, Redis
(`XIAODIAN_REDIS_URL`) across several. Services call `send` on commit; a broadcast that fails is
logged and never undoes the write it reports.

A channel layer's queues and connections belong to the event loop the consumers run on, while the
services run in worker threads (a page's thread, or a consumer's `database_sync_to_async`). So a
consumer remembers its loop (`remember_loop`), and `send` hands the group send to that loop."""

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)

SEND_TIMEOUT = 5  # seconds a writer waits for its broadcast to be handed to the layer

_consumer_loop: asyncio.AbstractEventLoop | None = None
_pending: set[asyncio.Task] = set()


def remember_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Called by a consumer: the loop this process's websockets run on."""
    global _consumer_loop
    _consumer_loop = loop


def send(groups: list[str], message: dict) -> None:
    """Send the channel-layer `message` (with its handler `type`) to each group, from synchronous
    code (a service, on commit)."""
    layer = get_channel_layer()
    if layer is None:
        return

    async def deliver():
        for name in groups:
            await layer.group_send(name, message)

    loop, running = _consumer_loop, asyncio._get_running_loop()
    try:
        if loop is not None and loop.is_running() and running is not loop:
            asyncio.run_coroutine_threadsafe(deliver(), loop).result(timeout=SEND_TIMEOUT)
        elif running is not None:  # sync code called straight from a running loop: no waiting here
            task = running.create_task(deliver())
            _pending.add(task)  # a task nobody holds may be collected before it runs
            task.add_done_callback(_pending.discard)
        else:  # no websocket in this process yet: the layer (Redis) is reached from a loop of our own
            async_to_sync(deliver)()
    except Exception:  # the write stands; clients catch up when they sync
        log.exception("broadcasting %s to %s failed", message.get("type"), groups)
