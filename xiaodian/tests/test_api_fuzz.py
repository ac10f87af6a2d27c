"""Schemathesis over the OpenAPI spec with every check, as a merchant and as a buyer.

No input, valid or not, makes an endpoint answer 500; every answer is one the spec declares
(status, headers, body schema, content type); every refusal is a JSON {code, message}; what the
spec calls public answers without credentials, and what it says needs them refuses a request
without or with bogus ones; a method the path does not have answers 405. Positive and negative
(schema-violating) cases. XIAODIAN_FUZZ_EXAMPLES sets the examples per operation and identity
(15 in `make test`, a few minutes on two cores; 40 passed in 9.5 minutes).
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from xiaodian.accounts import services as accounts
from xiaodian.core.text import is_storable
from xiaodian.stores import services as stores
from xiaodian.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
schema.config.generation.update(max_examples=int(os.environ.get("XIAODIAN_FUZZ_EXAMPLES", "15")))


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calls go straight to the WSGI app, so, as Django's test client does, keep the request
    signals from closing the connection that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["merchant", "buyer"])
def bearer(request, make_user, categories):
    if request.param == "merchant":
        user = request.getfixturevalue("merchant")
        store = request.getfixturevalue("store")
        stores.pay_deposit(store=store, category_id=categories["女装"].pk)
    else:
        user = make_user("fuzz-buyer")
    _, secret = accounts.issue_token(user=user, name="fuzz")
    return {"Authorization": f"Bearer {secret}"}


def errors_are_code_and_message(case, response):
    if 400 <= response.status_code < 500:
        where = f"{case.method} {case.formatted_path} answered {response.status_code}"
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/json"), (where, response.content[:200])
        body = response.json()
        assert isinstance(body.get("code"), str) and body["code"], body
        assert isinstance(body.get("message"), str) and body["message"], body


_REFUSALS_OF_VALID_INPUT = {401, 402, 403, 404, 409, 429}


def _holds_unstorable_text(value) -> bool:
    if isinstance(value, str):
        return not is_storable(value)
    if isinstance(value, dict):
        return any(_holds_unstorable_text(k) or _holds_unstorable_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_unstorable_text(item) for item in value)
    return False


def _refused_by_a_rule(case, response) -> bool:
    """Valid input that a rule of the domain refuses, which no JSON Schema can say: a licence's
    check character, a common password, a source that does not match its scene, text with a NUL
    (no database stores it). What the schema layer refuses (`field: <pydantic's words>`) would be
    the spec disagreeing with the server, and is not excused."""
    body = response.json()
    if response.status_code == 400:
        return body["code"] == "malformed_request" and (
            _holds_unstorable_text(case.body) or _holds_unstorable_text(case.query)
        )
    if response.status_code == 422:
        schema_layer = body["code"] == "validation_error" and body["message"].startswith(
            f"{body.get('field')}: "
        )
        return not schema_layer
    return False


def positive_data_is_accepted_or_refused_by_a_rule(ctx, response, case):
    """schemathesis' positive_data_acceptance, with the domain's refusals of valid input."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code < 400:
        return None
    if response.status_code in _REFUSALS_OF_VALID_INPUT or _refused_by_a_rule(case, response):
        return None
    raise AssertionError(
        f"schema-valid input refused: {case.method} {case.formatted_path} {case.body!r} "
        f"answered {response.status_code} {response.content[:300]!r}"
    )


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_the_api_answers_as_its_spec_says(case, bearer):
    response = case.call(headers=bearer)
    case.validate_response(
        response,
        headers=bearer,
        excluded_checks=[positive_data_acceptance],
        additional_checks=[positive_data_is_accepted_or_refused_by_a_rule],
    )
    errors_are_code_and_message(case, response)
