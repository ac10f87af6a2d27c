"""Text rules shared by every app: normalisation for comparison, and contact details.

Orders stay on the platform, so names, comments and reviews may not carry phone numbers,
WeChat or QQ ids, e-mail addresses or links (DOMAIN.md "Live rooms"). This is a first,
pattern-based check; the trust-and-safety work replaces it behind the same function.
"""

import re
import unicodedata

from django.utils.translation import gettext as _

from .errors import DomainError

_SPACE = re.compile(r"\s+")
# Separators people put between characters to dodge a word filter ("旗 舰", "旗·舰", "o-f-f-i-c-i-a-l").
_SEPARATORS = re.compile(r"[\s\W_]+", re.UNICODE)

_CHINESE_DIGITS = str.maketrans("零〇一二三四五六七八九壹贰叁肆伍陆柒捌玖", "00123456789123456789")
_CONTACT_PATTERNS = [
    re.compile(r"1[3-9]\d{9}"),  # mainland mobile numbers
    re.compile(r"\d{3,4}-?\d{7,8}"),  # landlines
    re.compile(r"(?:微信|威信|薇信|vx|wx|wechat|weixin|v信|加v|加微)[:：号]?[a-z][-_a-z0-9]{5,19}"),
    re.compile(r"(?:qq|扣扣|企鹅)[:：号]?\d{5,11}"),
    re.compile(r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}"),
    re.compile(r"(?:https?://|www\.)\S+"),
]


def normalize(text: str) -> str:
    """The comparison form: NFKC (full-width to half-width), case-folded, spaces removed."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text).casefold())


def squash(text: str) -> str:
    """`normalize` and also drop punctuation and separators, for word filters."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).casefold())


def contains_contact_details(text: str) -> bool:
    folded = unicodedata.normalize("NFKC", text).casefold()
    candidates = {folded, _SPACE.sub("", folded), squash(folded).translate(_CHINESE_DIGITS)}
    return any(p.search(c) for p in _CONTACT_PATTERNS for c in candidates)


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def is_storable(text: str) -> bool:
    """False for text no database can keep: NUL characters and unpaired UTF-16 surrogates."""
    return not _UNSTORABLE.search(text)


def is_digits(value: str) -> bool:
    """ASCII digits only: what `int()` reads as a plain number. (`str.isdigit` also accepts "²" and
    other digits `int()` refuses.)"""
    return value.isascii() and value.isdigit()


def message_text(text, *, limit: int, field: str = "text") -> str:
    """A message's text (a chat's, customer service's), stripped: 1–`limit` characters the
    database can keep, else a refusal naming `field`."""
    text = (text if isinstance(text, str) else "").strip()
    if "\x00" in text:  # PostgreSQL keeps no NUL in text
        raise DomainError("validation_error", field=field)
    if not text or len(text) > limit:
        raise DomainError("validation_error", _("内容须为 1–%(n)d 个字") % {"n": limit}, field=field)
    return text
