"""Payment policy numbers, read from one place."""

from datetime import timedelta

# A notification is accepted only if its Wechatpay-Timestamp is this close to our clock.
NOTIFICATION_TOLERANCE = timedelta(minutes=5)

# Connect / read timeouts for real HTTP calls to WeChat Pay (the SDK has none by default).
HTTP_TIMEOUT = (5, 15)

# WeChat Pay limits.
DESCRIPTION_MAX = 127
REFUND_REASON_MAX = 80

# The reason WeChat Pay shows the payer when a deposit paid after its store closed is given back.
LATE_DEPOSIT_REFUND_REASON = "店铺已关闭，退还保证金"

# A refund that failed (refused by WeChat Pay, unreachable, or reported ABNORMAL / CLOSED) is
# submitted again, with the same out_refund_no, after these delays: 1 min after the first failure,
# 5 min after the second, 30 min after the third. After the fourth attempt it is given up
# (`gave_up`, and `refund_failed` is sent with final=True).
REFUND_RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
REFUND_MAX_ATTEMPTS = 1 + len(REFUND_RETRY_DELAYS)

# WeChat Pay's refusals of a refund that asking again cannot change: given up at once.
REFUND_PERMANENT_ERRORS = frozenset(
    {
        "PARAM_ERROR",
        "INVALID_REQUEST",
        "RESOURCE_NOT_EXISTS",
        "MCH_NOT_EXISTS",
        "NO_AUTH",
        "USER_ACCOUNT_ABNORMAL",
    }
)

# The sweep asks WeChat Pay about payments still unpaid after QUERY_AFTER (a notification may have
# been lost: WeChat Pay's advice is to query), up to QUERY_WITHIN after they were created, and
# about refunds still processing, up to REFUND_QUERY_WITHIN after they were submitted. Each is asked
# again after half its age (at least QUERY_AFTER): about a dozen times over a day, not every
# minute, so a young one is never starved by many old ones. At most SWEEP_BATCH of each per run.
QUERY_AFTER = timedelta(minutes=1)
QUERY_WITHIN = timedelta(days=1)
REFUND_QUERY_WITHIN = timedelta(days=7)
SWEEP_BATCH = 200

# 商家转账 (transfer bills, a merchant's withdrawal). WeChat Pay takes at least 0.1 yuan a bill and
# wants the payee's encrypted real name from 2,000 yuan on, which xiaodian does not collect: a
# transfer is 10 fen to 199,999 fen. The remark is shown to the payee, 32 characters at most.
# TRANSFER_SCENE_ID is the 转账场景 the merchant account was granted (1005: 佣金报酬).
TRANSFER_MIN_FEN = 10
TRANSFER_MAX_FEN = 199_999
TRANSFER_REMARK_MAX = 32
TRANSFER_SCENE_ID = "1005"
# A transfer still processing is asked about (services.sweep) like a refund, for as long as WeChat
# Pay's query answers (30 days).
TRANSFER_QUERY_WITHIN = timedelta(days=30)
