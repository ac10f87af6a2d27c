from datetime import datetime

from ninja import Schema
from pydantic import Field

from . import rules


class RegisterIn(Schema):
    username: str = Field(min_length=1, max_length=rules.USERNAME_MAX)
    password: str = Field(min_length=1, max_length=128)
    display_name: str = Field("", max_length=rules.DISPLAY_NAME_MAX)


class RegisterOut(Schema):
    id: int
    token: str


class TokenIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=128)
    name: str = Field("api", max_length=rules.TOKEN_NAME_MAX)


class TokenOut(Schema):
    token: str


class TokenInfo(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    avatar_url: str | None

    @staticmethod
    def resolve_avatar_url(obj) -> str | None:
        return obj.avatar.url if obj.avatar else None


class ProfileIn(Schema):
    display_name: str = Field(max_length=rules.DISPLAY_NAME_MAX)


class SubjectIn(Schema):
    kind: rules.SubjectKind
    name: str = Field(min_length=1, max_length=rules.SUBJECT_NAME_MAX)
    licence_number: str = Field(min_length=1, max_length=rules.LICENCE_NUMBER_INPUT_MAX)
    trade_name: str = Field("", max_length=rules.TRADE_NAME_MAX)


class SubjectOut(Schema):
    id: int
    kind: str
    name: str
    licence_number: str
    trade_name: str
    verification: str
    verified_at: datetime | None
    created_at: datetime


class VerificationIn(Schema):
    verification: rules.Verification
