"""Permission helpers that do not know about stores (the store-scoped helper is in stores.access)."""

from .errors import DomainError


def require_user(user) -> None:
    if user is None or not user.is_authenticated:
        raise DomainError("unauthorized")


def require_operator(user) -> None:
    """Platform operations staff only (403). Routes that show operators' objects check
    visibility first, so non-operators get 404 for those objects before this runs."""
    require_user(user)
    if not user.is_staff:
        raise DomainError("permission_denied")
