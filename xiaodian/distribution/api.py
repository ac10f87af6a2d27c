from ninja import Path, Query, Router

from xiaodian.accounts.auth import public_auth
from xiaodian.core.permissions import require_operator

from . import feed, selectors
from .rules import Surface
from .schemas import ExplainOut, ExposureOut, ExposureParams, FeedOut, ItemPath, PageParams

router = Router(tags=["distribution"])


def _viewer(request):
    return request.auth if request.auth.is_authenticated else None


@router.get("/feed", response=FeedOut, auth=public_auth)
def discovery_feed(request, params: Query[PageParams]):
    """The discovery feed, a page at a time (`next_cursor` asks for the next). Signed out: fresh
    items and new and small stores only."""
    return feed.serve(viewer=_viewer(request), surface=Surface.FEED, cursor=params.cursor, size=params.limit)


@router.get("/live-square", response=FeedOut, auth=public_auth)
def live_square(request, params: Query[PageParams]):
    """Live rooms on air and about to start, ranked as the feed ranks."""
    return feed.serve(
        viewer=_viewer(request), surface=Surface.LIVE_SQUARE, cursor=params.cursor, size=params.limit
    )


@router.get("/feed/items/{type}/{id}/explain", response=ExplainOut)
def explain(request, path: Path[ItemPath]):
    """Why an item ranks where it does: each factor and its value. Its store's staff and operators
    only (403 for anyone else)."""
    return feed.explain(user=request.auth, slug=path.type, object_id=path.id)


@router.get("/ops/exposure", response=ExposureOut)
def exposure(request, params: Query[ExposureParams]):
    """Daily exposure concentration (operators): Gini, top-1% share, small-store share, incentive
    share."""
    require_operator(request.auth)
    start, end = selectors.default_window()
    days = selectors.exposure(start=params.start or start, end=params.end or end, surface=params.surface)
    return {"items": days, "count": len(days)}
