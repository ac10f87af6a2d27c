"""The data page's number formats: rates as percentages and the score's metric values."""

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

from xiaodian.analytics.access import may_see_data

register = template.Library()

DASH = "—"


@register.filter
def percent(value, places: int = 2) -> str:
    """0.1234 -> "12.34%"; None (nothing to divide by) -> "—"."""
    if value is None:
        return DASH
    return f"{Decimal(str(value)) * 100:.{int(places)}f}%"


@register.filter
def metric_value(metric: dict) -> str:
    """A score metric's value in its unit: a rate as a percentage, hours with one decimal."""
    value = metric.get("value")
    if value is None:
        return DASH
    if metric.get("unit") == "rate":
        return percent(value)
    if metric.get("unit") == "hours":
        return _("%(hours)s 小时") % {"hours": f"{float(value):.1f}"}
    return str(value)


@register.filter
def sees_data(store) -> bool:
    """May the viewer of `store` open its data center (for links to it)?"""
    return may_see_data(store)
