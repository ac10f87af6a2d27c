"""Could this user have seen a share? The check that makes a share hard to forge: a purchase
through a share verifies only when the buyer is a member of the channel it was shared into.

One small function per channel, `(channel_id, user_id, shared_at) -> bool`:

- `chat`, `group`: the user is a member of that 1:1 or group conversation (chats), and was one when
  the card was shared (a group's earlier messages are not a later member's to read);
- `moment`: the user may see the Moments post (social: the author's mutual contacts);
- `business_chat`: the buyer of that business chat (xiaodian/business: a store's staff member holds
  the buyer as a business contact with their consent), since before the share.

Tests may put their own answer in `CHECKS` (monkeypatch.setitem).
"""

from collections.abc import Callable
from datetime import datetime

from xiaodian.business import selectors as business
from xiaodian.chats.models import Member
from xiaodian.chats.rules import Kind
from xiaodian.social import selectors as social

from .rules import Channel


def not_wired(channel_id: int, user_id: int, shared_at: datetime) -> bool:
    """No app answers for this channel yet: membership cannot be verified."""
    return False


def _in_conversation(kind: str) -> Callable[[int, int, datetime], bool]:
    def check(channel_id: int, user_id: int, shared_at: datetime) -> bool:
        return Member.objects.filter(
            conversation_id=channel_id, conversation__kind=kind, user_id=user_id, joined_at__lte=shared_at
        ).exists()

    return check


def may_see_moment(channel_id: int, user_id: int, shared_at: datetime) -> bool:
    return social.visible_post(user_id, channel_id) is not None


IsMember = Callable[[int, int, datetime], bool]

CHECKS: dict[str, IsMember] = {
    Channel.CHAT: _in_conversation(Kind.DIRECT),
    Channel.GROUP: _in_conversation(Kind.GROUP),
    Channel.MOMENT: may_see_moment,
    Channel.BUSINESS_CHAT: business.is_chat_buyer,
}


def is_member(channel: str, channel_id: int, user_id: int, shared_at: datetime) -> bool:
    check = CHECKS.get(channel, not_wired)
    return check(channel_id, user_id, shared_at)
