from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xiaodian.core"
    label = "core"
    verbose_name = "Core"
