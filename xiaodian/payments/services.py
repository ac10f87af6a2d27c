"""Writes for payments: start a payment, ask about it, close it, refund it (and retry a failed
refund), pay money out by a 商家转账 transfer, and apply WeChat Pay's notifications. This is the
interface orders, after-sales and (for withdrawals) the ledger call.

Calls to WeChat Pay go over the network (or in-process to the sandbox, transport.py), so none of
them is made inside a transaction this module opens; each state change after one is its own short
transaction, conditional on the state it expects.
"""

import contextlib
import json
import logging
import re
import secrets
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.stores import services as stores

from . import events, rules, selectors
from .config import SANDBOX_PATH
from .config import current as current_config
from .gateway import GatewayError, Notification, NotificationError, WeChatPayGateway
from .models import (
    Channel,
    NotificationLog,
    NotificationOutcome,
    NotificationReceipt,
    Payment,
    PaymentStatus,
    Purpose,
    Refund,
    RefundStatus,
    Transfer,
    TransferState,
)
from .signals import payment_succeeded, refund_failed, refund_succeeded

logger = logging.getLogger(__name__)

_PREFIX: dict[str, str] = {Purpose.CHECKOUT: "C", Purpose.DEPOSIT: "D"}


def new_out_trade_no(purpose: str) -> str:
    """A prefix, the date in Shanghai and 20 random hex digits: 29 characters that say nothing
    about how many payments came before."""
    day = timezone.localtime(clock.now()).strftime("%Y%m%d")
    return f"{_PREFIX[purpose]}{day}{secrets.token_hex(10).upper()}"


def full_refund_no(payment: Payment) -> str:
    """The out_refund_no of a payment's one full refund: asking twice refunds once."""
    return f"R{payment.out_trade_no}"


# ----------------------------------------------------------------------------- starting a payment


def _payable(
    *, purpose: str, reference_id: int, amount_fen: int, description: str, channel: str, payer_openid: str
) -> Payment:
    existing = selectors.payment_for(purpose, reference_id)
    if existing is None:
        try:
            with transaction.atomic():
                return Payment.objects.create(
                    out_trade_no=new_out_trade_no(purpose),
                    purpose=purpose,
                    reference_id=reference_id,
                    amount_fen=amount_fen,
                    description=description,
                    channel=channel,
                    payer_openid=payer_openid,
                )
        except IntegrityError:  # someone started it just now
            existing = Payment.objects.get(purpose=purpose, reference_id=reference_id)
    if existing.status != PaymentStatus.CREATED:
        raise DomainError("invalid_transition", _("该支付单已支付或已关闭。"))
    if existing.amount_fen != amount_fen:
        raise DomainError("invalid_transition", _("金额与已创建的支付单不一致。"))
    return existing


def create_payment(
    *,
    purpose: str,
    reference_id: int,
    amount_fen: int,
    description: str,
    channel: str = "native",
    payer_openid: str = "",
) -> Payment:
    """The one payment for a checkout or a deposit, prepaid at WeChat Pay (a Native code_url or a
    JSAPI prepay_id). Asking again for the same reference answers the same payment while it is
    still payable."""
    if purpose not in Purpose.values:
        raise DomainError("validation_error", field="purpose")
    if channel not in Channel.values:
        raise DomainError("validation_error", field="channel")
    if channel == Channel.JSAPI and not payer_openid:
        raise DomainError("validation_error", _("JSAPI 支付需要付款人的 openid。"), field="payer_openid")
    if not isinstance(amount_fen, int) or amount_fen <= 0:
        raise DomainError("validation_error", field="amount_fen")
    description = " ".join(str(description).split())[: rules.DESCRIPTION_MAX]
    if not description:
        raise DomainError("validation_error", field="description")
    payment = _payable(
        purpose=purpose,
        reference_id=reference_id,
        amount_fen=amount_fen,
        description=description,
        channel=channel,
        payer_openid=payer_openid,
    )
    if payment.prepay_id or payment.code_url:
        return payment
    gateway = WeChatPayGateway()
    try:
        if payment.channel == Channel.JSAPI:
            prepay = {
                "prepay_id": gateway.prepay_jsapi(
                    out_trade_no=payment.out_trade_no,
                    description=payment.description,
                    amount_fen=payment.amount_fen,
                    openid=payment.payer_openid,
                )
            }
        else:
            prepay = {
                "code_url": gateway.prepay_native(
                    out_trade_no=payment.out_trade_no,
                    description=payment.description,
                    amount_fen=payment.amount_fen,
                )
            }
    except GatewayError as exc:
        logger.warning("wechatpay: prepay of %s failed: %s", payment.out_trade_no, exc)
        raise DomainError("payment_failed") from exc
    with transaction.atomic():
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.CREATED).update(**prepay)
    for name, value in prepay.items():
        setattr(payment, name, value)
    return payment


def pay_url(payment: Payment) -> str:
    """Where the payer pays: the sandbox's pay page, or (with WeChat Pay itself) the Native code_url."""
    config = current_config()
    if payment.prepay_id and config.uses_sandbox:
        path = reverse("wechatpay_sandbox:pay", args=[payment.prepay_id])
        return path if config.in_process else config.base_url + path.removeprefix(SANDBOX_PATH)
    return payment.code_url


def jsapi_params(payment: Payment) -> dict:
    """The signed parameters of `wx.requestPayment` for a JSAPI payment."""
    if not payment.prepay_id:
        raise DomainError("invalid_transition")
    return WeChatPayGateway().jsapi_params(payment.prepay_id)


# ------------------------------------------------------------------------- success, from anywhere


def _paid_at(value) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return clock.now()
    return moment if timezone.is_aware(moment) else clock.now()


