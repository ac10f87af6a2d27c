"""Shares: the signed-in user's shares (cards they shared into chats, groups, Moments and business
chats), with how often each was opened and how many orders came through it. Shares are recorded
by the app that posts the card (social.cards.card_shared), never by a client."""

from ninja import Query, Router

from xiaodian.core.errors import DomainError
from xiaodian.core.pagination import ObjectId, Page, PageParams, paginate
from xiaodian.core.permissions import require_user

from . import rules, selectors, services
from .models import Share
from .schemas import ShareOut

router = Router(tags=["shares"])


def share_out(share: Share) -> dict:
    scene = 12 if share.kind in rules.OWN_SOURCE_KINDS else rules.SCENE_OF_CHANNEL[share.channel]
    return {
        "id": share.pk,
        "kind": share.kind,
        "card_id": share.card_id,
        "title": getattr(share, "title", ""),
        "channel": share.channel,
        "channel_id": share.channel_id,
        "scene": scene,
        "url": services.short_url(share),
        "opens": share.opens,
        "orders": share.orders,
        "created_at": share.created_at,
    }


@router.get("/shares", response=Page[ShareOut])
def my_shares(request, page: Query[PageParams]):
    """The caller's shares, newest first, each with its opens and orders."""
    require_user(request.auth)
    found = paginate(selectors.my_shares(request.auth), page)
    return {"items": [share_out(s) for s in selectors.with_titles(found["items"])], "count": found["count"]}


@router.get("/shares/{share_id}", response=ShareOut)
def share_detail(request, share_id: ObjectId):
    """One of the caller's shares (another's answers 404)."""
    require_user(request.auth)
    share = selectors.my_share(request.auth, share_id)
    if share is None:
        raise DomainError("not_found")
    return share_out(selectors.with_titles([share])[0])
