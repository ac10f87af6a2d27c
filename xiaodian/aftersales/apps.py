from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    name = "xiaodian.aftersales"
    label = "aftersales"
    verbose_name = _("售后")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (refund outcomes from the payments app)
