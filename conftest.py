"""Fixtures every app's tests share: users, subjects, categories, an API client with a token, and
the browser tests' Chromium."""

import itertools
import json
import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from xiaodian.accounts import licences
from xiaodian.accounts import services as accounts
from xiaodian.accounts.models import User
from xiaodian.accounts.rules import SubjectKind, Verification
from xiaodian.core import throttle
from xiaodian.core.browser import chromium
from xiaodian.stores import services as stores
from xiaodian.stores.models import Category

_serial = itertools.count(1)
PASSWORD = "test-pass-123"


@pytest.fixture(autouse=True)
def _fast_password_hashing_and_private_media(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts (and ends) in the default language: a request with `Accept-Language: en`
    leaves English active in the thread (LocaleMiddleware does not switch back), and code a later
    test calls outside a request would then answer in English, depending on test order."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with no rate-limit counts (nor anything else cached) from the one before."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def use_up(monkeypatch):
    """use_up(limit, key): spend every attempt `limit` allows `key` in the current window, so the
    next one is refused (explicit cache state instead of hundreds of requests).

    The rate limiter's clock stands still for the test: its windows are fixed (a minute, say), and
    on a slow machine the spending and the refused request could otherwise straddle a window's end
    (the request then counted in a fresh window and was let through)."""
    import types

    import django_ratelimit.core

    frozen = float(int(time.time()))
    monkeypatch.setattr(django_ratelimit.core, "time", types.SimpleNamespace(time=lambda: frozen))

    def spend(limit: throttle.Limit, key) -> None:
        for _ in range(throttle.allowed(limit)):
            throttle.hit(limit, key)

    return spend


@pytest.fixture
def categories(db) -> dict[str, Category]:
    """The shipped category tree, by name."""
    stores.install_default_categories()
    return {c.name: c for c in Category.objects.all()}


@pytest.fixture
def make_user(db):
    def make(username: str | None = None, **extra) -> User:
        user = accounts.register_user(username=username or f"user{next(_serial)}", password=PASSWORD)
        if extra:
            User.objects.filter(pk=user.pk).update(**extra)
            user.refresh_from_db()
        return user

    return make


@pytest.fixture
def operator(make_user) -> User:
    return make_user("operator", is_staff=True)


@pytest.fixture
def make_subject(db, operator):
    def make(owner: User, kind: str = SubjectKind.ENTERPRISE, *, verified: bool = True, trade_name: str = ""):
        n = next(_serial)
        number = (
            licences.make_resident_id(n)
            if kind == SubjectKind.INDIVIDUAL
            else licences.make_uscc(n, individual_business=kind == SubjectKind.INDIVIDUAL_BUSINESS)
        )
        subject = accounts.create_subject(
            owner=owner, kind=kind, name=f"主体{n}", licence_number=number, trade_name=trade_name
        )
        if verified:
            accounts.set_subject_verification(
                operator=operator, subject=subject, verification=Verification.VERIFIED
            )
        return subject

    return make


@pytest.fixture
def make_store(categories):
    def make(owner: User, subject, name: str | None = None, category: str = "女装", **kwargs):
        return stores.create_store(
            user=owner,
            subject_id=subject.pk,
            name=name or f"测试店铺{next(_serial)}",
            main_category_id=categories[category].pk,
            **kwargs,
        )

    return make


@pytest.fixture
def merchant(make_user) -> User:
    return make_user("merchant")


@pytest.fixture
def subject(make_subject, merchant):
    return make_subject(merchant)


@pytest.fixture
def store(make_store, merchant, subject):
    return make_store(merchant, subject, name="拾光服饰")


class ApiClient:
    """A JSON client for /api/v1 that sends a user's bearer token."""

    def __init__(self, user: User | None = None):
        self.client = Client()
        self.headers = {}
        if user is not None:
            _, secret = accounts.issue_token(user=user, name="tests")
            self.headers["Authorization"] = f"Bearer {secret}"

    def _call(self, method: str, path: str, body=None, **headers):
        data = json.dumps(body) if body is not None and not isinstance(body, (str, bytes)) else body
        return getattr(self.client, method)(
            f"/api/v1{path}", data=data, content_type="application/json", headers={**self.headers, **headers}
        )

    def get(self, path, params=None, **headers):
        return self.client.get(f"/api/v1{path}", params or {}, headers={**self.headers, **headers})

    def post(self, path, body=None, **headers):
        return self._call("post", path, body, **headers)

    def patch(self, path, body=None, **headers):
        return self._call("patch", path, body, **headers)

    def put(self, path, body=None, **headers):
        return self._call("put", path, body, **headers)

    def delete(self, path, **headers):
        return self._call("delete", path, None, **headers)


@pytest.fixture
def api_for(db):
    return ApiClient


@pytest.fixture
def api(merchant) -> ApiClient:
    return ApiClient(merchant)


@pytest.fixture
def browser(live_server, transactional_db, settings, tmp_path, monkeypatch):
    """Chromium (skipped where it or Playwright is missing) against the live server, with the WeChat
    Pay sandbox writing under tmp_path. Open pages with xiaodian.core.browser's phone / sign_in /
    sign_in_as: one context per person."""
    settings.WECHATPAY = {**settings.WECHATPAY, "SANDBOX_DIR": tmp_path / "wechatpay"}
    # Playwright's sync API keeps an event loop running in this thread; the test's own ORM calls
    # are still synchronous and safe, so let Django allow them.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium() as launched:
        yield launched
