"""Small template helpers: money, permissions, labels."""

from django import template

from xiaodian.accounts.rules import Role
from xiaodian.accounts.selectors import public_name as accounts_public_name
from xiaodian.core.money import format_fen
from xiaodian.stores.access import can as store_can

register = template.Library()


@register.filter
def fen(amount) -> str:
    """Integer fen as yuan: 1234 → ¥12.34."""
    return "" if amount is None else format_fen(amount)


@register.filter
def can(store, perm: str) -> bool:
    """May the viewer of `store` (as `store_for` or the my-stores page set it) do `perm`?"""
    return store_can(store, perm)


@register.filter
def role_label(role: str | None) -> str:
    return Role(role).label if role in Role.values else ""


@register.filter
def indent(depth: int) -> str:
    """Full-width spaces for a depth in the category tree."""
    return "\u3000" * int(depth or 0)


@register.filter
def public_name(user) -> str:
    """A user as strangers see them (`accounts.selectors.public_name`)."""
    return accounts_public_name(user)
