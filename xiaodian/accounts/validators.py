"""Password validators Django lacks or does not translate.

- Eight spaces pass Django's length, common-password, similarity and numeric validators, and the
  sign-up form keeps a password as typed (strip=False): NotOnlyWhitespaceValidator refuses it.
- Django 5.2's MinimumLengthValidator words its error with `%d`, while its zh_Hans catalog still
  translates the older `%(min_length)d` wording, so the Chinese interface showed it in English:
  MinimumLengthValidator says it in Chinese (English in our en catalog).
"""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class NotOnlyWhitespaceValidator:
    def validate(self, password: str, user=None) -> None:
        if not password.strip():
            raise ValidationError(_("密码不能只由空格组成。"), code="password_only_whitespace")

    def get_help_text(self) -> str:
        return _("密码不能只由空格组成。")


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return _("密码太短，至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}
