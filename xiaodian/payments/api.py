"""WeChat Pay's calls to us: the payment notification endpoint."""

from ninja import Router, Schema

from xiaodian.core.openapi import refuses

from . import services

router = Router(tags=["payments"])


class NotificationRefused(Schema):
    code: str
    message: str


@router.post(
    "/payments/wechatpay/notify",
    auth=None,
    response={204: None, frozenset({400, 401, 409}): NotificationRefused},
    summary="WeChat Pay API v3 notification",
)
@refuses(
    "notification_signature_invalid",
    "notification_expired",
    "notification_invalid",
    "payment_amount_mismatch",
    "refund_amount_mismatch",
    "transfer_amount_mismatch",
    "notification_not_applied",
)
def wechatpay_notify(request):
    """WeChat Pay posts signed, encrypted notifications here. 204 when taken (duplicates too);
    4xx `{code, message}` when refused, so WeChat Pay delivers it again later."""
    return services.handle_notification(headers=dict(request.headers), body=request.body)
