"""Reads of the content app. Accounts and mini programs are public; an article or a video is
public once published, and its account's owner sees it in any state. Anything else answers
`not_found`, so a stranger cannot tell a draft from nothing."""

from django.db.models import Q, QuerySet

from xiaodian.core.errors import DomainError
from xiaodian.core.pagination import MAX_ID
from xiaodian.core.text import is_digits, normalize

from .models import (
    Article,
    ArticleLike,
    MiniProgram,
    OfficialAccount,
    OfficialAccountFollow,
    Video,
    VideoAccount,
    VideoAccountFollow,
    VideoLike,
)
from .rules import State


def _get(queryset: QuerySet, pk: int):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise DomainError("not_found")
    return obj


def _user_id(viewer) -> int | None:
    return viewer.pk if viewer is not None and viewer.is_authenticated else None


def _visible(viewer) -> Q:
    user_id = _user_id(viewer)
    public = Q(state=State.PUBLISHED)
    return public | Q(account__owner_id=user_id) if user_id else public


def official_account(pk: int) -> OfficialAccount:
    return _get(OfficialAccount.objects.all(), pk)


def video_account(pk: int) -> VideoAccount:
    return _get(VideoAccount.objects.all(), pk)


def mini_program(pk: int) -> MiniProgram:
    return _get(MiniProgram.objects.all(), pk)


def owned_official_account(owner, pk: int) -> OfficialAccount:
    return _get(OfficialAccount.objects.filter(owner_id=_user_id(owner)), pk)


def owned_video_account(owner, pk: int) -> VideoAccount:
    return _get(VideoAccount.objects.filter(owner_id=_user_id(owner)), pk)


def article_for(viewer, pk: int) -> Article:
    return _get(Article.objects.select_related("account").filter(_visible(viewer)), pk)


def video_for(viewer, pk: int) -> Video:
    return _get(Video.objects.select_related("account").filter(_visible(viewer)), pk)


def published_article(pk: int) -> Article:
    return _get(Article.objects.select_related("account").filter(state=State.PUBLISHED), pk)


def published_video(pk: int) -> Video:
    return _get(Video.objects.select_related("account").filter(state=State.PUBLISHED), pk)


def account_articles(account: OfficialAccount, viewer) -> QuerySet[Article]:
    """The account's articles, newest first: published ones, and drafts too for the owner."""
    articles = Article.objects.select_related("account").filter(account=account)
    return articles if account.owner_id == _user_id(viewer) else articles.filter(state=State.PUBLISHED)


def account_videos(account: VideoAccount, viewer) -> QuerySet[Video]:
    videos = Video.objects.select_related("account").filter(account=account)
    return videos if account.owner_id == _user_id(viewer) else videos.filter(state=State.PUBLISHED)


def is_owner(viewer, account) -> bool:
    return account.owner_id == _user_id(viewer)


def follows(viewer, account) -> bool:
    user_id = _user_id(viewer)
    if user_id is None:
        return False
    model = OfficialAccountFollow if isinstance(account, OfficialAccount) else VideoAccountFollow
    return model.objects.filter(user_id=user_id, account=account).exists()


def likes(viewer, item) -> bool:
    user_id = _user_id(viewer)
    if user_id is None:
        return False
    if isinstance(item, Article):
        return ArticleLike.objects.filter(user_id=user_id, article=item).exists()
    return VideoLike.objects.filter(user_id=user_id, video=item).exists()


def my_content(owner) -> dict:
    """Everything a user owns, for the owner's page."""
    user_id = _user_id(owner)
    return {
        "official_accounts": list(OfficialAccount.objects.filter(owner_id=user_id)),
        "video_accounts": list(VideoAccount.objects.filter(owner_id=user_id)),
        "mini_programs": list(MiniProgram.objects.filter(owner_id=user_id)),
    }


_NAMED_ACCOUNTS: dict[str, type[OfficialAccount] | type[VideoAccount]] = {
    "official_account": OfficialAccount,
    "video_account": VideoAccount,
}


def find_account(kind: str, text: str) -> OfficialAccount | VideoAccount | MiniProgram | None:
    """The account a person means by `text`: an official or video account by its name (written
    any way: full-width, case, spaces) or its id, a mini program by its AppID or its id."""
    text = (text or "").strip()
    model: type[OfficialAccount] | type[VideoAccount] | type[MiniProgram]
    found: OfficialAccount | VideoAccount | MiniProgram | None
    if kind == "mini_program":
        found = MiniProgram.objects.filter(app_id=text.lower()).first()
        model = MiniProgram
    else:
        named = _NAMED_ACCOUNTS.get(kind)
        if named is None:
            return None
        found = named.objects.filter(name_key=normalize(text)).first() if text else None
        model = named
    if found is None and is_digits(text) and int(text) <= MAX_ID:
        found = model.objects.filter(pk=int(text)).first()
    return found
