"""Live-room rules (DOMAIN.md "Live rooms"): states and their moves, sizes and limits, the scene a
purchase in a room records. docs/live.md explains each."""

from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaodian.core.throttle import Limit

TITLE_MAX = 40
COMMENT_MAX = 140
SHELF_MAX = 100  # items on one room's shelf
SCHEDULED_MAX = 20  # rooms of one video account waiting to start
FLASH_STOCK_MAX = 1_000_000
BUY_QUANTITY_MAX = 10  # units of one shelf item in one purchase
POSITION_MAX = 10_000
COVER_MAX_BYTES = 5 * 2**20
COVER_MAX_PIXELS = 4096

# A room may be scheduled from a few minutes ago (the form was filled in slowly) up to this far ahead.
SCHEDULE_GRACE = timedelta(minutes=10)
SCHEDULE_AHEAD_MAX = timedelta(days=90)

COMMENTS_ON_PAGE = 50
PROFILE_ROOMS = 5  # live and scheduled rooms a video account's profile lists
SHELF_CHOICES_MAX = 300  # SKUs the owner's shelf form offers

# What a purchase in a room records on the order (DOMAIN.md "Orders", scene 2).
SOURCE_TYPE = "live_room"


# Rate limit on live-room comments, per user over the API, the websocket and the page
# (django-ratelimit's "COUNT/PERIOD"; docs/operations.md).
COMMENT_PER_USER = Limit("live.comment.user", "30/m")


class RoomState(models.TextChoices):
    SCHEDULED = "scheduled", _("待开播")
    LIVE = "live", _("直播中")
    ENDED = "ended", _("已结束")


# The only moves a room makes. Ending a scheduled room cancels it (it never started).
TRANSITIONS: dict[str, frozenset[str]] = {
    RoomState.SCHEDULED: frozenset({RoomState.LIVE, RoomState.ENDED}),
    RoomState.LIVE: frozenset({RoomState.ENDED}),
    RoomState.ENDED: frozenset(),
}

# Viewers: the page sends a heartbeat every VIEWER_HEARTBEAT; a connection not heard from for
# VIEWER_TTL (its server process died without closing it) stops counting.
VIEWER_HEARTBEAT = timedelta(seconds=30)
VIEWER_TTL = timedelta(seconds=90)
