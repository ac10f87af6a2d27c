"""Self-built mode: events to the store's HTTPS endpoint. Each request is signed with the store's
secret — HMAC-SHA256 over `"{timestamp}." + body`, hex, in `X-Xiaodian-Signature`, the Unix
timestamp in `X-Xiaodian-Timestamp` — and carries the event's id (`X-Xiaodian-Event-Id`, also in
the body) so the receiver can drop a repeat. A non-2xx answer or a network error is retried after
10 s, 1 min, 5 min, 30 min and 2 h; then the event is given up (`failed`)."""

import hashlib
import hmac
import json

import requests
from django.db import transaction

from xiaodian.core import clock

from . import rules
from .models import ServiceSettings, WebhookEvent
from .rules import Mode, WebhookState


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def body_of(event: WebhookEvent) -> bytes:
    document = {
        "id": str(event.event_id),
        "type": event.kind,
        "created_at": event.created_at.isoformat(),
        "data": event.payload,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def deliver(event_id: int):
    """Try to send one pending event; answers the delay before the next try, or None when the event
    is done (delivered, given up, or the store left self-built mode)."""
    with transaction.atomic():
        event = (
            WebhookEvent.objects.select_for_update().filter(pk=event_id, state=WebhookState.PENDING).first()
        )
        if event is None:
            return None
        current = ServiceSettings.objects.filter(store_id=event.store_id).first()
        if current is None or current.mode != Mode.SELF_BUILT or not current.webhook_url:
            event.state, event.last_error = WebhookState.FAILED, "store left self-built mode"
            event.save(update_fields=["state", "last_error"])
            return None
        url, secret = current.webhook_url, current.webhook_secret
    body = body_of(event)
    timestamp = str(int(clock.now().timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        rules.EVENT_ID_HEADER: str(event.event_id),
        rules.TIMESTAMP_HEADER: timestamp,
        rules.SIGNATURE_HEADER: sign(secret, timestamp, body),
    }
    status, error = None, ""
    try:
        response = requests.post(
            url, data=body, headers=headers, timeout=rules.WEBHOOK_TIMEOUT, allow_redirects=False
        )
        status = response.status_code
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:200]
    now = clock.now()
    event.attempts += 1
    event.last_status, event.last_error = status, error
    delay = None
    if status is not None and 200 <= status < 300:
        event.state, event.delivered_at, event.next_attempt_at = WebhookState.DELIVERED, now, None
    elif event.attempts > len(rules.WEBHOOK_RETRY_DELAYS):
        event.state, event.next_attempt_at = WebhookState.FAILED, None
    else:
        delay = rules.WEBHOOK_RETRY_DELAYS[event.attempts - 1]
        event.next_attempt_at = now + delay
    event.save(
        update_fields=["attempts", "last_status", "last_error", "state", "delivered_at", "next_attempt_at"]
    )
    return delay
