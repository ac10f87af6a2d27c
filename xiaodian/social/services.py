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

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.images import read_image
from xiaodian.core.text import is_storable

from . import cards, rules, selectors
from .models import Comment, Contact, ContactRequest, Like, Post, PostImage, search_key
from .rules import RequestState, Source

# ------------------------------------------------------------------------------------ contacts


def _lock_users(ids: Sequence[int]) -> dict[int, User]:
    """Lock the users' rows in primary-key order (no deadlock between two accepts); answers them
    (their names only) by id."""
    locked = User.objects.select_for_update().filter(pk__in=sorted(set(ids))).order_by("pk")
    return {user.pk: user for user in locked.only("pk", "username", "display_name")}


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
    recipient = User.objects.filter(pk=recipient_id, is_active=True).first()
    if recipient is None:
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
        # Under the sender's lock, so a twin sent at once finds this one (the partial unique
        # constraint stands behind it).
        pending = ContactRequest.objects.filter(
            sender=sender, recipient=recipient, state=RequestState.PENDING
        ).first()
        if pending is not None:
            pending.sender, pending.recipient = sender, recipient
            return pending
        return ContactRequest.objects.create(
            sender=sender, recipient=recipient, source=source, greeting=greeting, created_at=clock.now()
        )


def _pending_for(user: User, request_id: int) -> ContactRequest:
    """The request addressed to `user`, locked; a stranger's answers not_found."""
    request = (
        ContactRequest.objects.select_for_update(of=("self",))
        .select_related("sender")
        .filter(pk=request_id, recipient=user)
        .first()
    )
    if request is None:
        raise DomainError("not_found")
    if request.state != RequestState.PENDING:
        raise DomainError("invalid_transition", _("这条好友申请已处理。"))
    return request


