"""Shares: record a card shared into a channel (social.cards.card_shared), count its opens and
the orders placed through it."""

import secrets

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse

from xiaodian.accounts.models import User
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.orders import extensions

from . import rules
from .models import Share

_CODE_ATTEMPTS = 3
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def code_of(number: int) -> str:
    """A number in base 36, the short link's code."""
    digits = []
    while True:
        number, digit = divmod(number, 36)
        digits.append(_DIGITS[digit])
        if not number:
            return "".join(reversed(digits))


def short_url(share: Share) -> str:
    return reverse("shares:open", args=[share.code])


def record_share(*, sharer_id: int, kind: str, card_id: int, channel: str, channel_id: int) -> str:
    """social.cards.card_shared: record that `sharer_id` shared this card into `channel`
    `channel_id`, and answer the short link the card opens. Called inside the posting app's
    transaction (a savepoint here), so the share exists exactly when the post does."""
    share = create_share(
        sharer_id=sharer_id, kind=kind, card_id=card_id, channel=channel, channel_id=channel_id
    )
    return short_url(share)


def create_share(*, sharer_id: int, kind: str, card_id: int, channel: str, channel_id: int) -> Share:
    if kind not in rules.CardKind.values:
        raise DomainError("validation_error", field="kind")
    if channel not in rules.Channel.values:
        raise DomainError("validation_error", field="channel")
    if not (1 <= card_id < 2**63 and 1 <= channel_id < 2**63):
        raise DomainError(
            "validation_error", field="card_id" if card_id < 1 or card_id >= 2**63 else "channel_id"
        )
    if not User.objects.filter(pk=sharer_id, is_active=True).exists():
        raise DomainError("not_found", field="sharer_id")
    for attempt in range(_CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                return Share.objects.create(
                    sharer_id=sharer_id,
                    kind=kind,
                    card_id=card_id,
                    channel=channel,
                    channel_id=channel_id,
                    code=code_of(secrets.randbits(rules.CODE_BITS)),
                    created_at=clock.now(),
                )
        except IntegrityError:  # a code drawn twice (one in 2**60): draw again
            if attempt == _CODE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def open_share(*, code: str, viewer_id: int | None) -> Share | None:
    """The share a short link names (None for an unknown code), counted as opened unless the
    sharer opens it."""
    if not 1 <= len(code) <= rules.CODE_MAX or any(c not in _DIGITS for c in code):
        return None
    share = Share.objects.filter(code=code).first()
    if share is not None and share.sharer_id != viewer_id:
        with transaction.atomic():
            Share.objects.filter(pk=share.pk).update(opens=F("opens") + 1)
    return share


def count_orders(context: extensions.CheckoutContext, written: extensions.Written) -> None:
    """orders.extensions.holds: a checkout whose (verified) source is a share counts its orders on
    the share, inside the checkout's transaction."""
    if context.source_type == rules.SOURCE_TYPE and context.source_id is not None:
        Share.objects.filter(pk=context.source_id).update(orders=F("orders") + len(written.orders))
