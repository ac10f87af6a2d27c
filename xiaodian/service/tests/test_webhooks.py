"""Self-built mode: a buyer's message becomes an event, sent to the store's endpoint signed with
HMAC-SHA256 over the timestamp and body, carrying an id for deduplication, retried with backoff;
the store replies through the API with a staff member's token."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django_tasks_db.models import DBTaskResult

from xiaodian.accounts.rules import Role
from xiaodian.service import rules, services, webhooks
from xiaodian.service.models import WebhookEvent
from xiaodian.service.tasks import send_webhook_event
from xiaodian.stores.models import StoreStaff

pytestmark = pytest.mark.django_db


class Endpoint:
    """A local HTTP endpoint answering with the statuses it is given, recording each request."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.requests: list[tuple[dict, bytes]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                endpoint.requests.append((dict(self.headers), body))
                self.send_response(endpoint.statuses.pop(0) if endpoint.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def endpoint():
    made = []

    def make(*statuses):
        made.append(Endpoint(statuses))
        return made[-1]

    yield make
    for e in made:
        e.close()


@pytest.fixture
def self_built(shop, settings, endpoint):
    settings.XIAODIAN_WEBHOOK_ALLOW_LOOPBACK_HTTP = True

    def switch(*statuses):
        server = endpoint(*statuses)
        owner = StoreStaff.objects.get(store=shop, role=Role.OWNER).user
        _current, secret = services.update_settings(
            user=owner, store=shop, mode="self_built", webhook_url=server.url
        )
        return server, secret

    return switch


def test_a_buyer_message_is_sent_signed_with_an_event_id(
    self_built, shop, buyer, django_capture_on_commit_callbacks
):
    server, secret = self_built()
    conversation, _ = services.open_conversation(buyer=buyer, store_id=shop.pk)
    with django_capture_on_commit_callbacks(execute=False):
        message, _ = services.send_message(user=buyer, conversation_id=conversation.pk, text="有货吗？")
    event = WebhookEvent.objects.get()
    assert webhooks.deliver(event.pk) is None
    ((headers, body),) = server.requests
    timestamp = headers[rules.TIMESTAMP_HEADER]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers[rules.SIGNATURE_HEADER], expected)
    document = json.loads(body)
    assert document["id"] == headers[rules.EVENT_ID_HEADER] == str(event.event_id)
    assert document["type"] == "message"
    assert (
        document["data"]["message"]["text"] == "有货吗？" and document["data"]["message"]["id"] == message.pk
    )
    event.refresh_from_db()
    assert (event.state, event.attempts, event.last_status) == ("delivered", 1, 200)


def test_failures_are_retried_with_backoff_under_the_same_id_then_given_up(self_built, shop, buyer):
    server, _secret = self_built(500, 503, 500, 500, 500, 500)
    conversation, _ = services.open_conversation(buyer=buyer, store_id=shop.pk)
    services.send_message(user=buyer, conversation_id=conversation.pk, text="在吗")
    event = WebhookEvent.objects.get()
    delays = [webhooks.deliver(event.pk) for _ in range(6)]
    assert delays == [*rules.WEBHOOK_RETRY_DELAYS, None]
    event.refresh_from_db()
    assert (event.state, event.attempts, event.last_status) == ("failed", 6, 500)
    assert len({headers[rules.EVENT_ID_HEADER] for headers, _ in server.requests}) == 1
    assert webhooks.deliver(event.pk) is None and len(server.requests) == 6  # given up: no more tries


def test_the_task_enqueues_the_retry_after_its_delay(self_built, shop, buyer):
    self_built(500)
    conversation, _ = services.open_conversation(buyer=buyer, store_id=shop.pk)
    services.send_message(user=buyer, conversation_id=conversation.pk, text="在吗")
    event = WebhookEvent.objects.get()
    assert send_webhook_event.call(event.pk) == "retry in 10 s"
    retry = DBTaskResult.objects.get(task_path="xiaodian.service.tasks.send_webhook_event")
    assert retry.args_kwargs["args"] == [event.pk]
    assert send_webhook_event.call(event.pk) == "done"  # the endpoint answers 200 now
    event.refresh_from_db()
    assert event.state == "delivered"


