"""What an order's source names (DOMAIN.md "Orders", scenes): the article, short video, live
room, homepage, mini program or sharer a purchase started from, as a title and a link.

An order stores its source as `source_type` + `source_id`. The types of the apps below orders
are described here; an app above (live rooms, shares) registers its own type with `register` when
it loads. A type nobody describes is shown as its type and id.

A scene other than 1 is recorded only with a source the platform can verify (`recorded`): a
checkout that claims a scene with no source, or with a source that does not verify for this buyer
and these products (a share in a chat the buyer is not in, a mini program not bound to the
store), records scene 1 and no source.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from xiaodian.accounts.models import User
from xiaodian.content.models import Article, MiniProgram, OfficialAccount, Video, VideoAccount
from xiaodian.stores.models import Store, StoreLink
from xiaodian.stores.rules import LinkState

from .rules import Scene


@dataclass(frozen=True)
class Source:
    title: str
    url: str = ""


Describe = Callable[[list[int]], dict[int, Source]]


@dataclass(frozen=True)
class Claim:
    """What a checkout claims led to it, with what it buys, for a source type's `Verify`."""

    scene: int
    source_type: str
    source_id: int
    buyer: User
    store_ids: frozenset[int]
    product_ids: frozenset[int]


# Does this source really lead this buyer to these products? (One or two queries at most.)
Verify = Callable[[Claim], bool]

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


# Source types that name no object and still count (a search result carries no id; a product
# shared while signed out names no sharer): they fit their public scene but prove nothing.
UNNAMED_SOURCES = frozenset({"search", "share"})

# Sources an order may name only when it is placed through their own flow (a live room's order
# takes the room's price and flash-sale stock: `place_order(hold=...)`), never by a bare checkout.
HELD_SOURCES = frozenset({"live_room"})


def allowed(scene: int, source_type: str) -> bool:
    """May an order of `scene` name a source of `source_type`? (No source is always allowed.)"""
    return not source_type or source_type in SCENE_SOURCES.get(scene, frozenset())


def problem(scene: int, source_type: str, source_id: int | None, *, store_ids, held: bool = False) -> str:
    """Why an order of these stores cannot name this source ("" when it can): the type must fit
    the scene, a live room's order must come through the room, and a named source must exist and
    be public (a published article or video, the homepage of a store in the checkout). One query
    at most."""
    if len(source_type) > 20 or not allowed(scene, source_type):
        return "scene"
    if source_type in HELD_SOURCES and not held:
        return "flow"
    if source_id is None or not source_type:
        return ""
    if source_type == "homepage":
        return "" if source_id in store_ids else "missing"
    describe = _describers.get(source_type)
    if describe is not None and source_id not in describe([source_id]):
        return "missing"
    return ""


def recorded(
    scene: int, source_type: str, source_id: int | None, *, buyer: User, store_ids, product_ids
) -> tuple[int, str, int | None]:
    """The scene and source an order records (DOMAIN.md "Orders"): as claimed when the source
    verifies, else scene 1 and no source. Call it after `problem` found nothing to refuse: the
    source fits its scene and exists. A scene other than 1 needs a source; a source needs its id
    (but for UNNAMED_SOURCES), and a type with a registered `Verify` must pass it (a share: the
    buyer is in the chat it was shared into)."""
    if scene == Scene.OTHER or not source_type:
        return Scene.OTHER, "", None
    if source_id is None:
        return (scene, source_type, None) if source_type in UNNAMED_SOURCES else (Scene.OTHER, "", None)
    verify = _verifiers.get(source_type)
    claim = Claim(scene, source_type, source_id, buyer, frozenset(store_ids), frozenset(product_ids))
    if verify is not None and not verify(claim):
        return Scene.OTHER, "", None
    return scene, source_type, source_id


def _bound_to_the_store(field: str) -> Verify:
    """An account's or mini program's entry leads only to the stores it is bound to."""

    def verify(claim: Claim) -> bool:
        links = StoreLink.objects.filter(
            **{f"{field}_id": claim.source_id}, store_id__in=claim.store_ids, state=LinkState.BOUND
        )
        return links.exists()

    return verify


def _url(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:  # the page's app is not installed
        return ""


def _titles(queryset, field: str, url_name: str | None) -> Describe:
    """Titles (and page links) of the public objects among `ids`: a draft is not a source."""

    def describe(ids: list[int]) -> dict[int, Source]:
        rows = queryset.filter(pk__in=ids).values_list("pk", field)
        return {pk: Source(title or "", _url(url_name, pk) if url_name else "") for pk, title in rows}

    return describe


def _sharers(ids: list[int]) -> dict[int, Source]:
    """Who shared is for attribution, not for show: the order page names no one."""
    return {
        pk: Source("") for pk in User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True)
    }


_describers: dict[str, Describe] = {
    "article": _titles(Article.objects.filter(state="published"), "title", "content:article"),
    "video": _titles(Video.objects.filter(state="published"), "title", "content:video"),
    "official_account": _titles(OfficialAccount.objects.all(), "name", "content:official_account"),
    "video_account": _titles(VideoAccount.objects.all(), "name", "content:video_account"),
    "mini_program": _titles(MiniProgram.objects.all(), "name", "content:mini_program"),
    "homepage": _titles(Store.objects.all(), "name", "stores:shop"),
    "share": _sharers,
}
_verifiers: dict[str, Verify] = {
    "official_account": _bound_to_the_store("official_account"),
    "video_account": _bound_to_the_store("video_account"),
    "mini_program": _bound_to_the_store("mini_program"),
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


def register(
    source_type: str,
    describe: Describe,
    label,
    *,
    scenes: Iterable[int] = (),
    verify: Verify | None = None,
) -> None:
    """An app above orders describes its source type; `scenes` are the scenes it may go with
    (besides those SCENE_SOURCES already gives it); `verify`, when given, says whether a source
    of this type really led a checkout's buyer to its products (otherwise it records scene 1)."""
    _describers[source_type] = describe
    LABELS[source_type] = label
    if verify is not None:
        _verifiers[source_type] = verify
    for scene in scenes:
        SCENE_SOURCES[scene] = SCENE_SOURCES.get(scene, frozenset()) | {source_type}


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
        title = (known.title if known else f"#{order.source_id}") if order.source_id else ""
        order.source = Source(f"{label} · {title}" if title else label, known.url if known else "")
