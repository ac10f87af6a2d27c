"""Public order numbers: the date in Shanghai and 14 random digits. They say when, never how many."""

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
RANDOM_DIGITS = 14


def order_number(at: datetime) -> str:
    return f"{at.astimezone(SHANGHAI):%y%m%d}{secrets.randbelow(10**RANDOM_DIGITS):0{RANDOM_DIGITS}d}"
