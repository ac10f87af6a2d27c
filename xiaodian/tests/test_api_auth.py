"""Issue 14 point 4: no valid credentials is 401 `unauthorized` for every method; 403 is for a
known caller who may not act; a browser session's writes still need the CSRF token."""

import json

import pytest
from django.test import Client

from xiaodian.accounts import services as accounts
from xiaodian.accounts.rules import Role
from xiaodian.stores.models import StoreStaff

# (method, path, body): reads and writes of every method, on several apps.
ENDPOINTS = [
    ("get", "/me", None),
    ("patch", "/me", {"display_name": "x"}),
    ("post", "/subjects", {"kind": "individual", "name": "张三", "licence_number": "x"}),
    ("post", "/official-accounts", {"name": "号"}),
    ("put", "/stores/{store}/homepage", {"modules": []}),
    ("put", "/stores/{store}/service-settings", {}),
    ("patch", "/products/1", {"title": "x"}),
    ("delete", "/products/1/images/1", None),
    ("delete", "/official-accounts/1/follow", None),
    ("post", "/orders", {"lines": []}),
    ("get", "/orders", None),
]


def _call(client: Client, method: str, path: str, body, headers: dict):
    if method == "get":
        return client.get(f"/api/v1{path}", headers=headers)
    data = json.dumps(body) if body is not None else None
    return getattr(client, method)(
        f"/api/v1{path}", data=data, content_type="application/json", headers=headers
    )


def _revoked_token(user) -> str:
    token, secret = accounts.issue_token(user=user, name="old")
    accounts.revoke_token(user=user, token_id=token.pk)
    return secret


@pytest.mark.parametrize("credentials", ["missing", "bogus", "revoked", "malformed"])
@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_no_valid_token_is_401_for_every_method(store, merchant, credentials, method, path, body):
    authorization = {
        "missing": None,
        "bogus": "Bearer xd_not-a-real-token",
        "revoked": "Bearer {revoked}",
        "malformed": "Basic Zm9vOmJhcg==",
    }[credentials]
    if authorization == "Bearer {revoked}":
        authorization = f"Bearer {_revoked_token(merchant)}"
    headers = {"Authorization": authorization} if authorization else {}
    # enforce_csrf_checks: the CSRF check runs as it does for a real browser, and must not be
    # what answers a request that has no credentials at all.
    client = Client(enforce_csrf_checks=True)
    r = _call(client, method, path.format(store=store.pk), body, headers)
    assert (r.status_code, r.json()["code"]) == (401, "unauthorized"), r.content


def test_a_valid_token_on_someone_elses_store_is_still_404(api_for, store, make_user):
    stranger = api_for(make_user())
    r = stranger.put(f"/stores/{store.pk}/homepage", {"modules": []})
    assert (r.status_code, r.json()["code"]) == (404, "not_found")


def test_a_known_caller_without_the_permission_is_403(api_for, store, make_user):
    clerk = make_user()
    StoreStaff.objects.create(store=store, user=clerk, role=Role.AGENT)
    r = api_for(clerk).put(f"/stores/{store.pk}/homepage", {"modules": []})
    assert (r.status_code, r.json()["code"]) == (403, "permission_denied")


def test_a_session_write_without_the_csrf_token_is_403(store, merchant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(merchant)
    r = _call(client, "patch", "/me", {"display_name": "新名字"}, {})
    assert (r.status_code, r.json()["code"]) == (403, "permission_denied")
    merchant.refresh_from_db()
    assert merchant.display_name != "新名字"


def test_a_session_write_with_the_csrf_token_goes_through(store, merchant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(merchant)
    secret = "a" * 32
    client.cookies["csrftoken"] = secret
    r = _call(client, "patch", "/me", {"display_name": "新名字"}, {"X-CSRFToken": secret})
    assert r.status_code == 200, r.content
    assert r.json()["display_name"] == "新名字"


def test_a_session_read_needs_no_csrf_token(merchant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(merchant)
    assert client.get("/api/v1/me").status_code == 200
