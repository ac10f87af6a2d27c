"""Writes for gifts (DOMAIN.md "Gifts"): sending one to a friend, sending a group gift, drawing
one, accepting one with an address (and perhaps another style), and following the orders core's
durable events as gifts are paid, cancelled and refunded.

The money is the orders core's: each gift unit is a gift order (`orders.place_order` with a
`recipient`, or `open_gift` for a group gift) that waits (12) after payment; `orders.accept_gift`
sends it on (20); a day after payment the core cancels whatever is still waiting and refunds it
(`cancel_unaccepted_gift` → `order_cancelled` → `settle_cancelled_payment`), and the ledger takes
the refund back out through `line_refunded`. This app keeps the gift's own states in step."""

import logging
from collections.abc import Sequence

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.catalog.models import SKU
from xiaodian.chats import selectors as chats
from xiaodian.chats import services as chat_services
from xiaodian.chats.rules import MessageKind
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.pagination import MAX_ID
from xiaodian.core.text import is_storable
from xiaodian.orders import services as orders
from xiaodian.orders.models import Order, OrderLine
from xiaodian.orders.rules import Status
from xiaodian.social.selectors import has_contact

from . import draw, rules
from .models import Gift, GiftDraw, GiftMember, GiftUnit
from .rules import GiftState, Kind, SentFrom

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------- checks


def excluded_category(sku: SKU) -> bool:
    """Whether the SKU's product sits in an excluded category (or under one)."""
    category = sku.product.category
    names = {category.name, category.parent.name if category.parent is not None else ""}
    return bool(names & set(rules.EXCLUDED_CATEGORIES))


def _giftable_sku(sku_id: int) -> SKU:
    if type(sku_id) is not int or not 1 <= sku_id <= MAX_ID:
        raise DomainError("validation_error", field="sku_id")
    sku = SKU.objects.select_related("product__category__parent").filter(pk=sku_id).first()
    if sku is None:
        raise DomainError("not_found", field="sku_id")
    if excluded_category(sku):
        raise DomainError("gift_category_excluded", field="sku_id")
    if sku.price_fen > rules.PRICE_MAX_FEN:
        raise DomainError("gift_price_too_high", field="sku_id")
    return sku


def clean_message(message: str) -> str:
    message = message.strip()
    if len(message) > rules.MESSAGE_MAX or not is_storable(message):
        raise DomainError(
            "validation_error", _("留言最多 %(n)d 个字。") % {"n": rules.MESSAGE_MAX}, field="message"
        )
    return message


def _check_sent_from(sent_from: int) -> int:
    if not isinstance(sent_from, int) or isinstance(sent_from, bool) or sent_from not in SentFrom.values:
        raise DomainError("validation_error", field="sent_from")
    return int(sent_from)


def _replayed_gift(placed: orders.PlacedCheckout, **asked) -> Gift:
    """The gift a replayed checkout made, if it was asked for the same way (the order's own
    fingerprint does not see the gift's message, where it was sent from, or who may draw)."""
    gift = Gift.objects.filter(checkout=placed.checkout).first()
    members = asked.pop("members", None)
    if (
        gift is None  # the key was used for an ordinary checkout with the same body: not a gift
        or any(getattr(gift, name) != value for name, value in asked.items())
        or (members is not None and set(gift.members.values_list("user_id", flat=True)) != members)
    ):
        raise DomainError("idempotency_conflict")
    return gift


# -------------------------------------------------------------------------------------- send