def refund_late_deposit(*, payment_id: int) -> None:
    """`late_deposit_paid`'s handler: the whole payment goes back. Idempotent: the refund's number
    is the payment's (`full_refund_no`), so a second run answers the first refund."""
    payment = Payment.objects.get(pk=payment_id)
    _refund_in_full(payment, rules.LATE_DEPOSIT_REFUND_REASON)


def _refund_in_full(payment: Payment, reason: str) -> None:
    try:
        refund_payment(
            payment=payment,
            amount_fen=payment.amount_fen,
            reason=reason,
            out_refund_no=full_refund_no(payment),
        )
    except DomainError as exc:
        logger.warning("wechatpay: refund of %s failed: %s", payment.out_trade_no, exc)


def _apply_success(payment: Payment, *, transaction_id: str, payer_openid: str, paid_at: datetime) -> bool:
    """Mark the payment succeeded and let the rest of the platform know, synchronously, inside the
    caller's transaction. False (and nothing happens) when it had already succeeded."""
    changed = (
        Payment.objects.filter(pk=payment.pk)
        .exclude(status=PaymentStatus.SUCCEEDED)
        .update(
            status=PaymentStatus.SUCCEEDED,
            transaction_id=transaction_id,
            payer_openid=payer_openid,
            paid_at=paid_at,
        )
    )
    if not changed:
        return False
    payment.refresh_from_db()
    if payment.purpose == Purpose.DEPOSIT:
        deposit = stores.mark_deposit_paid(deposit_id=payment.reference_id, transaction_id=transaction_id)
        if deposit is None:  # nothing left to pay for (the store closed meanwhile): give it back
            events.late_deposit_paid.emit(payment_id=payment.pk)
    payment_succeeded.send(sender=Payment, payment=payment)
    return True


# ---------------------------------------------------------------------- asking, closing, refunding


def query_payment(payment: Payment) -> dict:
    """WeChat Pay's view of the transaction (trade_state, amount, payer, ...). A success we had not
    heard of (a lost notification) is applied here, exactly as its notification would have been."""
    try:
        state = WeChatPayGateway().query(payment.out_trade_no)
    except GatewayError as exc:
        if exc.status == 404:
            raise DomainError("not_found") from exc
        raise DomainError("payment_failed") from exc
    if state.get("trade_state") == "SUCCESS" and payment.status != PaymentStatus.SUCCEEDED:
        if (state.get("amount") or {}).get("total") != payment.amount_fen:
            logger.warning("wechatpay: %s was paid with another amount: %s", payment.out_trade_no, state)
        else:
            with transaction.atomic():
                _apply_success(
                    payment,
                    transaction_id=str(state.get("transaction_id", "")),
                    payer_openid=str((state.get("payer") or {}).get("openid", "")),
                    paid_at=_paid_at(state.get("success_time")),
                )
    payment.refresh_from_db()
    return state


def close_payment(payment: Payment) -> Payment:
    """Close an unpaid payment at WeChat Pay so it can no longer be paid (orders close theirs after
    15 minutes). One that turns out to be paid is applied instead; one that cannot be closed right
    now stays open (logged) and is answered as it is."""
    if payment.status != PaymentStatus.CREATED:
        return payment
    try:
        WeChatPayGateway().close(payment.out_trade_no)
    except GatewayError as exc:
        if exc.code == "ORDERPAID":
            query_payment(payment)
            return payment
        if exc.status != 404:  # 404: never reached WeChat Pay, nothing to close there
            logger.warning("wechatpay: closing %s failed: %s", payment.out_trade_no, exc)
            return payment
    with transaction.atomic():
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.CREATED).update(
            status=PaymentStatus.CLOSED, closed_at=clock.now()
        )
    payment.refresh_from_db()
    return payment


# ---------------------------------------------------------------------------------------- refunds


def refund_payment(
    *, payment: Payment, amount_fen: int, reason: str, out_refund_no: str | None = None
) -> Refund:
    """Refund part or all of a succeeded payment: a `Refund` submitted to WeChat Pay, answered
    `processing` (its REFUND.* notification settles it later, `refund_succeeded` or
    `refund_failed`), or already settled when the outcome was known before this returned (the
    in-process sandbox delivers the notification during the call).

    `out_refund_no` makes it idempotent: the same number answers the same refund, except a failed
    one, which is submitted again, and a processing one WeChat Pay has not heard of (its process
    died between recording and submitting it: `_submit_if_lost`). The payment's refunds never hold
    more than it paid: succeeded, processing and failed-but-still-to-be-retried refunds count
    (`refund_exceeds_payment`).
    WeChat Pay refusing or unreachable: the refund is recorded failed (and retried later, or given
    up), `refund_failed` is sent, and this raises DomainError("refund_failed")."""
    existing = Refund.objects.filter(out_refund_no=out_refund_no).first() if out_refund_no else None
    if existing is not None and existing.payment_id != payment.pk:
        raise DomainError("validation_error", field="out_refund_no")
    if existing is not None and existing.status == RefundStatus.PROCESSING and not existing.refund_id:
        return _submit_if_lost(existing)
    if existing is not None and existing.status != RefundStatus.FAILED:
        return existing
    if type(amount_fen) is not int or amount_fen <= 0:
        raise DomainError("validation_error", field="amount_fen")
    now = clock.now()
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != PaymentStatus.SUCCEEDED:
            raise DomainError("invalid_transition", _("只能退还已支付的款项。"))
        held = Refund.objects.filter(payment=locked).exclude(status=RefundStatus.FAILED, gave_up=True)
        if existing is not None:
            held = held.exclude(pk=existing.pk)
        if (held.aggregate(total=Sum("amount_fen"))["total"] or 0) + amount_fen > locked.amount_fen:
            raise DomainError("refund_exceeds_payment", field="amount_fen")
        fields = {
            "amount_fen": amount_fen,
            "reason": reason[: rules.REFUND_REASON_MAX],
            "last_attempt_at": now,
        }
        if existing is not None:
            resubmitted = Refund.objects.filter(pk=existing.pk, status=RefundStatus.FAILED).update(
                status=RefundStatus.PROCESSING,
                failure="",
                gave_up=False,
                next_retry_at=None,
                attempts=F("attempts") + 1,
                **fields,
            )
            refund = Refund.objects.select_related("payment").get(pk=existing.pk)
            if not resubmitted:  # someone else submitted it again just now
                return refund
        else:
            try:
                with transaction.atomic():
                    refund = Refund.objects.create(
                        payment=locked,
                        out_refund_no=out_refund_no or f"R{secrets.token_hex(15).upper()}",
                        attempts=1,
                        **fields,
                    )
            except IntegrityError:  # the same number, asked for at the same moment
                refund = None
    if refund is None:
        return Refund.objects.get(out_refund_no=out_refund_no)
    return _submit(refund)


