"""Every write of the content app: accounts, articles, videos, mini programs, follows, likes,
views and shares. Counters move with `F()` updates, never read-modify-write; "once" is the
unique constraint of the follow or like row."""

import os

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F

from xiaodian.accounts.models import User
from xiaodian.accounts.services import validate_image
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.images import ensure_no_qr_code
from xiaodian.core.pagination import MAX_ID
from xiaodian.core.text import contains_contact_details, is_storable, normalize

from . import rules, sanitize
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

# ------------------------------------------------------------------------------------ checks


def _text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if (required and not value) or len(value) > max_length or not is_storable(value):
        raise DomainError("validation_error", field=field)
    if contains_contact_details(value):
        raise DomainError("contact_details_not_allowed", field=field)
    return value


def _name_key(name: str, model) -> str:
    key = normalize(name)
    if not key or len(key) > model._meta.get_field("name_key").max_length:  # NFKC can lengthen text
        raise DomainError("validation_error", field="name")
    if model.objects.filter(name_key=key).exists():
        raise DomainError("account_name_taken", field="name")
    return key


def _create_named(model, *, owner: User, name: str, intro: str):
    name = _text(name, field="name", max_length=rules.NAME_MAX)
    intro = _text(intro, field="intro", max_length=rules.INTRO_MAX, required=False)
    key = _name_key(name, model)
    try:
        with transaction.atomic():
            return model.objects.create(owner=owner, name=name, name_key=key, intro=intro)
    except IntegrityError as exc:  # a racing create took the name between the check and the insert
        raise DomainError("account_name_taken", field="name") from exc


def _owned(model, pk: int, **filters):
    try:
        return model.objects.get(pk=pk, **filters)
    except model.DoesNotExist as exc:
        raise DomainError("not_found") from exc


# ---------------------------------------------------------------------- official accounts


def create_official_account(*, owner: User, name: str, intro: str = "") -> OfficialAccount:
    """A new official account; its name is unique however it is written (full-width, case, spaces)."""
    return _create_named(OfficialAccount, owner=owner, name=name, intro=intro)


def create_article(*, owner: User, account_id: int, title: str, body: str) -> Article:
    """A draft article: the body is sanitised, its product cards listed, its text checked."""
    account = _owned(OfficialAccount, account_id, owner=owner)
    title = _text(title, field="title", max_length=rules.TITLE_MAX)
    if len(body or "") > rules.BODY_MAX or not is_storable(body or ""):
        raise DomainError("validation_error", field="body")
    clean = sanitize.clean_body(body or "")
    text = sanitize.text_of(clean)
    if not text.strip() and "<img" not in clean and "<product-card" not in clean:
        raise DomainError("validation_error", field="body")
    if contains_contact_details(text):
        raise DomainError("contact_details_not_allowed", field="body")
    product_ids = sanitize.product_ids(clean)
    if len(product_ids) > rules.PRODUCT_CARDS_MAX:
        raise DomainError("product_cards_limit_reached", field="body")
    return Article.objects.create(account=account, title=title, body=clean, product_ids=product_ids)


def publish_article(*, owner: User, article_id: int) -> Article:
    with transaction.atomic():
        article = _owned(Article, article_id, account__owner=owner)
        if not Article.objects.filter(pk=article.pk, state=State.DRAFT).update(
            state=State.PUBLISHED, published_at=clock.now()
        ):
            raise DomainError("invalid_transition")
    article.refresh_from_db()
    return article


# ------------------------------------------------------------------------ video accounts


def create_video_account(*, owner: User, name: str, intro: str = "") -> VideoAccount:
    return _create_named(VideoAccount, owner=owner, name=name, intro=intro)


def _check_video_file(upload: UploadedFile) -> None:
    if os.path.splitext(upload.name or "")[1].lower() not in rules.VIDEO_EXTENSIONS:
        raise DomainError("video_invalid", field="file")
    if upload.size is None or upload.size > rules.VIDEO_MAX_BYTES:  # stored unread: it must say its size
        raise DomainError("payload_too_large", field="file")
    if upload.size == 0:
        raise DomainError("video_invalid", field="file")


