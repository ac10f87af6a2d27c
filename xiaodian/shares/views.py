"""The short link a shared card opens (`/s/<code>`), and the sharer's "我的分享". As thin as api.py."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from . import selectors, services

PAGE_SIZE = 20


@require_GET
def open_share(request, code: str):
    """Open the card's page carrying the share (scene 9, 10, 11 or 13 and the share as the
    source); counted as an open unless the sharer opens it. Unknown code → 404."""
    viewer_id = request.user.pk if request.user.is_authenticated else None
    share = services.open_share(code=code, viewer_id=viewer_id)
    if share is None:
        raise Http404
    return redirect(selectors.open_url(share, viewer_id))


@login_required
@require_GET
def my_shares(request):
    """The cards the user shared, newest first, with their opens and orders."""
    page = Paginator(selectors.my_shares(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.with_titles(list(page.object_list))
    return render(request, "shares/mine.html", {"page": page})
