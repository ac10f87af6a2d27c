"""Customer service's extension points (xiaodian/core/extensions.py): a store whose customer
service runs outside the workbench. Business contacts, above service, register both: a legacy
video store keeps the legacy customer service (business contacts) until its owner upgrades
customer service (docs/business.md), so no workbench or self-built session opens there."""

from xiaodian.accounts.models import User
from xiaodian.core.extensions import ExtensionPoint
from xiaodian.stores.models import Store


def _never(store: Store) -> bool:
    return False


def _nowhere(buyer: User, store: Store) -> str:
    return ""


# Whether the store serves buyers outside this app (True: opening a session answers 409
# `service_legacy_mode`).
legacy_mode = ExtensionPoint("service.legacy_mode", default=_never)
# Where the buyer's 联系客服 leads for such a store (a page's path).
legacy_entry = ExtensionPoint("service.legacy_entry", default=_nowhere)
