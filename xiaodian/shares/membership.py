"""Could this user have seen a share? The check that makes a share hard to forge: a purchase
through a share verifies only when the buyer is a member of the channel it was shared into.

One small function per channel, `(channel_id, user_id) -> bool`:

- `chat`, `group`: the user is a member of the conversation (the chats app: conversations and
  their members);
- `moment`: the user may see the Moments post (social: the author's mutual contacts);
- `business_chat`: the user is the buyer of the business-contact conversation (chats).

THE SEAM: those apps are being built on other branches (`chats`, `social`). Until they are merged
and wired here, every channel answers `not_wired` — nobody can be shown to be in any channel, so
no share verifies and a checkout through one records scene 1 (never a forged 9). Tests put their
own answer in `CHECKS` (monkeypatch.setitem).
"""

from collections.abc import Callable

from .rules import Channel


def not_wired(channel_id: int, user_id: int) -> bool:
    """No app answers for this channel yet: membership cannot be verified."""
    return False


IsMember = Callable[[int, int], bool]

CHECKS: dict[str, IsMember] = {
    Channel.CHAT: not_wired,
    Channel.GROUP: not_wired,
    Channel.MOMENT: not_wired,
    Channel.BUSINESS_CHAT: not_wired,
}


def is_member(channel: str, channel_id: int, user_id: int) -> bool:
    check = CHECKS.get(channel, not_wired)
    return check(channel_id, user_id)
