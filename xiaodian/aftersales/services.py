"""Writes for after-sales and disputes. Every state change goes through `_move`, which looks the
action up in `rules.TRANSITIONS`, updates the row only if it is still in the state read (so two
racing approvals move it once), and records an `AfterSaleEvent`. An approved refund is a durable
event (`refund_approved`, written with the move) whose handler submits it to the payments app,
keyed by `out_refund_no = "AS<id>"`, so asking twice refunds once. A line's after-sale period that
ends with nothing open on it is the `aftersale_period_ended` event, once per line."""

import logging

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.catalog import services as catalog
from xiaodian.catalog.services import check_image
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.money import format_fen
from xiaodian.core.permissions import require_operator
from xiaodian.core.text import contains_contact_details
from xiaodian.orders import amounts as order_amounts
from xiaodian.orders import rules as order_rules
from xiaodian.orders import services as orders
from xiaodian.orders.models import Order, OrderLine
from xiaodian.orders.rules import Status
from xiaodian.orders.selectors import received_by
from xiaodian.payments import services as payments
from xiaodian.payments.models import Payment, Purpose, Refund
from xiaodian.stores.models import Store

from . import amounts, events, rules, signals, tasks
from .models import (
    AfterSale,
    AfterSaleEvent,
    AfterSaleImage,
    Dispute,
    DisputeEvidence,
    PeriodEnd,
    ReturnAddress,
)
from .rules import Decision, DisputeStatus, Kind, Reason, State

logger = logging.getLogger(__name__)
PAID = frozenset({Status.TO_SHIP, Status.PARTLY_SHIPPED, Status.SHIPPED, Status.COMPLETED})
# Requests whose units are spoken for: everything but the ones that ended without money moving.
_RELEASED = frozenset(
    {
        State.USER_CANCELD,
        State.RETURN_CLOSED,
        State.MERCHANT_FAIL,
        State.MERCHANT_REJECT_REFUND,
        State.MERCHANT_REJECT_RETURN,
    }
)


def _text(value: str, *, field: str, limit: int = rules.REASON_MAX, required: bool = False) -> str:
    value = (value or "").strip()
    if (required and not value) or len(value) > limit:
        raise DomainError("validation_error", field=field)
    if contains_contact_details(value):
        raise DomainError("contact_details_not_allowed", field=field)
    return value


def _move(aftersale: AfterSale, action: str, *, actor: str, note: str = "", **fields) -> AfterSale:
    target = rules.TRANSITIONS[action].get(aftersale.state)
    if target is None:
        raise DomainError("invalid_transition")
    if not AfterSale.objects.filter(pk=aftersale.pk, state=aftersale.state).update(state=target, **fields):
        raise DomainError("invalid_transition")  # someone moved it first
    AfterSaleEvent.objects.create(
        aftersale=aftersale,
        from_state=aftersale.state,
        to_state=target,
        actor=actor,
        note=note[: rules.REASON_MAX],
        at=clock.now(),
    )
    aftersale.state = target
    for name, value in fields.items():
        setattr(aftersale, name, value)
    return aftersale


# ------------------------------------------------------------------------------- requesting


def _taken_units(line: OrderLine, *, exclude: int | None = None) -> list[int]:
    requests = AfterSale.objects.filter(line=line, kind__in=(Kind.REFUND, Kind.RETURN)).exclude(
        state__in=_RELEASED
    )
    if exclude:
        requests = requests.exclude(pk=exclude)
    return [unit for units in requests.values_list("units", flat=True) for unit in units]


def _price_units(order: Order, line: OrderLine, units: list[int]) -> int:
    lines = list(order.lines.order_by("pk"))
    index = [ln.pk for ln in lines].index(line.pk)
    shares = amounts.unit_shares(order_amounts.line_paid_shares(order, lines)[index], line.quantity)
    return amounts.amount_for(shares, units)


