"""Rate limits on signing in (API and page; per account and per client address), registering
(API and page) and making API tokens (page). Over a limit: 429 `rate_limited` with `Retry-After`,
and a sign-in is refused before its password is checked."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.test import Client
from django.urls import reverse

from xiaodian.accounts import rules
from xiaodian.core import throttle

WRONG = {"username": "merchant", "password": "wrong-password"}


def _from(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def _token(client: Client, body: dict):
    return client.post("/api/v1/auth/token", body, content_type="application/json")


def _assert_rate_limited(response, window_s: int = 300) -> None:
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= window_s
    if response["Content-Type"].startswith("application/json"):
        assert response.json()["code"] == "rate_limited"


@pytest.fixture
def password_checks(monkeypatch):
    """How many times a password was checked (ModelBackend.authenticate runs the hash)."""
    calls = []
    real = ModelBackend.authenticate

    def counting(self, request, username=None, password=None, **kwargs):
        calls.append(username)
        return real(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counting)
    return calls


def test_api_sign_in_per_account_whatever_the_address(merchant, password_checks):
    allowed = throttle.allowed(rules.SIGN_IN_PER_ACCOUNT)
    for n in range(allowed):
        assert _token(_from(f"10.0.0.{n + 1}"), WRONG).status_code == 401
    refused = _token(_from("10.0.1.1"), {**WRONG, "username": "MERCHANT"})  # usernames ignore case
    _assert_rate_limited(refused)
    assert len(password_checks) == allowed  # the refused attempt never reached the hash
    # the right password is refused too until the window ends; another account is not affected
    _assert_rate_limited(_token(_from("10.0.1.2"), {"username": "merchant", "password": "test-pass-123"}))
    assert _token(_from("10.0.1.3"), {"username": "someone-else", "password": "x"}).status_code == 401


def test_api_sign_in_per_address_whatever_the_account(db, password_checks):
    client = _from("10.0.0.9")
    allowed = throttle.allowed(rules.SIGN_IN_PER_ADDRESS)
    for n in range(allowed):
        assert _token(client, {"username": f"guess{n}", "password": "x"}).status_code == 401
    _assert_rate_limited(_token(client, {"username": "guess-last", "password": "x"}))
    assert len(password_checks) == allowed
    assert _token(_from("10.0.0.10"), {"username": "guess-last", "password": "x"}).status_code == 401


def test_page_sign_in_per_account(merchant, password_checks, use_up):
    use_up(rules.SIGN_IN_PER_ACCOUNT, "merchant")
    response = _from("10.0.2.1").post(
        reverse("web:login"), {"username": "Merchant", "password": "test-pass-123"}
    )
    _assert_rate_limited(response)
    assert password_checks == []


def test_page_sign_in_per_address(merchant, password_checks, use_up):
    use_up(rules.SIGN_IN_PER_ADDRESS, "10.0.2.2")
    response = _from("10.0.2.2").post(
        reverse("web:login"), {"username": "merchant", "password": "test-pass-123"}
    )
    _assert_rate_limited(response)
    assert password_checks == []
    response = _from("10.0.2.3").post(
        reverse("web:login"), {"username": "merchant", "password": "test-pass-123"}
    )
    assert response.status_code == 302


def test_api_registration_per_address(db, use_up):
    use_up(rules.REGISTER_PER_ADDRESS, "10.0.3.1")
    body = {"username": "newcomer", "password": "s3cret-pass"}
    refused = _from("10.0.3.1").post("/api/v1/auth/register", body, content_type="application/json")
    _assert_rate_limited(refused, 3600)
    accepted = _from("10.0.3.2").post("/api/v1/auth/register", body, content_type="application/json")
    assert accepted.status_code == 201


def test_page_registration_per_address(db, use_up):
    use_up(rules.REGISTER_PER_ADDRESS, "10.0.3.3")
    body = {"username": "newcomer", "password": "s3cret-pass", "password_again": "s3cret-pass"}
    _assert_rate_limited(_from("10.0.3.3").post(reverse("web:signup"), body), 3600)
    assert _from("10.0.3.4").post(reverse("web:signup"), body).status_code == 302


def test_token_creation_on_the_page_per_user(merchant, use_up):
    client = Client()
    client.force_login(merchant)
    use_up(rules.TOKEN_CREATE_PER_USER, merchant.pk)
    _assert_rate_limited(client.post(reverse("web:tokens"), {"action": "create", "name": "one more"}), 3600)
    assert merchant.api_tokens.count() == 0
