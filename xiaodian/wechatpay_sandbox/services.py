"""What the sandbox does, as WeChat Pay would: check the merchant's signature, keep transactions,
refunds and transfer bills (商家转账), take the payer's payment on the pay page, and deliver the
signed, encrypted TRANSACTION.SUCCESS, REFUND.* and MCHTRANSFER.BILL.FINISHED notifications to
their notify_url (again later, with backoff, if the merchant does not take them).

The sandbox's clock is the platform's (`clock.now()`), so tests that travel in time see its
notifications stamped in the same time; the merchant's requests are stamped by the SDK with the
machine's clock, and are checked against it."""

import json
import logging
import re
import secrets
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.urls import reverse

from xiaodian.core import clock
from xiaodian.payments import protocol, transport

from . import identity as identities
from . import rules
from .models import (
    SandboxPayee,
    SandboxRefund,
    SandboxRefundStatus,
    SandboxTradeState,
    SandboxTransaction,
    SandboxTransferBill,
    SandboxTransferState,
)

logger = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
_OUT_NO = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")
_OUT_REFUND_NO = re.compile(r"^[0-9A-Za-z_\-|*@]{1,64}$")
_OUT_BILL_NO = re.compile(r"^[0-9A-Za-z]{5,32}$")
_SCENE_ID = re.compile(r"^[0-9]{1,16}$")

_HTTP_URL = re.compile(r"^https?://")

T = TypeVar("T")


class SandboxError(Exception):
    """An answer in WeChat Pay's error shape: HTTP status, `code` (e.g. SIGN_ERROR), `message`."""

    def __init__(self, status: int, code: str, message: str):
        self.status, self.code, self.message = status, code, message
        super().__init__(f"{status} {code}: {message}")


def identity() -> identities.SandboxIdentity:
    return identities.load(Path(settings.WECHATPAY["SANDBOX_DIR"]))


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


def signed_headers(body: bytes) -> dict[str, str]:
    """The platform's signature over an answer or a notification."""
    me = identity()
    timestamp, nonce = str(int(clock.now().timestamp())), protocol.new_nonce()
    return {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": protocol.sign(
            me.platform_private_key, protocol.message(timestamp, nonce, body.decode("utf-8"))
        ),
        "Wechatpay-Serial": me.public_key_id,
        "Wechatpay-Signature-Type": protocol.SIGNATURE_TYPE,
    }


def verify_merchant(*, method: str, url: str, authorization: str, body: str) -> None:
    """The merchant's `Authorization` over METHOD, URL (path and query, below the API root),
    timestamp, nonce and body, with the merchant public key the sandbox issued."""
    fields = protocol.parse_authorization(authorization)
    me = identity()
    if fields is None:
        raise SandboxError(401, "SIGN_ERROR", "Authorization 头缺失或格式错误")
    if fields["mchid"] != me.mchid:
        raise SandboxError(401, "SIGN_ERROR", "商户号不存在")
    if fields["serial_no"] != me.cert_serial_no:
        raise SandboxError(401, "SIGN_ERROR", "商户证书序列号错误")
    stamp = fields["timestamp"]
    if (
        not (stamp.isascii() and stamp.isdigit())
        or abs(time.time() - int(stamp)) > rules.REQUEST_TOLERANCE_SECONDS
    ):
        raise SandboxError(401, "SIGN_ERROR", "请求时间戳已过期")
    signed = protocol.message(method, url, stamp, fields["nonce_str"], body)
    if not protocol.verify(me.merchant_public_key, signed, fields["signature"]):
        raise SandboxError(401, "SIGN_ERROR", "签名错误")


def _reject(message: str, code: str = "PARAM_ERROR", status: int = 400) -> NoReturn:
    raise SandboxError(status, code, message)


def _require(condition: object, message: str, code: str = "PARAM_ERROR", status: int = 400) -> None:
    if not condition:
        _reject(message, code, status)


def _found(row: T | None, message: str, code: str, status: int = 404) -> T:
    if row is None:
        _reject(message, code, status)
    return row


def _matching(value: object, pattern: re.Pattern[str], message: str) -> str:
    if not (isinstance(value, str) and pattern.match(value)):
        _reject(message)
    return value


def _total(amount: object, key: str) -> int:
    value = amount.get(key) if isinstance(amount, dict) else None
    if not (isinstance(amount, dict) and type(value) is int and value > 0):
        _reject(f"amount.{key} 必须是正整数（分）")
    _require(amount.get("currency", "CNY") == "CNY", "amount.currency 只支持 CNY")
    return value


