"""Reads for gifts: what a user sent and received, one gift as its giver, recipient or a member
sees it, the draw and its verification, the styles a recipient may switch to, and gift cards."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.catalog.models import SKU, ProductImage
from xiaodian.catalog.rules import ProductState
from xiaodian.chats import selectors as chats
from xiaodian.core.money import format_fen
from xiaodian.social.models import Contact
from xiaodian.stores.rules import StoreState

from . import draw, rules, services
from .models import Gift, GiftDraw, GiftMember, GiftUnit
from .rules import Kind


def _gifts() -> QuerySet[Gift]:
    return Gift.objects.select_related("giver", "recipient", "product", "sku")


def sent_by(user: User) -> QuerySet[Gift]:
    return _gifts().filter(giver=user).order_by("-pk")


def _may_draw_filter(user_id: int) -> Q:
    """Group gifts the user may draw or drew: named among a snapshot's members, a member of the
    chats group it was sent into now (not its giver), or one who drew it (a winner who left the
    group still holds their gift)."""
    return Q(kind=Kind.GROUP) & (
        Q(pk__in=GiftMember.objects.filter(user_id=user_id).values("gift_id"))
        | Q(conversation_id__in=chats.conversation_ids_of(user_id)) & ~Q(giver_id=user_id)
        | Q(pk__in=GiftDraw.objects.filter(user_id=user_id).values("gift_id"))
    )


def _received_filter(user: User) -> Q:
    return Q(kind=Kind.SINGLE, recipient=user) | _may_draw_filter(user.pk)


def received_by(user: User) -> QuerySet[Gift]:
    """Paid gifts sent to the user, and paid group gifts the user may draw (or drew)."""
    return _gifts().filter(_received_filter(user), paid_at__isnull=False).distinct().order_by("-pk")


def for_listing(gifts: QuerySet[Gift], user: User) -> QuerySet[Gift]:
    """Gifts with their units and the user's own draw, for a list at a fixed number of queries."""
    return gifts.prefetch_related(
        "units", Prefetch("draws", queryset=GiftDraw.objects.filter(user=user), to_attr="my_draws")
    )


def visible_gift(user: User, gift_id: int) -> Gift | None:
    """The gift as its giver, its recipient or one who may draw it (or drew it) may see it; None
    for anyone else (and for a recipient or member before it is paid)."""
    gift = _gifts().filter(pk=gift_id).first()
    if gift is None:
        return None
    if gift.giver_id == user.pk:
        return gift
    if gift.paid_at is None:
        return None
    if gift.kind == Kind.SINGLE:
        return gift if gift.recipient_id == user.pk else None
    return gift if Gift.objects.filter(_may_draw_filter(user.pk), pk=gift.pk).exists() else None


def unit_of(gift: Gift, user: User) -> GiftUnit | None:
    """The unit the user holds (a single gift's recipient, a group gift's winner)."""
    return GiftUnit.objects.select_related("order").filter(gift=gift, holder=user).first()


def styles(unit: GiftUnit) -> list[SKU]:
    """The styles the unit's recipient may choose: active SKUs of the same product whose price is
    the unit price paid (the current one first)."""
    line = unit.order.lines.get()
    skus = SKU.objects.filter(product_id=line.product_id, is_active=True, price_fen=line.unit_price_fen)
    return sorted(skus, key=lambda sku: (sku.pk != line.sku_id, sku.pk))


def sku_choices(skus) -> list[tuple[int, str]]:
    """(id, "白 / L · ¥99.00") for a style picker."""
    return [
        (
            sku.pk,
            f"{' / '.join(str(v) for v in sku.specs.values()) or _('默认')} · {format_fen(sku.price_fen)}",
        )
        for sku in skus
    ]


def giftable_skus(product_id: int) -> list[SKU]:
    """The styles of a listed product of an open store that are in stock, cheapest first."""
    return list(
        SKU.objects.filter(
            product_id=product_id,
            is_active=True,
            stock__gt=0,
            product__state=ProductState.LISTED,
            product__store__state=StoreState.OPEN,
        ).order_by("price_fen", "pk")
    )


def contacts_of(user: User) -> list[User]:
    """Whom the user may send a gift to: their contacts (at most rules.GROUP_MEMBERS_MAX shown)."""
    return [
        c.other
        for c in Contact.objects.filter(owner=user)
        .select_related("other")
        .order_by("-id")[: rules.GROUP_MEMBERS_MAX]
    ]


@dataclass(frozen=True)
class DrawEntry:
    seq: int
    user_id: int
    name: str
    unit_index: int | None
    at: datetime


@dataclass(frozen=True)
class DrawReport:
    """A group gift's draw as anyone allowed to see the gift sees it: the commitment from the
    start, the draws as they came, and once it has closed the seed and its verification."""

    gift_id: int
    count: int
    members: int
    commitment: str
    closed: bool
    closes_at: datetime | None
    seed: str  # "" until the draw has closed
    entries: list[DrawEntry]
    verification: draw.Verification | None

    @property
    def verified(self) -> bool | None:
        return None if self.verification is None else self.verification.ok


def draw_report(gift: Gift, now: datetime) -> DrawReport:
    entries = [
        DrawEntry(seq=d.seq, user_id=d.user_id, name=str(d.user), unit_index=d.unit_index, at=d.at)
        for d in GiftDraw.objects.filter(gift=gift).select_related("user").order_by("seq")
    ]
    closed = services.draw_closed(gift, now)
    verification = (
        draw.verify(
            seed=gift.seed,
            published=gift.commitment,
            gift_id=gift.pk,
            members=gift.members_count,
            count=gift.count,
            draws=[(e.user_id, e.unit_index) for e in entries],
        )
        if closed
        else None
    )
    return DrawReport(
        gift_id=gift.pk,
        count=gift.count,
        members=gift.members_count,
        commitment=gift.commitment,
        closed=closed,
        closes_at=services.draw_closes_at(gift),
        seed=gift.seed if closed else "",
        entries=entries,
        verification=verification,
    )


def gift_cards(ids: list[int], viewer_id: int | None) -> dict[int, dict]:
    """`social.cards.resolvers["gift"]`: the gifts the viewer may see (giver, recipient, member),
    as cards. Three queries."""
    if viewer_id is None:
        return {}
    visible = Q(giver_id=viewer_id) | Q(paid_at__isnull=False) & (
        Q(kind=Kind.SINGLE, recipient_id=viewer_id) | _may_draw_filter(viewer_id)
    )
    gifts = list(_gifts().filter(visible, pk__in=list(ids)).distinct())
    images = {}
    for image in ProductImage.objects.filter(product_id__in={g.product_id for g in gifts}).order_by(
        "-position", "-pk"
    ):
        images[image.product_id] = image.image.url  # the first one wins (read last)
    cards = {}
    for gift in gifts:
        title = (
            _("%(giver)s 送你一份礼物") % {"giver": gift.giver}
            if gift.kind == Kind.SINGLE
            else _("%(giver)s 的群礼物 · %(n)d 份") % {"giver": gift.giver, "n": gift.count}
        )
        cards[gift.pk] = {
            "title": str(title),
            "subtitle": gift.message or gift.product.title,
            "image_url": images.get(gift.product_id, ""),
            "url": reverse("gifts:detail", args=[gift.pk]),
        }
    return cards
