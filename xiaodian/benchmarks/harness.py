"""Start `xiaodian serve` on loopback, drive it with concurrent clients, and summarise latencies."""

import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import aiohttp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(
    args: list[str], *, session: bool = False, log=None, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """`xiaodian ARGS` as a subprocess against the configured database. `session`: in a process
    group of its own, so `os.killpg(process.pid, SIGKILL)` ends it with every child (uvicorn's
    workers) at once. Output goes to `log` (a file) or nowhere; `env` adds variables."""
    return subprocess.Popen(
        [sys.executable, "-m", "xiaodian", *args],
        env={**os.environ, **(env or {})},
        stdout=log or subprocess.DEVNULL,
        stderr=log,
        start_new_session=session,
    )


def serve_args(port: int, workers: int = 2) -> list[str]:
    return ["serve", "--workers", str(workers), "--port", str(port), "--log-level", "error"]


def wait_healthy(base: str, process: subprocess.Popen, timeout: float = 240) -> None:
    """Until `GET /api/v1/health` answers 200; RuntimeError if the process exits or time runs out
    (a generous deadline: on a loaded 2-core machine two uvicorn workers took over 60 s to start)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/v1/health", timeout=2):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start") from None
            time.sleep(0.2)


@contextlib.contextmanager
def server(*, workers: int = 2, port: int | None = None, env: dict[str, str] | None = None) -> Iterator[str]:
    """`xiaodian serve --workers N` against the configured database; yields its base URL. `env`
    adds variables to the server's environment."""
    port = port or free_port()
    process = spawn(serve_args(port, workers), env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class Result:
    concurrency: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        if len(self.latencies) == 1:
            return self.latencies[0]
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(p) - 1]

    def summary(self) -> dict:
        return {
            "concurrency": self.concurrency,
            "completed": self.count,
            "seconds": round(self.seconds, 2),
            "per_second": round(self.rate, 1),
            "p50_ms": round(self.percentile(50) * 1000, 1),
            "p99_ms": round(self.percentile(99) * 1000, 1),
            "errors": self.errors,
        }


async def _drive(
    client: aiohttp.ClientSession,
    concurrency: int,
    duration: float,
    one: Callable[[aiohttp.ClientSession, int], Awaitable[None]],
) -> Result:
    result = Result(concurrency=concurrency, seconds=0.0)
    stop_at = time.perf_counter() + duration
    counter = iter(range(10**12))

    async def worker() -> None:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                await one(client, next(counter))
            except Exception as exc:  # a benchmark counts failures instead of stopping
                key = type(exc).__name__ + (f": {exc}"[:80] if str(exc) else "")
                result.errors[key] = result.errors.get(key, 0) + 1
            else:
                result.latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - began
    return result


def run(base: str, concurrency: int, duration: float, one) -> Result:
    """Run `one(client, i)` back to back from `concurrency` clients for `duration` seconds."""

    async def main() -> Result:
        async with _session(base, concurrency) as client:
            return await _drive(client, concurrency, duration, one)

    return asyncio.run(main())


def _session(base: str, connections: int) -> aiohttp.ClientSession:
    """aiohttp, not httpx: on these two cores httpx tops out near 300 requests/s as a client,
    below what the server can do, while aiohttp drives a trivial ASGI app past 4,000/s."""
    return aiohttp.ClientSession(
        base, connector=aiohttp.TCPConnector(limit=connections), timeout=aiohttp.ClientTimeout(total=120)
    )


async def burst(
    base: str, calls: list[Callable[[aiohttp.ClientSession], Awaitable[int]]]
) -> tuple[list[int], float]:
    """Fire every call at once (one connection each); returns their status codes and the wall time."""
    async with _session(base, len(calls)) as client:
        began = time.perf_counter()
        statuses = await asyncio.gather(*(call(client) for call in calls), return_exceptions=True)
        return [s if isinstance(s, int) else 599 for s in statuses], time.perf_counter() - began