def _submit(refund: Refund) -> Refund:
    """Send a processing refund to WeChat Pay (outside any transaction of ours) and record what
    the answer says."""
    payment = refund.payment
    try:
        answer = WeChatPayGateway().create_refund(
            out_trade_no=payment.out_trade_no,
            out_refund_no=refund.out_refund_no,
            refund_fen=refund.amount_fen,
            total_fen=payment.amount_fen,
            reason=refund.reason,
        )
    except GatewayError as exc:
        logger.warning("wechatpay: refund %s failed: %s", refund.out_refund_no, exc)
        with transaction.atomic():
            _fail_refund(refund, failure=str(exc), permanent=exc.code in rules.REFUND_PERMANENT_ERRORS)
        raise DomainError("refund_failed") from exc
    _apply_refund_answer(refund, answer)
    refund.refresh_from_db()
    return refund


def _submit_if_lost(refund: Refund) -> Refund:
    """A processing refund that WeChat Pay may never have received: `refund_payment` commits the
    row before it submits (so that the answer and the notification find it), and a process killed
    in between leaves it processing with nothing at WeChat Pay, where asking about it answers 404.
    Asked about first; if WeChat Pay does not know it, submitted now under its own out_refund_no,
    so the money still moves once (a first submission that did arrive meanwhile is answered as that
    same refund). A refund WeChat Pay knows gets its answer applied. Answers the refund, refreshed."""
    refund = Refund.objects.select_related("payment").get(pk=refund.pk)
    try:
        query_refund(refund)
    except DomainError as exc:
        if exc.code != "not_found":
            logger.warning("wechatpay: could not ask about refund %s: %s", refund.out_refund_no, exc.code)
            return refund
        with transaction.atomic():  # one submission from here, whoever else finds it lost
            claimed = Refund.objects.filter(
                pk=refund.pk, status=RefundStatus.PROCESSING, last_attempt_at=refund.last_attempt_at
            ).update(last_attempt_at=clock.now())
        if claimed:
            logger.warning(
                "wechatpay: refund %s never reached WeChat Pay; submitting it", refund.out_refund_no
            )
            with contextlib.suppress(DomainError):  # recorded as failed, and retried like any failure
                _submit(refund)
    refund.refresh_from_db()
    return refund


_FAILED_REFUND_STATES = {"ABNORMAL": "退款异常", "CLOSED": "退款关闭"}


def _apply_refund_answer(refund: Refund, answer: dict) -> None:
    """What WeChat Pay answered about a refund (creating or querying it): its refund_id, and an
    outcome already known (SUCCESS, ABNORMAL, CLOSED) applied as its notification would be."""
    status = str(answer.get("status") or answer.get("refund_status") or "")
    refund_id = str(answer.get("refund_id") or "")[:32]
    amount = answer.get("amount")
    if isinstance(amount, dict) and amount.get("refund") not in (None, refund.amount_fen):
        logger.warning("wechatpay: refund %s answered for another amount: %s", refund.out_refund_no, amount)
        return
    with transaction.atomic():
        if refund_id:
            Refund.objects.filter(pk=refund.pk, refund_id="").update(refund_id=refund_id)
        if status == "SUCCESS":
            _succeed_refund(refund, refund_id=refund_id, succeeded_at=_paid_at(answer.get("success_time")))
        elif status in _FAILED_REFUND_STATES:
            _fail_refund(refund, failure=f"{status}: {_FAILED_REFUND_STATES[status]}")
        elif status != "PROCESSING":
            logger.warning("wechatpay: refund %s has status %r", refund.out_refund_no, status)


def _succeed_refund(refund: Refund, *, refund_id: str, succeeded_at: datetime) -> bool:
    """Mark a refund succeeded, inside the caller's transaction: a deposit's refund completes the
    deposit (stores.mark_deposit_refunded), and `refund_succeeded` is sent synchronously. From
    processing, or from failed (WeChat Pay did take a submission we thought lost: the money moved).
    False, and nothing happens, when it had already succeeded."""
    fields = {
        "status": RefundStatus.SUCCEEDED,
        "succeeded_at": succeeded_at,
        "gave_up": False,
        "next_retry_at": None,
    }
    if refund_id:
        fields["refund_id"] = refund_id
    if not Refund.objects.filter(pk=refund.pk).exclude(status=RefundStatus.SUCCEEDED).update(**fields):
        return False
    refund = Refund.objects.select_related("payment").get(pk=refund.pk)
    if refund.payment.purpose == Purpose.DEPOSIT:
        stores.mark_deposit_refunded(
            deposit_id=refund.payment.reference_id, refund_id=refund.refund_id or refund.out_refund_no
        )
    refund_succeeded.send(sender=Refund, refund=refund)
    return True


