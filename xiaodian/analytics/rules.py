"""The data center's policy: the reporting time zone, the date-range limits, who may look, and
which after-sales count as refunded (DOMAIN.md "Orders", "After-sales"; docs/analytics.md)."""

from datetime import date

from xiaodian.accounts.rules import Perm
from xiaodian.aftersales.rules import SUCCEEDED, Kind
from xiaodian.core.clock import SHANGHAI
from xiaodian.scoring.rules import WINDOW as SCORE_WINDOW

# Days are calendar days in Shanghai, whatever the server's or the reader's time zone.
TZ = SHANGHAI  # report days are the platform's days (core.clock)

DEFAULT_DAYS = 30  # the range when none is given: the last 30 days, today included
MAX_DAYS = 366  # a year, leap day included
QUICK_RANGES = (7, 30, 90)  # the page's one-tap ranges, in days ending today
EARLIEST_DAY = date(2000, 1, 1)  # before the platform; also keeps time-zone arithmetic in range

# A staff member sees the data center with either permission: operators run the store on it
# (manage_orders), finance reconciles its money (finance). Customer service does not.
DATA_PERMS = frozenset({Perm.MANAGE_ORDERS, Perm.FINANCE})

# After-sales that gave money back: a refund or a return whose refund succeeded. An exchange also
# ends in MERCHANT_RETURN_SUCCESS but moves no money, hence the kinds.
REFUNDED_STATES = SUCCEEDED
REFUNDED_KINDS = frozenset({Kind.REFUND, Kind.RETURN})

SCORE_HISTORY_DAYS = SCORE_WINDOW.days  # the page charts the score over its window
