"""`?limit=&offset=` pagination that every list endpoint shares: `{"items": [...], "count": N}`."""

from datetime import date
from typing import Annotated, Generic, TypeVar

from django.db.models import QuerySet
from ninja import Schema
from pydantic import Field, Strict

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


# Object ids in paths and bodies: positive and within a 64-bit integer, so a huge number is a 422,
# not a database overflow.
MAX_ID = 2**63 - 1
ObjectId = Annotated[int, Field(ge=1, le=MAX_ID)]
# The same in JSON bodies, where an id is a JSON integer: `true`, `"1"` and `1.0` are a 422, not id 1
# (issue 14). Paths and query strings are text by nature and keep ObjectId, parsed from digits.
StrictId = Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]

# Dates in filters: a calendar day that survives time-zone arithmetic both ways ("0001-01-01"
# in Shanghai is before datetime.min in UTC and would overflow into a 500).
SafeDate = Annotated[date, Field(ge=date(1970, 1, 1), le=date(9998, 12, 31))]
