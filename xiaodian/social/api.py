"""Contacts and Moments: parse, call a service or selector, return a schema.

A Moments post takes JSON (`{text, card_kind, card_id}`) or multipart/form-data with the same
fields plus up to 9 `images` files.
"""

from ninja import Query, Router

from xiaodian.core.errors import DomainError
from xiaodian.core.openapi import body_with_images, refuses
from xiaodian.core.pagination import MAX_ID, ObjectId, Page, PageParams, paginate
from xiaodian.core.parsing import body_and_images
from xiaodian.core.permissions import require_user

from . import cards, rules, selectors, services
from .models import Comment, Contact, ContactRequest
from .schemas import (
    CommentIn,
    CommentOut,
    ContactFilter,
    ContactOut,
    ContactRequestIn,
    ContactRequestOut,
    PostIn,
    PostOut,
    PostPage,
    PostParams,
    RecommendationPage,
    RemarkIn,
)

router = Router(tags=["social"])


def user_out(user) -> dict:
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "avatar_url": user.avatar.url if user.avatar else None,
    }


def contact_out(contact: Contact) -> dict:
    return {
        "user": user_out(contact.other),
        "remark": contact.remark,
        "source": contact.source,
        "added_by_me": contact.added_by_owner,
        "added_at": contact.added_at,
        "last_chat_at": contact.last_chat_at,
    }


def request_out(request: ContactRequest) -> dict:
    return {
        "id": request.pk,
        "sender": user_out(request.sender),
        "recipient": user_out(request.recipient),
        "source": request.source,
        "greeting": request.greeting,
        "state": request.state,
        "created_at": request.created_at,
        "decided_at": request.decided_at,
    }


# ------------------------------------------------------------------------------------ contacts
# (the fixed paths first: `/contacts/requests` is not a user id)


@router.get("/contacts/requests", response=Page[ContactRequestOut])
def list_contact_requests(request, page: Query[PageParams]):
    """Requests waiting for your answer (新的朋友), newest first."""
    require_user(request.auth)
    found = paginate(selectors.pending_requests(request.auth.pk).select_related("recipient"), page)
    return {"items": [request_out(r) for r in found["items"]], "count": found["count"]}


@router.post("/contacts/requests", response={201: ContactRequestOut})
@refuses("contact_exists", "contact_limit_reached")
def send_contact_request(request, body: ContactRequestIn):
    """Ask to add someone (by `user_id` or exact `username`); they must accept. Asking again
    answers the pending request; if they already asked you, this accepts theirs."""
    require_user(request.auth)
    recipient_id = body.user_id
    if body.username is not None:
        found = selectors.find_user(body.username)
        if found is None:
            raise DomainError("not_found", field="username")
        recipient_id = found.pk
    assert recipient_id is not None
    sent = services.send_contact_request(
        sender=request.auth, recipient_id=recipient_id, source=body.source, greeting=body.greeting
    )
    return 201, request_out(sent)


@router.post("/contacts/requests/{request_id}/accept", response=ContactRequestOut)
@refuses("contact_limit_reached")
def accept_contact_request(request, request_id: ObjectId):
    """Accept a request addressed to you: each of you then has the other."""
    require_user(request.auth)
    return request_out(services.accept_contact_request(user=request.auth, request_id=request_id))


@router.post("/contacts/requests/{request_id}/decline", response=ContactRequestOut)
def decline_contact_request(request, request_id: ObjectId):
    require_user(request.auth)
    return request_out(services.decline_contact_request(user=request.auth, request_id=request_id))


@router.get("/contacts/recommended-deletions", response=RecommendationPage)
def recommended_deletions(request):
    """Only when your list is full (10,000): up to 5 contacts who no longer have you, each with
    its grey notes. Otherwise empty: there is no manual trigger."""
    require_user(request.auth)
    found = selectors.recommended_deletions(request.auth.pk)
    return {
        "items": [{"contact": contact_out(r.contact), "notes": r.notes} for r in found],
        "count": len(found),
        "full": selectors.contact_count(request.auth.pk) >= rules.CONTACTS_MAX,
    }


@router.get("/contacts", response=Page[ContactOut])
def list_contacts(request, filters: Query[ContactFilter], page: Query[PageParams]):
    """Your contacts, latest added first; `q` searches remark and nickname."""
    require_user(request.auth)
    items, count = selectors.contact_page(request.auth.pk, q=filters.q, offset=page.offset, limit=page.limit)
    return {"items": [contact_out(c) for c in items], "count": count}


@router.patch("/contacts/{user_id}", response=ContactOut)
def set_remark(request, user_id: ObjectId, body: RemarkIn):
    """Your remark (备注) for a contact; it is searched with their nickname."""
    require_user(request.auth)
    contact = services.set_remark(owner=request.auth, other_id=user_id, remark=body.remark)
    return contact_out(Contact.objects.select_related("other").get(pk=contact.pk))


