"""Issue 14 point 2: weak passwords are refused in Chinese; passwords are hashed with Argon2, and a
PBKDF2 hash is re-hashed with Argon2 at the next sign-in.

conftest.py hashes with MD5 for speed; the tests here that are about hashing set the project's
real PASSWORD_HASHERS (read from xiaodian/settings.py, so they test what is shipped).
"""

import re

import pytest
from django.contrib.auth.hashers import identify_hasher, make_password
from django.test import Client

from xiaodian import settings as project_settings
from xiaodian.accounts.models import User

WEAK = {
    "password": "这个密码太常见了。",
    "aaaaaaaa": "这个密码太常见了。",
    "qwerty12": "这个密码太常见了。",
    " " * 8: "密码不能只由空格组成。",
    "1234567": "密码太短，至少需要 8 个字符。",
    "12345678": "这个密码太常见了。",  # and all digits
    "alice-wonder": "密码跟 用户名 太相似了。",
}
LATIN = re.compile("[A-Za-z]")


@pytest.mark.parametrize(("password", "message"), WEAK.items(), ids=[repr(p) for p in WEAK])
def test_the_api_refuses_a_weak_password_in_chinese(api_for, password, message):
    r = api_for().post("/auth/register", {"username": "alice-wonder", "password": password})
    body = r.json()
    assert (r.status_code, body["code"], body["field"]) == (422, "password_too_weak", "password")
    assert message in body["message"]
    assert not LATIN.search(body["message"]), body["message"]  # no half-English errors
    assert not User.objects.filter(username="alice-wonder").exists()


@pytest.mark.parametrize(("password", "message"), WEAK.items(), ids=[repr(p) for p in WEAK])
def test_the_sign_up_page_refuses_a_weak_password_in_chinese(db, client, password, message):
    r = client.post(
        "/signup/",
        {"username": "alice-wonder", "display_name": "", "password": password, "password_again": password},
    )
    assert r.status_code == 200
    assert message in r.content.decode()
    assert not User.objects.filter(username="alice-wonder").exists()


def test_english_is_english(api_for):
    r = api_for().post(
        "/auth/register", {"username": "bob", "password": " " * 8}, **{"Accept-Language": "en"}
    )
    assert (r.status_code, r.json()["message"]) == (422, "A password cannot be only spaces.")
    r = api_for().post(
        "/auth/register", {"username": "bob", "password": "1234567"}, **{"Accept-Language": "en"}
    )
    assert "This password is too short. It must contain at least 8 characters." in r.json()["message"]


def test_a_good_password_is_taken(api_for):
    r = api_for().post("/auth/register", {"username": "alice", "password": "  lantern 晚风 42  "})
    assert r.status_code == 201


# -- hashing ---------------------------------------------------------------------------------------


@pytest.fixture
def real_hashers(settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


def test_the_shipped_hashers_are_argon2_then_pbkdf2():
    hashers = project_settings.PASSWORD_HASHERS
    assert hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in hashers[1:]


def test_a_new_account_is_hashed_with_argon2(real_hashers, api_for):
    assert (
        api_for().post("/auth/register", {"username": "alice", "password": "s3cret-pass"}).status_code == 201
    )
    assert identify_hasher(User.objects.get(username="alice").password).algorithm == "argon2"


def _pbkdf2_user(make_user) -> User:
    user = make_user("carol")
    User.objects.filter(pk=user.pk).update(password=make_password("old-but-fine-9", hasher="pbkdf2_sha256"))
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")
    return user


def test_a_pbkdf2_hash_is_upgraded_to_argon2_at_sign_in_over_the_api(real_hashers, api_for, make_user):
    user = _pbkdf2_user(make_user)
    r = api_for().post("/auth/token", {"username": "carol", "password": "old-but-fine-9"})
    assert r.status_code == 200
    user.refresh_from_db()
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password("old-but-fine-9")


def test_a_pbkdf2_hash_is_upgraded_to_argon2_at_sign_in_on_the_page(real_hashers, make_user):
    user = _pbkdf2_user(make_user)
    r = Client().post("/login/", {"username": "carol", "password": "old-but-fine-9"})
    assert r.status_code == 302
    user.refresh_from_db()
    assert identify_hasher(user.password).algorithm == "argon2"


def test_a_wrong_password_upgrades_nothing(real_hashers, api_for, make_user):
    user = _pbkdf2_user(make_user)
    before = user.password
    r = api_for().post("/auth/token", {"username": "carol", "password": "wrong-password"})
    assert r.status_code == 401
    user.refresh_from_db()
    assert user.password == before