# --------------------------------------------------------------------------------- transactions


def prepay(*, trade_type: str, data: dict[str, Any]) -> SandboxTransaction:
    """`/v3/pay/transactions/native|jsapi`: a transaction waiting for its payer."""
    me = identity()
    _require(isinstance(data, dict), "请求体必须是 JSON 对象")
    _require(data.get("mchid") == me.mchid, "mchid 与请求商户不一致", "MCH_NOT_EXISTS")
    _require(data.get("appid") == me.appid, "appid 与 mchid 不匹配", "APPID_MCHID_NOT_MATCH")
    description = data.get("description")
    if not (isinstance(description, str) and 0 < len(description) <= 127):
        _reject("description 长度为 1–127")
    out_trade_no = _matching(data.get("out_trade_no"), _OUT_NO, "out_trade_no 格式错误")
    total = _total(data.get("amount"), "total")
    notify_url = _matching(data.get("notify_url"), _HTTP_URL, "notify_url 格式错误")
    openid = ""
    if trade_type == "JSAPI":
        payer = data.get("payer")
        found = (payer or {}).get("openid") if isinstance(payer, dict) else None
        if not (isinstance(found, str) and found):
            _reject("JSAPI 下单需要 payer.openid")
        openid = found
    with transaction.atomic():
        trade = (
            SandboxTransaction.objects.select_for_update()
            .filter(mchid=me.mchid, out_trade_no=out_trade_no)
            .first()
        )
        if trade is not None:
            _require(trade.trade_state != SandboxTradeState.SUCCESS, "该订单已支付", "ORDERPAID", 403)
            _require(trade.trade_state == SandboxTradeState.NOTPAY, "该订单已关闭", "ORDER_CLOSED")
            same = (trade.trade_type, trade.amount_total, trade.description) == (
                trade_type,
                total,
                description,
            )
            _require(same, "商户订单号重复", "OUT_TRADE_NO_USED", 403)
            return trade
        now = clock.now()
        return SandboxTransaction.objects.create(
            mchid=me.mchid,
            appid=me.appid,
            out_trade_no=out_trade_no,
            trade_type=trade_type,
            prepay_id=f"wx{now.astimezone(SHANGHAI):%d%H%M%S}{secrets.token_hex(13)}",
            transaction_id=f"4200{secrets.randbelow(10**24):024d}",
            description=description,
            amount_total=total,
            notify_url=notify_url,
            attach=str(data.get("attach", ""))[:128],
            payer_openid=openid,
            created_at=now,
        )


def pay_page_path(trade: SandboxTransaction) -> str:
    return reverse("wechatpay_sandbox:pay", args=[trade.prepay_id])


def _trade(out_trade_no: str, mchid: str) -> SandboxTransaction:
    _require(mchid == identity().mchid, "mchid 与请求商户不一致", "MCH_NOT_EXISTS")
    trade = SandboxTransaction.objects.filter(mchid=mchid, out_trade_no=out_trade_no).first()
    return _found(trade, "订单不存在", "ORDER_NOT_EXIST")


_STATE_DESC: dict[str, str] = {
    SandboxTradeState.NOTPAY: "未支付",
    SandboxTradeState.SUCCESS: "支付成功",
    SandboxTradeState.CLOSED: "已关闭",
    SandboxTradeState.REFUND: "转入退款",
}


def transaction_json(trade: SandboxTransaction) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "appid": trade.appid,
        "mchid": trade.mchid,
        "out_trade_no": trade.out_trade_no,
        "trade_type": trade.trade_type,
        "trade_state": trade.trade_state,
        "trade_state_desc": _STATE_DESC[trade.trade_state],
        "attach": trade.attach,
        "amount": {"total": trade.amount_total, "currency": "CNY"},
    }
    if trade.trade_state in (SandboxTradeState.SUCCESS, SandboxTradeState.REFUND):
        assert trade.success_time is not None  # `pay` sets it with the SUCCESS state
        answer |= {
            "transaction_id": trade.transaction_id,
            "bank_type": "OTHERS",
            "success_time": _rfc3339(trade.success_time),
            "payer": {"openid": trade.payer_openid},
            "amount": {
                "total": trade.amount_total,
                "payer_total": trade.amount_total,
                "currency": "CNY",
                "payer_currency": "CNY",
            },
        }
    return answer


def query(*, out_trade_no: str, mchid: str) -> SandboxTransaction:
    """`/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=`."""
    return _trade(out_trade_no, mchid)


