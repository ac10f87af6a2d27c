from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import rules


class User(AbstractUser):
    """Everyone: buyers, merchants and their staff, creators and operators."""

    display_name = models.CharField(_("昵称"), max_length=rules.DISPLAY_NAME_MAX, blank=True)
    avatar = models.ImageField(_("头像"), upload_to="avatars/%Y/%m/", blank=True)

    def __str__(self) -> str:
        return self.display_name or self.username


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=rules.TOKEN_NAME_MAX)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API 令牌")
        verbose_name_plural = pgettext_lazy("plural", "API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Subject(models.Model):
    """Who stands behind stores: a licensed business or a person, identified by one number."""

    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="subjects")
    kind = models.CharField(_("主体类型"), max_length=24, choices=rules.SubjectKind.choices)
    name = models.CharField(_("主体名称"), max_length=rules.SUBJECT_NAME_MAX)
    licence_number = models.CharField(_("证照号码"), max_length=18, unique=True)
    trade_name = models.CharField(_("字号"), max_length=rules.TRADE_NAME_MAX, blank=True)
    verification = models.CharField(
        _("认证状态"), max_length=12, choices=rules.Verification.choices, default=rules.Verification.PENDING
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("经营主体")
        verbose_name_plural = pgettext_lazy("plural", "经营主体")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=rules.SubjectKind.values), name="subject_kind_known"
            ),
            models.CheckConstraint(
                condition=models.Q(verification__in=rules.Verification.values),
                name="subject_verification_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name
