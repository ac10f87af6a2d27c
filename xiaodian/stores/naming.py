"""Store-name rules: length, contact details, reserved words and the brand-store shapes."""

import unicodedata
from collections.abc import Iterable

from django.utils.translation import gettext as _

from xiaodian.core.errors import DomainError
from xiaodian.core.text import contains_contact_details, normalize, squash

from . import rules
from .rules import StoreKind


def display_form(name: str) -> str:
    """What we store and show: NFKC, runs of whitespace collapsed, trimmed."""
    return " ".join(unicodedata.normalize("NFKC", name).split())


def name_key(name: str) -> str:
    """The uniqueness key: NFKC, case-folded, spaces removed."""
    return normalize(name)


def reserved_words_in(name: str, reserved_words: Iterable[str]) -> list[str]:
    squashed = squash(name)
    return [w for w in reserved_words if squash(w) and squash(w) in squashed]


def matches_brand_shape(
    name: str, *, brands: Iterable[str], trade_name: str, categories: Iterable[str]
) -> bool:
    squashed = squash(name)
    trade = squash(trade_name)
    category_options = {""} | {squash(c) for c in categories}
    for shape in rules.BRAND_SHAPES:
        if "{trade_name}" in shape and not trade:
            continue
        for brand in brands or [""]:
            if "{brand}" in shape and not squash(brand):
                continue
            for category in category_options:
                candidate = shape.format(brand=squash(brand), trade_name=trade, category=category)
                if squashed == candidate:
                    return True
    return False


def check_store_name(
    name: str,
    *,
    kind: str,
    reserved_words: Iterable[str],
    approved_brands: list[str],
    trade_name: str,
    category_names: Iterable[str],
) -> str:
    """Return the name as it will be stored, or raise the rule it breaks."""
    shown = display_form(name)
    if not rules.NAME_MIN <= len(shown) <= rules.NAME_MAX:
        raise DomainError(
            "store_name_invalid",
            _("店铺名称需为 %(min)d–%(max)d 个字符。") % {"min": rules.NAME_MIN, "max": rules.NAME_MAX},
            field="name",
        )
    if contains_contact_details(shown):
        raise DomainError("store_name_invalid", _("店铺名称不能包含联系方式。"), field="name")
    if kind == StoreKind.BRAND and not approved_brands:
        raise DomainError("brand_not_authorized", field="kind")
    found = reserved_words_in(shown, reserved_words)
    if not found:
        return shown
    if kind == StoreKind.ORDINARY:
        raise DomainError(
            "store_name_reserved_word",
            _("普通店铺名称不能包含保留词：%(words)s") % {"words": "、".join(found)},
            field="name",
        )
    if not matches_brand_shape(
        shown, brands=approved_brands, trade_name=trade_name, categories=category_names
    ):
        raise DomainError(
            "store_name_reserved_word",
            _("品牌店铺名称只能使用以下格式：%(shapes)s")
            % {"shapes": "、".join(s.replace("{", "<").replace("}", ">") for s in rules.BRAND_SHAPES)},
            field="name",
        )
    return shown
