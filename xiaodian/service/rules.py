"""Customer service's policy (DOMAIN.md "Customer service"; docs/service.md): modes, message kinds,
limits, service hours, the reply target, webhook signing and retries."""

from datetime import time, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaodian.core.throttle import Limit

# The score's rule, one copy: a human reply within 3 minutes in 99% of counted sessions.
from xiaodian.scoring.rules import REPLY_TARGET as REPLY_TARGET
from xiaodian.scoring.rules import REPLY_WITHIN as REPLY_WITHIN

TEXT_MAX = 1000  # characters of a text message
CLIENT_ID_MAX = 64
IMAGE_MAX_BYTES = 5 * 2**20
PAGE_MAX = 100  # messages per history page
SYNC_MAX = 500  # messages one reconnect catches up on
QUICK_REPLIES_MAX = 50
AUTO_REPLIES_MAX = 50
KEYWORD_MAX = 20
SETTINGS_MESSAGE_MAX = 200  # the welcome message and the offline notice
WEBHOOK_URL_MAX = 200
RATING_COMMENT_MAX = 200
RATING_MIN, RATING_MAX = 1, 5
RATING_WITHIN = timedelta(days=7)  # after the session closes
IDLE_CLOSE_AFTER = timedelta(minutes=30)  # an open session with no message for this long closes

DEFAULT_MAX_SESSIONS = 5  # concurrent sessions per agent
MAX_SESSIONS_LIMIT = 100
DEFAULT_OPENS_AT = time(8, 0)
DEFAULT_CLOSES_AT = time(23, 0)
COUNTED_FROM, COUNTED_UNTIL = time(8, 0), time(23, 0)  # the reply metric counts sessions started here

# Self-built mode: events to the store's endpoint, signed and retried.
WEBHOOK_TIMEOUT = 5  # seconds
WEBHOOK_RETRY_DELAYS = (
    timedelta(seconds=10),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)  # after attempt 1, 2, …; then the event is given up
SIGNATURE_HEADER = "X-Xiaodian-Signature"
TIMESTAMP_HEADER = "X-Xiaodian-Timestamp"
EVENT_ID_HEADER = "X-Xiaodian-Event-Id"


# Rate limit on sending messages, per sender over the API, the websocket and the pages
# (django-ratelimit's "COUNT/PERIOD"; docs/operations.md).
MESSAGE_SEND_PER_USER = Limit("service.message_send.user", "120/m")


class Mode(models.TextChoices):
    WORKBENCH = "workbench", _("官方客服工作台")
    SELF_BUILT = "self_built", _("自建客服系统")


class Kind(models.TextChoices):
    TEXT = "text", _("文字")
    IMAGE = "image", _("图片")
    PRODUCT = "product", _("商品卡片")
    ORDER = "order", _("订单卡片")


class Sender(models.TextChoices):
    BUYER = "buyer", _("买家")
    AGENT = "agent", _("客服")
    BOT = "bot", _("自动回复")
    SYSTEM = "system", _("系统")


class Status(models.TextChoices):
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class Presence(models.TextChoices):
    ONLINE = "online", _("在线")
    AWAY = "away", _("离开")
    OFFLINE = "offline", _("离线")


class WebhookState(models.TextChoices):
    PENDING = "pending", _("待投递")
    DELIVERED = "delivered", _("已投递")
    FAILED = "failed", _("投递失败")
