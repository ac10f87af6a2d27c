from decimal import Decimal

from django import template

from ..rules import PPM

register = template.Library()


@register.filter
def ppm_percent(value) -> str:
    """A ratio in parts per million as a percent: 150000 → "15%", 12500 → "1.25%"."""
    if value in (None, ""):
        return ""
    percent = (Decimal(int(value)) * 100 / PPM).normalize()
    return f"{percent:f}%"
