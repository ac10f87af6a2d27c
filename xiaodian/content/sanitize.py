"""Article HTML: sanitised with nh3 on the way in, so what is stored is safe to render as is.

Kept: a small set of formatting tags, `img` (src, alt), `a` (href, rel=noopener) with http(s)
or relative URLs, and the `<product-card data-product-id="N">` placeholder. Dropped: scripts
and styles with their content, event handlers, `javascript:` URLs, every other tag and attribute.
"""

import html
import re

import nh3

from xiaodian.core.pagination import MAX_ID

from . import rules

_CARD = re.compile(r'<product-card data-product-id="(\d+)">')


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == rules.PRODUCT_CARD_TAG:  # a card names one product by its id, nothing else
        return value if value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_ID else None
    return value


def clean_body(raw: str) -> str:
    return nh3.clean(
        raw,
        tags=rules.ALLOWED_TAGS,
        attributes=rules.ALLOWED_ATTRIBUTES,
        url_schemes=rules.URL_SCHEMES,
        link_rel="noopener",
        attribute_filter=_keep_attribute,
    )


def product_ids(clean: str) -> list[int]:
    """The products the cards of a sanitised body name, in order, each once."""
    return list(dict.fromkeys(int(n) for n in _CARD.findall(clean)))


def text_of(clean: str) -> str:
    """The readable text of a body, for the contact-details check."""
    return html.unescape(nh3.clean(clean, tags=set()))
