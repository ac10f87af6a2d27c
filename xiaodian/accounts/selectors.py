"""Reads for accounts."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from xiaodian.core.errors import DomainError

from .models import ApiToken, Subject, User
from .rules import Verification


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def subjects_of(user: User) -> QuerySet[Subject]:
    return Subject.objects.filter(owner=user)


def subject_for(user: User, subject_id: int) -> Subject:
    """A subject the user owns (operators see all); anything else is not found."""
    qs = Subject.objects.all() if user.is_staff else subjects_of(user)
    subject = qs.filter(pk=subject_id).first()
    if subject is None:
        raise DomainError("not_found")
    return subject


def active_user_by_username(username: str) -> User:
    """The active user with this username, compared case-insensitively as sign-up does."""
    user = User.objects.filter(username__iexact=username.strip(), is_active=True).order_by("pk").first()
    if user is None:
        raise DomainError("not_found", _("没有这个用户名的用户。"), field="username")
    return user


def public_name(user: User) -> str:
    """How a user appears to strangers (live comments): the display name they chose, else the
    first character of their login name and asterisks (a login name is not for show)."""
    if user.display_name:
        return user.display_name
    return f"{user.username[:1]}***" if user.username else "***"


def subjects_awaiting_verification() -> int:
    """How many subjects wait for an operator's verification (the operations page's queue)."""
    return Subject.objects.filter(verification=Verification.PENDING).count()
