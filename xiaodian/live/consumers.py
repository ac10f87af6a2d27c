"""The live room's websocket, `/ws/live/<room_id>/` (docs/live.md lists the frames).

Everyone may watch: connecting joins the room's group and counts as a viewer (a row per
connection, so the count is right across server processes); every viewer gets the new count.
A signed-in viewer sends `{"type": "comment", "text": ...}`; the service saves it and broadcasts
it to all; a refusal, or a frame that is not a known JSON object (`core.sockets`), comes back to
the sender alone as `{"type": "error", "code", "message"}`. The viewer's row goes however the socket
ends (`cleanup`).
"""

import asyncio

from channels.db import database_sync_to_async

from xiaodian.core import throttle
from xiaodian.core.errors import DomainError
from xiaodian.core.sockets import FrameConsumer

from . import broadcast, rules, selectors, services

CLOSE_NOT_FOUND = 4404


class LiveRoomConsumer(FrameConsumer):
    frame_types = frozenset({"comment", "ping"})
    room_id: int | None = None

    async def connect(self):
        room_id = int(self.scope["url_route"]["kwargs"]["room_id"])
        try:
            await database_sync_to_async(selectors.room)(room_id)
        except DomainError:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        broadcast.remember_loop(asyncio.get_running_loop())
        # set first: whatever fails from here on, `cleanup` leaves the group and removes the row
        self.room_id, self.group = room_id, broadcast.group(room_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        count = await database_sync_to_async(services.join_room)(
            room_id=room_id, channel_name=self.channel_name, user=self.scope.get("user")
        )
        await self.channel_layer.group_send(self.group, _frame({"type": "viewers", "count": count}))

    async def cleanup(self):
        """The socket ended (closed by either side, dropped, or failed): the viewer leaves."""
        if self.room_id is None:
            return
        await self.channel_layer.group_discard(self.group, self.channel_name)
        count = await database_sync_to_async(services.leave_room)(
            room_id=self.room_id, channel_name=self.channel_name
        )
        await self.channel_layer.group_send(self.group, _frame({"type": "viewers", "count": count}))

    async def receive_json(self, content, **kwargs):
        await database_sync_to_async(services.touch_viewer)(channel_name=self.channel_name)
        if content["type"] == "ping":  # the page's heartbeat
            await self.send_json({"type": "pong"})
            return
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.send_error(DomainError("unauthorized"))
            return
        text = content.get("text")
        try:
            await database_sync_to_async(throttle.hit)(rules.COMMENT_PER_USER, user.pk)
            # The service broadcasts the saved comment to the room (this socket included).
            await database_sync_to_async(services.post_comment)(
                user=user, room_id=self.room_id, text=text if isinstance(text, str) else ""
            )
        except DomainError as exc:
            await self.send_error(exc)

    async def live_frame(self, event):
        """A frame for every viewer of the room (`broadcast.send`, or this consumer's own)."""
        await self.send_json(event["frame"])


def _frame(frame: dict) -> dict:
    return {"type": "live.frame", "frame": frame}