def request_aftersale(
    *,
    buyer: User,
    order_id: int,
    line_id: int,
    kind: str,
    quantity: int,
    reason_code: str,
    reason: str = "",
    images: list[UploadedFile] | None = None,
) -> AfterSale:
    """Open a request on a line: within its after-sale period, with no open request on the line
    and fewer than `MAX_ATTEMPTS` earlier ones, for units not already refunded or asked for."""
    if kind not in Kind.values:
        raise DomainError("validation_error", field="type")
    if reason_code not in Reason.values:
        raise DomainError("validation_error", field="reason_code")
    reason = _text(reason, field="reason")
    images = images or []
    if len(images) > rules.IMAGES_MAX:
        raise DomainError("validation_error", field="images")
    for image in images:
        check_image(image)
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(received_by(buyer), pk=order_id).first()
        now = clock.now()  # after the lock: the period's end (`end_aftersale_periods`) is decided under it
        line = OrderLine.objects.filter(order=order, pk=line_id).first() if order else None
        if order is None or line is None:
            raise DomainError("not_found")
        if order.status not in PAID:
            raise DomainError("aftersale_not_allowed", _("订单未支付或已取消。"))
        if order.received_at and now > order.received_at + rules.AFTERSALE_PERIOD:
            raise DomainError("aftersale_period_over")
        earlier = AfterSale.objects.filter(line=line)
        if earlier.filter(Q(state__in=rules.OPEN) | Q(dispute__status=DisputeStatus.OPEN)).exists():
            raise DomainError("aftersale_open_exists")
        if earlier.count() >= rules.MAX_ATTEMPTS:
            raise DomainError("aftersale_attempts_exhausted")
        if kind != Kind.REFUND and line.shipped_quantity < line.quantity:
            raise DomainError("aftersale_not_allowed", _("商品发货后才能退货或换货。"), field="type")
        if not 1 <= quantity <= line.quantity:
            raise DomainError("validation_error", field="quantity")
        units: list[int] = []
        if kind != Kind.EXCHANGE:
            free = amounts.free_units(line.quantity, _taken_units(line), quantity)
            if free is None:
                raise DomainError("aftersale_quantity_exceeded", field="quantity")
            units = free
        elif quantity > line.quantity - len(_succeeded_units(line)):
            raise DomainError("aftersale_quantity_exceeded", field="quantity")
        aftersale = AfterSale.objects.create(
            order=order,
            line=line,
            buyer=buyer,
            store_id=order.store_id,
            kind=kind,
            reason_code=reason_code,
            reason=reason,
            quantity=quantity,
            units=units,
            amount_fen=_price_units(order, line, units),
            created_at=now,
            merchant_deadline=now + rules.MERCHANT_ANSWER_WITHIN,
        )
        AfterSaleEvent.objects.create(aftersale=aftersale, to_state=aftersale.state, actor="buyer", at=now)
        for image in images:
            AfterSaleImage.objects.create(aftersale=aftersale, image=image)
        if kind == Kind.REFUND:  # the 48-hour automatic approval, written with the request (an outbox)
            tasks.approve_overdue_refund.using(run_after=aftersale.merchant_deadline).enqueue(aftersale.pk)
        signals.aftersale_requested.send_on_commit(sender=AfterSale, aftersale=aftersale)
    return aftersale


def _succeeded_units(line: OrderLine) -> list[int]:
    done = AfterSale.objects.filter(line=line, state__in=rules.SUCCEEDED, kind__in=(Kind.REFUND, Kind.RETURN))
    return [unit for units in done.values_list("units", flat=True) for unit in units]


# ---------------------------------------------------------------------------- buyer actions


def add_images(*, buyer: User, aftersale_id: int, images: list[UploadedFile]) -> AfterSale:
    for image in images:
        check_image(image)
    with transaction.atomic():
        aftersale = _buyers(buyer, aftersale_id)
        if aftersale.state in rules.FINAL:
            raise DomainError("invalid_transition")
        if aftersale.images.count() + len(images) > rules.IMAGES_MAX:
            raise DomainError("validation_error", field="images")
        for image in images:
            AfterSaleImage.objects.create(aftersale=aftersale, image=image)
    return aftersale


def _buyers(buyer: User, aftersale_id: int) -> AfterSale:
    aftersale = AfterSale.objects.select_for_update().filter(buyer=buyer, pk=aftersale_id).first()
    if aftersale is None:
        raise DomainError("not_found")
    return aftersale


def cancel_aftersale(*, buyer: User, aftersale_id: int) -> AfterSale:
    with transaction.atomic():
        return _move(_buyers(buyer, aftersale_id), "cancel", actor="buyer", closed_at=clock.now())


