"""The sandbox's HTTP face: the v3 endpoints under /sandbox/wechatpay/v3/ (signed both ways, in
WeChat Pay's JSON shapes) and the pay page where a person plays the payer."""

import json
from functools import wraps

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from xiaodian.core.money import format_fen
from xiaodian.payments.transport import IN_PROCESS_KEY

from . import services
from .models import SandboxTradeState, SandboxTransaction
from .services import SandboxError


def _answer(status: int, data: dict | None = None) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False).encode("utf-8") if data is not None else b""
    response = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    if data is None:
        del response["Content-Type"]
    for name, value in services.signed_headers(body).items():
        response[name] = value
    response["Request-ID"] = services.protocol.new_nonce()
    return response


def _v3(method: str):
    """An API endpoint: verify the merchant's signature, parse the JSON body, answer signed JSON
    (or a signed WeChat Pay error)."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def endpoint(request, *args, **kwargs):
            if request.method != method:
                return _answer(405, {"code": "METHOD_NOT_ALLOWED", "message": "不支持此请求方法"})
            return _handle(view, request, *args, **kwargs)

        return endpoint

    return decorate


def _handle(view, request, *args, **kwargs) -> HttpResponse:
    full_path = request.get_full_path()
    try:
        body = request.body.decode("utf-8")
        services.verify_merchant(
            method=request.method,
            url=full_path[full_path.index("/v3/") :],  # what the merchant signed: below the API root
            authorization=request.headers.get("Authorization", ""),
            body=body,
        )
        data = json.loads(body) if body else {}
        status, answer = view(request, data, *args, **kwargs)
    except SandboxError as exc:
        return _answer(exc.status, {"code": exc.code, "message": exc.message})
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _answer(400, {"code": "PARAM_ERROR", "message": "请求体不是有效的 JSON"})
    return _answer(status, answer)


def _pay_page_url(request, trade: SandboxTransaction) -> str:
    path = services.pay_page_path(trade)
    return path if request.META.get(IN_PROCESS_KEY) else request.build_absolute_uri(path)


@_v3("POST")
def native(request, data):
    trade = services.prepay(trade_type="NATIVE", data=data)
    return 200, {"code_url": _pay_page_url(request, trade)}


@_v3("POST")
def jsapi(request, data):
    trade = services.prepay(trade_type="JSAPI", data=data)
    return 200, {"prepay_id": trade.prepay_id}


@_v3("GET")
def query(request, data, out_trade_no):
    trade = services.query(out_trade_no=out_trade_no, mchid=request.GET.get("mchid", ""))
    return 200, services.transaction_json(trade)


@_v3("POST")
def close(request, data, out_trade_no):
    services.close(out_trade_no=out_trade_no, data=data)
    return 204, None


@_v3("POST")
def refund(request, data):
    refund = services.refund(data=data)
    return 200, services.refund_json(refund, status="PROCESSING" if refund.accepted else None)


@_v3("GET")
def query_refund(request, data, out_refund_no):
    return 200, services.refund_json(services.query_refund(out_refund_no=out_refund_no))


@_v3("POST")
def transfer(request, data):
    return 200, services.transfer_created_json(services.transfer(data=data))


@_v3("GET")
def query_transfer(request, data, out_bill_no):
    return 200, services.transfer_json(services.query_transfer(out_bill_no=out_bill_no))


def _safe_return(request) -> str:
    """Only a path on this site: never another host, never a scheme."""
    target = request.GET.get("return", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@require_http_methods(["GET", "POST"])
def pay_page(request, prepay_id):
    trade = SandboxTransaction.objects.filter(prepay_id=prepay_id).first()
    if trade is None:
        raise Http404
    back = _safe_return(request)
    status, error = 200, ""
    if request.method == "POST":
        try:
            trade = services.pay(prepay_id)
        except SandboxError:  # closed meanwhile
            status, error = 409, _("交易已关闭，无法支付。")
        else:
            if back:
                return redirect(back)
    return render(
        request,
        "wechatpay_sandbox/pay.html",
        {
            "trade": trade,
            "amount": format_fen(trade.amount_total),
            "paid": trade.trade_state in (SandboxTradeState.SUCCESS, SandboxTradeState.REFUND),
            "closed": trade.trade_state == SandboxTradeState.CLOSED,
            "back": back,
            "error": error,
        },
        status=status,
    )