def send_gift(
    *,
    giver: User,
    recipient_id: int,
    sku_id: int,
    idempotency_key: str,
    sent_from: int = SentFrom.CHAT,
    message: str = "",
) -> Gift:
    """A gift of one unit to one friend (someone in the giver's contacts): a gift order the giver
    then pays (`orders.pay_checkout`). The same key and body answer the same gift."""
    message = clean_message(message)
    _check_sent_from(sent_from)
    if sent_from == SentFrom.GROUP_CHAT:
        raise DomainError(
            "validation_error", _("送给一位好友的礼物从单聊送出；群聊里请送群礼物。"), field="sent_from"
        )
    if type(recipient_id) is not int or not 1 <= recipient_id <= MAX_ID:
        raise DomainError("validation_error", field="recipient_id")
    recipient = User.objects.filter(pk=recipient_id, is_active=True).first()
    if recipient is None:
        raise DomainError("not_found", field="recipient_id")
    if recipient.pk != giver.pk and not has_contact(giver.pk, recipient.pk):
        raise DomainError("gift_recipient_not_contact", field="recipient_id")
    sku = _giftable_sku(sku_id)
    conversation = None
    if sent_from == SentFrom.CHAT and recipient.pk != giver.pk:  # the card goes into their 1:1 chat
        conversation, _created = chat_services.open_direct(user=giver, other_id=recipient.pk)
    with transaction.atomic():
        placed = orders.place_order(
            buyer=giver,
            items=[orders.LineRequest(sku_id=sku.pk, quantity=1)],
            recipient=recipient,
            idempotency_key=idempotency_key,
        )
        if placed.replayed:
            return _replayed_gift(placed, message=message, sent_from=sent_from)
        (order,) = placed.orders
        gift = Gift.objects.create(
            kind=Kind.SINGLE,
            giver=giver,
            recipient=recipient,
            sent_from=sent_from,
            conversation=conversation,
            message=message,
            product_id=sku.product_id,
            sku=sku,
            count=1,
            unit_fen=order.total_fen,
            checkout=placed.checkout,
            created_at=clock.now(),
        )
        GiftUnit.objects.create(gift=gift, index=0, order=order, holder=recipient)
    return gift


def send_group_gift(
    *,
    giver: User,
    sku_id: int,
    count: int,
    idempotency_key: str,
    conversation_id: int | None = None,
    member_ids: Sequence[int] = (),
    sent_from: int = SentFrom.GROUP_CHAT,
    message: str = "",
) -> Gift:
    """`count` gifts of one SKU to draw (the giver never draws). Sent into a chats group
    (`conversation_id`, sent from 1), whoever is a member of that group when they draw may draw,
    and the card goes into the group once paid; sent from elsewhere (2–6), who may draw is the
    members named now (a snapshot). The draw is committed to here: a secret seed is drawn and its
    SHA-256 kept as the published commitment; its M is the group's size (the giver left out) or
    the number of members named."""
    message = clean_message(message)
    _check_sent_from(sent_from)
    if type(count) is not int or not 1 <= count <= rules.GROUP_GIFTS_MAX:
        raise DomainError(
            "validation_error",
            _("礼物份数须为 1–%(n)d。") % {"n": rules.GROUP_GIFTS_MAX},
            field="count",
        )
    members: set[int] | None = None
    group_id: int | None = None
    if conversation_id is not None:
        group_id, members_count = _group_draw(giver, conversation_id, member_ids, sent_from)
    else:
        members = _named_members(giver, member_ids, sent_from)
        members_count = len(members)
    sku = _giftable_sku(sku_id)
    with transaction.atomic():
        placed = orders.place_order(
            buyer=giver,
            items=[orders.LineRequest(sku_id=sku.pk, quantity=count)],
            open_gift=True,
            idempotency_key=idempotency_key,
        )
        if placed.replayed:
            return _replayed_gift(
                placed, message=message, sent_from=sent_from, conversation_id=group_id, members=members
            )
        units = sorted(placed.orders, key=lambda o: o.pk)
        seed = draw.new_seed()
        gift = Gift.objects.create(
            kind=Kind.GROUP,
            giver=giver,
            sent_from=sent_from,
            conversation_id=group_id,
            message=message,
            product_id=sku.product_id,
            sku=sku,
            count=count,
            unit_fen=units[0].total_fen,
            checkout=placed.checkout,
            created_at=clock.now(),
            seed=seed,
            commitment=draw.commitment(seed),
            members_count=members_count,
        )
        GiftUnit.objects.bulk_create(GiftUnit(gift=gift, index=i, order=o) for i, o in enumerate(units))
        GiftMember.objects.bulk_create(GiftMember(gift=gift, user_id=i) for i in sorted(members or ()))
    return gift


def _group_draw(giver: User, conversation_id, member_ids: Sequence[int], sent_from: int) -> tuple[int, int]:
    """A group gift sent into a chats group the giver is in: (the group, its M)."""
    if sent_from != SentFrom.GROUP_CHAT:
        raise DomainError("validation_error", _("发到群聊的群礼物来源为群聊。"), field="sent_from")
    if member_ids:
        raise DomainError(
            "validation_error", _("发到群聊的群礼物由群成员抽取，不另选成员。"), field="member_ids"
        )
    if type(conversation_id) is not int or not 1 <= conversation_id <= MAX_ID:
        raise DomainError("validation_error", field="conversation_id")
    group = chats.group_of(giver, conversation_id)
    if group is None:
        raise DomainError("not_found", field="conversation_id")
    others = chats.member_count(group.pk) - 1
    if others < 1:
        raise DomainError("validation_error", _("群里还没有其他成员。"), field="conversation_id")
    return group.pk, others