@router.delete("/contacts/{user_id}", response={204: None})
def delete_contact(request, user_id: ObjectId):
    """Remove them from your contacts. Only your edge goes: they still have you (one-way), and
    they no longer see your Moments nor you theirs."""
    require_user(request.auth)
    services.delete_contact(owner=request.auth, other_id=user_id)
    return 204, None


# ------------------------------------------------------------------------------------ Moments


def post_out(view: selectors.PostView) -> dict:
    post = view.post
    card = None
    if post.card_kind and post.card_id is not None:
        card = {"kind": post.card_kind, "id": post.card_id, "available": bool(view.card), **(view.card or {})}
    return {
        "id": post.pk,
        "author": user_out(post.author),
        "text": post.text,
        "images": [{"url": i.image.url, "width": i.width, "height": i.height} for i in view.images],
        "card": card,
        "likes": [{"user": user_out(like.user), "created_at": like.created_at} for like in view.likes],
        "comments": [comment_out(c) for c in view.comments],
        "liked": view.liked,
        "created_at": post.created_at,
    }


def comment_out(comment: Comment) -> dict:
    return {
        "id": comment.pk,
        "post_id": comment.post_id,
        "author": user_out(comment.author),
        "text": comment.text,
        "created_at": comment.created_at,
    }


def _page(found: selectors.Timeline) -> dict:
    return {"items": [post_out(v) for v in found.items], "has_more": found.has_more}


_POST_BODY = body_with_images(
    [],
    {
        "text": {"type": "string", "maxLength": rules.POST_TEXT_MAX},
        "card_kind": {"type": "string", "enum": list(cards.KINDS)},
        "card_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    },
    images_max=rules.POST_IMAGES_MAX,
)


@router.get("/moments", response=PostPage)
def timeline(request, params: Query[PostParams]):
    """Your Moments: your posts and your mutual contacts', newest first (cursor: `before`)."""
    require_user(request.auth)
    return _page(selectors.timeline(request.auth.pk, before=params.before, limit=params.limit))


@router.get("/moments/users/{user_id}", response=PostPage)
def user_moments(request, user_id: ObjectId, params: Query[PostParams]):
    """One user's posts, for the user and their mutual contacts (anyone else: 404)."""
    require_user(request.auth)
    found = selectors.user_posts(request.auth.pk, user_id, before=params.before, limit=params.limit)
    if found is None:
        raise DomainError("not_found")
    return _page(found)


@router.post("/moments", response={201: PostOut}, openapi_extra=_POST_BODY)
def create_post(request):
    """Post text, up to 9 images (multipart) and at most one card (`card_kind` + `card_id`); a
    card is recorded as a share into Moments. Seen by you and your mutual contacts."""
    require_user(request.auth)
    body, images = body_and_images(request, PostIn)
    if request.content_type == "multipart/form-data" and request.POST.getlist("images"):
        raise DomainError("validation_error", field="images")  # text where files belong
    post = services.create_post(
        author=request.auth, text=body.text, images=images, card_kind=body.card_kind, card_id=body.card_id
    )
    return 201, post_out(selectors.post_view(request.auth.pk, post))


def _visible(request, post_id: int):
    post = selectors.visible_post(request.auth.pk, post_id)
    if post is None:
        raise DomainError("not_found")
    return post


@router.delete("/moments/comments/{comment_id}", response={204: None})
def delete_comment(request, comment_id: ObjectId):
    """Delete your comment, or any comment on your post."""
    require_user(request.auth)
    services.delete_comment(user=request.auth, comment_id=comment_id)
    return 204, None


@router.delete("/moments/{post_id}", response={204: None})
def delete_post(request, post_id: ObjectId):
    require_user(request.auth)
    services.delete_post(author=request.auth, post_id=post_id)
    return 204, None


@router.post("/moments/{post_id}/like", response=PostOut)
def like_post(request, post_id: ObjectId):
    """Like a post you can see (again: still one like)."""
    require_user(request.auth)
    services.like_post(user=request.auth, post_id=post_id)
    return post_out(selectors.post_view(request.auth.pk, _visible(request, post_id)))


@router.delete("/moments/{post_id}/like", response=PostOut)
def unlike_post(request, post_id: ObjectId):
    require_user(request.auth)
    services.unlike_post(user=request.auth, post_id=post_id)
    return post_out(selectors.post_view(request.auth.pk, _visible(request, post_id)))


@router.post("/moments/{post_id}/comments", response={201: CommentOut})
def comment_on_post(request, post_id: ObjectId, body: CommentIn):
    """Comment on a post you can see; seen by those mutual with both you and the author."""
    require_user(request.auth)
    comment = services.comment_on_post(user=request.auth, post_id=post_id, text=body.text)
    return 201, comment_out(Comment.objects.select_related("author").get(pk=comment.pk))