def accept_contact_request(*, user: User, request_id: int) -> ContactRequest:
    """Accept a request addressed to `user`: create the missing edges both ways (the sender's and
    the recipient's), each within its owner's limit."""
    with transaction.atomic():
        # Both users' rows, locked in primary-key order by one statement: the sender is found
        # through the request (none when it is not this user's: `_pending_for` answers not_found).
        asking = ContactRequest.objects.filter(pk=request_id, recipient=user).values("sender_id")
        locked = (
            User.objects.select_for_update()
            .filter(Q(pk=user.pk) | Q(pk__in=asking))
            .order_by("pk")
            .only("pk", "username", "display_name")
        )
        names = {u.pk: str(u) for u in locked}
        request = _pending_for(user, request_id)
        request.recipient = user
        sender_id = request.sender_id
        now = clock.now()
        existing = set(
            Contact.objects.filter(selectors.between(user.pk, sender_id)).values_list("owner_id", flat=True)
        )
        edges = []
        for owner_id, other_id in ((sender_id, user.pk), (user.pk, sender_id)):
            if owner_id not in existing:
                _ensure_room(owner_id, mine=owner_id == user.pk)
                edges.append(
                    Contact(
                        owner_id=owner_id,
                        other_id=other_id,
                        search_key=search_key("", names[other_id]),
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
        request.recipient = user
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
        contact = Contact.objects.select_for_update().filter(owner=owner, other_id=other_id).first()
        if contact is None:
            raise DomainError("not_found")
        contact.remark = remark
        contact.search_key = search_key(remark, str(User.objects.get(pk=other_id)))
        contact.save(update_fields=["remark", "search_key"])
        return contact


def note_chat(*, a_id: int, b_id: int, at: datetime) -> None:
    """Record that `a` and `b` chatted at `at` on whichever edges exist between them (chats calls
    it when a 1:1 message is sent); never moves the time backwards."""
    with transaction.atomic():
        for owner_id, other_id in ((a_id, b_id), (b_id, a_id)):
            Contact.objects.filter(owner_id=owner_id, other_id=other_id).exclude(last_chat_at__gte=at).update(
                last_chat_at=at
            )


# ------------------------------------------------------------------------------------ Moments


@dataclass
class CheckedImage:
    data: bytes
    extension: str
    width: int
    height: int


_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}


def check_images(uploads: Sequence[UploadedFile] | None) -> list[CheckedImage]:
    """Up to 9 real JPEG, PNG, GIF or WebP pictures of at most 10 MB each, or a refusal naming the
    picture (`images.2`)."""
    uploads = list(uploads or ())
    if len(uploads) > rules.POST_IMAGES_MAX:
        raise DomainError(
            "validation_error",
            _("最多上传 %(max)d 张图片。") % {"max": rules.POST_IMAGES_MAX},
            field="images",
        )
    checked = []
    for n, upload in enumerate(uploads):
        data, image_format, width, height = read_image(
            upload, max_bytes=rules.POST_IMAGE_BYTES_MAX, field=f"images.{n}"
        )
        if image_format not in rules.POST_IMAGE_FORMATS or min(width, height) < 1:
            raise DomainError("image_invalid", field=f"images.{n}")
        checked.append(CheckedImage(data, _EXTENSIONS[image_format], width, height))
    return checked


def _check_card(author: User, kind: str | None, card_id: int | None) -> tuple[str, int | None]:
    """A card is a kind and an id, both or neither; when the kind's app has registered its cards,
    the author must be able to see this one."""
    if not kind and card_id is None:
        return "", None
    if kind not in cards.KINDS:
        raise DomainError("validation_error", field="card_kind")
    if not isinstance(card_id, int) or isinstance(card_id, bool) or not 1 <= card_id < 2**63:
        raise DomainError("validation_error", field="card_id")
    if cards.resolvers[kind].registered and not cards.resolve([(kind, card_id)], author.pk):
        raise DomainError("not_found", _("卡片不存在或不可分享。"), field="card_id")
    return kind, card_id


def _store_images(post: Post, checked: list[CheckedImage]) -> None:
    """The files under generated names and their rows, inside the caller's transaction; the files
    written so far are deleted when it fails."""
    stored: list[str] = []
    try:
        rows = []
        for position, image in enumerate(checked):
            name = default_storage.save(
                f"moments/{clock.now():%Y/%m}/{uuid.uuid4().hex}.{image.extension}", ContentFile(image.data)
            )
            stored.append(name)
            rows.append(
                PostImage(post=post, position=position, image=name, width=image.width, height=image.height)
            )
        PostImage.objects.bulk_create(rows)
    except Exception:
        for name in stored:
            default_storage.delete(name)
        raise


def create_post(
    *,
    author: User,
    text: str = "",
    images: Sequence[UploadedFile] = (),
    card_kind: str | None = None,
    card_id: int | None = None,
) -> Post:
    """Post to Moments: text, up to 9 pictures and at most one card, not all empty. A card is a
    share: `cards.card_shared` records it in the same transaction and the post keeps its link."""
    text = _clean(text, limit=rules.POST_TEXT_MAX, field="text")
    kind, card = _check_card(author, card_kind, card_id)
    checked = check_images(images)
    if not text and not checked and not kind:
        raise DomainError("validation_error", _("请写点什么，或添加图片或卡片。"), field="text")
    with transaction.atomic():
        post = Post.objects.create(
            author=author, text=text, card_kind=kind, card_id=card, created_at=clock.now()
        )
        if kind and card is not None:
            link = cards.card_shared(
                sharer_id=author.pk, kind=kind, card_id=card, channel="moment", channel_id=post.pk
            )
            if link:
                post.card_link = link
                post.save(update_fields=["card_link"])
        _store_images(post, checked)
    return post


def delete_post(*, author: User, post_id: int) -> None:
    """The author deletes their post with its likes, comments and pictures."""
    with transaction.atomic():
        post = Post.objects.filter(pk=post_id, author=author).first()
        if post is None:
            raise DomainError("not_found")
        names = [str(image.image.name) for image in post.images.all()]
        post.delete()
        transaction.on_commit(lambda: _delete_files(names))


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _visible(user: User, post_id: int) -> Post:
    post = selectors.visible_post(user.pk, post_id)
    if post is None:
        raise DomainError("not_found")
    return post


def like_post(*, user: User, post_id: int) -> Like:
    """Like a post one may see; liking twice is one like."""
    post = _visible(user, post_id)
    with transaction.atomic():
        like, _created = Like.objects.get_or_create(
            post=post, user=user, defaults={"created_at": clock.now()}
        )
    return like


def unlike_post(*, user: User, post_id: int) -> None:
    post = _visible(user, post_id)
    with transaction.atomic():
        Like.objects.filter(post=post, user=user).delete()


def comment_on_post(*, user: User, post_id: int, text: str) -> Comment:
    text = _clean(text, limit=rules.COMMENT_MAX, field="text")
    if not text:
        raise DomainError("validation_error", _("请填写评论内容。"), field="text")
    post = _visible(user, post_id)
    with transaction.atomic():
        return Comment.objects.create(post=post, author=user, text=text, created_at=clock.now())


def delete_comment(*, user: User, comment_id: int) -> None:
    """The comment's author, or the post's author, deletes a comment."""
    with transaction.atomic():
        deleted, _rows = (
            Comment.objects.filter(pk=comment_id).filter(Q(author=user) | Q(post__author=user)).delete()
        )
    if not deleted:
        raise DomainError("not_found")
