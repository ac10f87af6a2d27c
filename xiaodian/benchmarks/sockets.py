"""The websocket client both socket benchmarks drive (`xiaodian bench service`'s customer-service
sessions, `xiaodian bench social`'s groups): it connects with a signed-in session's cookie, reads
every frame and hands each kind to the subclass, writes a `send` frame every interval from a random
phase, and asks for a `sync` page and waits for its `synced` answer. What a benchmark counts (what
arrived live, doubled, by sync) is its subclass's."""

import asyncio
import contextlib
import json
import random
import time
from collections import Counter

import aiohttp
from django.conf import settings

FRAME_TIMEOUT_S = 60.0  # a `synced` answer (or a connect) later than this is an error of the run


class SocketRun:
    """What every client of one run shares: where to connect, the send log keyed by client id, and
    the counters of refusals and of sockets the server closed."""

    path = "/ws/"

    def __init__(self, base: str, world):
        self.url = base.replace("http://", "ws://") + self.path
        self.origin = base
        self.world = world  # the seeded data; its `run_id` prefixes every client id
        self.sends: dict = {}
        self.errors: Counter[str] = Counter()
        self.closed_by_server: Counter[str] = Counter()  # close code -> sockets the server closed


class SocketClient:
    """One websocket of a benchmark. A subclass names its `session` and `conversation_id`, and
    handles `message` and `sent` frames (`_message`, `_sent`), any other frame (`_other`), the end
    of its socket (`_ended`), and what a write logs (`_log_send`)."""

    session: str
    conversation_id: int

    def __init__(self, run: SocketRun, index: int):
        self.run, self.index = run, index
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.reader: asyncio.Task | None = None
        self.synced: asyncio.Future | None = None
        self.online = False
        self.connections = 0

    # reading

    async def connect(self, http: aiohttp.ClientSession) -> None:
        cookie = f"{settings.SESSION_COOKIE_NAME}={self.session}"
        self.ws = await asyncio.wait_for(
            http.ws_connect(self.run.url, headers={"Origin": self.run.origin, "Cookie": cookie}),
            FRAME_TIMEOUT_S,
        )
        self.connections += 1
        self.online = True
        self.reader = asyncio.create_task(self._read(self.ws))

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for raw in ws:
            if raw.type is not aiohttp.WSMsgType.TEXT:
                continue
            now = time.perf_counter()
            frame = json.loads(raw.data)
            kind = frame.get("type")
            if kind == "message":
                self._message(frame["message"], now)
            elif kind == "sent":
                self._sent(frame, now)
            elif kind == "synced":
                if self.synced is not None and not self.synced.done():
                    self.synced.set_result(frame)
            elif kind == "error":
                self.run.errors[frame.get("code", "?")] += 1
            else:
                self._other(str(kind))
        self._ended(ws)

    def _message(self, message: dict, now: float) -> None:
        raise NotImplementedError

    def _sent(self, frame: dict, now: float) -> None:
        raise NotImplementedError

    def _other(self, kind: str) -> None:
        """A frame of another kind (a benchmark may count those it does not expect)."""

    def _ended(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """The socket's reading ended (closed by this client or by the server)."""

    async def request_sync(self, frame: dict) -> dict:
        """Write a `sync` frame and wait for its `synced` answer."""
        self.synced = asyncio.get_running_loop().create_future()
        assert self.ws is not None
        await self.ws.send_str(json.dumps({"type": "sync", **frame}))
        return await asyncio.wait_for(self.synced, FRAME_TIMEOUT_S)

    # writing

    def _writing(self) -> bool:
        """Whether this client writes now (a dropped phone does not)."""
        return True

    def _log_send(self, client_id: str, at: float) -> str:
        """Log a message about to be written (in `run.sends`) and answer its text."""
        raise NotImplementedError

    async def write(self, text: str, client_id: str) -> None:
        assert self.ws is not None
        await self.ws.send_str(
            json.dumps(
                {"type": "send", "conversation": self.conversation_id, "text": text, "client_id": client_id}
            )
        )

    async def send_every(self, interval: float, start: float, stop: float) -> None:
        """Write a message every `interval` s from a random phase until `stop` (perf_counter)."""
        loop = asyncio.get_running_loop()
        offset = loop.time() - time.perf_counter()
        n = 0
        due = start + random.uniform(0, interval)
        while due < stop:
            await asyncio.sleep(max(0.0, due + offset - loop.time()))
            due += interval
            if not self._writing():
                continue
            n += 1
            client_id = f"{self.run.world.run_id}.{self.index}.{n}"
            text = self._log_send(client_id, time.perf_counter())
            # the socket dropped meanwhile: what the subclass does about it (resend, count) is its own
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.write(text, client_id)

    async def close(self) -> None:
        self.online = False
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.reader
