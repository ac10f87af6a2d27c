"""Issue 14 point 6: the OpenAPI document tells the truth.

Public operations are declared public (credentials optional) and answer without credentials;
every operation declares the 4xx answers its shape allows with the `{code, message}` schema;
times of day and dates are what their schema says; a method the path lacks is a JSON 405. The
schemathesis run over the whole spec (test_api_fuzz.py) checks the answers themselves.
"""

import pytest

from xiaodian.api import api

SPEC = api.get_openapi_schema(path_prefix="/api/v1/")
OPERATIONS = [
    pytest.param(method.upper(), path, operation, id=f"{method.upper()} {path}")
    for path, methods in SPEC["paths"].items()
    for method, operation in methods.items()
]
PUBLIC_READS = {
    "/api/v1/categories",
    "/api/v1/search",
    "/api/v1/shops/{store_id}/homepage",
    "/api/v1/products/{product_id}",
    "/api/v1/products/{product_id}/reviews",
    "/api/v1/reviews/{review_id}",
    "/api/v1/official-accounts/{account_id}",
    "/api/v1/official-accounts/{account_id}/articles",
    "/api/v1/articles/{article_id}",
    "/api/v1/video-accounts/{account_id}",
    "/api/v1/video-accounts/{account_id}/videos",
    "/api/v1/videos/{video_id}",
    "/api/v1/mini-programs/{program_id}",
    "/api/v1/video-accounts/{account_id}/live-rooms",
    "/api/v1/live-rooms/{room_id}",
    "/api/v1/live-rooms/{room_id}/comments",
    "/api/v1/alliance/promoters/{promoter_id}/showcase",
    "/api/v1/alliance/live-rooms/{room_id}/promotions",
    "/api/v1/stores/{store_id}/coupons",
    "/api/v1/stores/{store_id}/campaigns",
    "/api/v1/feed",
    "/api/v1/live-square",
}
OPEN_DOORS = {
    "/api/v1/health",
    "/api/v1/auth/register",
    "/api/v1/auth/token",
    "/api/v1/payments/wechatpay/notify",
}


def test_the_public_reads_are_the_operations_whose_credentials_are_optional():
    optional = {
        path for method, path, op in (p.values for p in OPERATIONS) if {} in (op.get("security") or [])
    }
    assert optional == PUBLIC_READS
    for method, path, op in (p.values for p in OPERATIONS):
        if path in PUBLIC_READS and method == "GET":
            assert op["security"] == [{"BearerToken": []}, {"SignedInSession": []}, {}]
        elif path not in OPEN_DOORS:
            assert op["security"] == [{"BearerToken": []}, {"SignedInSession": []}], (method, path)


@pytest.mark.django_db
def test_a_public_read_answers_without_credentials_and_refuses_bogus_ones(client, categories):
    assert client.get("/api/v1/categories").status_code == 200
    assert client.get("/api/v1/search", {"q": "茶"}).status_code == 200
    for path in ("/api/v1/categories", "/api/v1/search?q=茶"):
        r = client.get(path, HTTP_AUTHORIZATION="Bearer not-a-token")
        assert (r.status_code, r.json()["code"]) == (401, "unauthorized")


@pytest.mark.django_db
def test_a_signed_in_read_without_credentials_is_401(client):
    r = client.get("/api/v1/orders")
    assert (r.status_code, r.json()["code"]) == (401, "unauthorized")


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS)
def test_every_refusal_is_declared_with_the_error_schema(method, path, operation):
    responses = {int(status): answer for status, answer in operation["responses"].items()}
    refusals = {status: answer for status, answer in responses.items() if 400 <= status < 500}
    secured = bool(operation.get("security"))
    reads_input = bool(operation.get("parameters") or operation.get("requestBody"))
    if secured:
        assert 401 in refusals
    elif path not in OPEN_DOORS:  # sign-in and WeChat Pay's signature refuse with their own 401
        assert 401 not in refusals
    assert (403 in refusals) == (secured and {} not in operation["security"])
    if reads_input:
        assert {400, 404, 422} <= refusals.keys()
    if operation.get("requestBody"):
        assert 413 in refusals
    for answer in refusals.values():
        (schema,) = [content["schema"] for content in answer["content"].values()]
        if path != "/api/v1/payments/wechatpay/notify":  # WeChat Pay's own shape, the same two fields
            assert schema == {"$ref": "#/components/schemas/Error"}
    if 429 in refusals:
        assert "Retry-After" in refusals[429]["headers"]


def test_the_domain_refusals_an_operation_declares():
    register = SPEC["paths"]["/api/v1/auth/register"]["post"]["responses"]
    assert {"409", "422", "429"} <= {str(status) for status in register}
    assert "`username_taken`" in register[409]["description"]
    assert "`password_too_weak`" in register[422]["description"]
    token = SPEC["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert "`invalid_credentials`" in token[401]["description"] and 429 in token
    assert 402 in SPEC["paths"]["/api/v1/orders/{order_id}/pay"]["post"]["responses"]
    assert 429 in SPEC["paths"]["/api/v1/live-rooms/{room_id}/comments"]["post"]["responses"]
    consult = SPEC["paths"]["/api/v1/stores/{store_id}/conversations"]["post"]["responses"]
    assert "`service_legacy_mode`" in consult[409]["description"]
    assert "`cold_outreach`" in consult[403]["description"]


def test_the_error_schema_is_code_and_message():
    error = SPEC["components"]["schemas"]["Error"]
    assert error["required"] == ["code", "message"]
    assert set(error["properties"]) == {"code", "message", "field"}


def _formats(value):
    if isinstance(value, dict):
        if isinstance(value.get("format"), str):
            yield value["format"]
        for item in value.values():
            yield from _formats(item)
    elif isinstance(value, list):
        for item in value:
            yield from _formats(item)


def test_times_of_day_are_a_pattern_not_an_rfc3339_time():
    settings = SPEC["components"]["schemas"]["SettingsOut"]["properties"]
    assert settings["opens_at"]["type"] == "string" and "format" not in settings["opens_at"]
    # `time` is RFC 3339's full-time, with a UTC offset our answers do not carry
    formats = set(_formats(SPEC))
    assert "date" in formats and "time" not in formats


def test_an_optional_body_is_an_object_or_nothing():
    body = SPEC["paths"]["/api/v1/orders/{order_id}/pay"]["post"]["requestBody"]
    assert body["required"] is False
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/PayIn"}


@pytest.mark.django_db
def test_json_null_or_a_list_is_not_a_body(api, store):
    for body in ("null", "[1, 2]", '"text"'):
        r = api.patch(f"/stores/{store.pk}", body)  # a str is sent as it is
        assert (r.status_code, r.json()["code"]) == (422, "validation_error"), body


@pytest.mark.django_db
def test_a_method_the_path_lacks_is_a_json_405_with_allow(client):
    r = client.delete("/api/v1/categories")
    assert r.status_code == 405
    assert r.json()["code"] == "method_not_allowed"
    assert r["Allow"] == "GET"


@pytest.mark.django_db
def test_service_hours_go_in_and_out_as_a_time_of_day(api, store):
    r = api.put(f"/stores/{store.pk}/service-settings", {"opens_at": "08:30", "closes_at": "21:00:00"})
    assert r.status_code == 200, r.content
    assert (r.json()["opens_at"], r.json()["closes_at"]) == ("08:30:00", "21:00:00")
    for bad in ("8:30", "24:00", "08:30:00+08:00", 830):
        r = api.put(f"/stores/{store.pk}/service-settings", {"opens_at": bad})
        assert (r.status_code, r.json()["field"]) == (422, "opens_at"), bad