def close(*, out_trade_no: str, data: dict[str, Any]) -> None:
    """`/v3/pay/transactions/out-trade-no/{out_trade_no}/close`: an unpaid transaction can no
    longer be paid; closing a closed one again is fine; a paid one cannot be closed."""
    _require(isinstance(data, dict), "请求体必须是 JSON 对象")
    trade = _trade(out_trade_no, str(data.get("mchid", "")))
    with transaction.atomic():
        SandboxTransaction.objects.filter(pk=trade.pk, trade_state=SandboxTradeState.NOTPAY).update(
            trade_state=SandboxTradeState.CLOSED
        )
        trade.refresh_from_db()
    _require(trade.trade_state == SandboxTradeState.CLOSED, "订单已支付，不能关闭", "ORDERPAID")


_REFUND_FAILED = (SandboxRefundStatus.ABNORMAL, SandboxRefundStatus.CLOSED)


def fail_refunds(out_trade_no: str, *, times: int = 1, status: str = SandboxRefundStatus.ABNORMAL) -> None:
    """A switch for tests and the demo: the next `times` refunds of this transaction (new ones, or
    failed ones submitted again) are accepted (PROCESSING) and then end `status` (ABNORMAL or
    CLOSED), with a REFUND.ABNORMAL / REFUND.CLOSED notification. `times=0` turns it off."""
    if status not in _REFUND_FAILED:
        raise ValueError(f"a refund fails as ABNORMAL or CLOSED, not {status!r}")
    changed = SandboxTransaction.objects.filter(mchid=identity().mchid, out_trade_no=out_trade_no).update(
        refund_failures_left=max(0, times), refund_failure_status=status
    )
    _require(changed, "订单不存在", "ORDER_NOT_EXIST", 404)


def hold_refund_notifications(out_trade_no: str, hold: bool = True) -> None:
    """A switch for tests: refunds of this transaction settle, but their notifications are not
    sent (as if lost on the way; no retry either). `deliver_refund_notification` sends one."""
    changed = SandboxTransaction.objects.filter(mchid=identity().mchid, out_trade_no=out_trade_no).update(
        hold_refund_notifications=hold
    )
    _require(changed, "订单不存在", "ORDER_NOT_EXIST", 404)


def refund(*, data: dict[str, Any]) -> SandboxRefund:
    """`POST /v3/refund/domestic/refunds`. The refund is accepted and settles at once (SUCCESS, or
    ABNORMAL / CLOSED while the transaction's failure switch is on); its REFUND.* notification
    goes to `notify_url` (the request's, else the transaction's) before this answers. The answer
    says PROCESSING, as WeChat Pay's does (`refund_json(r, status=...)`; `r.accepted` is True).

    The same out_refund_no answers the same refund as it stands (`accepted` False), except a failed
    one, which is processed again (a new notification id): a simplification of WeChat Pay, where an
    ABNORMAL refund is taken up with apply-abnormal-refund instead."""
    me = identity()
    _require(isinstance(data, dict), "请求体必须是 JSON 对象")
    out_refund_no = _matching(data.get("out_refund_no"), _OUT_REFUND_NO, "out_refund_no 格式错误")
    amount = data.get("amount")
    wanted, total = _total(amount, "refund"), _total(amount, "total")
    notify_url = data.get("notify_url", "")
    _require(
        notify_url == "" or (isinstance(notify_url, str) and _HTTP_URL.match(notify_url)),
        "notify_url 格式错误",
    )
    by = (
        Q(transaction_id=data["transaction_id"])
        if data.get("transaction_id")
        else Q(out_trade_no=data.get("out_trade_no"))
    )
    with transaction.atomic():
        trade = _found(
            SandboxTransaction.objects.select_for_update().filter(by, mchid=me.mchid).first(),
            "订单不存在",
            "RESOURCE_NOT_EXISTS",
        )
        _require(
            not SandboxRefund.objects.filter(trade__mchid=me.mchid, out_refund_no=out_refund_no)
            .exclude(trade=trade)
            .exists(),
            "退款单号已用于其他订单",
            "INVALID_REQUEST",
        )
        done = trade.refunds.filter(out_refund_no=out_refund_no).first()
        if done is not None:
            _require(done.amount_refund == wanted, "同一退款单号的金额不一致", "INVALID_REQUEST")
            if done.status not in _REFUND_FAILED:
                done.accepted = False
                return done
        _require(
            trade.trade_state in (SandboxTradeState.SUCCESS, SandboxTradeState.REFUND),
            "订单未支付",
            "INVALID_REQUEST",
        )
        _require(total == trade.amount_total, "amount.total 与订单金额不一致")
        live = trade.refunds.exclude(status__in=_REFUND_FAILED)
        refunded = live.aggregate(sum=Sum("amount_refund"))["sum"] or 0
        _require(refunded + wanted <= trade.amount_total, "退款金额超过订单可退金额", "INVALID_REQUEST")
        now = clock.now()
        outcome: str = SandboxRefundStatus.SUCCESS
        if trade.refund_failures_left > 0:
            outcome = trade.refund_failure_status
            trade.refund_failures_left -= 1
        trade.trade_state = SandboxTradeState.REFUND
        trade.save(update_fields=["trade_state", "refund_failures_left"])
        settled: dict[str, Any] = {
            "status": outcome,
            "success_time": now if outcome == SandboxRefundStatus.SUCCESS else None,
            "notify_url": notify_url or trade.notify_url,
            "notification_id": str(uuid.uuid4()),
            "notify_attempts": 0,
            "notified_at": None,
        }
        if done is not None:
            SandboxRefund.objects.filter(pk=done.pk).update(
                submissions=F("submissions") + 1, reason=str(data.get("reason", ""))[:80], **settled
            )
            settled_refund = SandboxRefund.objects.select_related("trade").get(pk=done.pk)
        else:
            settled_refund = SandboxRefund.objects.create(
                trade=trade,
                out_refund_no=out_refund_no,
                refund_id=f"50{secrets.randbelow(10**28):028d}",
                amount_refund=wanted,
                reason=str(data.get("reason", ""))[:80],
                created_at=now,
                **settled,
            )
        if not trade.hold_refund_notifications:
            # the first redelivery, written with the refund: a crash loses no notification
            _retry_refund_later(settled_refund, 0)
    if not trade.hold_refund_notifications:
        deliver_refund_notification(settled_refund.pk, retry=False)
        settled_refund.refresh_from_db()
    settled_refund.accepted = True
    return settled_refund


