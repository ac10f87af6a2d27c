"""Live fills the extension points of the apps below it when it loads."""

from xiaodian.content import cards
from xiaodian.live import selectors


def test_a_video_account_profile_lists_rooms_through_live():
    assert cards.live_rooms_resolver.provider is selectors.profile_rooms