def _fail_refund(refund: Refund, *, failure: str, permanent: bool = False) -> bool:
    """processing → failed, inside the caller's transaction: the next attempt is scheduled (the
    `retry_refund` task, rules.REFUND_RETRY_DELAYS) or, after the last one or a refusal asking
    again cannot change, the refund is given up; `refund_failed` is sent synchronously with
    `final`. False, and nothing happens, when the refund was not processing."""
    current = Refund.objects.filter(pk=refund.pk).values_list("status", "attempts").first()
    if current is None or current[0] != RefundStatus.PROCESSING:
        return False
    attempts, now = current[1], clock.now()
    final = permanent or attempts >= rules.REFUND_MAX_ATTEMPTS
    retry_at = None if final else now + rules.REFUND_RETRY_DELAYS[max(attempts, 1) - 1]
    changed = Refund.objects.filter(pk=refund.pk, status=RefundStatus.PROCESSING, attempts=attempts).update(
        status=RefundStatus.FAILED,
        failure=_text(failure, 200),
        failed_at=now,
        gave_up=final,
        next_retry_at=retry_at,
    )
    if not changed:
        return False
    if retry_at is not None:
        from .tasks import retry_refund

        # Queued in this transaction: the retry exists if and only if the failure was recorded.
        retry_refund.using(run_after=retry_at).enqueue(refund.pk, attempts)
    refund = Refund.objects.select_related("payment").get(pk=refund.pk)
    if final:
        logger.warning("wechatpay: refund %s given up after %s attempts", refund.out_refund_no, attempts)
    refund_failed.send(sender=Refund, refund=refund, final=final)
    return True


def _give_up(refund: Refund, *, failure: str) -> bool:
    """A failed refund that can no longer be submitted: given up, `refund_failed` sent with
    final=True (inside the caller's transaction)."""
    changed = Refund.objects.filter(pk=refund.pk, status=RefundStatus.FAILED, gave_up=False).update(
        gave_up=True, next_retry_at=None, failure=_text(failure, 200), failed_at=clock.now()
    )
    if not changed:
        return False
    refund = Refund.objects.select_related("payment").get(pk=refund.pk)
    logger.warning("wechatpay: refund %s given up: %s", refund.out_refund_no, failure)
    refund_failed.send(sender=Refund, refund=refund, final=True)
    return True


def retry_failed_refund(refund: Refund) -> Refund:
    """Submit a failed refund again, now, with its out_refund_no, amount and reason: what the
    `retry_refund` task does when its time comes, and what an operator does for a refund that was
    given up. A refund that is not failed is answered as it is. Never raises for WeChat Pay's
    refusal: that is recorded like any failure (`refund_failed`, then the next retry or gave_up).
    A refund that can no longer be submitted at all (the payment has nothing left to refund) is
    given up. Answers the refund, refreshed."""
    refund = Refund.objects.select_related("payment").get(pk=refund.pk)
    if refund.status != RefundStatus.FAILED:
        return refund
    try:
        return refund_payment(
            payment=refund.payment,
            amount_fen=refund.amount_fen,
            reason=refund.reason,
            out_refund_no=refund.out_refund_no,
        )
    except DomainError as exc:
        if exc.code != "refund_failed":
            with transaction.atomic():
                _give_up(refund, failure=f"{exc.code}: {exc.message}")
    refund.refresh_from_db()
    return refund


def retry_scheduled_refund(*, refund_id: int, attempt: int) -> str:
    """The `retry_refund` task's work: submit the refund again if it is still failed from attempt
    `attempt` (not settled, given up or submitted again since). Answers its status afterwards."""
    refund = Refund.objects.filter(pk=refund_id).first()
    if refund is None:
        return "missing"
    if refund.status != RefundStatus.FAILED or refund.gave_up or refund.attempts != attempt:
        return refund.status
    return retry_failed_refund(refund).status


def query_refund(refund: Refund) -> dict:
    """WeChat Pay's view of the refund (`GET /v3/refund/domestic/refunds/{out_refund_no}`). An
    outcome we had not heard of (a lost notification) is applied here exactly as its notification
    would have been."""
    try:
        answer = WeChatPayGateway().query_refund(refund.out_refund_no)
    except GatewayError as exc:
        if exc.status == 404:
            raise DomainError("not_found") from exc
        raise DomainError("payment_failed") from exc
    _apply_refund_answer(refund, answer)
    refund.refresh_from_db()
    return answer


# --------------------------------------------------------------------------------- notifications


def _claimed(body: bytes) -> dict:
    """What an unverified body says about itself, for the log only."""
    try:
        envelope = json.loads(body)
    except (ValueError, RecursionError):
        return {}
    if not isinstance(envelope, dict):
        return {}
    return {"notification_id": envelope.get("id", ""), "event_type": envelope.get("event_type", "")}


def _log(*, headers: dict, body: bytes, outcome: str, code: str = "", reason: str = "", **fields) -> None:
    """Keep a record of what arrived; a failure to keep it never changes the answer."""
    try:
        with transaction.atomic():  # a savepoint: a failed insert leaves any outer transaction usable
            _write_log(headers=headers, body=body, outcome=outcome, code=code, reason=reason, **fields)
    except Exception:
        logger.exception("wechatpay: could not log a %s notification", outcome)


def _text(value, limit: int) -> str:
    """Storable text: no NUL (PostgreSQL refuses it), at most `limit` characters."""
    return str(value).replace("\x00", "\ufffd")[:limit]


