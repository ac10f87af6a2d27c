from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "xiaodian.web"
    label = "web"
    verbose_name = _("网站")

    def ready(self) -> None:
        # complaints and scoring sit side by side (neither imports the other): the score's
        # complaint rate reads the upheld complaints through scoring's extension point.
        from xiaodian.complaints import selectors as complaints
        from xiaodian.scoring import metrics

        metrics.upheld_complaints.register(complaints.upheld_by_store)