def ship_return(*, buyer: User, aftersale_id: int, carrier: str, tracking_no: str) -> AfterSale:
    with transaction.atomic():
        aftersale = _buyers(buyer, aftersale_id)  # someone else's request is not found, whatever the body
        carrier = _text(carrier, field="carrier", limit=order_rules.CARRIER_MAX, required=True)
        if not order_rules.TRACKING_NO.fullmatch(tracking_no.strip()):
            raise DomainError("validation_error", order_rules.TRACKING_NO_HINT, field="tracking_no")
        return _move(
            aftersale,
            "return_shipped",
            actor="buyer",
            return_carrier=carrier,
            return_tracking_no=tracking_no.strip(),
            return_shipped_at=clock.now(),
        )


def confirm_exchange(*, buyer: User, aftersale_id: int) -> AfterSale:
    with transaction.atomic():
        return _move(_buyers(buyer, aftersale_id), "confirm_exchange", actor="buyer", closed_at=clock.now())


def _evidence(statement: str, images: list[UploadedFile] | None) -> tuple[str, list[UploadedFile]]:
    """A side's account of a dispute: its text, and up to IMAGES_MAX images, each a real image."""
    statement = _text(statement, field="statement", limit=rules.EVIDENCE_TEXT_MAX, required=True)
    images = images or []
    if len(images) > rules.IMAGES_MAX:
        raise DomainError("validation_error", field="images")
    for image in images:
        check_image(image)
    return statement, images


def open_dispute(
    *, buyer: User, aftersale_id: int, statement: str, images: list[UploadedFile] | None = None
) -> Dispute:
    """Within 7 days of a rejection, or of a refund of less than asked, and only on the line's
    latest request, the buyer asks the platform to decide."""
    statement, images = _evidence(statement, images)
    with transaction.atomic():
        aftersale = _buyers(buyer, aftersale_id)
        opened = aftersale.dispute_opens_at
        if opened is None:
            raise DomainError("invalid_transition")
        if clock.now() > opened + rules.DISPUTE_WITHIN:
            raise DomainError("dispute_window_over")
        if Dispute.objects.filter(aftersale=aftersale).exists():
            raise DomainError("invalid_transition", _("这个售后已经申诉过了。"))
        if AfterSale.objects.filter(line_id=aftersale.line_id, pk__gt=aftersale.pk).exists():
            raise DomainError("invalid_transition", _("这件商品已有更新的售后申请。"))
        dispute = Dispute.objects.create(aftersale=aftersale, statement=statement, created_at=clock.now())
        for image in images:
            DisputeEvidence.objects.create(dispute=dispute, image=image)
        AfterSaleEvent.objects.create(
            aftersale=aftersale,
            from_state=aftersale.state,
            to_state=aftersale.state,
            actor="buyer",
            note=rules.EventNote.DISPUTE_OPENED,
            at=clock.now(),
        )
    return dispute


# ------------------------------------------------------------------------- merchant actions


def answer_dispute(
    *, store: Store, aftersale_id: int, statement: str, images: list[UploadedFile] | None = None
) -> Dispute:
    """The store gives the platform its side of an open dispute, once, with text and evidence
    photos; the operator sees both sides before deciding."""
    statement, images = _evidence(statement, images)
    with transaction.atomic():
        aftersale = _stores(store, aftersale_id)
        dispute = Dispute.objects.select_for_update().filter(aftersale=aftersale).first()
        if dispute is None or dispute.status != DisputeStatus.OPEN:
            raise DomainError("invalid_transition", _("这个售后没有待仲裁的申诉。"))
        if dispute.merchant_answered_at is not None:
            raise DomainError("invalid_transition", _("已经答复过这个申诉了。"))
        now = clock.now()
        Dispute.objects.filter(pk=dispute.pk).update(merchant_statement=statement, merchant_answered_at=now)
        for image in images:
            DisputeEvidence.objects.create(dispute=dispute, side=rules.Side.MERCHANT, image=image)
        AfterSaleEvent.objects.create(
            aftersale=aftersale,
            from_state=aftersale.state,
            to_state=aftersale.state,
            actor="merchant",
            note=rules.EventNote.DISPUTE_ANSWERED,
            at=now,
        )
        dispute.refresh_from_db()
    return dispute


def _stores(store: Store, aftersale_id: int) -> AfterSale:
    aftersale = AfterSale.objects.select_for_update().filter(store=store, pk=aftersale_id).first()
    if aftersale is None:
        raise DomainError("not_found")
    return aftersale


# ------------------------------------------------------------------------- return addresses


