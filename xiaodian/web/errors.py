"""Django's error views, answering `{"code", "message"}` under /api/ (CONTRACT.md) and the usual
pages elsewhere. They catch what happens before a ninja view runs: a forged Host header
(DisallowedHost → 400), a CSRF refusal, an unknown /api/ path."""

from django.http import JsonResponse
from django.views import defaults

from xiaodian.core.errors import CODES


def _api(request) -> bool:
    return request.path.startswith("/api/")


def _json(code: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": str(CODES[code][1])}, status=status)


def bad_request(request, exception=None):
    return _json("malformed_request", 400) if _api(request) else defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    return (
        _json("permission_denied", 403) if _api(request) else defaults.permission_denied(request, exception)
    )


def page_not_found(request, exception=None):
    return _json("not_found", 404) if _api(request) else defaults.page_not_found(request, exception)
