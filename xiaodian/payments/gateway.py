"""The merchant side of WeChat Pay API v3, through the `wechatpayv3` SDK in its public-key mode.

`WeChatPayGateway` speaks the protocol (prepay, query, close, refund, refund query, transfer bills
and their query, notification verification
and decryption) and is also the platform's `PaymentGateway` (registered into `core.payments.
payment_gateway` by `PaymentsConfig.ready()`), so the stores' deposits are paid through WeChat Pay: a charge is a pending Payment with a pay page, and
the deposit is marked paid when the payment's notification arrives (services.handle_notification).
"""

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import requests
from django.db.models import Q
from wechatpayv3 import WeChatPay, WeChatPayType

from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.payments import Charge, PaymentGateway
from xiaodian.core.text import is_digits

from . import protocol, rules, transport
from .config import WeChatPayConfig, current

logger = logging.getLogger(__name__)

transport.install_in_sdk()


class GatewayError(Exception):
    """WeChat Pay refused the call, or it never completed. `code` is WeChat Pay's error code when
    it answered with one (e.g. ORDERPAID, NOT_ENOUGH), else NETWORK_ERROR / SIGN_ERROR."""

    def __init__(self, status: int, code: str, message: str = ""):
        self.status, self.code, self.message = status, code, message
        super().__init__(f"{status} {code}: {message}")


class NotificationError(Exception):
    """A notification that must not be believed. `code` is a DomainError code."""

    def __init__(self, code: str, reason: str):
        self.code, self.reason = code, reason
        super().__init__(f"{code}: {reason}")


@dataclass(frozen=True)
class Notification:
    id: str
    event_type: str
    create_time: str
    resource: dict


@lru_cache(maxsize=4)
def _client(config: WeChatPayConfig) -> WeChatPay:
    client = WeChatPay(
        wechatpay_type=WeChatPayType.NATIVE,
        mchid=config.mchid,
        private_key=config.private_key,
        cert_serial_no=config.cert_serial_no,
        appid=config.appid,
        apiv3_key=config.apiv3_key,
        notify_url=config.notify_url,
        public_key=config.public_key,
        public_key_id=config.public_key_id,
        timeout=rules.HTTP_TIMEOUT,
    )
    client._core._gate_way = config.base_url  # the SDK's only way to point elsewhere
    return client


def _header(headers: dict, name: str) -> str:
    """A header from a plain dict, Django's request.headers or request.META, in any case."""
    wanted = name.lower()
    meta = "http_" + wanted.replace("-", "_")
    for key, value in headers.items():
        if key.lower() in (wanted, meta):
            return str(value)
    return ""