def query_refund(*, out_refund_no: str) -> SandboxRefund:
    """`GET /v3/refund/domestic/refunds/{out_refund_no}`: the refund as it stands."""
    found = (
        SandboxRefund.objects.select_related("trade")
        .filter(trade__mchid=identity().mchid, out_refund_no=out_refund_no)
        .first()
    )
    return _found(found, "退款单不存在", "RESOURCE_NOT_EXISTS")


def refund_json(refund: SandboxRefund, *, status: str | None = None) -> dict[str, Any]:
    """The refund in WeChat Pay's shape; `status` overrides what it says (the creating call's
    answer is PROCESSING)."""
    trade = refund.trade
    status = status or refund.status
    answer: dict[str, Any] = {
        "refund_id": refund.refund_id,
        "out_refund_no": refund.out_refund_no,
        "transaction_id": trade.transaction_id,
        "out_trade_no": trade.out_trade_no,
        "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱",
        "create_time": _rfc3339(refund.created_at),
        "status": status,
        "funds_account": "AVAILABLE",
        "amount": {
            "total": trade.amount_total,
            "refund": refund.amount_refund,
            "payer_total": trade.amount_total,
            "payer_refund": refund.amount_refund,
            "settlement_total": trade.amount_total,
            "settlement_refund": refund.amount_refund,
            "discount_refund": 0,
            "currency": "CNY",
        },
    }
    if status == SandboxRefundStatus.SUCCESS and refund.success_time:
        answer["success_time"] = _rfc3339(refund.success_time)
    return answer


# ------------------------------------------------------------------------- paying and notifying


def pay(prepay_id: str, *, openid: str = "", notify: bool = True) -> SandboxTransaction:
    """The payer confirms on the pay page: the transaction succeeds and its notification goes out
    at once (paying again after success only re-sends a notification not yet taken). Tests may
    hold the notification back (`notify=False`) to deliver it themselves."""
    with transaction.atomic():
        trade = _found(
            SandboxTransaction.objects.select_for_update().filter(prepay_id=prepay_id).first(),
            "订单不存在",
            "ORDER_NOT_EXIST",
        )
        _require(trade.trade_state != SandboxTradeState.CLOSED, "订单已关闭", "ORDER_CLOSED")
        if trade.trade_state == SandboxTradeState.NOTPAY:
            trade.trade_state = SandboxTradeState.SUCCESS
            trade.success_time = clock.now()
            trade.payer_openid = trade.payer_openid or openid or f"o{secrets.token_urlsafe(20)[:27]}"
            trade.notification_id = str(uuid.uuid4())
            trade.save(update_fields=["trade_state", "success_time", "payer_openid", "notification_id"])
            if notify:  # the first redelivery, written with the success: a crash loses no notification
                _retry_later(trade.pk, 0)
    if notify and trade.notified_at is None:
        deliver_notification(trade.pk, retry=False)
    trade.refresh_from_db()
    return trade


