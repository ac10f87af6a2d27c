"""Gifts: send one to a friend or a group gift, list sent and received, accept with an address
(and another style), draw a group gift, and see and verify its draw."""

from typing import Literal

from ninja import Header, Query, Router, Schema

from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.openapi import refuses
from xiaodian.core.pagination import ObjectId, Page, PageParams, paginate
from xiaodian.core.permissions import require_user
from xiaodian.orders import rules as order_rules

from . import selectors, services
from .models import Gift, GiftDraw
from .rules import GiftState, SentFrom
from .schemas import AcceptIn, DrawnOut, DrawReportOut, GiftIn, GiftOut, GroupGiftIn, VerifyOut

router = Router(tags=["gifts"])

_KEY = Header(..., alias="Idempotency-Key", max_length=order_rules.IDEMPOTENCY_KEY_MAX)


def gift_out(gift: Gift, user) -> dict:
    """A gift as `user` sees it; with `selectors.for_listing` it costs no further query."""
    units = list(gift.units.all())
    unit = next((u for u in units if u.holder_id == user.pk), None)
    mine = gift.giver_id == user.pk
    drawn = (
        bool(gift.my_draws)  # type: ignore[attr-defined]
        if hasattr(gift, "my_draws")
        else GiftDraw.objects.filter(gift=gift, user=user).exists()
    )
    return {
        "id": gift.pk,
        "kind": gift.kind,
        "giver_id": gift.giver_id,
        "giver_name": str(gift.giver),
        "recipient_id": gift.recipient_id,
        "sent_from": gift.sent_from,
        "sent_from_label": str(SentFrom(gift.sent_from).label),
        "conversation_id": gift.conversation_id,
        "message": gift.message,
        "product_id": gift.product_id,
        "sku_id": gift.sku_id,
        "title": gift.product.title,
        "count": gift.count,
        "unit_fen": gift.unit_fen,
        "state": gift.state,
        "state_label": str(GiftState(gift.state).label),
        "created_at": gift.created_at,
        "paid_at": gift.paid_at,
        "accept_by": services.draw_closes_at(gift),
        "order_ids": sorted(u.order_id for u in units) if mine else [],
        "mine": (
            {
                "index": unit.index,
                "order_id": unit.order_id,
                "state": unit.state,
                "accepted_at": unit.accepted_at,
            }
            if unit is not None
            else None
        ),
        "commitment": gift.commitment,
        "members_count": gift.members_count,
        "draws_count": gift.draws_count,
        "won_count": gift.won_count,
        "drawn": drawn,
    }


def _visible(request, gift_id: int) -> Gift:
    require_user(request.auth)
    gift = selectors.visible_gift(request.auth, gift_id)
    if gift is None:
        raise DomainError("not_found")
    return gift


@router.post("/gifts", response={201: GiftOut})
@refuses(
    "gift_recipient_not_contact", "gift_category_excluded", "gift_price_too_high", "product_not_available"
)
def send_gift(request, body: GiftIn, idempotency_key: str = _KEY):
    """A gift to one of your contacts: a gift order to pay (`POST /orders/{order_ids[0]}/pay`).
    Same Idempotency-Key + same body → the same gift; another body → 409."""
    require_user(request.auth)
    gift = services.send_gift(giver=request.auth, idempotency_key=idempotency_key, **body.dict())
    return 201, gift_out(gift, request.auth)


@router.post("/gifts/group", response={201: GiftOut})
@refuses("gift_category_excluded", "gift_price_too_high", "product_not_available", "out_of_stock")
def send_group_gift(request, body: GroupGiftIn, idempotency_key: str = _KEY):
    """`count` gifts to draw: sent into a chats group you are in (`conversation_id`; its members
    when they draw may draw, and the card goes into the group once paid), or for the named
    `member_ids` (sent from 2–6). The answer carries the draw's commitment."""
    require_user(request.auth)
    gift = services.send_group_gift(giver=request.auth, idempotency_key=idempotency_key, **body.dict())
    return 201, gift_out(gift, request.auth)


class GiftFilter(Schema):
    box: Literal["sent", "received"] = "received"


@router.get("/gifts", response=Page[GiftOut])
def list_gifts(request, filters: Query[GiftFilter], page: Query[PageParams]):
    """Gifts you sent (`box=sent`) or received (`box=received`: paid gifts to you, and paid group
    gifts you may draw), newest first."""
    require_user(request.auth)
    found = (selectors.sent_by if filters.box == "sent" else selectors.received_by)(request.auth)
    listed = paginate(selectors.for_listing(found, request.auth), page)
    return {"items": [gift_out(g, request.auth) for g in listed["items"]], "count": listed["count"]}


@router.get("/gifts/{gift_id}", response=GiftOut)
def get_gift(request, gift_id: ObjectId):
    return gift_out(_visible(request, gift_id), request.auth)


@router.post("/gifts/{gift_id}/accept", response=GiftOut)
def accept_gift(request, gift_id: ObjectId, body: AcceptIn):
    """The recipient (or a winner) accepts within the day after payment, with an address, and may
    switch style (`sku_id`, same product, same price)."""
    require_user(request.auth)
    payload = body.dict()
    services.accept_gift(user=request.auth, gift_id=gift_id, **payload)
    return gift_out(_visible(request, gift_id), request.auth)


@router.post("/gifts/{gift_id}/draw", response=DrawnOut)
@refuses("gift_already_drawn", "gift_draw_closed", "gift_not_group_member", "gift_giver_cannot_draw")
def draw_gift(request, gift_id: ObjectId):
    """Draw a group gift you may draw (once); a winner then accepts it. A gift sent into a group
    may be drawn by its members at the time: 403 `gift_not_group_member` for anyone else,
    `gift_giver_cannot_draw` for its giver."""
    require_user(request.auth)
    entry = services.draw_gift(user=request.auth, gift_id=gift_id)
    gift = _visible(request, gift_id)
    return {
        "seq": entry.seq,
        "won": entry.unit_index is not None,
        "unit_index": entry.unit_index,
        "gift": gift_out(gift, request.auth),
    }


def _report(request, gift_id: int) -> selectors.DrawReport:
    gift = _visible(request, gift_id)
    if not gift.commitment:
        raise DomainError("not_found")
    return selectors.draw_report(gift, clock.now())


@router.get("/gifts/{gift_id}/draw", response=DrawReportOut)
def get_draw(request, gift_id: ObjectId):
    """A group gift's draw: the commitment, the draws in order, and once closed the seed and
    whether it verifies (docs/gifts.md "The draw")."""
    report = _report(request, gift_id)
    return {**report.__dict__, "draws": [e.__dict__ for e in report.entries], "verified": report.verified}


@router.get("/gifts/{gift_id}/verify", response=VerifyOut)
def verify_draw(request, gift_id: ObjectId):
    """Recompute a closed draw from its revealed seed: the commitment matches the seed, and every
    draw's outcome is the one the seed gives (null until the draw has closed)."""
    report = _report(request, gift_id)
    check = report.verification
    return {
        "gift_id": report.gift_id,
        "closed": report.closed,
        "commitment_ok": check.commitment_ok if check else None,
        "assignment_ok": check.assignment_ok if check else None,
        "ok": check.ok if check else None,
        "expected": check.expected if check else [],
    }