class WeChatPayGateway(PaymentGateway):
    def __init__(self, config: WeChatPayConfig | None = None):
        self.config = config or current()
        self.client = _client(self.config)

    # ------------------------------------------------------------------------- the v3 operations

    def _call(self, operation, **kwargs) -> dict:
        try:
            status, body = operation(**kwargs)
        except requests.RequestException as exc:
            raise GatewayError(0, "NETWORK_ERROR", str(exc)) from exc
        except Exception as exc:  # the SDK raises bare Exceptions, e.g. for a bad answer signature
            raise GatewayError(0, "SIGN_ERROR", str(exc)) from exc
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body or ""
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            data = {}
        if not 200 <= status < 300:
            raise GatewayError(
                status, str(data.get("code") or "HTTP_ERROR"), str(data.get("message") or text)
            )
        return data

    def prepay_native(self, *, out_trade_no: str, description: str, amount_fen: int) -> str:
        """`/v3/pay/transactions/native`: the code_url to show as a QR code."""
        data = self._call(
            self.client.pay,
            description=description,
            out_trade_no=out_trade_no,
            amount={"total": amount_fen, "currency": "CNY"},
            pay_type=WeChatPayType.NATIVE,
        )
        return data["code_url"]

    def prepay_jsapi(self, *, out_trade_no: str, description: str, amount_fen: int, openid: str) -> str:
        """`/v3/pay/transactions/jsapi`: the prepay_id a mini program or official account pays with."""
        data = self._call(
            self.client.pay,
            description=description,
            out_trade_no=out_trade_no,
            amount={"total": amount_fen, "currency": "CNY"},
            payer={"openid": openid},
            pay_type=WeChatPayType.JSAPI,
        )
        return data["prepay_id"]

    def jsapi_params(self, prepay_id: str) -> dict:
        """What `wx.requestPayment` takes, signed with the merchant key."""
        timestamp, nonce = str(int(clock.now().timestamp())), protocol.new_nonce()
        package = f"prepay_id={prepay_id}"
        return {
            "appId": self.config.appid,
            "timeStamp": timestamp,
            "nonceStr": nonce,
            "package": package,
            "signType": "RSA",
            "paySign": self.client.sign([self.config.appid, timestamp, nonce, package]),
        }

    def query(self, out_trade_no: str) -> dict:
        """`/v3/pay/transactions/out-trade-no/{out_trade_no}`."""
        return self._call(self.client.query, out_trade_no=out_trade_no)

    def close(self, out_trade_no: str) -> None:
        """`/v3/pay/transactions/out-trade-no/{out_trade_no}/close`."""
        self._call(self.client.close, out_trade_no=out_trade_no)

    def create_refund(
        self, *, out_trade_no: str, out_refund_no: str, refund_fen: int, total_fen: int, reason: str
    ) -> dict:
        """`/v3/refund/domestic/refunds`."""
        return self._call(
            self.client.refund,
            out_refund_no=out_refund_no,
            amount={"refund": refund_fen, "total": total_fen, "currency": "CNY"},
            out_trade_no=out_trade_no,
            reason=reason[: rules.REFUND_REASON_MAX] or None,
        )

    def query_refund(self, out_refund_no: str) -> dict:
        """`GET /v3/refund/domestic/refunds/{out_refund_no}`: the refund's `status` (SUCCESS,
        PROCESSING, ABNORMAL, CLOSED), `refund_id`, `amount`, ..."""
        return self._call(self.client.query_refund, out_refund_no=out_refund_no)

    def create_transfer(
        self, *, out_bill_no: str, scene_id: str, openid: str, amount_fen: int, remark: str
    ) -> dict:
        """`POST /v3/fund-app/mch-transfer/transfer-bills` (商家转账): out_bill_no,
        transfer_bill_no, create_time, `state` (ACCEPTED, PROCESSING, WAIT_USER_CONFIRM, ...)."""
        return self._call(
            self.client.mch_transfer_bills,
            out_bill_no=out_bill_no,
            transfer_scene_id=scene_id,
            openid=openid,
            transfer_amount=amount_fen,
            transfer_remark=remark,
        )

    def query_transfer(self, out_bill_no: str) -> dict:
        """`GET /v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}`: the bill's
        `state` (SUCCESS, FAIL, CANCELLED, or not final yet), `transfer_amount`, `fail_reason`, ..."""
        return self._call(self.client.mch_transfer_bills_query, out_bill_no=out_bill_no)

    def verify_notification(self, headers: dict, body: bytes) -> Notification:
        """Check a notification's signature (the platform public key), its timestamp (within
        rules.NOTIFICATION_TOLERANCE of our clock) and open its resource (the APIv3 key)."""
        signature_type = _header(headers, "Wechatpay-Signature-Type")
        serial = _header(headers, "Wechatpay-Serial")
        timestamp = _header(headers, "Wechatpay-Timestamp")
        nonce = _header(headers, "Wechatpay-Nonce")
        signature = _header(headers, "Wechatpay-Signature")
        if signature_type != protocol.SIGNATURE_TYPE:
            raise NotificationError("notification_signature_invalid", f"signature type {signature_type!r}")
        if serial != self.config.public_key_id:
            raise NotificationError("notification_signature_invalid", f"unknown Wechatpay-Serial {serial!r}")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NotificationError("notification_signature_invalid", "body is not UTF-8") from exc
        if not protocol.verify(self.config.public_key, protocol.message(timestamp, nonce, text), signature):
            raise NotificationError("notification_signature_invalid", "signature does not verify")
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            raise NotificationError("notification_expired", f"timestamp {timestamp[:20]!r}")
        sent = datetime.fromtimestamp(int(timestamp), tz=UTC)
        if abs(clock.now() - sent) > rules.NOTIFICATION_TOLERANCE:
            raise NotificationError("notification_expired", f"sent at {sent.isoformat()}")
        try:
            envelope = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise NotificationError("notification_invalid", "body is not JSON") from exc
        if not isinstance(envelope, dict) or not isinstance(envelope.get("resource"), dict):
            raise NotificationError("notification_invalid", "no resource")
        if not isinstance(envelope.get("id"), str) or not envelope["id"] or len(envelope["id"]) > 64:
            raise NotificationError("notification_invalid", "no id")
        if envelope.get("resource_type") != "encrypt-resource":
            raise NotificationError(
                "notification_invalid", f"resource_type {envelope.get('resource_type')!r}"
            )
        plaintext = protocol.decrypt(self.config.apiv3_key, envelope["resource"])
        if plaintext is None:
            raise NotificationError("notification_invalid", "resource does not decrypt")
        try:
            resource = json.loads(plaintext)
        except (ValueError, RecursionError) as exc:
            raise NotificationError("notification_invalid", "resource is not JSON") from exc
        if not isinstance(resource, dict):
            raise NotificationError("notification_invalid", "resource is not an object")
        return Notification(
            id=envelope["id"],
            event_type=str(envelope.get("event_type", "")),
            create_time=str(envelope.get("create_time", "")),
            resource=resource,
        )

    # ------------------------------------------------------------ the platform's PaymentGateway

    def charge(self, *, reference: str, amount_fen: int, description: str) -> Charge:
        """A deposit's charge (`reference` is "deposit-<StoreDeposit id>"): a pending Payment whose
        pay page is `pay_url`; a payment already made answers "succeeded"."""
        from . import selectors, services
        from .models import PaymentStatus, Purpose

        purpose, _, reference_id = reference.partition("-")
        if purpose != Purpose.DEPOSIT or not is_digits(reference_id):
            raise ValueError(f"WeChatPayGateway charges deposits only, not {reference!r}")
        existing = selectors.payment_for(Purpose.DEPOSIT, int(reference_id))
        if existing is not None and existing.status == PaymentStatus.SUCCEEDED:
            return Charge(transaction_id=existing.transaction_id, status="succeeded")
        if existing is not None and existing.status == PaymentStatus.CLOSED:
            return Charge(transaction_id=existing.out_trade_no, status="failed")
        try:
            payment = services.create_payment(
                purpose=Purpose.DEPOSIT,
                reference_id=int(reference_id),
                amount_fen=amount_fen,
                description=description,
            )
        except DomainError as exc:
            logger.warning("wechatpay: charge %s failed: %s", reference, exc)
            return Charge(transaction_id="", status="failed")
        return Charge(
            transaction_id=payment.out_trade_no, status="pending", pay_url=services.pay_url(payment)
        )

    def refund(self, *, transaction_id: str, amount_fen: int, reason: str) -> Charge:
        """Refund the payment known by our out_trade_no or WeChat Pay's transaction_id. A full
        refund has a fixed out_refund_no, so asking twice refunds once (and asking again after it
        failed submits it again). "pending" while WeChat Pay processes it: a deposit's refund is
        then completed by its REFUND.SUCCESS notification (stores.mark_deposit_refunded)."""
        from . import services
        from .models import Payment, RefundStatus

        payment = (
            Payment.objects.filter(Q(out_trade_no=transaction_id) | Q(transaction_id=transaction_id)).first()
            if transaction_id
            else None
        )
        if payment is None:
            logger.warning("wechatpay: no payment %r to refund", transaction_id)
            return Charge(transaction_id="", status="failed")
        try:
            refund = services.refund_payment(
                payment=payment,
                amount_fen=amount_fen,
                reason=reason,
                out_refund_no=services.full_refund_no(payment) if amount_fen == payment.amount_fen else None,
            )
        except DomainError as exc:
            logger.warning("wechatpay: refund of %s failed: %s", payment.out_trade_no, exc)
            return Charge(transaction_id="", status="failed")
        status = {RefundStatus.SUCCEEDED: "succeeded", RefundStatus.PROCESSING: "pending"}.get(
            refund.status, "failed"
        )
        return Charge(transaction_id=refund.refund_id or refund.out_refund_no, status=status)
