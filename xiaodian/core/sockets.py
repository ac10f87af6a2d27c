"""What every websocket consumer shares: reading a frame, and leaving cleanly.

`parse_frame` turns an incoming frame into a JSON object with a known `type`, or refuses it with
a `DomainError` (a binary frame, text that is not JSON, too long or nested too deep, text the
database cannot store, a non-object, a `type` that is not one of the consumer's). `FrameConsumer`
answers a refusal with `{"type": "error", "code", "message", "field"}` and keeps the socket open.

It also makes leaving safe whatever the way out (the client closes, the client vanishes mid-send,
the server closes, a handler raises, the consumer's task is cancelled): nothing is sent down a
socket once it is closed (the ASGI server would raise), an unexpected error is logged and closes
the socket with 1011, and the consumer's `cleanup` (its groups, a viewer's row) runs exactly once.
"""

import json
import logging
import re
from itertools import accumulate

from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from . import throttle
from .errors import DomainError
from .pagination import MAX_ID
from .parsing import check_storable

log = logging.getLogger(__name__)

MAX_FRAME_CHARS = 64 * 1024  # the largest frame a client sends is a message of a few KB
MAX_DEPTH = 8  # the deepest frame a client sends nests 2 levels
CLOSE_INTERNAL_ERROR = 1011

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def nesting_depth(text: str) -> int:
    """How deep the JSON text's arrays and objects nest, counted without parsing it (the parser
    recurses once per level, so a frame of 10,000 `[` would exhaust the stack)."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(1 if b in "[{" else -1 for b in brackets), default=0)


def parse_frame(text_data: str | None, bytes_data: bytes | None, *, types, default_type=None) -> dict:
    """The frame as a JSON object whose `type` is one of `types` (`default_type` when it has none),
    or a DomainError saying what is wrong with it."""
    if text_data is None:
        raise DomainError("malformed_request", _("只接受 JSON 文本帧。"))
    if len(text_data) > MAX_FRAME_CHARS:
        raise DomainError("payload_too_large")
    if nesting_depth(text_data) > MAX_DEPTH:
        raise DomainError("malformed_request", _("JSON 嵌套过深。"))
    try:
        content = json.loads(text_data)
    except (ValueError, RecursionError):
        raise DomainError("malformed_request") from None
    check_storable(content)  # NUL and lone surrogates
    kind = content.get("type", default_type) if isinstance(content, dict) else None
    if not isinstance(kind, str) or kind not in types:
        raise DomainError("validation_error", _("未知的帧类型。"), field="type")
    return content


class FrameConsumer(AsyncJsonWebsocketConsumer):
    """A JSON websocket consumer whose frames go through `parse_frame` (`frame_types`) before
    `receive_json`, and whose `cleanup` runs once on every way out."""

    frame_types: frozenset[str] = frozenset()
    default_type: str | None = None
    closed = False  # a close was sent or the client is gone: nothing more goes down the socket
    _cleaned_up = False

    async def __call__(self, scope, receive, send):
        async def send_while_open(message):
            if self.closed:
                return
            if message["type"] == "websocket.close":
                self.closed = True
            try:
                await send(message)
            # The client closed or vanished before its websocket.disconnect reached us: uvicorn
            # raises ClientDisconnected (an OSError), or RuntimeError "Unexpected ASGI message
            # 'websocket.send', after sending 'websocket.close'" once it has answered the close.
            except (OSError, RuntimeError):
                self.closed = True  # the disconnect follows and cleans up

        try:
            await super().__call__(scope, receive, send_while_open)
        finally:
            await self._cleanup_once()

    async def dispatch(self, message):
        try:
            await super().dispatch(message)
        except StopConsumer:
            raise
        except Exception:
            log.exception("websocket %s failed handling %s", self.scope.get("path"), message.get("type"))
            await self.close(code=CLOSE_INTERNAL_ERROR)
            raise StopConsumer from None  # `__call__` cleans up

    async def websocket_disconnect(self, message):
        self.closed = True
        await super().websocket_disconnect(message)

    async def disconnect(self, code):
        await self._cleanup_once()

    async def cleanup(self) -> None:
        """Undo what connecting did (groups, presence). Runs once, however the socket ends."""

    async def _cleanup_once(self) -> None:
        if self._cleaned_up:
            return
        self._cleaned_up = True
        try:
            await self.cleanup()
        except Exception:
            log.exception("cleaning up websocket %s failed", self.scope.get("path"))

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        try:
            content = parse_frame(
                text_data, bytes_data, types=self.frame_types, default_type=self.default_type
            )
        except DomainError as exc:
            await self.send_error(exc)
            return
        await self.receive_json(content, **kwargs)

    async def send_error(self, exc: DomainError, **extra) -> None:
        """An error frame: the error's code and message (and `retry_after` seconds when over a
        rate limit)."""
        frame = {"type": "error", **exc.as_dict(), **extra}
        if isinstance(exc, throttle.RateLimited):
            frame["retry_after"] = exc.retry_after
        await self.send_json(frame)


def frame_int(value, field: str) -> int:
    """A frame's id or number: a JSON integer from 0 to the largest id, else a refusal naming it."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        raise DomainError("validation_error", field=field)
    return value


def frame_str(value, field: str) -> str:
    """A frame's text field: a JSON string, else a refusal naming it."""
    if not isinstance(value, str):
        raise DomainError("validation_error", field=field)
    return value
