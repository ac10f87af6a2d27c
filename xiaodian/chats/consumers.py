"""The chats websocket, `/ws/chats/` (docs/chats.md lists the frames).

A signed-in user connects (anyone else is closed with 4401); the socket joins the user's group, so
one socket receives every conversation's new messages. Frames in: `send`, `read`, `sync`, `ping`.
Frames out: `message`, `sent` (the sender's confirmation with its client id and the message's
sequence number), `read`, `conversation` (membership changed), `synced`, `error`, `pong`.

A message is saved (and numbered) before it is broadcast, on commit. A client that was offline
sends `sync` with the last sequence it has per conversation and gets the rest, page by page while
`more`; `client_id` makes a resend harmless. So nothing is lost and nothing is doubled: a client
keeps, per conversation, the sequence numbers it holds."""

import asyncio

from channels.db import database_sync_to_async

from xiaodian.core import broadcast, throttle
from xiaodian.core.errors import DomainError
from xiaodian.core.sockets import FrameConsumer, frame_int, frame_str
from xiaodian.social import cards

from . import delivery, rules, selectors, services

CLOSE_UNAUTHORIZED = 4401


class ChatConsumer(FrameConsumer):
    # (Handlers are `on_*`: channels' consumer reads `_sync` as "is this a sync consumer".)
    frame_types = frozenset({"send", "read", "sync", "ping"})
    group_name = ""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        self.user = user
        broadcast.remember_loop(asyncio.get_running_loop())
        self.group_name = delivery.user_group(user.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def cleanup(self):
        if self.group_name:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive_json(self, content, **kwargs):
        handler = {"send": self.on_send, "read": self.on_read, "sync": self.on_sync, "ping": self.on_ping}
        try:
            await handler[content["type"]](content)
        except DomainError as exc:
            client_id = content.get("client_id")
            await self.send_error(exc, **({"client_id": client_id} if isinstance(client_id, str) else {}))

    async def on_ping(self, content):
        await self.send_json({"type": "pong"})

    async def on_send(self, content):
        await database_sync_to_async(throttle.hit)(rules.MESSAGE_SEND_PER_USER, self.user.pk)
        kind = frame_str(content.get("kind", "text"), "kind")
        if kind not in ("text", "card"):  # pictures go up over HTTP
            raise DomainError("validation_error", field="kind")
        message, created = await database_sync_to_async(services.send_message)(
            user=self.user,
            conversation_id=frame_int(content.get("conversation"), "conversation"),
            kind=kind,
            text=frame_str(content.get("text", ""), "text"),
            card_kind=frame_str(content.get("card_kind", ""), "card_kind"),
            card_id=frame_int(content["card_id"], "card_id") if content.get("card_id") is not None else None,
            client_id=frame_str(content.get("client_id", ""), "client_id"),
        )
        # the broadcast reaches this socket too; `sent` ties the saved number to the client's id at once
        await self.send_json(
            {
                "type": "sent",
                "client_id": message.client_id,
                "conversation": message.conversation_id,
                "id": message.pk,
                "seq": message.seq,
                "created": created,
            }
        )

    async def on_read(self, content):
        await database_sync_to_async(services.mark_read)(
            user=self.user,
            conversation_id=frame_int(content.get("conversation"), "conversation"),
            seq=frame_int(content.get("seq"), "seq"),
        )

    async def on_sync(self, content):
        """`{"type": "sync", "have": {"<conversation>": <seq>, ...}}`: everything after those (and
        every other conversation from its start, unless `"listed_only": true`)."""
        have = content.get("have", {})
        if not isinstance(have, dict) or len(have) > 10_000:
            raise DomainError("validation_error", field="have")
        try:
            wanted = {int(k): frame_int(v, "have") for k, v in have.items()}
        except ValueError:
            raise DomainError("validation_error", field="have") from None
        rows, more = await database_sync_to_async(self._missed)(wanted, content.get("listed_only") is True)
        for frame in rows:
            await self.send_json({"type": "message", "message": frame})
        last: dict[str, int] = {}
        for frame in rows:
            last[str(frame["conversation"])] = frame["seq"]
        await self.send_json({"type": "synced", "count": len(rows), "more": more, "last": last})

    def _missed(self, have: dict[int, int], listed_only: bool) -> tuple[list[dict], bool]:
        rows, more = selectors.missed(self.user, have, listed_only=listed_only)
        return selectors.frames(rows, self.user.pk), more

    async def chats_frame(self, event):
        """A frame for this user (`delivery` sends it to the user's group); a card is resolved for
        this viewer."""
        frame = event["frame"]
        card = frame.get("message", {}).get("card") if frame.get("type") == "message" else None
        if card is not None:
            views = await database_sync_to_async(cards.resolve)([(card["kind"], card["id"])], self.user.pk)
            frame = {
                **frame,
                "message": {
                    **frame["message"],
                    "card": {**card, "view": views.get((card["kind"], card["id"]))},
                },
            }
        await self.send_json(frame)
