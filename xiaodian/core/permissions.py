"""Permission helpers that do not know about stores (the store-scoped helper is in stores.access)."""

from .errors import DomainError


def require_user(user) -> None:
    if user is None or not user.is_authenticated:
        raise DomainError("unauthorized")


def require_operator(user) -> None:
    """Platform operations staff only; others learn nothing about the object (404)."""
    require_user(user)
    if not user.is_staff:
        raise DomainError("permission_denied")
