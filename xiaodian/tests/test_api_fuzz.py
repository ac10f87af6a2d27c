"""Schemathesis over the OpenAPI spec: no input, valid or not, makes an endpoint answer 500,
and every refusal is a JSON {code, message}. Runs positive and negative (schema-violating) cases."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from xiaodian.accounts import services as accounts
from xiaodian.stores import services as stores
from xiaodian.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
schema.config.generation.update(max_examples=int(os.environ.get("XIAODIAN_FUZZ_EXAMPLES", "40")))


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calls go straight to the WSGI app, so, as Django's test client does, keep the request
    signals from closing the connection that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(merchant, store, categories):
    stores.pay_deposit(store=store, category_id=categories["女装"].pk)
    _, secret = accounts.issue_token(user=merchant, name="fuzz")
    return {"Authorization": f"Bearer {secret}"}


def errors_are_code_and_message(response):
    if 400 <= response.status_code < 500 and response.status_code != 405:
        body = response.json()
        assert isinstance(body.get("code"), str) and body["code"], body
        assert isinstance(body.get("message"), str) and body["message"], body


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_no_input_makes_the_api_fail(case, bearer):
    response = case.call(headers=bearer)
    case.validate_response(response, checks=[not_a_server_error])
    errors_are_code_and_message(response)
