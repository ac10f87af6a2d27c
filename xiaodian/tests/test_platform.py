"""The platform's plumbing: health, OpenAPI, websockets, the CLI commands and the demo data."""

import re
import subprocess
import sys

import pytest
from channels.testing import WebsocketCommunicator
from django.core.management import call_command

from xiaodian.accounts.models import User
from xiaodian.asgi import application
from xiaodian.core.tests.sockets import assert_bad_frames_answered
from xiaodian.stores.models import Store, StoreStaff


def test_health_needs_no_database(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        r = client.get("/api/v1/health")
    assert r.json() == {"status": "ok"}


def test_openapi_and_docs_are_served(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/stores" in spec["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_the_api_docs_load_swagger_ui_from_this_site(client):
    """Offline-complete (issue 14): the docs page names no other host, and the Swagger UI files it
    names are served here (a CDN's left the page blank without internet)."""
    html = client.get("/api/v1/docs").content.decode()
    assert "//" not in "".join(re.findall(r'(?:src|href)="([^"]*)"', html))
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert {"swagger-ui-bundle.js", "swagger-ui-init.js", "swagger-ui.css"} <= {
        a.rsplit("/", 1)[1] for a in assets
    }
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


@pytest.mark.asyncio
# Sync consumers close stale database connections around each message, so this test needs the database.
@pytest.mark.django_db(transaction=True)
async def test_the_websocket_stack_answers():
    communicator = WebsocketCommunicator(
        application, "/ws/ping/", headers=[(b"origin", b"http://127.0.0.1:8000")]
    )
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"echo": 7})
    assert await communicator.receive_json_from() == {"type": "pong", "echo": 7}
    await communicator.disconnect()


@pytest.mark.django_db
def test_demo_seeds_the_contract_accounts_and_stores_once(capsys):
    call_command("demo", no_serve=True)
    names = set(User.objects.values_list("username", flat=True))
    assert {"buyer", "buyer2", "merchant", "agent", "creator", "ops"} <= names
    ops = User.objects.get(username="ops")
    assert ops.is_staff and ops.is_superuser and ops.check_password("demo12345")
    stores = Store.objects.filter(staff__user__username="merchant", staff__role="owner")
    assert stores.count() >= 3
    assert stores.values("main_category").distinct().count() >= 3
    assert len({s.description for s in stores}) == stores.count()
    first = stores.order_by("pk").first()
    assert StoreStaff.objects.filter(store=first, user__username="agent", role="agent").exists()
    call_command("demo", no_serve=True)
    assert Store.objects.count() == stores.count()
    assert "already present" in capsys.readouterr().out


@pytest.mark.django_db
def test_seed_adds_users_and_stores_within_the_limits(capsys):
    call_command("seed", users=5, store_count=65)
    call_command("seed", store_count=5)
    assert User.objects.filter(username__startswith="seed_user_").count() == 5
    seeded = Store.objects.filter(name__startswith="种子店铺")
    assert seeded.count() == 70
    per_subject = {s.subject_id for s in seeded}
    assert all(Store.objects.filter(subject_id=s).count() <= 30 for s in per_subject)
    assert StoreStaff.objects.filter(store__in=seeded, role="owner").count() == 70


def test_the_console_script_runs_manage_commands():
    out = subprocess.run(
        [sys.executable, "-m", "xiaodian", "help"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    for command in ("demo", "serve", "worker", "seed"):
        assert command in out


def test_serve_answers_http_on_a_port(tmp_path):
    """`xiaodian serve` is what `make demo` runs: start it for real and ask it for health."""
    import os
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "XIAODIAN_DATA_DIR": str(tmp_path)}
    env.pop("XIAODIAN_DATABASE_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "xiaodian", "serve", "--port", str(port)], env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2) as r:
                    assert r.read() == b'{"status": "ok"}'
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.django_db
def test_refusals_before_the_api_runs_are_json_too(client):
    forged_host = client.get("/api/v1/health", headers={"host": "multipart/form-data"})
    assert forged_host.status_code == 400
    assert forged_host.json()["code"] == "malformed_request"
    unknown = client.get("/api/v1/no-such-thing")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_ping_socket_answers_bad_frames_with_an_error_and_stays_open(caplog):
    communicator = WebsocketCommunicator(
        application, "/ws/ping/", headers=[(b"origin", b"http://127.0.0.1:8000")]
    )
    connected, _ = await communicator.connect()
    assert connected
    await assert_bad_frames_answered(communicator, {"type": "ping", "echo": 1}, "pong", caplog)
    await communicator.disconnect()