def _write_log(*, headers: dict, body: bytes, outcome: str, code: str, reason: str, **fields) -> None:
    kept = {
        _text(k, 100): _text(v, 1000)
        for k, v in headers.items()
        if "wechatpay" in str(k).lower() or "content" in str(k).lower()
    }
    limits = {
        "notification_id": 64,
        "event_type": 40,
        "out_trade_no": 32,
        "out_refund_no": 64,
        "out_bill_no": 32,
    }
    claimed = {key: _text(value, limits[key]) for key, value in {**_claimed(body), **fields}.items()}
    NotificationLog.objects.create(
        outcome=outcome,
        code=code,
        reason=_text(reason, 300),
        headers=kept,
        body=_text(body.decode("utf-8", "replace"), 20_000),
        received_at=clock.now(),
        **claimed,
    )


def _reject(code: str, reason: str, *, headers: dict, body: bytes, **fields) -> tuple[int, dict]:
    logger.warning("wechatpay: notification rejected (%s): %s", code, reason)
    _log(headers=headers, body=body, outcome=NotificationOutcome.REJECTED, code=code, reason=reason, **fields)
    error = DomainError(code)
    return error.status, error.as_dict()


def _failed(exc: Exception, *, headers: dict, body: bytes) -> tuple[int, dict]:
    _log(
        headers=headers,
        body=body,
        outcome=NotificationOutcome.FAILED,
        code="notification_not_applied",
        reason=repr(exc),
    )
    error = DomainError("notification_not_applied")
    return error.status, error.as_dict()


def _checked_payment(notification: Notification) -> Payment:
    resource, config = notification.resource, current_config()
    payment = Payment.objects.filter(out_trade_no=str(resource.get("out_trade_no", ""))).first()
    if payment is None:
        raise NotificationError(
            "notification_invalid", f"unknown out_trade_no {resource.get('out_trade_no')!r}"
        )
    if resource.get("mchid") != config.mchid:
        raise NotificationError("notification_invalid", f"mchid {resource.get('mchid')!r}")
    if resource.get("trade_state") != "SUCCESS" or not resource.get("transaction_id"):
        raise NotificationError("notification_invalid", f"trade_state {resource.get('trade_state')!r}")
    amount = resource.get("amount")
    total = amount.get("total") if isinstance(amount, dict) else None
    if type(total) is not int or total != payment.amount_fen:
        raise NotificationError("payment_amount_mismatch", f"amount {total!r}, expected {payment.amount_fen}")
    return payment


_REFUND_EVENTS = {"REFUND.SUCCESS": "SUCCESS", "REFUND.ABNORMAL": "ABNORMAL", "REFUND.CLOSED": "CLOSED"}


def _checked_refund(notification: Notification) -> Refund:
    resource, config = notification.resource, current_config()
    out_refund_no = str(resource.get("out_refund_no", ""))
    refund = (
        Refund.objects.select_related("payment").filter(out_refund_no=out_refund_no).first()
        if out_refund_no
        else None
    )
    if refund is None:
        raise NotificationError("notification_invalid", f"unknown out_refund_no {out_refund_no[:64]!r}")
    if resource.get("mchid") != config.mchid:
        raise NotificationError("notification_invalid", f"mchid {resource.get('mchid')!r}")
    if resource.get("out_trade_no") != refund.payment.out_trade_no:
        raise NotificationError("notification_invalid", f"out_trade_no {resource.get('out_trade_no')!r}")
    status = _REFUND_EVENTS.get(notification.event_type)
    if status is None or resource.get("refund_status") != status:
        raise NotificationError(
            "notification_invalid",
            f"{notification.event_type!r} with refund_status {resource.get('refund_status')!r}",
        )
    if status == "SUCCESS" and not resource.get("refund_id"):
        raise NotificationError("notification_invalid", "no refund_id")
    amount = resource.get("amount")
    refunded = amount.get("refund") if isinstance(amount, dict) else None
    total = amount.get("total", refund.payment.amount_fen) if isinstance(amount, dict) else None
    if type(refunded) is not int or refunded != refund.amount_fen or total != refund.payment.amount_fen:
        raise NotificationError(
            "refund_amount_mismatch",
            f"amount {amount!r}, expected refund {refund.amount_fen} of {refund.payment.amount_fen}",
        )
    return refund


def _about(notification: Notification) -> dict:
    """The payment and refund numbers a verified notification names, for the log."""
    resource = notification.resource
    return {
        key: str(resource[key])
        for key in ("out_trade_no", "out_refund_no", "out_bill_no")
        if isinstance(resource.get(key), str)
    }


def _receipt(
    notification: Notification,
    *,
    payment: Payment | None = None,
    refund: Refund | None = None,
    transfer: Transfer | None = None,
) -> bool:
    """Insert the notification's receipt under its unique id: False when it was there already."""
    try:
        with transaction.atomic():
            NotificationReceipt.objects.create(
                notification_id=notification.id,
                event_type=notification.event_type[:40],
                payment=payment,
                refund=refund,
                transfer=transfer,
                received_at=clock.now(),
            )
    except IntegrityError:
        return False
    return True