def add_return_address(
    *, store: Store, recipient: str, phone: str, region: str, detail: str, is_default: bool = False
) -> ReturnAddress:
    """A place the store takes returns; the first one, or one marked so, is the default."""
    values = orders.clean_address(recipient=recipient, phone=phone, region=region, detail=detail, prefix="")
    with transaction.atomic():
        Store.objects.select_for_update().filter(pk=store.pk).first()  # one writer of the list at a time
        existing = ReturnAddress.objects.filter(store=store)
        if existing.count() >= rules.RETURN_ADDRESSES_MAX:
            raise DomainError("return_addresses_full")
        is_default = is_default or not existing.exists()
        if is_default:
            existing.filter(is_default=True).update(is_default=False)
        return ReturnAddress.objects.create(
            store=store, is_default=is_default, created_at=clock.now(), **values
        )


def set_default_return_address(*, store: Store, address_id: int) -> ReturnAddress:
    with transaction.atomic():
        address = ReturnAddress.objects.select_for_update().filter(store=store, pk=address_id).first()
        if address is None:
            raise DomainError("not_found")
        ReturnAddress.objects.filter(store=store, is_default=True).exclude(pk=address.pk).update(
            is_default=False
        )
        ReturnAddress.objects.filter(pk=address.pk).update(is_default=True)
        address.is_default = True
        return address


def delete_return_address(*, store: Store, address_id: int) -> None:
    """Requests already approved keep their copy; the newest other address becomes the default."""
    with transaction.atomic():
        address = ReturnAddress.objects.select_for_update().filter(store=store, pk=address_id).first()
        if address is None:
            raise DomainError("not_found")
        address.delete()
        if address.is_default:
            newest = ReturnAddress.objects.filter(store=store).order_by("-id").first()
            if newest is not None:
                ReturnAddress.objects.filter(pk=newest.pk).update(is_default=True)


def _return_address(store: Store, address_id: int | None) -> ReturnAddress | None:
    addresses = ReturnAddress.objects.filter(store=store)
    if address_id is not None:
        chosen = addresses.filter(pk=address_id).first()
        if chosen is None:
            raise DomainError("not_found", field="return_address_id")
        return chosen
    return addresses.filter(is_default=True).first()


