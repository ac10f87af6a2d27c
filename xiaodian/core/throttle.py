"""Rate limits: count a request against a limit in Django's cache and refuse it past the limit.

The counting is django-ratelimit's (fixed windows in the `default` cache: Redis when
`XIAODIAN_REDIS_URL` is set, so every process shares one count; the process's local memory
otherwise). The limits themselves live in the owning app's `rules.py`; this module only turns
"over the limit" into `RateLimited`, a `DomainError("rate_limited")` (429) that knows how many
seconds to put in `Retry-After`. Callers check *before* the expensive or state-changing work
(for sign-in: before the password hash).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.http import HttpResponse
from django_ratelimit.core import get_usage

from .errors import DomainError


@dataclass(frozen=True)
class Limit:
    """`rate` attempts of `scope` per key: django-ratelimit's "COUNT/PERIOD" ("10/5m" is 10 per
    5 minutes; periods s, m, h, d). `scope` names the counter, so two limits never share one."""

    scope: str
    rate: str


class RateLimited(DomainError):
    """429 `rate_limited`; `retry_after` is the whole seconds until the window ends (at least 1)."""

    def __init__(self, retry_after: int):
        super().__init__("rate_limited")
        self.retry_after = max(1, retry_after)


def allowed(limit: Limit) -> int:
    """How many attempts a window of `limit` allows."""
    return int(limit.rate.split("/", 1)[0])


def hit(limit: Limit, key: object) -> None:
    """Count one attempt by `key` (a user id, a username, a client address) against `limit`;
    raise RateLimited when this attempt is over it. Attempts past the limit are counted too."""
    value = str(key)
    usage = get_usage(
        None, group=limit.scope, key=lambda _group, _request: value, rate=limit.rate, increment=True
    )
    if usage is not None and usage["should_limit"]:
        # the window runs up to and including the second `time_left` names; the next one is free
        raise RateLimited(usage["time_left"] + 1)


def client_address(request) -> str:
    """The address the request came from (REMOTE_ADDR; a proxy in front sets it, see
    docs/operations.md)."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def retry_after_header(response, exc: RateLimited):
    response["Retry-After"] = str(exc.retry_after)
    return response


def page_refusal(exc: RateLimited) -> HttpResponse:
    """The 429 a page answers: the message as text, with `Retry-After`."""
    response = HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    return retry_after_header(response, exc)


def answers_rate_limited(view):
    """A page view that counts attempts answers RateLimited with `page_refusal` (the JSON API
    answers it through its exception handler, xiaodian/api.py; settings name no middleware of
    the project, xiaodian/core/tests/test_settings.py)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except RateLimited as exc:
            return page_refusal(exc)

    return wrapped
