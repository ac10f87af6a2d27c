"""Template helpers for reviews: stars and the reviewer's masked name."""

from django import template

from .. import rules
from ..selectors import masked_name

register = template.Library()


@register.filter
def stars(rating) -> str:
    """4 → ★★★★☆"""
    rating = int(rating or 0)
    return "★" * rating + "☆" * (rules.RATING_MAX - rating)


@register.filter
def reviewer(user) -> str:
    return masked_name(user)


@register.filter
def rating_label(rating) -> str:
    return str(rules.RATING_LABELS.get(int(rating or 0), ""))
