"""Reads for contacts and Moments. Each page costs a fixed number of queries."""

from dataclasses import dataclass, field

from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from xiaodian.accounts.models import ApiToken, User
from xiaodian.core import clock

from . import cards, rules
from .models import Comment, Contact, ContactRequest, Like, Post, PostImage
from .rules import RequestState, Source

# ------------------------------------------------------------------------------------ contacts


def has_contact(owner_id: int, other_id: int) -> bool:
    """Whether `owner` has `other` in their contacts (the directed edge)."""
    return Contact.objects.filter(owner_id=owner_id, other_id=other_id).exists()


def is_mutual(a_id: int, b_id: int) -> bool:
    """Whether each has the other (both edges). Nobody is mutual with themselves."""
    if a_id == b_id:
        return False
    return Contact.objects.filter(between(a_id, b_id)).count() == 2


def between(a_id: int, b_id: int) -> Q:
    """The edges between two users, each found through the (owner, other) unique index."""
    return Q(owner_id=a_id, other_id=b_id) | Q(owner_id=b_id, other_id=a_id)


def can_see_moments(viewer_id: int, author_id: int) -> bool:
    """The author's Moments are seen by the author and the author's mutual contacts."""
    return viewer_id == author_id or is_mutual(viewer_id, author_id)


def mutual_ids(user_id: int) -> QuerySet:
    """The ids of the user's mutual contacts, as a subquery (those the user has who also have the
    user)."""
    back = Contact.objects.filter(owner_id=OuterRef("other_id"), other_id=user_id)
    return Contact.objects.filter(owner_id=user_id).filter(Exists(back)).values("other_id")


def contact_count(owner_id: int) -> int:
    return Contact.objects.filter(owner_id=owner_id).count()


def contacts(owner_id: int, *, q: str = "") -> QuerySet[Contact]:
    """The owner's contacts, latest added first, with the other user; `q` searches the remark and
    the nickname (case-insensitive, within one's own contacts only)."""
    found = Contact.objects.filter(owner_id=owner_id).select_related("other")
    q = q.strip()[: rules.SEARCH_MAX]
    if q:
        found = found.filter(search_key__contains=q.lower())
    return found.order_by("-id")


def contact_page(
    owner_id: int, *, q: str = "", offset: int = 0, limit: int = 20
) -> tuple[list[Contact], int]:
    """A page of `contacts(...)` and how many there are, in three statements whatever the list's
    size: the page's ids from the (owner, -id) index alone (a search reads the owner's edges once,
    without the users), the count, and the page's rows with their users."""
    found = contacts(owner_id, q=q).select_related(None)
    if q.strip():
        ids = list(found.values_list("pk", flat=True))
        page, count = ids[offset : offset + limit], len(ids)
    else:
        page = list(found.values_list("pk", flat=True)[offset : offset + limit])
        count = contact_count(owner_id)
    if not page:
        return [], count
    return list(Contact.objects.filter(pk__in=page).select_related("other").order_by("-id")), count


def pending_requests(user_id: int) -> QuerySet[ContactRequest]:
    """Contact requests waiting for the user's answer, newest first."""
    return ContactRequest.objects.filter(recipient_id=user_id, state=RequestState.PENDING).select_related(
        "sender"
    )


def find_user(username: str) -> User | None:
    """An active user by exact username (case-insensitive), for "add by username"."""
    username = (username or "").strip()
    if not username:
        return None
    return User.objects.filter(username__iexact=username, is_active=True).first()


@dataclass
class Note:
    code: str  # stopped_using | no_contact | no_chat_history | added
    text: str


@dataclass
class Recommendation:
    contact: Contact
    notes: list[Note] = field(default_factory=list)


def _added_note(contact: Contact) -> Note:
    day = contact.added_at.astimezone(clock.SHANGHAI).date().isoformat()
    how = Source(contact.source).label
    text = (
        _("%(day)s 你通过%(how)s添加对方") if contact.added_by_owner else _("%(day)s 对方通过%(how)s添加你")
    )
    return Note("added", text % {"day": day, "how": how})


