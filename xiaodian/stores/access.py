"""The one permission helper for store-scoped work. Every store endpoint, page and later app
calls `store_for`: no role → 404 (the store is not there for you); a role without the
permission → 403."""

from xiaodian.accounts.models import User
from xiaodian.accounts.rules import ROLE_PERMS, Perm
from xiaodian.core.errors import DomainError
from xiaodian.core.pagination import MAX_ID
from xiaodian.core.permissions import require_user

from .models import Store, StoreStaff


def store_for(user: User, store_id: int, perm: str = Perm.VIEW) -> Store:
    require_user(user)
    if not 1 <= store_id <= MAX_ID:  # a page's URL can carry any number of digits
        raise DomainError("not_found")
    membership = (
        StoreStaff.objects.select_related("store", "store__main_category", "store__subject")
        .filter(store_id=store_id, user=user)
        .first()
    )
    if membership is None:
        raise DomainError("not_found")
    if perm not in ROLE_PERMS[membership.role]:
        raise DomainError("permission_denied")
    store = membership.store
    store.viewer_role = membership.role
    return store


def can(store: Store, perm: str) -> bool:
    """For templates and schemas: may the viewer of `store` (from `store_for`) do `perm`?"""
    return perm in ROLE_PERMS.get(getattr(store, "viewer_role", ""), frozenset())


def has_perm(user: User, store_id: int, perm: str) -> bool:
    """Whether the user holds `perm` in the store (for checks that refuse in their own words)."""
    role = (
        StoreStaff.objects.filter(store_id=store_id, user_id=user.pk).values_list("role", flat=True).first()
    )
    return role is not None and perm in ROLE_PERMS[role]
