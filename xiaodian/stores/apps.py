from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoresConfig(AppConfig):
    name = "xiaodian.stores"
    label = "stores"
    verbose_name = _("店铺")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the signal receivers)
