from datetime import datetime

from ninja import Schema
from pydantic import Field, model_validator

from xiaodian.core.pagination import MAX_ID, NOT_BLANK, StrictId

from . import cards, rules
from .rules import RequestState, Source


class UserBrief(Schema):
    id: int
    username: str
    display_name: str
    avatar_url: str | None


class ContactOut(Schema):
    user: UserBrief
    remark: str
    source: Source
    added_by_me: bool
    added_at: datetime
    last_chat_at: datetime | None


class ContactFilter(Schema):
    q: str = Field("", max_length=rules.SEARCH_MAX, description="Searches remark and nickname")


class RemarkIn(Schema):
    remark: str = Field(max_length=rules.REMARK_MAX)


class ContactRequestIn(Schema):
    user_id: StrictId | None = Field(None, description="Whom to add (or `username`)")
    username: str | None = Field(None, min_length=1, max_length=150, description="Whom to add (or `user_id`)")
    source: Source = Source.SEARCH
    greeting: str = Field("", max_length=rules.GREETING_MAX)

    @model_validator(mode="after")
    def _one_target(self):
        if (self.user_id is None) == (self.username is None):
            raise ValueError("give exactly one of user_id and username")
        return self


class ContactRequestOut(Schema):
    id: int
    sender: UserBrief
    recipient: UserBrief
    source: Source
    greeting: str
    state: RequestState
    created_at: datetime
    decided_at: datetime | None


class NoteOut(Schema):
    code: str = Field(description="stopped_using | no_contact | no_chat_history | added")
    text: str


class RecommendationOut(Schema):
    contact: ContactOut
    notes: list[NoteOut]


class RecommendationPage(Schema):
    items: list[RecommendationOut]
    count: int
    full: bool = Field(description="Whether the list is full (only then are deletions recommended)")


class CardOut(Schema):
    kind: str
    id: int
    available: bool
    title: str = ""
    subtitle: str = ""
    image_url: str = ""
    url: str = ""


class ImageOut(Schema):
    url: str
    width: int
    height: int


class LikeOut(Schema):
    user: UserBrief
    created_at: datetime


class CommentOut(Schema):
    id: int
    post_id: int
    author: UserBrief
    text: str
    created_at: datetime


class PostOut(Schema):
    id: int
    author: UserBrief
    text: str
    images: list[ImageOut]
    card: CardOut | None
    likes: list[LikeOut] = Field(description="Only likes by people mutual with you (and yours)")
    comments: list[CommentOut] = Field(description="Only comments by people mutual with you (and yours)")
    liked: bool
    created_at: datetime


class PostPage(Schema):
    items: list[PostOut]
    has_more: bool = Field(description="Older posts exist: ask again with `before` = the last id")


class PostParams(Schema):
    before: int | None = Field(None, ge=1, le=MAX_ID, description="Posts older than this id")
    limit: int = Field(20, ge=1, le=rules.PAGE_MAX)


class PostIn(Schema):
    text: str = Field("", max_length=rules.POST_TEXT_MAX)
    card_kind: str | None = Field(None, description=f"One of {', '.join(cards.KINDS)}")
    card_id: int | None = Field(None, ge=1, le=MAX_ID)


class CommentIn(Schema):
    text: str = Field(min_length=1, max_length=rules.COMMENT_MAX, pattern=NOT_BLANK)
