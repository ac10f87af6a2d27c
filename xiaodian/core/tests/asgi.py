"""The site served as `xiaodian serve` runs it (HTTP through Django, websockets through Channels),
in a thread of the test process, for browser tests of live pages: pytest-django's `live_server`
speaks WSGI only. Use the `asgi_server` fixture (import it into the test module)."""

import socket
import threading
import time
from contextlib import contextmanager, nullcontext
from types import SimpleNamespace

import pytest
import uvicorn
from a2wsgi import WSGIMiddleware
from channels.db import DatabaseSyncToAsync
from channels.routing import ProtocolTypeRouter
from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.utils.module_loading import import_string

SERVER_START_TIMEOUT = 10  # seconds


def _locked(handler, lock):
    def call(*args, **kwargs):
        with lock:
            return handler(*args, **kwargs)

    return call


@contextmanager
def _shared_sqlite_connection(monkeypatch):
    """On the in-memory SQLite test database, every thread must use the test's one connection (a
    second connection would see another, empty database), and one thread at a time: yields the
    lock the server's database work (HTTP requests, the consumers' database calls) takes. On
    PostgreSQL each thread has its own connection: nothing is shared, no lock (None)."""
    connection = connections["default"]
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield None
        return
    lock = threading.RLock()
    monkeypatch.setattr(connections, "_connections", SimpleNamespace(default=connection))
    monkeypatch.setattr(
        DatabaseSyncToAsync, "thread_handler", _locked(DatabaseSyncToAsync.thread_handler, lock)
    )
    connection.inc_thread_sharing()
    try:
        yield lock
    finally:
        connection.dec_thread_sharing()


@pytest.fixture
def asgi_server(transactional_db, monkeypatch):
    """The site as `xiaodian serve` runs it (HTTP through Django, websockets through Channels, the
    same origin check and session auth), plus static files, on a free port. `.url` for the
    browser, `.db` a context for the test's own database calls while the browsers are live (never
    held across a browser action: the server would wait for it)."""
    site = import_string(settings.ASGI_APPLICATION)  # by name: the site module sits above the layers

    with _shared_sqlite_connection(monkeypatch) as lock:
        http = StaticFilesHandler(get_wsgi_application())
        if lock is not None:
            http = _locked(http, lock)
        app = ProtocolTypeRouter(
            {"http": WSGIMiddleware(http, workers=4), "websocket": site.application_mapping["websocket"]}
        )
        config = uvicorn.Config(
            app, lifespan="off", log_level="warning", access_log=False, timeout_graceful_shutdown=2
        )
        server = uvicorn.Server(config)
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        try:
            yield SimpleNamespace(url=f"http://127.0.0.1:{port}", db=lock or nullcontext())
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            listener.close()
