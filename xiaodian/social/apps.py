from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialConfig(AppConfig):
    name = "xiaodian.social"
    label = "social"
    verbose_name = _("社交")

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
