"""The customer-service websocket, `/ws/service/` (docs/service.md lists the frames).

A signed-in user connects (anyone else is closed with 4401). The socket joins the user's own group
(their conversations as a buyer) and the group of every store whose workbench they staff. Frames
in: `send`, `ack` (delivered / read receipts), `sync` (what was missed since a message id),
`ping`. Frames out: `message`, `conversation`, `receipt`, `sent` (the sender's own confirmation
with its client id), `error` (also for a frame that is not one of these, `core.sockets`), `pong`.
A message is saved before it is broadcast; a client that was offline asks `sync` with the last id
it has and gets the rest, so nothing is lost, and `client_id` makes a resend harmless, so nothing
is doubled."""

import asyncio

from channels.db import database_sync_to_async

from xiaodian.core import broadcast, throttle
from xiaodian.core.errors import DomainError
from xiaodian.core.sockets import FrameConsumer, frame_int, frame_str

from . import delivery, rules, selectors, services

CLOSE_UNAUTHORIZED = 4401


class ServiceConsumer(FrameConsumer):
    # (Handlers are `on_*`: channels' consumer reads `_sync` as "is this a sync consumer".)
    frame_types = frozenset({"send", "ack", "sync", "ping"})
    groups_joined: tuple[str, ...] = ()

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        self.user = user
        broadcast.remember_loop(asyncio.get_running_loop())
        stores = await database_sync_to_async(selectors.agent_stores)(user)
        self.groups_joined = (delivery.user_group(user.pk), *(delivery.store_group(s) for s in stores))
        for name in self.groups_joined:
            await self.channel_layer.group_add(name, self.channel_name)
        await self.accept()

    async def cleanup(self):
        for name in self.groups_joined:
            await self.channel_layer.group_discard(name, self.channel_name)

    async def receive_json(self, content, **kwargs):
        handler = {"send": self.on_send, "ack": self.on_ack, "sync": self.on_sync, "ping": self.on_ping}
        try:
            await handler[content["type"]](content)
        except DomainError as exc:
            client_id = content.get("client_id")
            await self.send_error(exc, **({"client_id": client_id} if client_id else {}))

    async def on_ping(self, content):
        await self.send_json({"type": "pong"})

    async def on_send(self, content):
        await database_sync_to_async(throttle.hit)(rules.MESSAGE_SEND_PER_USER, self.user.pk)
        message, created = await database_sync_to_async(services.send_message)(
            user=self.user,
            conversation_id=frame_int(content.get("conversation"), "conversation"),
            kind=frame_str(content.get("kind", "text"), "kind"),
            text=frame_str(content.get("text", ""), "text"),
            product_id=frame_int(content["product_id"], "product_id")
            if content.get("product_id") is not None
            else None,
            order_id=frame_int(content["order_id"], "order_id")
            if content.get("order_id") is not None
            else None,
            client_id=frame_str(content.get("client_id", ""), "client_id"),
        )
        # the broadcast reaches this socket too; `sent` ties the saved id to the client's id at once
        await self.send_json(
            {"type": "sent", "client_id": message.client_id, "id": message.pk, "created": created}
        )

    async def on_ack(self, content):
        await database_sync_to_async(services.acknowledge)(
            user=self.user,
            conversation_id=frame_int(content.get("conversation"), "conversation"),
            up_to=frame_int(content.get("up_to"), "up_to"),
            read=bool(content.get("read")),
        )

    async def on_sync(self, content):
        since = frame_int(content.get("since", 0), "since")
        rows = await database_sync_to_async(selectors.missed)(self.user, since)
        for message in rows:
            await self.send_json({"type": "message", "message": delivery.message_frame(message)})
        await self.send_json({"type": "synced", "count": len(rows), "last": rows[-1].pk if rows else since})

    async def service_frame(self, event):
        """A frame for this user (`delivery` sends it to the user's or the store's group)."""
        await self.send_json(event["frame"])
