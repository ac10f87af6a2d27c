"""Who may open a store's data center: staff holding one of `rules.DATA_PERMS`. No role in the
store answers 404 (as everywhere: `stores.access.store_for`); a role without either permission 403."""

from xiaodian.accounts.models import User
from xiaodian.core.errors import DomainError
from xiaodian.stores.access import can, store_for
from xiaodian.stores.models import Store

from . import rules


def data_store_for(user: User, store_id: int) -> Store:
    store = store_for(user, store_id)
    if not may_see_data(store):
        raise DomainError("permission_denied")
    return store


def may_see_data(store: Store) -> bool:
    """For templates: may the viewer of `store` (from `store_for`) open its data center?"""
    return any(can(store, perm) for perm in rules.DATA_PERMS)
