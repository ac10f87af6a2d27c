"""The touchpoint report (DOMAIN.md "Touchpoints"): where a store can be reached, which of those
places are connected, and what to connect next.

Six touchpoints, always in this order. Most are answered from this app's tables (one query for
the links, one for the homepage); the live-room shelf belongs to an app above this one, which
registers its probe with `register_probe` when it loads. A touchpoint without a probe is reported
as not connected.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Homepage, Store, StoreLink
from .rules import LinkKind, LinkState, StoreState

# Module types of the homepage that carry content (rather than products or a banner).
CONTENT_MODULES = frozenset({"articles", "videos", "mini_program"})


@dataclass(frozen=True)
class Touchpoint:
    key: str
    name: Promise
    advice: Promise  # what to do when it is not connected


TOUCHPOINTS = (
    Touchpoint("search", _("搜索可见"), _("店铺营业后，买家可按店铺全称和主营类目搜到它。")),
    Touchpoint(
        "official_account",
        _("公众号主页入口"),
        _("关联一个公众号：绑定后它的主页展示店铺入口和商品，文章可插入商品卡片。"),
    ),
    Touchpoint(
        "video_account",
        _("视频号主页入口"),
        _("关联一个视频号：绑定后它的主页展示店铺，短视频可挂商品，直播间可上架商品。"),
    ),
    Touchpoint(
        "homepage",
        _("店铺首页内容"),
        _("在店铺首页加入公众号文章、短视频或小程序模块并发布。"),
    ),
    Touchpoint(
        "live_shelf",
        _("直播间货架"),
        _("让绑定的视频号预约一场直播，把店铺商品放上直播间货架。"),
    ),
    Touchpoint("mini_program", _("小程序"), _("关联一个小程序，让买家从小程序商城进店。")),
)

Probe = Callable[[Store], bool]
_probes: dict[str, Probe] = {}


def register_probe(key: str, probe: Probe) -> None:
    """Answer whether `key` is connected for a store (used by apps above this one)."""
    if key not in {t.key for t in TOUCHPOINTS}:
        raise KeyError(f"unknown touchpoint {key!r}")
    _probes[key] = probe


@dataclass(frozen=True)
class Line:
    key: str
    name: str
    connected: bool
    advice: str


@dataclass(frozen=True)
class Report:
    lines: list[Line]

    @property
    def connected_count(self) -> int:
        return sum(line.connected for line in self.lines)

    @property
    def next(self) -> Line | None:
        """The first touchpoint not yet connected: what to connect next."""
        return next((line for line in self.lines if not line.connected), None)


def report(store: Store) -> Report:
    bound = dict(
        StoreLink.objects.filter(store=store, state=LinkState.BOUND)
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    published = Homepage.objects.filter(store=store).values_list("published", flat=True).first() or []
    connected = {
        "search": store.state == StoreState.OPEN,
        "official_account": bound.get(LinkKind.OFFICIAL_ACCOUNT, 0) > 0,
        "video_account": bound.get(LinkKind.VIDEO_ACCOUNT, 0) > 0,
        "homepage": any(module.get("type") in CONTENT_MODULES for module in published),
        "mini_program": bound.get(LinkKind.MINI_PROGRAM, 0) > 0,
    }
    for key, probe in _probes.items():
        connected[key] = probe(store)
    return Report(
        [
            Line(
                t.key, str(t.name), connected.get(t.key, False), "" if connected.get(t.key) else str(t.advice)
            )
            for t in TOUCHPOINTS
        ]
    )