def _apply(notification: Notification) -> tuple[bool, dict]:
    """Apply a verified notification inside the caller's transaction: (applied, what it is about)."""
    resource = notification.resource
    if notification.event_type == "TRANSACTION.SUCCESS":
        payment = _checked_payment(notification)
        about = {"out_trade_no": payment.out_trade_no}
        if not _receipt(notification, payment=payment):
            return False, about
        _apply_success(
            payment,
            transaction_id=str(resource["transaction_id"])[:32],
            payer_openid=str((resource.get("payer") or {}).get("openid", ""))[:128],
            paid_at=_paid_at(resource.get("success_time")),
        )
        return True, about
    if notification.event_type in _REFUND_EVENTS:
        refund = _checked_refund(notification)
        about = {"out_trade_no": refund.payment.out_trade_no, "out_refund_no": refund.out_refund_no}
        if not _receipt(notification, payment=refund.payment, refund=refund):
            return False, about
        status = _REFUND_EVENTS[notification.event_type]
        if status == "SUCCESS":
            _succeed_refund(
                refund,
                refund_id=str(resource["refund_id"])[:32],
                succeeded_at=_paid_at(resource.get("success_time")),
            )
        else:
            _fail_refund(refund, failure=f"{status}: {_FAILED_REFUND_STATES[status]}")
        return True, about
    if notification.event_type == "MCHTRANSFER.BILL.FINISHED":
        transfer = _checked_transfer(notification)
        about = {"out_bill_no": transfer.out_bill_no}
        if not _receipt(notification, transfer=transfer):
            return False, about
        _apply_transfer_answer(transfer, resource)
        return True, about
    raise NotificationError("notification_invalid", f"event_type {notification.event_type[:40]!r}")


def handle_notification(*, headers: dict, body: bytes) -> tuple[int, dict | None]:
    """Verify, deduplicate and apply one WeChat Pay notification: (HTTP status, body to answer).

    Verified means signed by the platform key, stamped within five minutes of our clock, opened
    with the APIv3 key, about a payment (TRANSACTION.SUCCESS), a refund (REFUND.SUCCESS,
    REFUND.ABNORMAL, REFUND.CLOSED) or a transfer (MCHTRANSFER.BILL.FINISHED) we know, for its
    exact amount. Applied means, in ONE
    transaction: the notification id inserted under a unique constraint (a redelivery stops
    there and is answered as a success), then the payment marked succeeded (a deposit marked
    paid) and `payment_succeeded` sent, or the refund marked succeeded (a deposit marked refunded)
    and `refund_succeeded` sent, or the refund marked failed (its retry queued) and
    `refund_failed` sent, or the transfer settled and the durable `transfer_succeeded` /
    `transfer_failed` emitted; receivers change their state in that same transaction. If any of that
    raises, all of it rolls back and the answer is a failure, so WeChat Pay delivers again.
    Rejections change nothing but the log.
    """
    try:
        notification = WeChatPayGateway().verify_notification(headers, body)
    except NotificationError as exc:
        return _reject(exc.code, exc.reason, headers=headers, body=body)
    except Exception as exc:  # e.g. the keys cannot be read: not the sender's fault, so ask again
        logger.exception("wechatpay: cannot verify notifications")
        return _failed(exc, headers=headers, body=body)
    committed: list[bool] = []
    try:
        with transaction.atomic():
            transaction.on_commit(lambda: committed.append(True))
            applied, about = _apply(notification)
            # Logged in the same transaction: one commit (one WAL flush) per notification, not two.
            _log(
                headers=headers,
                body=body,
                outcome=NotificationOutcome.ACCEPTED if applied else NotificationOutcome.DUPLICATE,
                **about,
            )
    except NotificationError as exc:
        return _reject(exc.code, exc.reason, headers=headers, body=body, **_about(notification))
    except Exception as exc:
        if not committed:
            logger.exception("wechatpay: notification %s not applied", notification.id)
            return _failed(exc, headers=headers, body=body)
        # The state change committed; only work scheduled for after the commit failed.
        logger.exception("wechatpay: after applying notification %s", notification.id)
    return 204, None


# ----------------------------------------------------------------------------------- the sweep


def _next_query(now: datetime, since: datetime) -> datetime:
    return now + max(rules.QUERY_AFTER, (now - since) / 2)


def sweep() -> dict:
    """The safety net behind notifications, as WeChat Pay advises: ask about payments still unpaid
    a while after their prepay (a success whose notification was lost is applied), and about
    refunds still processing (an outcome we never heard is applied; one WeChat Pay never received,
    because we stopped between recording and sending it, is sent now under its number). Each
    row is asked again after half its age (rules.QUERY_AFTER at least), the longest-waiting first.
    Answers what it found."""
    now = clock.now()
    due = Q(next_query_at__isnull=True) | Q(next_query_at__lte=now)
    unpaid = (
        Payment.objects.filter(
            due,
            status=PaymentStatus.CREATED,
            created_at__lte=now - rules.QUERY_AFTER,
            created_at__gte=now - rules.QUERY_WITHIN,
        )
        .exclude(prepay_id="", code_url="")
        .order_by(F("next_query_at").asc(nulls_first=True), "-created_at")
    )
    paid = 0
    for payment in list(unpaid[: rules.SWEEP_BATCH]):
        Payment.objects.filter(pk=payment.pk).update(next_query_at=_next_query(now, payment.created_at))
        try:
            query_payment(payment)
        except DomainError as exc:
            logger.warning("wechatpay: sweep could not query %s: %s", payment.out_trade_no, exc.code)
            continue
        paid += payment.status == PaymentStatus.SUCCEEDED
    processing = (
        Refund.objects.select_related("payment")
        .filter(
            due,
            status=RefundStatus.PROCESSING,
            last_attempt_at__lte=now - rules.QUERY_AFTER,
            last_attempt_at__gte=now - rules.REFUND_QUERY_WITHIN,
        )
        .order_by(F("next_query_at").asc(nulls_first=True), "-last_attempt_at")
    )
    settled = 0
    for refund in list(processing[: rules.SWEEP_BATCH]):
        since = refund.last_attempt_at or refund.created_at
        Refund.objects.filter(pk=refund.pk).update(next_query_at=_next_query(now, since))
        # asked about; one WeChat Pay never received (a crash between recording and submitting
        # it) is submitted now, under its number
        refund = _submit_if_lost(refund)
        settled += refund.status != RefundStatus.PROCESSING
    return {"paid": paid, "refunds_settled": settled}


