"""The rate-limit helper: counts per limit and key in the cache, refuses past the limit with the
seconds left in the window, and lets the key through again once the window has passed."""

import pytest

from xiaodian.core import throttle

LIMIT = throttle.Limit("tests.three_a_minute", "3/m")


def test_the_attempts_within_the_limit_pass_and_the_next_is_refused():
    for _ in range(3):
        throttle.hit(LIMIT, "alice")
    with pytest.raises(throttle.RateLimited) as refused:
        throttle.hit(LIMIT, "alice")
    assert (refused.value.code, refused.value.status) == ("rate_limited", 429)
    assert 1 <= refused.value.retry_after <= 60


def test_keys_and_limits_count_apart():
    for _ in range(3):
        throttle.hit(LIMIT, "alice")
    throttle.hit(LIMIT, "bob")
    throttle.hit(throttle.Limit("tests.other", "3/m"), "alice")


def test_a_new_window_lets_the_key_through_again(monkeypatch):
    now = [1_800_000_000.0]
    monkeypatch.setattr("django_ratelimit.core.time.time", lambda: now[0])
    for _ in range(3):
        throttle.hit(LIMIT, "alice")
    with pytest.raises(throttle.RateLimited) as refused:
        throttle.hit(LIMIT, "alice")
    wait = refused.value.retry_after
    now[0] += wait - 1
    with pytest.raises(throttle.RateLimited):  # a second early: still the same window
        throttle.hit(LIMIT, "alice")
    now[0] += 1  # the moment Retry-After names
    throttle.hit(LIMIT, "alice")
