"""Writes for contacts and Moments: DOMAIN.md "Social graph and private domain".

- Contacts are directed edges. Adding one takes the other's acceptance (a contact request);
  accepting creates the missing edges both ways. Deleting removes only the deleter's edge, so the
  other still has the deleter (one-way).
- A user has at most `rules.CONTACTS_MAX` contacts: every write that adds an edge locks the
  owners' user rows (in primary-key order) and counts their edges under the lock, so concurrent
  accepts never exceed the limit.
- Moments: a post is seen by its author and the author's mutual contacts; only they may like or
  comment on it. A card in a post is a share (`cards.card_shared`, inside the transaction).
"""

from collections.abc import Sequence
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.text import is_storable

from . import rules, selectors
from .models import Contact, ContactRequest
from .rules import RequestState, Source

# ------------------------------------------------------------------------------------ contacts


def _lock_users(ids: Sequence[int]) -> None:
    """Lock the users' rows in primary-key order (no deadlock between two accepts)."""
    list(User.objects.select_for_update().filter(pk__in=sorted(set(ids))).order_by("pk").values_list("pk"))


def _ensure_room(owner_id: int, *, mine: bool) -> None:
    """Refuse when the owner's list is full; call under the owner's row lock."""
    if Contact.objects.filter(owner_id=owner_id).count() >= rules.CONTACTS_MAX:
        message = (
            _("你的通讯录已满（%(n)d 人），请先删除一些联系人。")
            if mine
            else _("对方的通讯录已满（%(n)d 人）。")
        )
        raise DomainError("contact_limit_reached", message % {"n": rules.CONTACTS_MAX})


def _clean(text: str | None, *, limit: int, field: str) -> str:
    text = (text or "").strip()
    if len(text) > limit or not is_storable(text):
        raise DomainError(
            "validation_error", _("最多 %(n)d 个字，且不能含有无法保存的字符。") % {"n": limit}, field=field
        )
    return text


def send_contact_request(
    *, sender: User, recipient_id: int, source: str = Source.SEARCH, greeting: str = ""
) -> ContactRequest:
    """Ask to add `recipient`. A pending request to them is answered again (no duplicate); a
    pending request from them is accepted instead (both want it)."""
    if source not in Source.values:
        raise DomainError("validation_error", field="source")
    greeting = _clean(greeting, limit=rules.GREETING_MAX, field="greeting")
    if recipient_id == sender.pk:
        raise DomainError("validation_error", _("不能添加自己为联系人。"), field="user_id")
    if not User.objects.filter(pk=recipient_id, is_active=True).exists():
        raise DomainError("not_found", field="user_id")
    if selectors.has_contact(sender.pk, recipient_id):
        raise DomainError("contact_exists")
    reverse = ContactRequest.objects.filter(
        sender_id=recipient_id, recipient_id=sender.pk, state=RequestState.PENDING
    ).first()
    if reverse is not None:
        return accept_contact_request(user=sender, request_id=reverse.pk)
    with transaction.atomic():
        _lock_users([sender.pk])
        _ensure_room(sender.pk, mine=True)
        pending = ContactRequest.objects.filter(
            sender=sender, recipient_id=recipient_id, state=RequestState.PENDING
        ).first()
        if pending is not None:
            return pending
        try:
            with transaction.atomic():
                return ContactRequest.objects.create(
                    sender=sender,
                    recipient_id=recipient_id,
                    source=source,
                    greeting=greeting,
                    created_at=clock.now(),
                )
        except IntegrityError:  # a racing twin made it first
            return ContactRequest.objects.get(
                sender=sender, recipient_id=recipient_id, state=RequestState.PENDING
            )


def _pending_for(user: User, request_id: int) -> ContactRequest:
    """The request addressed to `user`, locked; a stranger's answers not_found."""
    request = ContactRequest.objects.select_for_update().filter(pk=request_id, recipient=user).first()
    if request is None:
        raise DomainError("not_found")
    if request.state != RequestState.PENDING:
        raise DomainError("invalid_transition", _("这条好友申请已处理。"))
    return request


def accept_contact_request(*, user: User, request_id: int) -> ContactRequest:
    """Accept a request addressed to `user`: create the missing edges both ways (the sender's and
    the recipient's), each within its owner's limit."""
    with transaction.atomic():
        sender_id = (
            ContactRequest.objects.filter(pk=request_id, recipient=user)
            .values_list("sender_id", flat=True)
            .first()
        )
        if sender_id is None:
            raise DomainError("not_found")
        _lock_users([user.pk, sender_id])
        request = _pending_for(user, request_id)
        now = clock.now()
        existing = set(
            Contact.objects.filter(
                owner_id__in=(user.pk, sender_id), other_id__in=(user.pk, sender_id)
            ).values_list("owner_id", flat=True)
        )
        edges = []
        for owner_id, other_id in ((sender_id, user.pk), (user.pk, sender_id)):
            if owner_id not in existing:
                _ensure_room(owner_id, mine=owner_id == user.pk)
                edges.append(
                    Contact(
                        owner_id=owner_id,
                        other_id=other_id,
                        added_at=now,
                        source=request.source,
                        added_by_owner=owner_id == sender_id,
                    )
                )
        Contact.objects.bulk_create(edges)
        request.state, request.decided_at = RequestState.ACCEPTED, now
        request.save(update_fields=["state", "decided_at"])
        return request


def decline_contact_request(*, user: User, request_id: int) -> ContactRequest:
    with transaction.atomic():
        request = _pending_for(user, request_id)
        request.state, request.decided_at = RequestState.DECLINED, clock.now()
        request.save(update_fields=["state", "decided_at"])
        return request


def delete_contact(*, owner: User, other_id: int) -> None:
    """Remove the owner's edge only: the other keeps theirs (one-way)."""
    with transaction.atomic():
        deleted, _rows = Contact.objects.filter(owner=owner, other_id=other_id).delete()
    if not deleted:
        raise DomainError("not_found")


def set_remark(*, owner: User, other_id: int, remark: str) -> Contact:
    remark = _clean(remark, limit=rules.REMARK_MAX, field="remark")
    with transaction.atomic():
        if not Contact.objects.filter(owner=owner, other_id=other_id).update(remark=remark):
            raise DomainError("not_found")
        return Contact.objects.get(owner=owner, other_id=other_id)


def note_chat(*, a_id: int, b_id: int, at: datetime) -> None:
    """Record that `a` and `b` chatted at `at` on whichever edges exist between them (chats calls
    it when a 1:1 message is sent); never moves the time backwards."""
    with transaction.atomic():
        for owner_id, other_id in ((a_id, b_id), (b_id, a_id)):
            Contact.objects.filter(owner_id=owner_id, other_id=other_id).exclude(last_chat_at__gte=at).update(
                last_chat_at=at
            )
