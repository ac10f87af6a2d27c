"""The sandbox's policy numbers: WeChat Pay's own, as far as the sandbox plays them."""

from datetime import timedelta

# A merchant's request is accepted only if its Authorization timestamp is this close to the clock.
REQUEST_TOLERANCE_SECONDS = 300

# When the sandbox cannot deliver a notification it tries again after these delays, as WeChat
# Pay does (15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h: about a day in all).
NOTIFY_RETRY_DELAYS = tuple(
    timedelta(seconds=s)
    for s in (15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600)
)

# Connect / read timeouts of a notification's POST to the merchant's notify_url.
NOTIFY_HTTP_TIMEOUT = (5, 15)

# 商家转账 (transfer bills): WeChat Pay takes 0.1 yuan at least per bill, and asks for the payee's
# encrypted real name (user_name) from 2,000 yuan on; the sandbox does not play user_name, so it
# takes bills below that only.
TRANSFER_MIN_FEN = 10
TRANSFER_NAME_REQUIRED_FEN = 200_000
TRANSFER_REMARK_MAX = 32
