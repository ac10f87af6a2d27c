"""What chats leave to an app above them (docs/decisions.md "Extension points instead of dotted
paths").

`business_gate`: a message in a business chat (kind `business`, a store's staff member and a buyer)
is allowed only by the app that owns business contacts (xiaodian/business): it checks the buyer's
consent, the staff member's role and the store's customer-service mode, raises a `DomainError` to
refuse, and answers the verified subject to show on the message ("" for the buyer's own). With
nothing registered, no business chat takes a message.
"""

from datetime import datetime

from xiaodian.core.errors import DomainError
from xiaodian.core.extensions import ExtensionPoint


def _no_business_chats(conversation_id: int, sender_id: int, at: datetime) -> str:
    raise DomainError("not_found")


business_gate = ExtensionPoint("chats.business_gate", default=_no_business_chats)