def _named_members(giver: User, member_ids: Sequence[int], sent_from: int) -> set[int]:
    """A group gift sent from outside the chats (2–6): the members named now may draw."""
    if sent_from in (SentFrom.CHAT, SentFrom.GROUP_CHAT):
        raise DomainError("validation_error", _("从群聊送出的群礼物须选择一个群。"), field="conversation_id")
    wanted = {i for i in member_ids if type(i) is int and 1 <= i <= MAX_ID}
    if len(wanted) != len(set(member_ids)):
        raise DomainError("validation_error", field="member_ids")
    wanted.discard(giver.pk)
    if not 1 <= len(wanted) <= rules.GROUP_MEMBERS_MAX:
        raise DomainError(
            "validation_error",
            _("可领取的成员须为 1–%(n)d 人（不含送礼人）。") % {"n": rules.GROUP_MEMBERS_MAX},
            field="member_ids",
        )
    members = set(User.objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True))
    if members != wanted:
        raise DomainError("not_found", field="member_ids")
    return members


# -------------------------------------------------------------------------------------- draw


def draw_closes_at(gift: Gift):
    return gift.paid_at + rules.ACCEPT_WITHIN if gift.paid_at else None


def draw_closed(gift: Gift, now) -> bool:
    """The draw is over (and its seed may be shown): the day after payment has passed, every gift
    was won, every member drew, or the gift ended (never paid)."""
    if gift.state == GiftState.CANCELLED:
        return True
    if gift.paid_at is None:
        return False
    return (
        now >= gift.paid_at + rules.ACCEPT_WITHIN
        or gift.won_count >= gift.count
        or gift.draws_count >= gift.members_count
    )


def draw_gift(*, user: User, gift_id: int) -> GiftDraw:
    """A member draws a paid group gift, once, before the draw closes: a member of its chats group
    at the time of drawing (403 otherwise), or one of the members named. A winner holds the next
    unit (the orders core names them its recipient) and accepts it with an address."""
    with transaction.atomic():
        gift = Gift.objects.select_for_update().filter(pk=gift_id, kind=Kind.GROUP).first()
        if gift is None:
            raise DomainError("not_found")
        if gift.conversation_id is not None:  # the group's members now, the giver left out
            if gift.giver_id == user.pk:
                raise DomainError("gift_giver_cannot_draw")
            if not chats.is_member(user.pk, gift.conversation_id):
                raise DomainError("gift_not_group_member")
        elif not GiftMember.objects.filter(gift=gift, user=user).exists():
            raise DomainError("not_found")
        if GiftDraw.objects.filter(gift=gift, user=user).exists():
            raise DomainError("gift_already_drawn")
        now = clock.now()
        if gift.paid_at is None or draw_closed(gift, now):
            raise DomainError("gift_draw_closed")
        seq = gift.draws_count
        won = draw.wins(
            seed=gift.seed,
            gift_id=gift.pk,
            seq=seq,
            user_id=user.pk,
            members=gift.members_count,
            left=gift.count - gift.won_count,
        )
        unit_index = gift.won_count if won else None
        if unit_index is not None:
            unit = GiftUnit.objects.select_for_update().get(gift=gift, index=unit_index)
            orders.assign_gift(order_id=unit.order_id, recipient=user)
            GiftUnit.objects.filter(pk=unit.pk, holder__isnull=True).update(holder=user)
        entry = GiftDraw.objects.create(gift=gift, seq=seq, user=user, unit_index=unit_index, at=now)
        Gift.objects.filter(pk=gift.pk).update(
            draws_count=F("draws_count") + 1, won_count=F("won_count") + int(won)
        )
    return entry


# ------------------------------------------------------------------------------------ accept


def accept_gift(
    *,
    user: User,
    gift_id: int,
    address: dict | None = None,
    address_id: int | None = None,
    sku_id: int | None = None,
) -> GiftUnit:
    """The recipient (or a group gift's winner) accepts their unit within the day after payment,
    with an address, and may switch to another style of the same product at the same price
    (orders.accept_gift). Someone else's gift is not found."""
    with transaction.atomic():
        unit = (
            GiftUnit.objects.select_for_update()
            .select_related("gift")
            .filter(gift_id=gift_id, holder=user)
            .first()
        )
        if unit is None:
            raise DomainError("not_found")
        if unit.state != GiftState.CLAIMABLE:
            raise DomainError("invalid_transition")
        orders.accept_gift(
            recipient=user, order_id=unit.order_id, address=address, address_id=address_id, sku_id=sku_id
        )
        unit.state, unit.accepted_at = GiftState.CLAIMED, clock.now()
        unit.save(update_fields=["state", "accepted_at"])
        _refresh_state(unit.gift_id)
    return unit


