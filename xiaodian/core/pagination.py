"""`?limit=&offset=` pagination that every list endpoint shares: `{"items": [...], "count": N}`."""

import re
from datetime import date, time
from typing import Annotated, Any, Generic, TypeVar

from django.db.models import QuerySet
from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, Strict, WithJsonSchema

T = TypeVar("T")
MAX_LIMIT = 100


class PageParams(Schema):
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000)


class Page(Schema, Generic[T]):
    items: list[T]
    count: int


def paginate(queryset: QuerySet, params: PageParams) -> dict:
    return {"items": list(queryset[params.offset : params.offset + params.limit]), "count": queryset.count()}


def _whole_number(value: Any) -> Any:
    """JSON has one kind of number, and JSON Schema's `integer` is any number without a fraction:
    `1.0` is the integer 1 (and `1.5` stays a float, which the strict check refuses)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Integers in JSON bodies (ids, quantities, money, counts) are JSON integers: `true` and `"1"` are a
# 422 naming the field, not 1 (`price_fen: true` once made a product priced 1 fen, issue 14).
JsonInt = Annotated[int, Strict(), BeforeValidator(_whole_number)]


def json_int(**constraints):
    """JsonInt with bounds as a reusable type (`Field(ge=...)` inside the Annotated, before the
    validator, so the OpenAPI schema says `minimum`/`maximum`)."""
    return Annotated[int, Strict(), Field(**constraints), BeforeValidator(_whole_number)]


# Object ids in paths and bodies: positive and within a 64-bit integer, so a huge number is a 422,
# not a database overflow.
MAX_ID = 2**63 - 1
ObjectId = Annotated[int, Field(ge=1, le=MAX_ID)]
# The same in JSON bodies. Paths and query strings are text by nature and keep ObjectId, read
# from their digits.
StrictId = json_int(ge=1, le=MAX_ID)


# Text that must say something: at least one character that is not white space (the services strip).
NOT_BLANK = r"\S"


def _iso_date(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


_EARLIEST, _LATEST = date(1970, 1, 1), date(9998, 12, 31)


def _within_reach(value: date) -> date:
    return min(max(value, _EARLIEST), _LATEST)


# Dates in filters: YYYY-MM-DD (what `format: date` means; not a number of seconds), moved into
# the days that survive time-zone arithmetic both ways ("0001-01-01" in Shanghai is before
# datetime.min in UTC and would overflow into a 500). A filter from year 492 is a filter from
# the beginning: the same answer, and nothing JSON Schema cannot say is refused.
SafeDate = Annotated[date, BeforeValidator(_iso_date), AfterValidator(_within_reach)]

_CLOCK = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"


def _clock_time(value: Any) -> Any:
    if isinstance(value, time):  # read from the database
        return value
    if not isinstance(value, str) or not re.fullmatch(_CLOCK, value):
        raise ValueError("a time of day is written HH:MM or HH:MM:SS")
    return value


# A time of day on the store's clock (Asia/Shanghai), "09:00" or "09:00:00". Not JSON Schema's
# `format: time`, which is RFC 3339's full-time and needs a UTC offset.
ClockTime = Annotated[
    time,
    BeforeValidator(_clock_time),
    PlainSerializer(lambda value: value.strftime("%H:%M:%S"), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": _CLOCK, "examples": ["09:00"]}),
]