def pay_for(out_trade_no: str, *, openid: str = "") -> SandboxTransaction:
    """`pay`, by the merchant's order number (a pending deposit's `transaction_id`): what seeding
    the demo with paid deposits, or a test, needs without visiting the pay page."""
    trade = SandboxTransaction.objects.filter(mchid=identity().mchid, out_trade_no=out_trade_no).first()
    return pay(_found(trade, "订单不存在", "ORDER_NOT_EXIST").prepay_id, openid=openid)


def build_notification(trade: SandboxTransaction) -> tuple[dict[str, str], bytes]:
    """A TRANSACTION.SUCCESS notification: the transaction, AES-256-GCM sealed with the APIv3
    key, in an envelope signed with the platform key. Its id stays the same on every delivery."""
    me = identity()
    assert trade.success_time is not None  # a transaction is notified once paid
    resource = transaction_json(trade) | {
        "trade_state": SandboxTradeState.SUCCESS,
        "trade_state_desc": "支付成功",
    }
    envelope = {
        "id": trade.notification_id,
        "create_time": _rfc3339(trade.success_time),
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": {
            "original_type": "transaction",
            **protocol.encrypt(me.apiv3_key, json.dumps(resource, ensure_ascii=False), "transaction"),
        },
    }
    body = protocol.dumps(envelope)
    return {"Content-Type": "application/json", **signed_headers(body)}, body


def _post(url: str, headers: dict[str, str], body: bytes, notification_id: str) -> bool:
    """POST a notification; a 2xx answer means taken. Never raises: whoever triggered the
    notification (the payer's page, the merchant's refund call) must not fail because the
    merchant's endpoint did."""
    try:
        with transport.session() as session:
            answer = session.post(url, data=body, headers=headers, timeout=rules.NOTIFY_HTTP_TIMEOUT)
    except Exception:
        logger.exception("wechatpay sandbox: delivering %s to %s failed", notification_id, url)
        return False
    if not 200 <= answer.status_code < 300:
        logger.warning("wechatpay sandbox: %s answered %s: %s", url, answer.status_code, answer.text[:300])
        return False
    return True


def deliver_notification(trade_pk: int, *, attempt: int = 0, retry: bool = True) -> bool:
    """Post the notification to its notify_url; a 2xx answer means taken. Otherwise try again
    after the next delay of rules.NOTIFY_RETRY_DELAYS, as a background task (`retry=False`: the
    caller queued that already, in the transaction that made the payment succeed). A notification
    already taken is not sent again, so a redelivery that finds it taken does nothing."""
    trade = SandboxTransaction.objects.get(pk=trade_pk)
    if trade.notified_at is not None or trade.trade_state == SandboxTradeState.NOTPAY:
        return trade.notified_at is not None
    headers, body = build_notification(trade)
    delivered = _post(trade.notify_url, headers, body, trade.notification_id)
    SandboxTransaction.objects.filter(pk=trade.pk).update(
        notify_attempts=F("notify_attempts") + 1, **({"notified_at": clock.now()} if delivered else {})
    )
    if not delivered and retry:
        _retry_later(trade.pk, attempt)
    return delivered


def _retry_later(trade_pk: int, attempt: int) -> None:
    if attempt >= len(rules.NOTIFY_RETRY_DELAYS):
        logger.warning("wechatpay sandbox: giving up on the notification of transaction %s", trade_pk)
        return
    from .tasks import deliver_sandbox_notification

    deliver_sandbox_notification.using(run_after=clock.now() + rules.NOTIFY_RETRY_DELAYS[attempt]).enqueue(
        trade_pk, attempt + 1
    )


_REFUND_EVENT: dict[str, tuple[str, str]] = {
    SandboxRefundStatus.SUCCESS: ("REFUND.SUCCESS", "退款成功"),
    SandboxRefundStatus.ABNORMAL: ("REFUND.ABNORMAL", "退款异常"),
    SandboxRefundStatus.CLOSED: ("REFUND.CLOSED", "退款关闭"),
}