def test_an_unreachable_endpoint_is_a_failed_attempt(self_built, shop, buyer, endpoint):
    server, _ = self_built()
    server.close()
    conversation, _ = services.open_conversation(buyer=buyer, store_id=shop.pk)
    services.send_message(user=buyer, conversation_id=conversation.pk, text="在吗")
    event = WebhookEvent.objects.get()
    assert webhooks.deliver(event.pk) == timedelta(seconds=10)
    event.refresh_from_db()
    assert event.last_status is None and event.last_error


def test_leaving_self_built_mode_stops_pending_events(self_built, shop, buyer):
    self_built(500)
    conversation, _ = services.open_conversation(buyer=buyer, store_id=shop.pk)
    services.send_message(user=buyer, conversation_id=conversation.pk, text="在吗")
    owner = StoreStaff.objects.get(store=shop, role=Role.OWNER).user
    services.update_settings(user=owner, store=shop, mode="workbench")
    event = WebhookEvent.objects.get()
    assert webhooks.deliver(event.pk) is None
    event.refresh_from_db()
    assert event.state == "failed" and "left self-built" in event.last_error


def test_the_self_built_system_replies_through_the_api(self_built, shop, buyer, api):
    self_built()
    conversation, _ = services.open_conversation(buyer=buyer, store_id=shop.pk)
    services.send_message(user=buyer, conversation_id=conversation.pk, text="在吗")
    # the owner's API token stands for the self-built system
    reply = api.post(f"/conversations/{conversation.pk}/messages", {"text": "您好，这里是自建客服"})
    assert reply.status_code == 201 and reply.json()["sender"] == "agent"
    assert WebhookEvent.objects.count() == 1  # the store's own reply is not sent back to it


def test_slow_replies_count_in_either_mode(self_built, shop, buyer, agent, make_user, api):
    """A store answering slowly in the workbench cannot escape the 3-minute reply metric by
    switching to self-built: its system's replies come back through the API and are timed the
    same way (DOMAIN.md: every session counts, whichever mode)."""
    from datetime import datetime

    from xiaodian.core import clock
    from xiaodian.scoring import metrics
    from xiaodian.scoring.days import SHANGHAI, window

    day = datetime(2026, 6, 1, tzinfo=SHANGHAI)
    with clock.travel_to(day.replace(hour=10)):
        slow, _ = services.open_conversation(buyer=buyer, store_id=shop.pk)
        services.send_message(user=buyer, conversation_id=slow.pk, text="在吗")
    with clock.travel_to(day.replace(hour=10, minute=5)):
        services.send_message(user=agent, conversation_id=slow.pk, text="在的")  # 5 minutes: late

    with clock.travel_to(day.replace(hour=10, minute=30)):
        self_built()
    answers = []
    for hour, wait in ((11, timedelta(minutes=6)), (12, timedelta(seconds=50))):
        asker = make_user()
        with clock.travel_to(day.replace(hour=hour)):
            conversation, _ = services.open_conversation(buyer=asker, store_id=shop.pk)
            services.send_message(user=asker, conversation_id=conversation.pk, text="有货吗")
        with clock.travel_to(day.replace(hour=hour) + wait):
            answers.append(api.post(f"/conversations/{conversation.pk}/messages", {"text": "有的"}))
    assert [a.status_code for a in answers] == [201, 201]

    start, end = window(day.date())
    # three sessions counted: the workbench's late one, the self-built late one (6 min) and the
    # self-built one answered in 50 s
    assert metrics.measure(start=start, end=end)[shop.pk].metrics["reply_3min_rate"] == (1 / 3, 1, 3)
