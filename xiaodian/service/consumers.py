"""The customer-service websocket, `/ws/service/` (docs/service.md lists the frames).

A signed-in user connects (anyone else is closed with 4401). The socket joins the user's own group
(their conversations as a buyer) and the group of every store whose workbench they staff. Frames
in: `send`, `ack` (delivered / read receipts), `sync` (what was missed since a message id),
`ping`. Frames out: `message`, `conversation`, `receipt`, `sent` (the sender's own confirmation
with its client id), `error`, `pong`. A message is saved before it is broadcast; a client that was
offline asks `sync` with the last id it has and gets the rest, so nothing is lost, and `client_id`
makes a resend harmless, so nothing is doubled."""

import asyncio
import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from xiaodian.core import broadcast, throttle
from xiaodian.core.errors import DomainError
from xiaodian.core.pagination import MAX_ID
from xiaodian.core.parsing import check_storable

from . import delivery, rules, selectors, services

CLOSE_UNAUTHORIZED = 4401


class ServiceConsumer(AsyncJsonWebsocketConsumer):
    # (Handlers are `on_*`: channels' consumer reads `_sync` as "is this a sync consumer".)
    groups_joined: list[str]

    async def connect(self):
        self.groups_joined = []
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        self.user = user
        broadcast.remember_loop(asyncio.get_running_loop())
        stores = await database_sync_to_async(selectors.agent_stores)(user)
        self.groups_joined = [delivery.user_group(user.pk), *(delivery.store_group(s) for s in stores)]
        for name in self.groups_joined:
            await self.channel_layer.group_add(name, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for name in self.groups_joined:
            await self.channel_layer.group_discard(name, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        try:
            content = await self.decode_json(text_data) if text_data is not None else None
        except ValueError:  # not JSON
            await self._error(DomainError("malformed_request"))
            return
        except DomainError as exc:  # text the database cannot store (NUL, lone surrogates)
            await self._error(exc)
            return
        await self.receive_json(content, **kwargs)

    @classmethod
    async def decode_json(cls, text_data):
        content = json.loads(text_data)
        check_storable(content)
        return content

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        handler = {"send": self.on_send, "ack": self.on_ack, "sync": self.on_sync, "ping": self.on_ping}.get(
            kind
        )
        if handler is None:
            await self._error(DomainError("validation_error", field="type"))
            return
        try:
            await handler(content)
        except DomainError as exc:
            await self._error(exc, client_id=content.get("client_id"))

    async def on_ping(self, content):
        await self.send_json({"type": "pong"})

    async def on_send(self, content):
        await database_sync_to_async(throttle.hit)(rules.MESSAGE_SEND_PER_USER, self.user.pk)
        message, created = await database_sync_to_async(services.send_message)(
            user=self.user,
            conversation_id=_int(content.get("conversation"), "conversation"),
            kind=_str(content.get("kind", "text"), "kind"),
            text=_str(content.get("text", ""), "text"),
            product_id=_int(content["product_id"], "product_id")
            if content.get("product_id") is not None
            else None,
            order_id=_int(content["order_id"], "order_id") if content.get("order_id") is not None else None,
            client_id=_str(content.get("client_id", ""), "client_id"),
        )
        # the broadcast reaches this socket too; `sent` ties the saved id to the client's id at once
        await self.send_json(
            {"type": "sent", "client_id": message.client_id, "id": message.pk, "created": created}
        )

    async def on_ack(self, content):
        await database_sync_to_async(services.acknowledge)(
            user=self.user,
            conversation_id=_int(content.get("conversation"), "conversation"),
            up_to=_int(content.get("up_to"), "up_to"),
            read=bool(content.get("read")),
        )

    async def on_sync(self, content):
        since = _int(content.get("since", 0), "since")
        rows = await database_sync_to_async(selectors.missed)(self.user, since)
        for message in rows:
            await self.send_json({"type": "message", "message": delivery.message_frame(message)})
        await self.send_json({"type": "synced", "count": len(rows), "last": rows[-1].pk if rows else since})

    async def _error(self, exc: DomainError, client_id=None) -> None:
        frame = {"type": "error", **exc.as_dict()}
        if isinstance(exc, throttle.RateLimited):
            frame["retry_after"] = exc.retry_after
        if client_id:
            frame["client_id"] = client_id
        await self.send_json(frame)

    async def service_frame(self, event):
        """A frame for this user (`delivery` sends it to the user's or the store's group)."""
        await self.send_json(event["frame"])


def _int(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        raise DomainError("validation_error", field=field)
    return value


def _str(value, field: str) -> str:
    if not isinstance(value, str):
        raise DomainError("validation_error", field=field)
    return value