def refund_resource(refund: SandboxRefund) -> dict[str, Any]:
    """What a REFUND.* notification's resource says (WeChat Pay's shape)."""
    trade = refund.trade
    resource: dict[str, Any] = {
        "mchid": trade.mchid,
        "out_trade_no": trade.out_trade_no,
        "transaction_id": trade.transaction_id,
        "out_refund_no": refund.out_refund_no,
        "refund_id": refund.refund_id,
        "refund_status": refund.status,
        "user_received_account": "支付用户零钱",
        "amount": {
            "total": trade.amount_total,
            "refund": refund.amount_refund,
            "payer_total": trade.amount_total,
            "payer_refund": refund.amount_refund,
        },
    }
    if refund.status == SandboxRefundStatus.SUCCESS and refund.success_time:
        resource["success_time"] = _rfc3339(refund.success_time)
    return resource


def build_refund_notification(refund: SandboxRefund) -> tuple[dict[str, str], bytes]:
    """A REFUND.SUCCESS / REFUND.ABNORMAL / REFUND.CLOSED notification, sealed and signed like a
    payment's. Its id stays the same on every delivery of one submission."""
    if refund.status not in _REFUND_EVENT:
        raise ValueError(f"refund {refund.out_refund_no} is still {refund.status}")
    me = identity()
    event_type, summary = _REFUND_EVENT[refund.status]
    envelope = {
        "id": refund.notification_id,
        "create_time": _rfc3339(refund.success_time or clock.now()),
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": summary,
        "resource": {
            "original_type": "refund",
            **protocol.encrypt(
                me.apiv3_key, json.dumps(refund_resource(refund), ensure_ascii=False), "refund"
            ),
        },
    }
    body = protocol.dumps(envelope)
    return {"Content-Type": "application/json", **signed_headers(body)}, body


def _retry_refund_later(refund: SandboxRefund, attempt: int) -> None:
    if attempt >= len(rules.NOTIFY_RETRY_DELAYS):
        logger.warning("wechatpay sandbox: giving up on the notification of refund %s", refund.out_refund_no)
        return
    from .tasks import deliver_sandbox_refund_notification

    deliver_sandbox_refund_notification.using(
        run_after=clock.now() + rules.NOTIFY_RETRY_DELAYS[attempt]
    ).enqueue(refund.pk, attempt + 1, refund.notification_id)


def deliver_refund_notification(
    refund_pk: int, *, attempt: int = 0, notification_id: str = "", retry: bool = True
) -> bool:
    """Post a settled refund's notification to its notify_url, with the same backoff as a
    payment's (`retry=False`: the caller queued the first redelivery already). A retry for a
    submission that has since been replaced (another `notification_id`), or for a notification
    already taken, does nothing."""
    refund = SandboxRefund.objects.select_related("trade").get(pk=refund_pk)
    if notification_id and notification_id != refund.notification_id:
        return False
    if refund.notified_at is not None or refund.status not in _REFUND_EVENT:
        return refund.notified_at is not None
    headers, body = build_refund_notification(refund)
    delivered = _post(refund.notify_url, headers, body, refund.notification_id)
    SandboxRefund.objects.filter(pk=refund.pk, notification_id=refund.notification_id).update(
        notify_attempts=F("notify_attempts") + 1, **({"notified_at": clock.now()} if delivered else {})
    )
    if not delivered and retry:
        _retry_refund_later(refund, attempt)
    return delivered


# ---------------------------------------------------------------------- 商家转账: transfer bills

_TRANSFER_FINAL = (SandboxTransferState.SUCCESS, SandboxTransferState.FAIL, SandboxTransferState.CANCELLED)


def fail_transfers(openid: str, *, times: int = 1, reason: str = "ACCOUNT_FROZEN") -> None:
    """A switch for tests and the demo: the next `times` transfer bills to this openid are
    accepted and then end FAIL with `fail_reason` `reason` (WeChat Pay's codes, e.g.
    ACCOUNT_FROZEN, REAL_NAME_CHECK_FAIL, TRANSFER_QUOTA_EXCEED), with a MCHTRANSFER.BILL.FINISHED
    notification saying so. `times=0` turns it off."""
    if not reason:
        raise ValueError("a failed transfer has a fail_reason")
    SandboxPayee.objects.update_or_create(
        openid=openid, defaults={"transfer_failures_left": max(0, times), "transfer_fail_reason": reason[:64]}
    )


