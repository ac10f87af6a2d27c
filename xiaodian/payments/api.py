"""WeChat Pay's calls to us: the payment notification endpoint."""

from ninja import Router, Schema
from ninja.responses import codes_4xx

from . import services

router = Router(tags=["payments"])


class NotificationRefused(Schema):
    code: str
    message: str


@router.post(
    "/payments/wechatpay/notify",
    auth=None,
    response={204: None, codes_4xx: NotificationRefused},
    summary="WeChat Pay API v3 notification",
)
def wechatpay_notify(request):
    """WeChat Pay posts signed, encrypted notifications here. 204 when taken (duplicates too);
    4xx `{code, message}` when refused, so WeChat Pay delivers it again later."""
    return services.handle_notification(headers=dict(request.headers), body=request.body)