# ------------------------------------------------------------------------- 商家转账: transfers

_OUT_BILL_NO = re.compile(r"^[0-9A-Za-z]{5,32}$")
# What a transfer bill says while it has no outcome yet (the payee may still have to confirm).
_TRANSFER_PENDING = frozenset({"ACCEPTED", "PROCESSING", "WAIT_USER_CONFIRM", "TRANSFERING", "CANCELING"})
_TRANSFER_FINAL = frozenset({"SUCCESS", "FAIL", "CANCELLED"})


def transfer_money(*, out_bill_no: str, amount_fen: int, payee_openid: str, remark: str) -> Transfer:
    """Pay `amount_fen` to a WeChat user's balance by a 商家转账 transfer bill: a `Transfer`
    recorded `processing` (committed before WeChat Pay hears of it), then submitted. Answered
    `processing` until WeChat Pay's MCHTRANSFER.BILL.FINISHED notification (or the sweep's query)
    settles it, or already settled when the outcome was known before this returned (the
    in-process sandbox delivers the notification during the call). Settling it emits the durable
    `transfer_succeeded` or `transfer_failed` (events.py) in the same transaction.

    Idempotent by `out_bill_no`: the same number answers the same transfer as it stands (one
    recorded but never submitted, because its process died, is submitted now); the same number
    for another amount or payee is a validation_error. WeChat Pay refusing the bill (a 4xx
    answer: it was not created) fails the transfer at once (`transfer_failed`); no answer at all
    (network, 5xx, 429) leaves it processing for the sweep to ask about. Never raises for WeChat
    Pay's answer: look at the transfer's `state`."""
    if not (isinstance(out_bill_no, str) and _OUT_BILL_NO.match(out_bill_no)):
        raise DomainError(
            "validation_error", _("转账单号只能由 5–32 位数字和字母组成。"), field="out_bill_no"
        )
    existing = Transfer.objects.filter(out_bill_no=out_bill_no).first()
    if existing is None:
        if type(amount_fen) is not int or not rules.TRANSFER_MIN_FEN <= amount_fen <= rules.TRANSFER_MAX_FEN:
            raise DomainError(
                "validation_error", _("单笔转账金额须在 0.10 元到 1999.99 元之间。"), field="amount_fen"
            )
        if not (isinstance(payee_openid, str) and 0 < len(payee_openid) <= 64):
            raise DomainError("validation_error", field="payee_openid")
        remark = " ".join(str(remark).split())
        if not 0 < len(remark) <= rules.TRANSFER_REMARK_MAX:
            raise DomainError("validation_error", _("转账备注须为 1–32 个字。"), field="remark")
        try:
            with transaction.atomic():
                existing = Transfer.objects.create(
                    out_bill_no=out_bill_no,
                    amount_fen=amount_fen,
                    payee_openid=payee_openid,
                    remark=remark,
                    submitted_at=clock.now(),
                )
        except IntegrityError:  # the same number, asked for at the same moment
            existing = Transfer.objects.get(out_bill_no=out_bill_no)
        else:
            return _submit_transfer(existing)
    if (existing.amount_fen, existing.payee_openid) != (amount_fen, payee_openid):
        raise DomainError("validation_error", _("该转账单号已用于另一笔转账。"), field="out_bill_no")
    if existing.state == TransferState.PROCESSING and not existing.transfer_bill_no:
        return _submit_transfer_if_lost(existing)
    return existing


def _refused(exc: GatewayError) -> bool:
    """WeChat Pay answered and said no: the bill was not created. Anything else (no answer, a
    server error, a rate limit, an answer whose signature did not verify) leaves it unknown."""
    return 400 <= exc.status < 500 and exc.status != 429


def _submit_transfer(transfer: Transfer) -> Transfer:
    """Send a processing transfer to WeChat Pay (outside any transaction of ours) and record what
    the answer says. Answers the transfer, refreshed."""
    try:
        answer = WeChatPayGateway().create_transfer(
            out_bill_no=transfer.out_bill_no,
            scene_id=rules.TRANSFER_SCENE_ID,
            openid=transfer.payee_openid,
            amount_fen=transfer.amount_fen,
            remark=transfer.remark,
        )
    except GatewayError as exc:
        logger.warning("wechatpay: transfer %s not accepted: %s", transfer.out_bill_no, exc)
        if _refused(exc):
            with transaction.atomic():
                _settle_transfer(transfer, state="FAIL", reason=f"{exc.code}: {exc.message}")
    else:
        _apply_transfer_answer(transfer, answer)
    transfer.refresh_from_db()
    return transfer


def _submit_transfer_if_lost(transfer: Transfer) -> Transfer:
    """A processing transfer that WeChat Pay may never have received (its process died between
    recording and submitting it, or the submission went unanswered): asked about first; if WeChat
    Pay does not know the bill, submitted now under its own out_bill_no, so the money still moves
    once. One WeChat Pay knows gets its answer applied. Answers the transfer, refreshed."""
    try:
        query_transfer(transfer)
    except DomainError as exc:
        if exc.code != "not_found":
            logger.warning("wechatpay: could not ask about transfer %s: %s", transfer.out_bill_no, exc.code)
            transfer.refresh_from_db()
            return transfer
        with transaction.atomic():  # one submission from here, whoever else finds it lost
            claimed = Transfer.objects.filter(
                pk=transfer.pk, state=TransferState.PROCESSING, submitted_at=transfer.submitted_at
            ).update(submitted_at=clock.now())
        if claimed:
            logger.warning(
                "wechatpay: transfer %s never reached WeChat Pay; submitting it", transfer.out_bill_no
            )
            _submit_transfer(transfer)
    transfer.refresh_from_db()
    return transfer


