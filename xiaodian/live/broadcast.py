"""Frames to a room's websocket viewers, through the channel layer: in-memory within one process,
Redis (`XIAODIAN_REDIS_URL`) across several. The services call `send` on commit; a broadcast that
fails is logged and never undoes the write it reports. docs/live.md lists the frames.

A channel layer's queues and connections belong to the event loop the consumers run on, while
the services run in worker threads (a page's thread, or a consumer's `database_sync_to_async`).
So the consumer remembers its loop, and `send` hands the group send to that loop."""

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)

SEND_TIMEOUT = 5  # seconds a writer waits for its broadcast to be handed to the layer

_consumer_loop: asyncio.AbstractEventLoop | None = None


def group(room_id: int) -> str:
    """The channel-layer group of a room's viewers."""
    return f"live.{room_id}"


def remember_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Called by the consumer: the loop this process's websockets run on."""
    global _consumer_loop
    _consumer_loop = loop


def send(room_id: int, frame: dict) -> None:
    """Send `frame` to every viewer of the room, from synchronous code (a service, on commit)."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "live.frame", "frame": frame}
    loop = _consumer_loop
    try:
        if loop is not None and loop.is_running() and asyncio._get_running_loop() is not loop:
            asyncio.run_coroutine_threadsafe(layer.group_send(group(room_id), message), loop).result(
                timeout=SEND_TIMEOUT
            )
        else:  # no websocket in this process yet: the layer (Redis) is reached from a loop of our own
            async_to_sync(layer.group_send)(group(room_id), message)
    except Exception:  # the write stands; viewers catch up on their next page load
        log.exception("live room %s: broadcasting %s failed", room_id, frame.get("type"))
