"""Fixtures for the site's pages. Users, subjects, categories and stores come from the root
conftest (`make_user`, `make_subject`, `make_store`, `merchant`, `subject`, `store`, `categories`)."""

import re

import pytest

from xiaodian.orders.tests.conftest import buyer, make_sku, place  # noqa: F401  (the orders fixtures)


@pytest.fixture
def merchant_client(client, merchant):
    """The test client signed in as the merchant who owns `subject` and `store`."""
    client.force_login(merchant)
    return client


@pytest.fixture
def client_for(db):
    """A fresh test client signed in as the given user."""
    from django.test import Client

    def make(user):
        c = Client()
        c.force_login(user)
        return c

    return make


def field_block(response, name: str) -> str:
    """The HTML of one form field's block (label, input, errors) as rendered by web/_field.html."""
    html = response.content.decode()
    match = re.search(rf'<div class="field[^"]*" id="field-{re.escape(name)}">(.*?)</div>', html, re.S)
    assert match, f"no field {name!r} on the page"
    return match.group(1)


def field_errors(response, name: str) -> str:
    """The error text shown next to a field ('' when there is none)."""
    match = re.search(r'<ul class="errors"[^>]*>(.*?)</ul>', field_block(response, name), re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)).strip() if match else ""


def form_errors(response) -> str:
    """The errors shown at the top of the forms on the page."""
    html = response.content.decode()
    found = re.findall(r'<ul class="errors form-errors"[^>]*>(.*?)</ul>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", f).strip() for f in found)
