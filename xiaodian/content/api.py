"""The content endpoints: official accounts and articles, video accounts and short videos, mini
programs, follows, likes and shares. Parse, call a service or selector, return a schema.

Accounts and mini programs are public; articles and videos are public once published. Writes are
the owner's: anyone else gets 404, as for a draft.
"""

from django.http.multipartparser import MultiPartParserError
from ninja import Query, Router
from pydantic import ValidationError

from xiaodian.accounts.auth import public_auth
from xiaodian.core.errors import DomainError
from xiaodian.core.pagination import ObjectId, Page, PageParams, paginate

from . import cards, rules, selectors, services
from .schemas import (
    AccountIn,
    AccountOut,
    ArticleIn,
    ArticleOut,
    FollowOut,
    LikeOut,
    MiniProgramIn,
    MiniProgramOut,
    ShareOut,
    VideoForm,
    VideoOut,
)

router = Router(tags=["content"])


def _account(account, viewer, kind: str) -> dict:
    owner = selectors.is_owner(viewer, account)
    return {
        "id": account.pk,
        "name": account.name,
        "intro": account.intro,
        "created_at": account.created_at,
        "follower_count": account.follower_count if owner else None,
        "following": selectors.follows(viewer, account),
        "stores": cards.store_entries(kind, account.pk),
    }


def _viewed(item, viewer):
    """Count a read of a published item by anyone but its owner."""
    if item.state == rules.State.PUBLISHED and not selectors.is_owner(viewer, item.account):
        services.record_view(item=item)
        item.view_count += 1
    return item


# ------------------------------------------------------------------------ official accounts


@router.post("/official-accounts", response={201: AccountOut})
def create_official_account(request, body: AccountIn):
    """A new official account owned by the caller: 409 `account_name_taken` for a taken name."""
    account = services.create_official_account(owner=request.auth, name=body.name, intro=body.intro)
    return 201, _account(account, request.auth, "official_account")


@router.get("/official-accounts/{account_id}", response=AccountOut, auth=public_auth)
def get_official_account(request, account_id: ObjectId):
    """Public profile; `follower_count` only for the owner."""
    return _account(selectors.official_account(account_id), request.auth, "official_account")


@router.get("/official-accounts/{account_id}/articles", response=Page[ArticleOut], auth=public_auth)
def list_articles(request, account_id: ObjectId, page: Query[PageParams]):
    """Published articles, newest first; the owner sees drafts too."""
    account = selectors.official_account(account_id)
    return paginate(selectors.account_articles(account, request.auth), page)


@router.post("/official-accounts/{account_id}/articles", response={201: ArticleOut})
def create_article(request, account_id: ObjectId, body: ArticleIn):
    """A draft article in the caller's account; the body is sanitised and its cards listed."""
    return 201, services.create_article(
        owner=request.auth, account_id=account_id, title=body.title, body=body.body
    )


@router.post("/official-accounts/{account_id}/follow", response=FollowOut)
def follow_official_account(request, account_id: ObjectId):
    """Follow (once; again is a no-op)."""
    services.follow_official_account(user=request.auth, account=selectors.official_account(account_id))
    return {"following": True}


@router.delete("/official-accounts/{account_id}/follow", response=FollowOut)
def unfollow_official_account(request, account_id: ObjectId):
    services.unfollow_official_account(user=request.auth, account=selectors.official_account(account_id))
    return {"following": False}


@router.get("/articles/{article_id}", response=ArticleOut, auth=public_auth)
def get_article(request, article_id: ObjectId):
    """A published article (a read counts a view), or the owner's draft; others get 404."""
    return _viewed(selectors.article_for(request.auth, article_id), request.auth)


@router.post("/articles/{article_id}/publish", response=ArticleOut)
def publish_article(request, article_id: ObjectId):
    """Publish the owner's draft: 409 `invalid_transition` if already published."""
    return services.publish_article(owner=request.auth, article_id=article_id)


@router.post("/articles/{article_id}/like", response=LikeOut)
def like_article(request, article_id: ObjectId):
    """Like a published article, once."""
    article = selectors.published_article(article_id)
    services.like_article(user=request.auth, article=article)
    article.refresh_from_db(fields=["like_count"])
    return {"liked": True, "like_count": article.like_count}


@router.delete("/articles/{article_id}/like", response=LikeOut)
def unlike_article(request, article_id: ObjectId):
    article = selectors.published_article(article_id)
    services.unlike_article(user=request.auth, article=article)
    article.refresh_from_db(fields=["like_count"])
    return {"liked": False, "like_count": article.like_count}


@router.post("/articles/{article_id}/share", response=ShareOut)
def share_article(request, article_id: ObjectId):
    """Count a share of a published article."""
    article = selectors.published_article(article_id)
    services.record_share(item=article)
    article.refresh_from_db(fields=["share_count"])
    return {"share_count": article.share_count}


# --------------------------------------------------------------------------- video accounts


@router.post("/video-accounts", response={201: AccountOut})
def create_video_account(request, body: AccountIn):
    account = services.create_video_account(owner=request.auth, name=body.name, intro=body.intro)
    return 201, _account(account, request.auth, "video_account")