def _agreed(aftersale: AfterSale, refund_fen: int | None, reason: str) -> dict:
    """The refund the merchant agrees to: the whole amount asked (`refund_fen` None or equal), or
    less — at least one fen — with a reason the buyer sees and may dispute."""
    if refund_fen is None or refund_fen == aftersale.amount_fen:
        return {"refund_fen": None, "short_reason": "", "refund_due_fen": aftersale.amount_fen}
    if (
        isinstance(refund_fen, bool)
        or not isinstance(refund_fen, int)
        or not 1 <= refund_fen < aftersale.amount_fen
    ):
        raise DomainError(
            "refund_amount_invalid",
            _("退款金额须在 ¥0.01 到买家申请的 %(asked)s 之间。")
            % {"asked": format_fen(aftersale.amount_fen)},
            field="refund_fen",
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("validation_error", _("少退款时请写明原因，买家会看到。"), field="reason")
    reason = _text(reason, field="reason")
    return {"refund_fen": refund_fen, "short_reason": reason, "refund_due_fen": refund_fen}


def approve_aftersale(
    *,
    store: Store,
    aftersale_id: int,
    return_address_id: int | None = None,
    refund_fen: int | None = None,
    reason: str = "",
) -> AfterSale:
    """A refund starts at once, for the amount asked or, with a reason, less (`refund_fen`); a
    return or exchange waits for the goods, sent to the chosen return address (the store's default
    when none is named; a store without one is refused). A return's refund is agreed when the goods
    arrive (`receive_return`)."""
    with transaction.atomic():
        aftersale = _stores(store, aftersale_id)
        if aftersale.kind == Kind.REFUND:
            agreed = _agreed(aftersale, refund_fen, reason)
            return _start_refund(
                aftersale, "approve_refund", actor="merchant", note=agreed["short_reason"], **agreed
            )
        if refund_fen is not None:
            raise DomainError("validation_error", _("退货退款在收到退货时确定退款金额。"), field="refund_fen")
        if aftersale.state not in rules.TRANSITIONS["approve_return"]:
            raise DomainError("invalid_transition")
        address = _return_address(store, return_address_id)
        if address is None:
            raise DomainError("return_address_required")
        now = clock.now()
        _move(
            aftersale,
            "approve_return",
            actor="merchant",
            return_deadline=now + rules.RETURN_SHIP_WITHIN,
            return_to=address.snapshot(),
        )
        tasks.close_unreturned.using(run_after=aftersale.return_deadline).enqueue(aftersale.pk)
        return aftersale


def reject_aftersale(*, store: Store, aftersale_id: int, reason: str) -> AfterSale:
    reason = _text(reason, field="reason", required=True)
    with transaction.atomic():
        aftersale = _stores(store, aftersale_id)
        action = "reject_refund" if aftersale.kind == Kind.REFUND else "reject_return"
        return _move(
            aftersale, action, actor="merchant", note=reason, reject_reason=reason, rejected_at=clock.now()
        )


def receive_return(
    *,
    store: Store,
    aftersale_id: int,
    carrier: str = "",
    tracking_no: str = "",
    refund_fen: int | None = None,
    reason: str = "",
) -> AfterSale:
    """The goods came back: they go back into stock; a return is refunded (the amount asked or,
    with a reason, less: `refund_fen`), an exchange's replacement ships (carrier and tracking number
    required)."""
    with transaction.atomic():
        aftersale = _stores(store, aftersale_id)
        now = clock.now()
        if aftersale.kind == Kind.EXCHANGE:
            if refund_fen is not None:
                raise DomainError("validation_error", _("换货不退款。"), field="refund_fen")
            carrier = _text(carrier, field="carrier", limit=order_rules.CARRIER_MAX, required=True)
            if not order_rules.TRACKING_NO.fullmatch(tracking_no.strip()):
                raise DomainError("validation_error", field="tracking_no")
            _move(
                aftersale,
                "received_exchange",
                actor="merchant",
                received_at=now,
                exchange_carrier=carrier,
                exchange_tracking_no=tracking_no.strip(),
            )
            catalog.take_stock([(aftersale.line.sku_id, aftersale.quantity)])  # the replacement leaves
            tasks.confirm_exchange_later.using(run_after=now + rules.EXCHANGE_CONFIRM_WITHIN).enqueue(
                aftersale.pk
            )
        else:
            if aftersale.state != State.MERCHANT_WAIT_RECEIPT:
                raise DomainError("invalid_transition")
            agreed = _agreed(aftersale, refund_fen, reason)
            _start_refund(
                aftersale,
                "received_return",
                actor="merchant",
                note=agreed["short_reason"],
                received_at=now,
                **agreed,
            )
        _restock(aftersale, aftersale.quantity)
        return aftersale


def _restock(aftersale: AfterSale, quantity: int) -> None:
    catalog.release_stock([(aftersale.line.sku_id, quantity)])
    AfterSale.objects.filter(pk=aftersale.pk).update(restocked_quantity=quantity)
    aftersale.restocked_quantity = quantity


# --------------------------------------------------------------------------------- refunding


def _start_refund(aftersale: AfterSale, action: str, *, actor: str, note: str = "", **fields) -> AfterSale:
    """Move to PLATFORM_REFUNDING; the refund's submission is a durable event of the same
    transaction (`submit_refund` handles it, at once after the commit and again if that was lost).
    The refund is `refund_due_fen` (the whole amount asked unless the caller says otherwise; a retry
    keeps the amount it retries)."""
    fields.setdefault("out_refund_no", aftersale.out_refund_no or f"AS{aftersale.pk}")
    fields.setdefault("refund_due_fen", aftersale.refund_due_fen or aftersale.amount_fen)
    _move(aftersale, action, actor=actor, note=note, **fields)
    events.refund_approved.emit(aftersale_id=aftersale.pk)
    return aftersale


def submit_refund(aftersale_id: int) -> None:
    """`refund_approved`'s handler: hand the refund to the payments app (its outcome arrives as a
    signal, see receivers). Idempotent: only a request still in PLATFORM_REFUNDING is submitted,
    and the refund's number is the request's, so a second submission answers the first refund."""
    aftersale = AfterSale.objects.select_related("order").get(pk=aftersale_id)
    if aftersale.state != State.PLATFORM_REFUNDING:
        return
    assert aftersale.out_refund_no is not None  # `_start_refund` set it with the state
    payment = Payment.objects.filter(
        purpose=Purpose.CHECKOUT, reference_id=aftersale.order.checkout_id
    ).first()
    try:
        if payment is None:
            raise DomainError("refund_failed", "no payment to refund")
        payments.refund_payment(
            payment=payment,
            amount_fen=_due(aftersale),
            reason=f"after-sale AS{aftersale.pk}",
            out_refund_no=aftersale.out_refund_no,
        )
    except DomainError:
        # Refused (WeChat Pay's refusal is recorded and retried by payments; a refusal of ours, such
        # as more than was paid, waits for an operator): the request shows it. Anything else (the
        # database, the network) raises, and the durable event runs this again with backoff.
        logger.exception("after-sale AS%s: the refund could not be submitted", aftersale.pk)
        with transaction.atomic():
            refund_failed(aftersale.out_refund_no, final=False, reason=rules.EventNote.REFUND_NOT_SUBMITTED)


def _due(aftersale: AfterSale) -> int:
    """The amount of the refund under the request's current refund number."""
    return aftersale.refund_due_fen if aftersale.refund_due_fen is not None else aftersale.amount_fen


def refund_succeeded(out_refund_no: str) -> AfterSale | None:
    """Called inside the refund notification's transaction. A top-up (the platform granted the
    difference of a partial refund) moves money only: its units were refunded the first time."""
    aftersale = AfterSale.objects.select_for_update().filter(out_refund_no=out_refund_no).first()
    if aftersale is None or aftersale.state in rules.SUCCEEDED:
        return aftersale
    action = "refund_succeeded_refund" if aftersale.kind == Kind.REFUND else "refund_succeeded_return"
    now = clock.now()
    first = aftersale.refunded_at is None
    _move(aftersale, action, actor="payment", refunded_at=aftersale.refunded_at or now, closed_at=now)
    if aftersale.kind == Kind.REFUND and not aftersale.restocked_quantity:
        # Units refunded before they shipped are no longer owed, and go back on sale.
        withdrawn = orders.withdraw_units(line_id=aftersale.line_id, quantity=aftersale.quantity)
        if withdrawn:
            _restock(aftersale, withdrawn)
    if aftersale.kind in (Kind.REFUND, Kind.RETURN):
        assert aftersale.out_refund_no, "a refunded request has its refund number"
        orders.record_line_refund(
            line_id=aftersale.line_id,
            amount_fen=_due(aftersale),
            quantity=aftersale.quantity if first else 0,
            out_refund_no=aftersale.out_refund_no,
        )
    if first and _everything_refunded(aftersale.order_id):  # a top-up refunds no more units
        orders.mark_fully_refunded(order_id=aftersale.order_id)
    signals.aftersale_refunded.send_on_commit(sender=AfterSale, aftersale=aftersale)
    return aftersale


def refund_failed(out_refund_no: str, *, final: bool, reason: str = "") -> AfterSale | None:
    aftersale = AfterSale.objects.select_for_update().filter(out_refund_no=out_refund_no).first()
    if aftersale is None:
        return None
    action = "refund_gave_up" if final else "refund_failed"
    if aftersale.state in rules.TRANSITIONS[action]:
        _move(aftersale, action, actor="payment", note=reason)
    return aftersale


def retry_refund(*, operator: User, aftersale_id: int) -> AfterSale:
    """Operators send a refund whose retries ran out once more."""
    require_operator(operator)
    with transaction.atomic():
        aftersale = AfterSale.objects.select_for_update().filter(pk=aftersale_id).first()
        if aftersale is None:
            raise DomainError("not_found")
        return _start_refund(aftersale, "refund_retry", actor="platform")


def _everything_refunded(order_id: int) -> bool:
    lines = list(OrderLine.objects.filter(order_id=order_id).values_list("pk", "quantity"))
    done = AfterSale.objects.filter(
        order_id=order_id, state__in=rules.SUCCEEDED, kind__in=(Kind.REFUND, Kind.RETURN)
    )
    refunded: dict[int, int] = {}
    for line_id, units in done.values_list("line_id", "units"):
        refunded[line_id] = refunded.get(line_id, 0) + len(units)
    return all(refunded.get(pk, 0) == quantity for pk, quantity in lines)


# -------------------------------------------------------------------------------- timeouts


def approve_if_overdue(aftersale_id: int) -> AfterSale | None:
    """48 hours without an answer: a refund request is approved automatically."""
    with transaction.atomic():
        aftersale = (
            AfterSale.objects.select_for_update()
            .filter(
                pk=aftersale_id,
                kind=Kind.REFUND,
                state=State.MERCHANT_PROCESSING,
                merchant_deadline__lte=clock.now(),
            )
            .first()
        )
        if aftersale is None:
            return None
        _move(aftersale, "overdue", actor="system")
        return _start_refund(aftersale, "approve_refund", actor="system")


def close_if_unreturned(aftersale_id: int) -> AfterSale | None:
    """7 days after approval without a return shipment, the request closes."""
    with transaction.atomic():
        aftersale = (
            AfterSale.objects.select_for_update()
            .filter(pk=aftersale_id, state=State.USER_WAIT_RETURN, return_deadline__lte=clock.now())
            .first()
        )
        if aftersale is None:
            return None
        return _move(aftersale, "return_overdue", actor="system", closed_at=clock.now())


def confirm_exchange_if_due(aftersale_id: int) -> AfterSale | None:
    with transaction.atomic():
        aftersale = (
            AfterSale.objects.select_for_update()
            .filter(
                pk=aftersale_id,
                state=State.USER_WAIT_CONFIRM,
                received_at__lte=clock.now() - rules.EXCHANGE_CONFIRM_WITHIN,
            )
            .first()
        )
        if aftersale is None:
            return None
        return _move(aftersale, "confirm_exchange", actor="system", closed_at=clock.now())


# ------------------------------------------------------------------------ the period's end


def _blocked_lines(order_id: int, now) -> set[int]:
    """Lines of the order with a request still open, a dispute open, or a rejection the buyer may
    still dispute: their period has not ended yet."""
    requests = AfterSale.objects.filter(order_id=order_id).filter(
        Q(state__in=rules.OPEN)
        | Q(dispute__status=DisputeStatus.OPEN)
        | Q(
            state__in=(State.MERCHANT_REJECT_REFUND, State.MERCHANT_REJECT_RETURN),
            dispute__isnull=True,
            rejected_at__gt=now - rules.DISPUTE_WITHIN,
        )
        | Q(  # a refund of less than asked, which the buyer may still dispute
            state__in=rules.SUCCEEDED,
            refund_fen__isnull=False,
            dispute__isnull=True,
            refunded_at__gt=now - rules.DISPUTE_WITHIN,
        )
    )
    return set(requests.values_list("line_id", flat=True))


def end_aftersale_periods(order_id: int) -> list[int]:
    """Every line of a completed order whose after-sale period (rules.AFTERSALE_PERIOD after
    receipt) is over with nothing open on it gets its `aftersale_period_ended`, once. Called by
    the task queued at confirmation and by the sweep (which also finds lines whose request ended
    after the period); it re-checks everything, so calling it early, late or twice is safe.
    Answers the lines ended now."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id, status=Status.COMPLETED).first()
        now = clock.now()
        # Over only strictly after the period's last moment, when a request is refused (`>`), and
        # decided under the order's lock, which a request takes too: no request slips in after.
        if order is None or order.received_at is None or now <= order.received_at + rules.AFTERSALE_PERIOD:
            return []
        blocked = _blocked_lines(order.pk, now)
        ended = [
            pk
            for pk in OrderLine.objects.filter(order=order, aftersale_period_end__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
            if pk not in blocked
        ]
        PeriodEnd.objects.bulk_create(PeriodEnd(line_id=pk, order=order, ended_at=now) for pk in ended)
        for pk in ended:
            events.aftersale_period_ended.emit(order_id=order.pk, line_id=pk)
    return ended


def schedule_period_end(*, order_ids: list[int]) -> None:
    """`order_confirmed`'s handler: the period's end is checked when it comes. Idempotent: the
    task re-checks, and a second one finds the lines ended."""
    for order_id, received_at in Order.objects.filter(
        pk__in=order_ids, received_at__isnull=False
    ).values_list("pk", "received_at"):
        assert received_at is not None  # filtered above
        tasks.end_periods.using(run_after=received_at + rules.AFTERSALE_PERIOD).enqueue(order_id)


def _periods_due(now) -> list[int]:
    """Completed orders past their period with a line not ended yet."""
    return list(
        Order.objects.filter(
            status=Status.COMPLETED,
            received_at__lt=now - rules.AFTERSALE_PERIOD,
            lines__aftersale_period_end__isnull=True,
        )
        .values_list("pk", flat=True)
        .distinct()
    )


def _stuck_refunds(now) -> list[int]:
    """Requests in PLATFORM_REFUNDING for a while whose refund never reached the payments app
    (the submission was lost): submitted again."""
    stuck = AfterSale.objects.filter(
        state=State.PLATFORM_REFUNDING,
        events__to_state=State.PLATFORM_REFUNDING,
        events__at__lte=now - rules.RESUBMIT_AFTER,
    ).exclude(out_refund_no__in=Refund.objects.values("out_refund_no"))
    return list(stuck.values_list("pk", flat=True).distinct())


def sweep() -> dict:
    """The safety net behind the scheduled tasks."""
    now = clock.now()
    overdue = AfterSale.objects.filter(
        kind=Kind.REFUND, state=State.MERCHANT_PROCESSING, merchant_deadline__lte=now
    )
    unreturned = AfterSale.objects.filter(state=State.USER_WAIT_RETURN, return_deadline__lte=now)
    exchanged = AfterSale.objects.filter(
        state=State.USER_WAIT_CONFIRM, received_at__lte=now - rules.EXCHANGE_CONFIRM_WITHIN
    )
    return {
        "confirmed": sum(
            confirm_exchange_if_due(pk) is not None for pk in list(exchanged.values_list("pk", flat=True))
        ),
        "approved": sum(
            approve_if_overdue(pk) is not None for pk in list(overdue.values_list("pk", flat=True))
        ),
        "closed": sum(
            close_if_unreturned(pk) is not None for pk in list(unreturned.values_list("pk", flat=True))
        ),
        "resubmitted": _resubmit_all(_stuck_refunds(now)),
        "periods_ended": sum(len(end_aftersale_periods(pk)) for pk in _periods_due(now)),
    }


def _resubmit_all(aftersale_ids: list[int]) -> int:
    """Submit each again; answers how many submissions were attempted."""
    for aftersale_id in aftersale_ids:
        submit_refund(aftersale_id)
    return len(aftersale_ids)


# -------------------------------------------------------------------------------- disputes


def decide_dispute(*, operator: User, dispute_id: int, decision: str, note: str = "") -> Dispute:
    """The platform's decision, recorded and carried out: for the buyer, the refund or return
    goes ahead as if approved; for the merchant, the request ends (MERCHANT_FAIL)."""
    require_operator(operator)
    if decision not in rules.Decision.values:
        raise DomainError("validation_error", field="decision")
    note = _text(note, field="note", limit=rules.EVIDENCE_TEXT_MAX)
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().filter(pk=dispute_id).first()
        if dispute is None:
            raise DomainError("not_found")
        if dispute.status != DisputeStatus.OPEN:
            raise DomainError("invalid_transition")
        aftersale = AfterSale.objects.select_for_update().get(pk=dispute.aftersale_id)
        now = clock.now()
        Dispute.objects.filter(pk=dispute.pk).update(
            status=DisputeStatus.DECIDED,
            decision=decision,
            decision_note=note,
            decided_by=operator,
            decided_at=now,
        )
        if aftersale.state in rules.SUCCEEDED:  # a dispute of a partial refund's difference
            if decision == Decision.FOR_BUYER:
                _start_refund(
                    aftersale,
                    "dispute_for_buyer_topup",
                    actor="platform",
                    note=note,
                    out_refund_no=f"AS{aftersale.pk}-2",
                    refund_due_fen=aftersale.amount_fen - (aftersale.refund_fen or aftersale.amount_fen),
                )
            else:
                AfterSaleEvent.objects.create(
                    aftersale=aftersale,
                    from_state=aftersale.state,
                    to_state=aftersale.state,
                    actor="platform",
                    note=rules.EventNote.SHORT_KEPT,
                    at=now,
                )
        elif decision == Decision.FOR_MERCHANT:
            _move(aftersale, "dispute_for_merchant", actor="platform", note=note, closed_at=now)
        elif aftersale.kind == Kind.REFUND:
            _start_refund(aftersale, "dispute_for_buyer_refund", actor="platform", note=note)
        else:
            address = _return_address(aftersale.store, None)
            _move(
                aftersale,
                "dispute_for_buyer_return",
                actor="platform",
                note=note,
                return_deadline=now + rules.RETURN_SHIP_WITHIN,
                return_to=address.snapshot() if address else {},
            )
            tasks.close_unreturned.using(run_after=aftersale.return_deadline).enqueue(aftersale.pk)
        dispute.refresh_from_db()
        signals.dispute_decided.send_on_commit(sender=Dispute, aftersale=aftersale, dispute=dispute)
    return dispute
