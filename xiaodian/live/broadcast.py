"""Frames to a room's websocket viewers (core.broadcast underneath). The services call `send` on
commit; docs/live.md lists the frames."""

from xiaodian.core import broadcast

remember_loop = broadcast.remember_loop


def group(room_id: int) -> str:
    """The channel-layer group of a room's viewers."""
    return f"live.{room_id}"


def send(room_id: int, frame: dict) -> None:
    """Send `frame` to every viewer of the room, from synchronous code (a service, on commit)."""
    broadcast.send([group(room_id)], {"type": "live.frame", "frame": frame})
