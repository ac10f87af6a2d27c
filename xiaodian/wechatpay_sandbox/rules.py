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
