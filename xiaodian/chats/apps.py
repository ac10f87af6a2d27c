from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatsConfig(AppConfig):
    name = "xiaodian.chats"
    label = "chats"
    verbose_name = _("聊天")