@router.get("/video-accounts/{account_id}", response=AccountOut, auth=public_auth)
def get_video_account(request, account_id: ObjectId):
    """Public profile; `follower_count` only for the owner."""
    return _account(selectors.video_account(account_id), request.auth, "video_account")


@router.get("/video-accounts/{account_id}/videos", response=Page[VideoOut], auth=public_auth)
def list_videos(request, account_id: ObjectId, page: Query[PageParams]):
    account = selectors.video_account(account_id)
    return paginate(selectors.account_videos(account, request.auth), page)


_VIDEO_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["title", "cover"],
                    "properties": {
                        "title": {"type": "string", "minLength": 1, "maxLength": rules.TITLE_MAX},
                        "file": {"type": "string", "format": "binary", "description": "MP4 or WebM, ≤ 50 MB"},
                        "url": {"type": "string", "description": "An https URL, instead of a file"},
                        "cover": {"type": "string", "format": "binary", "description": "PNG/JPEG/GIF/WebP"},
                        "product_id": {"type": "integer", "minimum": 1, "description": "One product card"},
                    },
                }
            }
        },
    }
}


def _video_form(request) -> VideoForm:
    try:
        data = {name: request.POST[name] for name in VideoForm.model_fields if request.POST.get(name)}
    except MultiPartParserError as exc:
        raise DomainError("malformed_request") from exc
    try:
        return VideoForm.model_validate(data)
    except ValidationError as exc:
        field = ".".join(str(part) for part in exc.errors()[0].get("loc", ()))
        raise DomainError("validation_error", field=field or None) from exc


@router.post("/video-accounts/{account_id}/videos", response={201: VideoOut}, openapi_extra=_VIDEO_BODY)
def create_video(request, account_id: ObjectId):
    """Upload a draft short video (multipart: `title`, `cover`, and `file` or `url`, optional
    `product_id`). Not your account → 404 before the upload is read."""
    selectors.owned_video_account(request.auth, account_id)
    if request.content_type != "multipart/form-data":
        raise DomainError("validation_error", field="file")
    form = _video_form(request)
    try:
        video_file, cover = request.FILES.get("file"), request.FILES.get("cover")
    except MultiPartParserError as exc:
        raise DomainError("malformed_request") from exc
    return 201, services.create_video(
        owner=request.auth,
        account_id=account_id,
        title=form.title,
        url=form.url,
        product_id=form.product_id,
        file=video_file,
        cover=cover,
    )


@router.post("/video-accounts/{account_id}/follow", response=FollowOut)
def follow_video_account(request, account_id: ObjectId):
    services.follow_video_account(user=request.auth, account=selectors.video_account(account_id))
    return {"following": True}


@router.delete("/video-accounts/{account_id}/follow", response=FollowOut)
def unfollow_video_account(request, account_id: ObjectId):
    services.unfollow_video_account(user=request.auth, account=selectors.video_account(account_id))
    return {"following": False}


@router.get("/videos/{video_id}", response=VideoOut, auth=public_auth)
def get_video(request, video_id: ObjectId):
    """A published video (a read counts a view), or the owner's draft; others get 404."""
    return _viewed(selectors.video_for(request.auth, video_id), request.auth)


@router.post("/videos/{video_id}/publish", response=VideoOut)
def publish_video(request, video_id: ObjectId):
    return services.publish_video(owner=request.auth, video_id=video_id)


@router.post("/videos/{video_id}/like", response=LikeOut)
def like_video(request, video_id: ObjectId):
    video = selectors.published_video(video_id)
    services.like_video(user=request.auth, video=video)
    video.refresh_from_db(fields=["like_count"])
    return {"liked": True, "like_count": video.like_count}


@router.delete("/videos/{video_id}/like", response=LikeOut)
def unlike_video(request, video_id: ObjectId):
    video = selectors.published_video(video_id)
    services.unlike_video(user=request.auth, video=video)
    video.refresh_from_db(fields=["like_count"])
    return {"liked": False, "like_count": video.like_count}


@router.post("/videos/{video_id}/share", response=ShareOut)
def share_video(request, video_id: ObjectId):
    video = selectors.published_video(video_id)
    services.record_share(item=video)
    video.refresh_from_db(fields=["share_count"])
    return {"share_count": video.share_count}


# ---------------------------------------------------------------------------- mini programs


@router.post("/mini-programs", response={201: MiniProgramOut})
def create_mini_program(request, body: MiniProgramIn):
    """Register a mini program: app id `wx` + 16 hex digits, unique; mall path starts with `/`."""
    return 201, services.create_mini_program(
        owner=request.auth, name=body.name, app_id=body.app_id, mall_path=body.mall_path
    )


@router.get("/mini-programs/{program_id}", response=MiniProgramOut, auth=public_auth)
def get_mini_program(request, program_id: ObjectId):
    program = selectors.mini_program(program_id)
    program.stores = cards.store_entries("mini_program", program.pk)
    return program