def hold_transfer_notifications(openid: str, hold: bool = True) -> None:
    """A switch for tests: transfers to this openid settle, but their notifications are not sent
    (as if lost on the way; no redelivery either). `deliver_transfer_notification` sends one."""
    SandboxPayee.objects.update_or_create(openid=openid, defaults={"hold_transfer_notifications": hold})


def _transfer_remark(value: object) -> str:
    if not (isinstance(value, str) and value.strip() and len(value) <= rules.TRANSFER_REMARK_MAX):
        _reject(f"transfer_remark 长度为 1–{rules.TRANSFER_REMARK_MAX}")
    return value


def _transfer_amount(value: object) -> int:
    if type(value) is not int or value < rules.TRANSFER_MIN_FEN:
        _reject(f"transfer_amount 必须是不小于 {rules.TRANSFER_MIN_FEN} 的整数（分）")
    _require(
        value < rules.TRANSFER_NAME_REQUIRED_FEN,
        "转账金额不小于 2000 元时须填写 user_name（沙箱不支持）",
    )
    return value


def transfer(*, data: dict[str, Any]) -> SandboxTransferBill:
    """`POST /v3/fund-app/mch-transfer/transfer-bills`. The bill is accepted and settles at once
    (SUCCESS, or FAIL with a fail_reason while the payee's failure switch is on); its
    MCHTRANSFER.BILL.FINISHED notification goes to `notify_url` before this answers. The answer
    says ACCEPTED (`transfer_created_json`). The sandbox does not play the payee's confirmation
    (WAIT_USER_CONFIRM and package_info): a bill goes straight to its outcome.

    The same out_bill_no answers the same bill as it stands, if the request is the same (openid,
    amount); another request under a used number is refused (INVALID_REQUEST)."""
    me = identity()
    _require(isinstance(data, dict), "请求体必须是 JSON 对象")
    _require(data.get("appid") == me.appid, "appid 与 mchid 不匹配", "APPID_MCHID_NOT_MATCH")
    out_bill_no = _matching(data.get("out_bill_no"), _OUT_BILL_NO, "out_bill_no 只能由 5–32 位数字和字母组成")
    scene = _matching(data.get("transfer_scene_id"), _SCENE_ID, "transfer_scene_id 格式错误")
    openid = data.get("openid")
    if not (isinstance(openid, str) and 0 < len(openid) <= 64):
        _reject("openid 格式错误")
    amount = _transfer_amount(data.get("transfer_amount"))
    remark = _transfer_remark(data.get("transfer_remark"))
    notify_url = data.get("notify_url", "")
    _require(
        notify_url == "" or (isinstance(notify_url, str) and _HTTP_URL.match(notify_url)),
        "notify_url 格式错误",
    )
    with transaction.atomic():
        payee = SandboxPayee.objects.select_for_update().filter(openid=openid).first()
        bill = SandboxTransferBill.objects.filter(mchid=me.mchid, out_bill_no=out_bill_no).first()
        if bill is not None:
            same = (bill.openid, bill.transfer_amount) == (openid, amount)
            _require(same, "商户单号已用于另一笔转账", "INVALID_REQUEST")
            return bill
        now = clock.now()
        state, reason = SandboxTransferState.SUCCESS, ""
        if payee is not None and payee.transfer_failures_left > 0:
            state, reason = SandboxTransferState.FAIL, payee.transfer_fail_reason
            payee.transfer_failures_left -= 1
            payee.save(update_fields=["transfer_failures_left"])
        try:
            with transaction.atomic():
                bill = SandboxTransferBill.objects.create(
                    mchid=me.mchid,
                    appid=me.appid,
                    out_bill_no=out_bill_no,
                    transfer_bill_no=f"1330{secrets.randbelow(10**36):036d}",
                    transfer_scene_id=scene,
                    openid=openid,
                    transfer_amount=amount,
                    transfer_remark=remark,
                    notify_url=notify_url,
                    state=state,
                    fail_reason=reason,
                    created_at=now,
                    updated_at=now,
                    notification_id=str(uuid.uuid4()),
                )
        except IntegrityError:  # the same number, at the same moment: answer that bill
            found = SandboxTransferBill.objects.get(mchid=me.mchid, out_bill_no=out_bill_no)
            _require(
                (found.openid, found.transfer_amount) == (openid, amount),
                "商户单号已用于另一笔转账",
                "INVALID_REQUEST",
            )
            return found
        held = payee is not None and payee.hold_transfer_notifications
        if notify_url and not held:
            # the first redelivery, written with the bill: a crash loses no notification
            _retry_transfer_later(bill, 0)
    if notify_url and not held:
        deliver_transfer_notification(bill.pk, retry=False)
        bill.refresh_from_db()
    return bill