def recommended_deletions(owner_id: int) -> list[Recommendation]:
    """Up to 5 contacts the owner might delete, only when the owner's list is full, and only
    contacts who no longer have the owner (one-way), least recently in touch first; each with its
    grey notes. Below the limit: nothing (there is no manual trigger)."""
    if contact_count(owner_id) < rules.CONTACTS_MAX:
        return []
    back = Contact.objects.filter(owner_id=OuterRef("other_id"), other_id=owner_id)
    one_way = list(
        Contact.objects.filter(owner_id=owner_id)
        .exclude(Exists(back))
        .select_related("other")
        .annotate(touched=Coalesce("last_chat_at", "added_at"))
        .order_by("touched", "id")[: rules.RECOMMENDED_DELETIONS]
    )
    token_use = dict(
        ApiToken.objects.filter(user_id__in=[c.other_id for c in one_way])
        .values("user_id")
        .annotate(last=Max("last_used_at"))
        .values_list("user_id", "last")
    )
    now = clock.now()
    found = []
    for contact in one_way:
        seen = [contact.other.date_joined, contact.other.last_login, token_use.get(contact.other_id)]
        last_seen = max(moment for moment in seen if moment is not None)
        notes = []
        if now - last_seen >= rules.INACTIVE_AFTER:
            notes.append(Note("stopped_using", _("对方已长时间未使用小店")))
        if now - (contact.last_chat_at or contact.added_at) >= rules.NO_CONTACT_AFTER:
            notes.append(Note("no_contact", _("你们已长时间没有联系")))
        notes.append(_added_note(contact))
        if contact.last_chat_at is None:
            notes.append(Note("no_chat_history", _("你们没有聊天记录")))
        found.append(Recommendation(contact, notes))
    return found


# ------------------------------------------------------------------------------------ Moments


@dataclass
class PostView:
    post: Post
    images: list[PostImage]
    likes: list[Like]  # only those the viewer may see
    comments: list[Comment]  # likewise
    card: dict | None  # what the card shows, {} when unavailable, None without a card
    liked: bool


def _visible_to(viewer_id: int) -> Q:
    """People whose likes and comments the viewer may see: the viewer and the viewer's mutual
    contacts (the post itself is only shown to the author's mutual contacts)."""
    return Q(user_id=viewer_id) | Q(user_id__in=mutual_ids(viewer_id))


def _views(viewer_id: int, posts: list[Post]) -> list[PostView]:
    """Posts with their images, the likes and comments the viewer may see, and their cards: four
    queries whatever the page's size (plus one resolver call per card kind)."""
    ids = [p.pk for p in posts]
    images: dict[int, list[PostImage]] = {}
    likes: dict[int, list[Like]] = {}
    comments: dict[int, list[Comment]] = {}
    if ids:
        for image in PostImage.objects.filter(post_id__in=ids):
            images.setdefault(image.post_id, []).append(image)
        for like in (
            Like.objects.filter(post_id__in=ids).filter(_visible_to(viewer_id)).select_related("user")
        ):
            likes.setdefault(like.post_id, []).append(like)
        visible = Q(author_id=viewer_id) | Q(author_id__in=mutual_ids(viewer_id))
        for comment in Comment.objects.filter(post_id__in=ids).filter(visible).select_related("author"):
            comments.setdefault(comment.post_id, []).append(comment)
    with_cards = [(p.card_kind, p.card_id) for p in posts if p.card_kind and p.card_id is not None]
    shown = cards.resolve(with_cards, viewer_id) if with_cards else {}
    views = []
    for post in posts:
        card = None
        if post.card_kind and post.card_id is not None:
            card = shown.get((post.card_kind, post.card_id), {})
            if card and post.card_link:
                card = {**card, "url": post.card_link}
        post_likes = likes.get(post.pk, [])
        views.append(
            PostView(
                post=post,
                images=images.get(post.pk, []),
                likes=post_likes,
                comments=comments.get(post.pk, []),
                card=card,
                liked=any(like.user_id == viewer_id for like in post_likes),
            )
        )
    return views


@dataclass
class Timeline:
    items: list[PostView]
    has_more: bool


def _page(viewer_id: int, queryset: QuerySet[Post], before: int | None, limit: int) -> Timeline:
    if before is not None:
        queryset = queryset.filter(pk__lt=before)
    posts = list(queryset.select_related("author").order_by("-id")[: limit + 1])
    return Timeline(_views(viewer_id, posts[:limit]), len(posts) > limit)


def timeline(viewer_id: int, *, before: int | None = None, limit: int = 20) -> Timeline:
    """The viewer's Moments: their own posts and their mutual contacts', newest first; `before`
    is the cursor (the last id of the previous page)."""
    posts = Post.objects.filter(Q(author_id=viewer_id) | Q(author_id__in=mutual_ids(viewer_id)))
    return _page(viewer_id, posts, before, limit)


def user_posts(
    viewer_id: int, author_id: int, *, before: int | None = None, limit: int = 20
) -> Timeline | None:
    """One user's posts for the author and the author's mutual contacts; None for anyone else
    (they may not see them)."""
    if not can_see_moments(viewer_id, author_id):
        return None
    return _page(viewer_id, Post.objects.filter(author_id=author_id), before, limit)


def visible_post(viewer_id: int, post_id: int) -> Post | None:
    """The post if the viewer may see it (author or mutual contact), else None."""
    post = Post.objects.filter(pk=post_id).first()
    if post is None or not can_see_moments(viewer_id, post.author_id):
        return None
    return post


def post_view(viewer_id: int, post: Post) -> PostView:
    return _views(viewer_id, [post])[0]
