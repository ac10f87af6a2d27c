"""What an order's source names (DOMAIN.md "Orders", scenes): the article, short video, live
room, homepage, mini program or sharer a purchase started from, as a title and a link.

An order stores its source as `source_type` + `source_id`. The types of the apps below orders
are described here; an app above (live rooms) registers its own type with `register` when it
loads. A type nobody describes is shown as its type and id.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from xiaodian.accounts.models import User
from xiaodian.content.models import Article, MiniProgram, OfficialAccount, Video, VideoAccount
from xiaodian.stores.models import Store

from .rules import Scene


@dataclass(frozen=True)
class Source:
    title: str
    url: str = ""


Describe = Callable[[list[int]], dict[int, Source]]

# Which source types go with which scene: an order's source must be one its scene allows.
SCENE_SOURCES: dict[int, frozenset[str]] = {
    Scene.LIVE_ROOM: frozenset({"live_room"}),
    Scene.SHORT_VIDEO: frozenset({"video", "video_account"}),
    Scene.PRODUCT_SHARE: frozenset({"share"}),
    Scene.STORE_HOMEPAGE: frozenset({"homepage"}),
    Scene.ARTICLE: frozenset({"article", "official_account"}),
    Scene.SEARCH: frozenset({"search"}),
    Scene.MINI_PROGRAM: frozenset({"mini_program"}),
}


def allowed(scene: int, source_type: str) -> bool:
    """May an order of `scene` name a source of `source_type`? (No source is always allowed.)"""
    return not source_type or source_type in SCENE_SOURCES.get(scene, frozenset())


def _url(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:  # the page's app is not installed
        return ""


def _titles(model, field: str, url_name: str | None) -> Describe:
    def describe(ids: list[int]) -> dict[int, Source]:
        rows = model.objects.filter(pk__in=ids).values_list("pk", field)
        return {pk: Source(title, _url(url_name, pk) if url_name else "") for pk, title in rows}

    return describe


_describers: dict[str, Describe] = {
    "article": _titles(Article, "title", "content:article"),
    "video": _titles(Video, "title", "content:video"),
    "official_account": _titles(OfficialAccount, "name", "content:official_account"),
    "video_account": _titles(VideoAccount, "name", "content:video_account"),
    "mini_program": _titles(MiniProgram, "name", "content:mini_program"),
    "homepage": _titles(Store, "name", "stores:shop"),
    "share": _titles(User, "display_name", None),
}
LABELS = {
    "article": _("公众号文章"),
    "video": _("短视频"),
    "official_account": _("公众号主页"),
    "video_account": _("视频号主页"),
    "mini_program": _("小程序"),
    "homepage": _("店铺首页"),
    "share": _("分享者"),
    "live_room": _("直播间"),
    "search": _("搜索"),
}


def register(source_type: str, describe: Describe, label) -> None:
    _describers[source_type] = describe
    LABELS[source_type] = label


def describe(orders: Iterable) -> None:
    """Set `source` (a Source or None) on each order: one query per source type present."""
    orders = list(orders)
    wanted: dict[str, set[int]] = {}
    for order in orders:
        if order.source_type and order.source_id:
            wanted.setdefault(order.source_type, set()).add(order.source_id)
    found = {
        kind: _describers[kind](sorted(ids)) if kind in _describers else {} for kind, ids in wanted.items()
    }
    for order in orders:
        if not order.source_type:
            order.source = None
            continue
        known = found.get(order.source_type, {}).get(order.source_id) if order.source_id else None
        label = str(LABELS.get(order.source_type, order.source_type))
        title = known.title if known and known.title else (f"#{order.source_id}" if order.source_id else "")
        order.source = Source(f"{label} · {title}" if title else label, known.url if known else "")