# --------------------------------------------------------------- following the order's events


def _refresh_state(gift_id: int) -> None:
    states = list(GiftUnit.objects.filter(gift_id=gift_id).values_list("state", flat=True))
    Gift.objects.filter(pk=gift_id).update(state=rules.gift_state(states))


def record_gift_paid(*, order_ids: list[int]) -> int:
    """`order_paid`: a gift's checkout was paid; its day to be accepted (and drawn) starts now.
    Idempotent: the time is set once."""
    paid = 0
    for gift_id, paid_at in (
        Order.objects.filter(pk__in=order_ids, gift_unit__isnull=False, paid_at__isnull=False)
        .values_list("gift_unit__gift_id", "paid_at")
        .distinct()
    ):
        paid += Gift.objects.filter(pk=gift_id, paid_at__isnull=True).update(paid_at=paid_at)
        post_gift_card(gift_id=gift_id)
    return paid


def post_gift_card(*, gift_id: int) -> bool:
    """A paid gift's card goes into the chat it was sent into (the 1:1 chat with the recipient, or
    the group), from the giver. Once: the message's client id is `gift-<id>`, so a second run
    answers the message already there. If the giver can no longer write there (left the group,
    deleted by the friend), no card is posted; the gift stands (我的礼物). Answers whether the card
    is in the chat."""
    gift = Gift.objects.select_related("giver").filter(pk=gift_id, paid_at__isnull=False).first()
    if gift is None or gift.conversation_id is None:
        return False
    try:
        chat_services.send_message(
            user=gift.giver,
            conversation_id=gift.conversation_id,
            kind=MessageKind.CARD,
            card_kind="gift",
            card_id=gift.pk,
            client_id=f"gift-{gift.pk}",
        )
    except DomainError as exc:
        log.info("gift %s: no card in conversation %s (%s)", gift.pk, gift.conversation_id, exc.code)
        return False
    return True


def record_gift_cancelled(*, order_ids: list[int]) -> int:
    """`order_cancelled`: a unit whose order closed unpaid is cancelled (250); one paid but not
    accepted in time is not claimed in time (180) while its refund goes through. Idempotent: only
    units still claimable move."""
    moved = 0
    with transaction.atomic():
        units = list(
            GiftUnit.objects.select_for_update()
            .filter(order_id__in=order_ids, state=GiftState.CLAIMABLE, order__status=Status.CANCELLED_UNPAID)
            .select_related("order")
            .order_by("pk")
        )
        for unit in units:
            unit.state = GiftState.NOT_CLAIMED_IN_TIME if unit.order.paid_at else GiftState.CANCELLED
            unit.save(update_fields=["state"])
            moved += 1
        for gift_id in sorted({unit.gift_id for unit in units}):
            _refresh_state(gift_id)
    return moved


def record_gift_refunded(*, line_id: int, out_refund_no: str, **_) -> bool:
    """`line_refunded`: a cancelled gift's refund (the orders core's `GC<order>` numbers) went
    back to the giver: its unit is refunded after timeout (181). It may run before
    `record_gift_cancelled` (both follow the same cancellation), so a claimable unit whose order was
    cancelled moves too. Idempotent: a refunded unit stays as it is."""
    if not out_refund_no.startswith("GC"):
        return False
    with transaction.atomic():
        order_id = OrderLine.objects.filter(pk=line_id).values_list("order_id", flat=True).first()
        if order_id is None:
            return False
        unit = (
            GiftUnit.objects.select_for_update()
            .filter(
                order_id=order_id,
                order__status=Status.CANCELLED_UNPAID,
                state__in=(GiftState.CLAIMABLE, GiftState.NOT_CLAIMED_IN_TIME),
            )
            .select_related("order")
            .first()
        )
        if unit is None or out_refund_no.split("-", 1)[0] != orders.gift_refund_no(unit.order):
            return False
        unit.state = GiftState.REFUNDED_AFTER_TIMEOUT
        unit.save(update_fields=["state"])
        _refresh_state(unit.gift_id)
    return True
