"""Writes for users, tokens and subjects. Each is one transaction and raises DomainError."""

import hashlib
import io
import secrets
from datetime import timedelta

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from PIL import Image, UnidentifiedImageError

from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.permissions import require_operator

from . import licences, rules, signals
from .models import ApiToken, Subject, User

TOKEN_PREFIX = "xd_"
_LAST_USED_GRANULARITY = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def register_user(*, username: str, password: str, display_name: str = "") -> User:
    username = username.strip()
    if not username:
        raise DomainError("validation_error", field="username")
    candidate = User(username=username, display_name=display_name.strip())
    try:
        User.username_validator(username)
        password_validation.validate_password(password, candidate)
    except ValidationError as exc:
        code = "validation_error" if exc.error_list[0].code == "invalid" else "password_too_weak"
        field = "username" if code == "validation_error" else "password"
        raise DomainError(code, " ".join(exc.messages), field=field) from exc
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError("username_taken", field="username")
    candidate.set_password(password)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError as exc:  # a racing sign-up took the name between the check and the insert
        raise DomainError("username_taken", field="username") from exc
    return candidate


def make_platform_operator(*, user: User) -> User:
    """Give a user the platform operator's rights (staff and superuser), as the demo's `ops` has;
    `xiaodian createsuperuser` does the same for a new account."""
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    user.refresh_from_db()
    return user


def issue_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret; only the hash is kept."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[: rules.TOKEN_NAME_MAX] or "api",
        key_hash=hash_token(secret),
        prefix=secret[:10],
    )
    return token, secret


def revoke_token(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise DomainError("not_found")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
    return token


def user_for_token(secret: str) -> User | None:
    """The active user a bearer token belongs to, noting when it was last used (at most once a minute)."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def validate_image(upload: UploadedFile, *, max_bytes: int, max_pixels: int) -> None:
    """Refuse anything that is not a real, reasonably sized raster image."""
    if upload.size is not None and upload.size > max_bytes:
        raise DomainError("payload_too_large", field="avatar")
    data = upload.read(max_bytes + 1)  # an upload that does not say its size is counted here
    upload.seek(0)
    if len(data) > max_bytes:
        raise DomainError("payload_too_large", field="avatar")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            if image.format not in {"PNG", "JPEG", "GIF", "WEBP"}:
                raise DomainError("image_invalid", field="avatar")
            if max(image.size) > max_pixels:
                raise DomainError("image_invalid", field="avatar")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise DomainError("image_invalid", field="avatar") from exc


def update_profile(
    *, user: User, display_name: str | None = None, avatar: UploadedFile | None = None
) -> User:
    """Change the display name and/or avatar; a rejected image changes nothing."""
    if avatar is not None:
        validate_image(avatar, max_bytes=rules.AVATAR_MAX_BYTES, max_pixels=rules.AVATAR_MAX_PIXELS)
    fields = []
    if display_name is not None:
        user.display_name = display_name.strip()[: rules.DISPLAY_NAME_MAX]
        fields.append("display_name")
    if avatar is not None:
        user.avatar.save(avatar.name or "avatar", avatar, save=False)
        fields.append("avatar")
    if fields:
        user.save(update_fields=fields)
    return user


def create_subject(
    *, owner: User, kind: str, name: str, licence_number: str, trade_name: str = ""
) -> Subject:
    if kind not in rules.SubjectKind.values:
        raise DomainError("validation_error", field="kind")
    name = name.strip()
    if not name or len(name) > rules.SUBJECT_NAME_MAX:
        raise DomainError("validation_error", field="name")
    number = licences.clean(licence_number)
    if not licences.is_valid_licence(kind, number):
        raise DomainError("licence_invalid", field="licence_number")
    if Subject.objects.filter(licence_number=number).exists():
        raise DomainError("licence_taken", field="licence_number")
    try:
        with transaction.atomic():
            return Subject.objects.create(
                owner=owner, kind=kind, name=name, licence_number=number, trade_name=trade_name.strip()[:20]
            )
    except IntegrityError as exc:
        raise DomainError("licence_taken", field="licence_number") from exc


def set_subject_verification(*, operator: User, subject: Subject, verification: str) -> Subject:
    """Operators verify or reject a subject after checking its documents."""
    require_operator(operator)
    if verification not in rules.Verification.values:
        raise DomainError("validation_error", field="verification")
    subject.verification = verification
    subject.verified_at = clock.now() if verification == rules.Verification.VERIFIED else None
    subject.save(update_fields=["verification", "verified_at"])
    if verification == rules.Verification.VERIFIED:
        transaction.on_commit(lambda: signals.subject_verified.send(sender=Subject, subject=subject))
    return subject
