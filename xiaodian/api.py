"""The JSON API at /api/v1: mounts every app's router and turns every refusal into {"code", "message"}."""

from functools import wraps

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from django.urls import URLPattern
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from xiaodian.accounts.api import auth_router as accounts_auth_router
from xiaodian.accounts.api import router as accounts_router
from xiaodian.accounts.auth import api_auth
from xiaodian.aftersales.api import router as aftersales_router
from xiaodian.alliance.api import router as alliance_router
from xiaodian.analytics.api import router as analytics_router
from xiaodian.business.api import router as business_router
from xiaodian.catalog.api import router as catalog_router
from xiaodian.chats.api import router as chats_router
from xiaodian.complaints.api import router as complaints_router
from xiaodian.content.api import router as content_router
from xiaodian.core.errors import CODES, DomainError
from xiaodian.core.openapi import Spec
from xiaodian.core.parsing import StrictParser
from xiaodian.core.throttle import RateLimited, retry_after_header
from xiaodian.coupons.api import router as coupons_router
from xiaodian.distribution.api import router as distribution_router
from xiaodian.gifts.api import router as gifts_router
from xiaodian.ledger.api import router as ledger_router
from xiaodian.live.api import router as live_router
from xiaodian.orders.api import router as orders_router
from xiaodian.payments.api import router as payments_router
from xiaodian.reviews.api import router as reviews_router
from xiaodian.scoring.api import router as scoring_router
from xiaodian.search.api import router as search_router
from xiaodian.service.api import router as service_router
from xiaodian.shares.api import router as shares_router
from xiaodian.social.api import router as social_router
from xiaodian.stores.api import public_router as stores_public_router
from xiaodian.stores.api import router as stores_router


def _json_method_not_allowed(view):
    """Ninja answers a method the path does not have with a plain-text 405; ours is JSON too."""

    @wraps(view)
    def answer(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            refusal = _error(request, "method_not_allowed")
            refusal["Allow"] = response["Allow"]
            return refusal
        return response

    return answer


class XiaodianAPI(NinjaAPI):
    """Ninja, with the whole truth in its OpenAPI document and a JSON 405."""

    def _get_urls(self):
        patterns = super()._get_urls()
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_method_not_allowed(pattern.callback)
        return patterns

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return Spec(self, path_prefix)


api = XiaodianAPI(
    title="xiaodian API",
    version="1",
    description="The store as the transaction hub of a messaging and content ecosystem. "
    "Errors are `{code, message}`; see docs/errors.md.",
    auth=api_auth,
    parser=StrictParser(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)

_STATUS_CODES = {
    400: "malformed_request",
    401: "unauthorized",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "invalid_transition",
    413: "payload_too_large",
    422: "validation_error",
    429: "rate_limited",
}


def _error(
    request, code: str, message: str | None = None, *, status: int | None = None, field: str | None = None
):
    body = {"code": code, "message": str(message or CODES[code][1])}
    if field:
        body["field"] = field
    return api.create_response(request, body, status=status or CODES[code][0])


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    return retry_after_header(response, exc) if isinstance(exc, RateLimited) else response


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    location = ".".join(str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path"))
    message = f"{location}: {first.get('msg', '')}" if location else first.get("msg", "")
    return _error(request, "validation_error", message, field=location or None)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    return _error(request, "unauthorized")


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, DomainError):  # raised while parsing the body
        return on_domain_error(request, exc.__cause__)
    code = _STATUS_CODES.get(exc.status_code, "malformed_request")
    return _error(request, code, status=exc.status_code if exc.status_code in _STATUS_CODES else 400)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, "not_found")


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return _error(request, "permission_denied")


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    return _error(request, "payload_too_large")


@api.exception_handler(SuspiciousOperation)
def on_suspicious(request, exc):
    return _error(request, "malformed_request")


@api.get("/health", auth=None, tags=["platform"])
def health(request):
    """Liveness with no database work: the benchmarks' floor."""
    return {"status": "ok"}


api.add_router("", accounts_auth_router)
api.add_router("", accounts_router)
api.add_router("", stores_public_router)
api.add_router("", stores_router)
api.add_router("", catalog_router)
api.add_router("", payments_router)
api.add_router("", orders_router)
api.add_router("", reviews_router)
api.add_router("", aftersales_router)
api.add_router("", content_router)
api.add_router("", chats_router)
api.add_router("", live_router)
api.add_router("", scoring_router)
api.add_router("", ledger_router)
api.add_router("", alliance_router)
api.add_router("", coupons_router)
api.add_router("", shares_router)
api.add_router("", gifts_router)
api.add_router("", business_router)
api.add_router("", complaints_router)
api.add_router("", search_router)
api.add_router("", social_router)
api.add_router("", service_router)
api.add_router("", distribution_router)
api.add_router("", analytics_router)
