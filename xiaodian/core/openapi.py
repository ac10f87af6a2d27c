"""The OpenAPI document tells the truth about who may call an operation and how it can refuse.

Ninja writes the success answers and the security of each operation. Two things it cannot know,
we add here:

- **Public reads.** A public operation ends its auth list with `Anyone()`: no credentials is fine,
  and its security says so with the empty requirement `{}` (credentials optional). Credentials that
  were sent but that no check accepted (a bogus or revoked token) answer 401, as everywhere else.
- **Refusals.** Every 4xx an operation can answer, each with the `{code, message}` body. What
  follows from the operation's shape is added for every operation: 401 when it reads credentials,
  403 when it needs a caller, 404 and 422 when it reads input (an id in the path, the query or
  the body can name nothing), 400 when it reads input (a NUL, a body that is not JSON), 413 when it
  has a body, 409 for a signed-in write (the
  state of what it acts on can refuse it). The rest, such as `payment_failed` (402) or
  `rate_limited` (429), the operation declares with `@refuses(...)`.
"""

from collections import defaultdict
from typing import Any

from django.contrib.auth.models import AnonymousUser
from ninja.openapi.schema import OpenAPISchema

from .errors import CODES

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "Stable, snake_case; docs/errors.md lists them"},
        "message": {"type": "string", "description": "For people, in the request's language"},
        "field": {"type": "string", "description": "The input at fault, when there is one"},
    },
    "required": ["code", "message"],
}
_ERROR_REF = {"$ref": "#/components/schemas/Error"}

_RETRY_AFTER = {"description": "Seconds until the limit's window ends", "schema": {"type": "integer"}}
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class Anyone:
    """The last check of a public operation: a caller without credentials is an anonymous visitor.

    One who sent an `Authorization` header that the checks before this one refused is not: the
    header is wrong (bogus, revoked), and the answer is 401 so the program learns it.
    """

    def __call__(self, request):
        if request.headers.get("Authorization"):
            return None
        return AnonymousUser()


def refuses(*codes: str):
    """Declare the domain codes an operation can answer besides those its shape implies.

    Put it under the router's decorator: `@router.post(...)` then `@refuses("out_of_stock")`.
    """
    unknown = [code for code in codes if code not in CODES]
    if unknown:
        raise ValueError(f"unknown error codes: {unknown}")

    def mark(view):
        view.refusals = (*getattr(view, "refusals", ()), *codes)
        return view

    return mark


def body_with_images(required: list[str], properties: dict, *, images_max: int) -> dict:
    """`openapi_extra` for a body taken as JSON or as a form with up to `images_max` `images`
    (read with `core.parsing.body_and_images`)."""
    images = {
        "type": "array",
        "maxItems": images_max,
        "items": {"type": "string", "format": "binary"},
        "description": f"Up to {images_max} PNG, JPEG, GIF or WebP images (multipart only)",
    }
    as_json = {"type": "object", "required": required, "properties": properties}
    as_form = {"type": "object", "required": required, "properties": {**properties, "images": images}}
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": as_json}, "multipart/form-data": {"schema": as_form}},
        }
    }


def _is_public(operation) -> bool:
    return any(isinstance(check, Anyone) for check in operation.auth_callbacks)


def refusals(operation) -> dict[int, list[str]]:
    """Every 4xx status this operation can answer, with the codes behind each."""
    by_status: dict[int, list[str]] = defaultdict(list)

    def add(code: str) -> None:
        status = CODES[code][0]
        if code not in by_status[status]:
            by_status[status].append(code)

    has_body = "requestBody" in (operation.openapi_extra or {}) or any(
        model.__ninja_param_source__ in ("body", "form", "file") for model in operation.models
    )
    signed_in = bool(operation.auth_callbacks) and not _is_public(operation)
    if operation.auth_callbacks:
        add("unauthorized")
    if signed_in:
        add("permission_denied")
    if operation.models or has_body:
        add("not_found")  # an id in the path, the query or the body that is not there (or not yours)
        add("validation_error")
        add("malformed_request")  # text no database stores (NUL), a body that is not JSON
    if has_body:
        add("payload_too_large")
    if signed_in and _WRITES & set(operation.methods):
        add("invalid_transition")
    for code in getattr(operation.view_func, "refusals", ()):
        add(code)
    return dict(by_status)


class Spec(OpenAPISchema):
    """Ninja's document, with optional security on public operations and every refusal declared."""

    def operation_security(self, operation) -> list[dict[str, Any]] | None:
        security = super().operation_security(operation)
        if security and _is_public(operation):
            security.append({})
        return security

    def request_body(self, operation) -> dict[str, Any]:
        """An optional body is left out or is an object; JSON `null` is not a body; an uploaded
        file has at least one byte (an empty part is no file: the server answers "required")."""
        body = super().request_body(operation)
        for content in body.get("content", {}).values():
            for prop in content["schema"].get("properties", {}).values():
                if prop.get("format") == "binary":
                    prop["minLength"] = 1
                for item in [prop.get("items", {})]:
                    if item.get("format") == "binary":
                        item["minLength"] = 1
            choices = content["schema"].get("anyOf")
            if choices and {"type": "null"} in choices:
                rest = [choice for choice in choices if choice != {"type": "null"}]
                content["schema"] = rest[0] if len(rest) == 1 else {"anyOf": rest}
        return body

    def responses(self, operation) -> dict[int, dict[str, Any]]:
        result = super().responses(operation)
        for status, codes in sorted(refusals(operation).items()):
            if status in result:
                continue
            result[status] = {
                "description": ", ".join(f"`{code}`" for code in codes),
                "content": {"application/json": {"schema": _ERROR_REF}},
            }
            if status == CODES["rate_limited"][0]:
                result[status]["headers"] = {"Retry-After": _RETRY_AFTER}
        return result

    def get_components(self) -> dict[str, Any]:
        components = super().get_components()
        components["schemas"]["Error"] = ERROR_SCHEMA
        return components
