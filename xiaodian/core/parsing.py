"""The API's request parser: JSON as usual, but text that cannot be stored is refused up front.

PostgreSQL refuses NUL characters and any UTF-8 encoder refuses unpaired surrogates ("\\ud800"
is valid JSON); without this they would reach the database and answer 500.
"""

import json

from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja.parser import Parser
from pydantic import ValidationError

from .errors import DomainError
from .text import is_storable


def check_storable(value) -> None:
    """Refuse (malformed_request) a decoded JSON value holding text the database cannot store."""
    if isinstance(value, str):
        if not is_storable(value):
            raise DomainError("malformed_request", _("文本中含有无法保存的字符（NUL 或孤立代理项）。"))
    elif isinstance(value, dict):
        for key, item in value.items():
            check_storable(key)
            check_storable(item)
    elif isinstance(value, list):
        for item in value:
            check_storable(item)


class StrictParser(Parser):
    def parse_body(self, request):
        data = json.loads(request.body)
        if not isinstance(data, dict):  # every body of the API is an object (an optional one may be left out)
            raise DomainError("validation_error", _("请求体须为 JSON 对象。"))
        check_storable(data)
        return data

    def parse_querydict(self, data, list_fields, request):
        result = super().parse_querydict(data, list_fields, request)
        check_storable(result)
        return result


_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def body_and_images(request, schema):
    """The body as `schema` and the uploaded `images`, from JSON or a form (for endpoints that take
    photos with their text; their OpenAPI body comes from `core.openapi.body_with_images`)."""
    try:
        if request.content_type in _FORM_TYPES:
            data = {name: request.POST[name] for name in schema.model_fields if name in request.POST}
            images = request.FILES.getlist("images")
        else:
            data, images = json.loads(request.body or b"null"), []
    except (MultiPartParserError, ValueError) as exc:  # ValueError: bad JSON or bad UTF-8
        raise DomainError("malformed_request") from exc
    if not isinstance(data, dict):
        raise DomainError("validation_error")
    try:
        return schema.model_validate(data), images
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first.get("loc", ()))
        message = f"{field}: {first.get('msg', '')}" if field else first.get("msg", "")
        raise DomainError("validation_error", message, field=field or None) from exc