def create_video(
    *,
    owner: User,
    account_id: int,
    title: str,
    cover: UploadedFile | None,
    file: UploadedFile | None = None,
    url: str = "",
    product_id: int | None = None,
) -> Video:
    """A draft short video from an uploaded MP4/WebM file (kept as uploaded) or an https URL,
    with a cover image and at most one product card."""
    account = _owned(VideoAccount, account_id, owner=owner)
    title = _text(title, field="title", max_length=rules.TITLE_MAX)
    url = (url or "").strip()
    if bool(file) == bool(url):
        raise DomainError("video_source_required", field="file")
    if file:
        _check_video_file(file)
    elif (
        not url.startswith("https://")
        or len(url) > rules.VIDEO_URL_MAX
        or not url.isprintable()
        or " " in url
    ):
        raise DomainError("video_source_required", field="url")
    if product_id is not None and not 1 <= product_id <= MAX_ID:
        raise DomainError("validation_error", field="product_id")
    if cover is None:
        raise DomainError("validation_error", field="cover")
    try:
        validate_image(cover, max_bytes=rules.COVER_MAX_BYTES, max_pixels=rules.COVER_MAX_PIXELS)
    except DomainError as exc:
        raise DomainError(exc.code, field="cover") from exc
    ensure_no_qr_code(cover, field="cover")
    video = Video(account=account, title=title, url=url, product_id=product_id)
    video.cover.save(cover.name or "cover", cover, save=False)
    if file:
        video.file.save(file.name or "video", file, save=False)
    video.save()
    return video


def publish_video(*, owner: User, video_id: int) -> Video:
    with transaction.atomic():
        video = _owned(Video, video_id, account__owner=owner)
        if not Video.objects.filter(pk=video.pk, state=State.DRAFT).update(
            state=State.PUBLISHED, published_at=clock.now()
        ):
            raise DomainError("invalid_transition")
    video.refresh_from_db()
    return video


# ------------------------------------------------------------------------- mini programs


def create_mini_program(*, owner: User, name: str, app_id: str, mall_path: str) -> MiniProgram:
    name = _text(name, field="name", max_length=rules.NAME_MAX)
    app_id = (app_id or "").strip()
    if not rules.APP_ID.fullmatch(app_id):
        raise DomainError("app_id_invalid", field="app_id")
    mall_path = (mall_path or "").strip()
    if not mall_path.startswith("/") or len(mall_path) > rules.MALL_PATH_MAX or not mall_path.isprintable():
        raise DomainError("mall_path_invalid", field="mall_path")
    if MiniProgram.objects.filter(app_id=app_id).exists():
        raise DomainError("app_id_taken", field="app_id")
    try:
        with transaction.atomic():
            return MiniProgram.objects.create(owner=owner, name=name, app_id=app_id, mall_path=mall_path)
    except IntegrityError as exc:
        raise DomainError("app_id_taken", field="app_id") from exc


# ------------------------------------------------------------- follows, likes, views, shares


def _add_once(relation, counted, *, field: str, **row) -> bool:
    """Insert the follow or like row and bump its counter; False (nothing counted) if it exists."""
    try:
        with transaction.atomic():
            relation.objects.create(**row)
            counted.update(**{field: F(field) + 1})
    except IntegrityError:
        return False
    return True


def _remove(relation, counted, *, field: str, **row) -> bool:
    with transaction.atomic():
        deleted, _ = relation.objects.filter(**row).delete()
        if deleted:
            counted.update(**{field: F(field) - 1})
    return bool(deleted)


def follow_official_account(*, user: User, account: OfficialAccount) -> bool:
    counted = OfficialAccount.objects.filter(pk=account.pk)
    return _add_once(OfficialAccountFollow, counted, field="follower_count", user=user, account=account)


def unfollow_official_account(*, user: User, account: OfficialAccount) -> bool:
    counted = OfficialAccount.objects.filter(pk=account.pk)
    return _remove(OfficialAccountFollow, counted, field="follower_count", user=user, account=account)


def follow_video_account(*, user: User, account: VideoAccount) -> bool:
    counted = VideoAccount.objects.filter(pk=account.pk)
    return _add_once(VideoAccountFollow, counted, field="follower_count", user=user, account=account)


def unfollow_video_account(*, user: User, account: VideoAccount) -> bool:
    counted = VideoAccount.objects.filter(pk=account.pk)
    return _remove(VideoAccountFollow, counted, field="follower_count", user=user, account=account)


def like_article(*, user: User, article: Article) -> bool:
    counted = Article.objects.filter(pk=article.pk)
    return _add_once(ArticleLike, counted, field="like_count", user=user, article=article)


def unlike_article(*, user: User, article: Article) -> bool:
    counted = Article.objects.filter(pk=article.pk)
    return _remove(ArticleLike, counted, field="like_count", user=user, article=article)


def like_video(*, user: User, video: Video) -> bool:
    return _add_once(VideoLike, Video.objects.filter(pk=video.pk), field="like_count", user=user, video=video)


def unlike_video(*, user: User, video: Video) -> bool:
    return _remove(VideoLike, Video.objects.filter(pk=video.pk), field="like_count", user=user, video=video)


def record_view(*, item: Article | Video) -> None:
    """One more view of a published article or video (the owner's own reads are not counted by callers)."""
    type(item).objects.filter(pk=item.pk).update(view_count=F("view_count") + 1)


def record_share(*, item: Article | Video) -> None:
    type(item).objects.filter(pk=item.pk).update(share_count=F("share_count") + 1)
