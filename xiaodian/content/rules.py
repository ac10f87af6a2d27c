"""Policy numbers of the content app: lengths, upload limits, and the HTML an article may hold."""

import re

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaodian.core.scenes import Scene

NAME_MAX = 30
INTRO_MAX = 200
TITLE_MAX = 64
BODY_MAX = 100_000  # characters of HTML, before sanitising
PRODUCT_CARDS_MAX = 20  # cards in one article
MALL_PATH_MAX = 200
VIDEO_URL_MAX = 500

VIDEO_MAX_BYTES = 50 * 2**20
VIDEO_EXTENSIONS = (".mp4", ".webm")
COVER_MAX_BYTES = 5 * 2**20
COVER_MAX_PIXELS = 4096

APP_ID_LENGTH = 18  # "wx" and 16 hex digits
APP_ID = re.compile(rf"wx[0-9a-f]{{{APP_ID_LENGTH - 2}}}")

# Scenes (DOMAIN.md "Orders") a product card's link records, and the source it names.
ARTICLE_SCENE = Scene.ARTICLE
VIDEO_SCENE = Scene.SHORT_VIDEO
MINI_PROGRAM_SCENE = Scene.MINI_PROGRAM

# What an article body may keep after sanitising; everything else is dropped (scripts with
# their content). A product card is a placeholder resolved when the page is rendered.
PRODUCT_CARD_TAG = "product-card"
ALLOWED_TAGS = {
    "p",
    "h2",
    "h3",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "img",
    "a",
    "br",
    PRODUCT_CARD_TAG,
}
ALLOWED_ATTRIBUTES = {"img": {"src", "alt"}, "a": {"href"}, PRODUCT_CARD_TAG: {"data-product-id"}}
URL_SCHEMES = {"http", "https"}


class State(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