def query_transfer(*, out_bill_no: str) -> SandboxTransferBill:
    """`GET /v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}`."""
    found = SandboxTransferBill.objects.filter(mchid=identity().mchid, out_bill_no=out_bill_no).first()
    return _found(found, "转账单不存在", "NOT_FOUND")


def transfer_created_json(bill: SandboxTransferBill) -> dict[str, Any]:
    """What the creating call answers: the bill was accepted (its outcome comes by notification)."""
    return {
        "out_bill_no": bill.out_bill_no,
        "transfer_bill_no": bill.transfer_bill_no,
        "create_time": _rfc3339(bill.created_at),
        "state": SandboxTransferState.ACCEPTED,
    }


def transfer_json(bill: SandboxTransferBill) -> dict[str, Any]:
    """The bill as the query answers it (WeChat Pay's shape)."""
    answer: dict[str, Any] = {
        "mch_id": bill.mchid,
        "out_bill_no": bill.out_bill_no,
        "transfer_bill_no": bill.transfer_bill_no,
        "appid": bill.appid,
        "state": bill.state,
        "transfer_amount": bill.transfer_amount,
        "transfer_remark": bill.transfer_remark,
        "openid": bill.openid,
        "create_time": _rfc3339(bill.created_at),
        "update_time": _rfc3339(bill.updated_at),
    }
    if bill.fail_reason:
        answer["fail_reason"] = bill.fail_reason
    return answer


def transfer_resource(bill: SandboxTransferBill) -> dict[str, Any]:
    """What a MCHTRANSFER.BILL.FINISHED notification's resource says."""
    resource = transfer_json(bill)
    del resource["appid"], resource["transfer_remark"]
    return resource


def build_transfer_notification(bill: SandboxTransferBill) -> tuple[dict[str, str], bytes]:
    """A MCHTRANSFER.BILL.FINISHED notification, sealed and signed like a payment's. Its id stays
    the same on every delivery."""
    if bill.state not in _TRANSFER_FINAL:
        raise ValueError(f"transfer bill {bill.out_bill_no} is still {bill.state}")
    me = identity()
    envelope = {
        "id": bill.notification_id,
        "create_time": _rfc3339(bill.updated_at),
        "resource_type": "encrypt-resource",
        "event_type": "MCHTRANSFER.BILL.FINISHED",
        "summary": "商家转账单据终态通知",
        "resource": {
            "original_type": "mch_payment",
            **protocol.encrypt(
                me.apiv3_key, json.dumps(transfer_resource(bill), ensure_ascii=False), "mch_payment"
            ),
        },
    }
    body = protocol.dumps(envelope)
    return {"Content-Type": "application/json", **signed_headers(body)}, body


def _retry_transfer_later(bill: SandboxTransferBill, attempt: int) -> None:
    if attempt >= len(rules.NOTIFY_RETRY_DELAYS):
        logger.warning("wechatpay sandbox: giving up on the notification of transfer %s", bill.out_bill_no)
        return
    from .tasks import deliver_sandbox_transfer_notification

    deliver_sandbox_transfer_notification.using(
        run_after=clock.now() + rules.NOTIFY_RETRY_DELAYS[attempt]
    ).enqueue(bill.pk, attempt + 1)


def deliver_transfer_notification(bill_pk: int, *, attempt: int = 0, retry: bool = True) -> bool:
    """Post a settled bill's notification to its notify_url, with the same backoff as a payment's
    (`retry=False`: the caller queued the first redelivery already). A notification already taken
    is not sent again."""
    bill = SandboxTransferBill.objects.get(pk=bill_pk)
    if bill.notified_at is not None or bill.state not in _TRANSFER_FINAL or not bill.notify_url:
        return bill.notified_at is not None
    headers, body = build_transfer_notification(bill)
    delivered = _post(bill.notify_url, headers, body, bill.notification_id)
    SandboxTransferBill.objects.filter(pk=bill.pk).update(
        notify_attempts=F("notify_attempts") + 1, **({"notified_at": clock.now()} if delivered else {})
    )
    if not delivered and retry:
        _retry_transfer_later(bill, attempt)
    return delivered