def query_transfer(transfer: Transfer) -> dict:
    """WeChat Pay's view of the transfer bill (`GET /v3/fund-app/mch-transfer/transfer-bills/
    out-bill-no/{out_bill_no}`). An outcome we had not heard of (a lost notification) is applied
    here exactly as its notification would have been. DomainError("not_found") when WeChat Pay
    has no such bill."""
    try:
        answer = WeChatPayGateway().query_transfer(transfer.out_bill_no)
    except GatewayError as exc:
        if exc.status == 404:
            raise DomainError("not_found") from exc
        raise DomainError("payment_failed") from exc
    _apply_transfer_answer(transfer, answer)
    transfer.refresh_from_db()
    return answer


def _apply_transfer_answer(transfer: Transfer, answer: dict) -> None:
    """What WeChat Pay answered about a bill (creating or querying it): its transfer_bill_no, and
    an outcome already known (SUCCESS, FAIL, CANCELLED) applied as its notification would be."""
    amount = answer.get("transfer_amount")
    if amount is not None and amount != transfer.amount_fen:
        logger.warning("wechatpay: transfer %s answered for another amount: %r", transfer.out_bill_no, amount)
        return
    state = str(answer.get("state") or "")
    with transaction.atomic():
        bill_no = str(answer.get("transfer_bill_no") or "")[:64]
        if bill_no:
            Transfer.objects.filter(pk=transfer.pk, transfer_bill_no="").update(transfer_bill_no=bill_no)
        if state in _TRANSFER_FINAL:
            _settle_transfer(
                transfer,
                state=state,
                reason=str(answer.get("fail_reason") or ""),
                at=_paid_at(answer.get("update_time")),
            )
        elif state not in _TRANSFER_PENDING:
            logger.warning("wechatpay: transfer %s has state %r", transfer.out_bill_no, state)


def _settle_transfer(transfer: Transfer, *, state: str, reason: str = "", at: datetime | None = None) -> bool:
    """processing → succeeded (state SUCCESS) or failed (FAIL, CANCELLED), inside the caller's
    transaction, with the durable `transfer_succeeded` / `transfer_failed` emitted in that same
    transaction. False, and nothing happens, when the transfer was already settled."""
    succeeded = state == "SUCCESS"
    fields: dict = {
        "state": TransferState.SUCCEEDED if succeeded else TransferState.FAILED,
        "finished_at": at or clock.now(),
        "next_query_at": None,
    }
    if not succeeded:
        # WeChat Pay's fail_reason (e.g. ACCOUNT_FROZEN), or CANCELLED
        fields["fail_reason"] = _text(
            reason if state == "FAIL" and reason else f"{state} {reason}".strip(), 200
        )
    if not Transfer.objects.filter(pk=transfer.pk, state=TransferState.PROCESSING).update(**fields):
        return False
    transfer = Transfer.objects.get(pk=transfer.pk)
    if succeeded:
        events.transfer_succeeded.emit(
            out_bill_no=transfer.out_bill_no,
            amount_fen=transfer.amount_fen,
            transfer_bill_no=transfer.transfer_bill_no,
        )
    else:
        logger.warning("wechatpay: transfer %s failed: %s", transfer.out_bill_no, transfer.fail_reason)
        events.transfer_failed.emit(
            out_bill_no=transfer.out_bill_no, amount_fen=transfer.amount_fen, reason=transfer.fail_reason
        )
    return True


def _checked_transfer(notification: Notification) -> Transfer:
    resource, config = notification.resource, current_config()
    out_bill_no = str(resource.get("out_bill_no", ""))
    transfer = Transfer.objects.filter(out_bill_no=out_bill_no).first() if out_bill_no else None
    if transfer is None:
        raise NotificationError("notification_invalid", f"unknown out_bill_no {out_bill_no[:32]!r}")
    if resource.get("mch_id") != config.mchid:
        raise NotificationError("notification_invalid", f"mch_id {resource.get('mch_id')!r}")
    if resource.get("state") not in _TRANSFER_FINAL or not resource.get("transfer_bill_no"):
        raise NotificationError("notification_invalid", f"state {resource.get('state')!r}")
    if resource.get("openid", transfer.payee_openid) != transfer.payee_openid:
        raise NotificationError("notification_invalid", "another payee")
    amount = resource.get("transfer_amount")
    if type(amount) is not int or amount != transfer.amount_fen:
        raise NotificationError(
            "transfer_amount_mismatch", f"amount {amount!r}, expected {transfer.amount_fen}"
        )
    return transfer


def sweep_transfers() -> dict:
    """The sweep's part for transfers (the `sweep_payments` task runs it after `sweep`): ask
    about transfers still processing a while after their submission, for as long as WeChat Pay's
    query answers (rules.TRANSFER_QUERY_WITHIN). An outcome never heard of is applied; a bill
    WeChat Pay never received is submitted now under its number. Each is asked again after half
    its age, the longest-waiting first. Answers how many were settled."""
    now = clock.now()
    processing = Transfer.objects.filter(
        Q(next_query_at__isnull=True) | Q(next_query_at__lte=now),
        state=TransferState.PROCESSING,
        submitted_at__lte=now - rules.QUERY_AFTER,
        submitted_at__gte=now - rules.TRANSFER_QUERY_WITHIN,
    ).order_by(F("next_query_at").asc(nulls_first=True), "-submitted_at")
    settled = 0
    for transfer in list(processing[: rules.SWEEP_BATCH]):
        Transfer.objects.filter(pk=transfer.pk).update(next_query_at=_next_query(now, transfer.submitted_at))
        transfer = _submit_transfer_if_lost(transfer)
        settled += transfer.state != TransferState.PROCESSING
    return {"transfers_settled": settled}
