from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "xiaodian.search"
    label = "search"
    verbose_name = _("搜索")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (index updates on commit)
