"""The store homepage: its modules' shapes and limits, how a list of modules is checked, and how
it is resolved into what the store page shows (DOMAIN.md "Touchpoints").

A homepage is a list of at most MODULES_MAX modules (the limits are in rules.py), in the order they show. Each is a JSON
object with a `type`; `Homepage.draft` and `Homepage.published` hold them as below (every
field present once saved):

| type | fields | must hold |
| --- | --- | --- |
| `banner` | `image`, `title`, `product_id` | `image`: a path `upload_homepage_image` returned for this store; `title` optional (≤ HOMEPAGE_TITLE_MAX); `product_id` optional: a listed product of the store, the banner's link |
| `product_grid` | `title`, `mode`, `product_ids`, `limit` | `mode` `chosen`: 1–GRID_PRODUCTS_MAX listed products of the store, in order; `mode` `auto`: the `limit` (1–GRID_PRODUCTS_MAX) newest listed products, `product_ids` empty |
| `articles` | `title`, `article_ids` | 1–ARTICLES_MAX published articles of official accounts bound to the store |
| `videos` | `title`, `video_ids` | 1–VIDEOS_MAX published short videos of video accounts bound to the store |
| `mini_program` | `mini_program_id` | a mini program bound to the store |

Checks happen when a module is saved and again, for the whole draft, when it is published. What
is published may go stale later (a product delisted, an account unbound): the page then leaves
that item out, and a module left with nothing leaves the page.

Products belong to the catalog, a layer above: they are reached through the extension point
`homepage_products` below, which the catalog fills with `catalog.selectors.homepage_products`
when it loads (`CatalogConfig.ready()`); its signature is that of `_no_products`.
"""

import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Literal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

from xiaodian.content.cards import product_link
from xiaodian.content.models import Article, MiniProgram, Video
from xiaodian.content.rules import State as ContentState
from xiaodian.core.errors import DomainError
from xiaodian.core.extensions import ExtensionPoint
from xiaodian.core.images import contains_qr_code, read_image
from xiaodian.core.pagination import JsonInt, StrictId
from xiaodian.core.scenes import Scene
from xiaodian.core.text import contains_contact_details

from .models import Homepage, Store, StoreLink
from .rules import (
    ARTICLES_MAX,
    BANNER_MAX_BYTES,
    BANNER_MAX_PIXELS,
    DEFAULT_GRID_LIMIT,
    GRID_AUTO_LIMIT,
    GRID_PRODUCTS_MAX,
    HOMEPAGE_TITLE_MAX,
    IMAGE_PATH_MAX,
    MODULES_MAX,
    PICKER_MAX,
    VIDEOS_MAX,
    LinkKind,
    LinkState,
)

# ------------------------------------------------------------------------------------ limits

# The limits themselves are store rules (`rules.py`), imported above.
BANNER_DIR = "store-banners"  # under MEDIA_ROOT, then the store's id
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}  # Pillow format → extension

# Scenes (DOMAIN.md "Orders") the page's links record: a product tapped on the homepage, and the
# mini program its card opens.
HOMEPAGE_SCENE = Scene.STORE_HOMEPAGE
MINI_PROGRAM_SCENE = Scene.MINI_PROGRAM

TYPES = ("banner", "product_grid", "articles", "videos", "mini_program")

# ------------------------------------------------------------------------------------ shapes

Title = Annotated[str, StringConstraints(strip_whitespace=True, max_length=HOMEPAGE_TITLE_MAX)]


class _Module(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Banner(_Module):
    """An image, with an optional title and an optional link to one of the store's products."""

    type: Literal["banner"]
    image: str = Field(
        min_length=1,
        max_length=IMAGE_PATH_MAX,
        description="The `path` POST /stores/{store_id}/homepage/images answered",
    )
    title: Title = ""
    product_id: StrictId | None = Field(None, description="A listed product of the store")


class ProductGrid(_Module):
    """Products in a grid: the ones chosen, or the newest listed ones."""

    type: Literal["product_grid"]
    title: Title = ""
    mode: Literal["chosen", "auto"] = Field("chosen", description="chosen: product_ids; auto: the newest")
    product_ids: list[StrictId] = Field(default_factory=list, max_length=GRID_PRODUCTS_MAX)
    limit: JsonInt = Field(GRID_AUTO_LIMIT, ge=1, le=GRID_PRODUCTS_MAX, description="For mode auto")


class Articles(_Module):
    """Articles of the official accounts bound to the store."""

    type: Literal["articles"]
    title: Title = ""
    article_ids: list[StrictId] = Field(min_length=1, max_length=ARTICLES_MAX)


class Videos(_Module):
    """Short videos of the video accounts bound to the store."""

    type: Literal["videos"]
    title: Title = ""
    video_ids: list[StrictId] = Field(min_length=1, max_length=VIDEOS_MAX)


class MiniProgramCard(_Module):
    """A card that opens a mini program bound to the store."""

    type: Literal["mini_program"]
    mini_program_id: StrictId


Module = Annotated[Banner | ProductGrid | Articles | Videos | MiniProgramCard, Field(discriminator="type")]
_MODULES = TypeAdapter(list[Module])


def _field(index: int, name: str = "") -> str:
    return f"modules.{index}.{name}" if name else f"modules.{index}"


def _dedupe(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def parse(raw) -> list[BaseModel]:
    """The modules' shapes checked and normalised (titles trimmed, ids deduplicated), or a
    DomainError naming the field at fault. No query."""
    if not isinstance(raw, (list, tuple)):
        raise DomainError("validation_error", field="modules")
    items = [m.model_dump() if isinstance(m, BaseModel) else m for m in raw]
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise DomainError("validation_error", field=_field(index))
    if len(items) > MODULES_MAX:
        raise DomainError(
            "homepage_modules_limit_reached",
            _("首页最多 %(max)d 个模块。") % {"max": MODULES_MAX},
            field="modules",
        )
    for index, item in enumerate(items):
        if item.get("type") not in TYPES:
            raise DomainError(
                "homepage_module_unknown",
                _("未知的模块类型：%(type)s。") % {"type": str(item.get("type"))[:40]},
                field=_field(index, "type"),
            )
    try:
        modules = _MODULES.validate_python(items)
    except ValidationError as exc:
        error = exc.errors()[0]
        index, *rest = error["loc"]  # (index, the module's type, field, ...)
        name = ".".join(str(part) for part in rest[1:])
        raise DomainError(
            "validation_error", f"{_field(index, name)}: {error['msg']}", field=_field(index, name)
        ) from None
    for index, module in enumerate(modules):
        _normalise(module, index)
    return modules


def _normalise(module: BaseModel, index: int) -> None:
    title = getattr(module, "title", "")
    if title and contains_contact_details(title):
        raise DomainError("contact_details_not_allowed", field=_field(index, "title"))
    if isinstance(module, ProductGrid):
        if module.mode == "auto":
            module.product_ids = []
        elif not module.product_ids:
            raise DomainError(
                "validation_error", _("请至少选择一件商品。"), field=_field(index, "product_ids")
            )
        module.product_ids = _dedupe(module.product_ids)
    elif isinstance(module, Articles):
        module.article_ids = _dedupe(module.article_ids)
    elif isinstance(module, Videos):
        module.video_ids = _dedupe(module.video_ids)


def dump(modules: Sequence[BaseModel]) -> list[dict]:
    """The modules as `Homepage.draft` stores them."""
    return [m.model_dump(mode="json") for m in modules]


# ----------------------------------------------------------------------- what modules name


def draft_key(modules: list | dict) -> str:
    """A short fingerprint of a list of modules (or of one): the editor sends the one it showed with a new
    order, so an order meant for another version of the draft (changed in another tab) is refused
    rather than applied to the wrong modules."""
    text = json.dumps(modules, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _no_products(store_id: int, ids: Iterable[int], *, latest: int = 0) -> tuple[dict[int, dict], list[int]]:
    """`({id: {"title", "price_fen", "image_url"}}, [ids of the newest])`: cards for those of
    `ids` that are listed products of the store, and for its `latest` newest listed products,
    whose ids come second, newest first. Stores alone know no products."""
    return {}, []


homepage_products = ExtensionPoint("stores.homepage_products", default=_no_products)


def resolve_products(
    store_id: int, ids: Iterable[int], *, latest: int = 0
) -> tuple[dict[int, dict], list[int]]:
    """Through the `homepage_products` extension point (`_no_products` if nothing registered)."""
    ids = list(ids)
    if not ids and latest <= 0:
        return {}, []
    return homepage_products(store_id, ids, latest=latest)


def _no_categories(store_id: int, category_id: int | None = None) -> tuple[list[dict], list[int]]:
    """`([{"id", "name", "count"}], [ids])`: the categories the store's listed products are in,
    the fullest first, and the newest listed products (at most GRID_PRODUCTS_MAX) of
    `category_id` when it is one of them. Stores alone know no products."""
    return [], []


# The store page's in-store categories (店内分类), filled by the catalog like `homepage_products`.
homepage_categories = ExtensionPoint("stores.homepage_categories", default=_no_categories)


def bound_accounts(store_id: int) -> dict[str, set[int]]:
    """The accounts bound to the store now, by link kind, in one query."""
    bound: dict[str, set[int]] = {kind: set() for kind in LinkKind.values}
    rows = StoreLink.objects.filter(store_id=store_id, state=LinkState.BOUND).values_list(
        "kind", "official_account_id", "video_account_id", "mini_program_id"
    )
    for kind, official_id, video_id, program_id in rows:
        bound[kind].add(official_id or video_id or program_id)
    return bound


@dataclass
class _Wanted:
    """Every id the modules name, gathered so each kind is read with one query."""

    product_ids: list[int] = field(default_factory=list)
    latest: int = 0  # the largest automatic grid
    article_ids: list[int] = field(default_factory=list)
    video_ids: list[int] = field(default_factory=list)
    mini_program_ids: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, modules: Iterable[BaseModel]) -> "_Wanted":
        wanted = cls()
        for m in modules:
            if isinstance(m, Banner) and m.product_id:
                wanted.product_ids.append(m.product_id)
            elif isinstance(m, ProductGrid):
                if m.mode == "auto":
                    wanted.latest = max(wanted.latest, m.limit)
                wanted.product_ids += m.product_ids
            elif isinstance(m, Articles):
                wanted.article_ids += m.article_ids
            elif isinstance(m, Videos):
                wanted.video_ids += m.video_ids
            elif isinstance(m, MiniProgramCard):
                wanted.mini_program_ids.append(m.mini_program_id)
        return wanted

    @property
    def names_content(self) -> bool:
        return bool(self.article_ids or self.video_ids or self.mini_program_ids)


def _articles(ids: list[int], official_ids: set[int]):
    if not ids or not official_ids:
        return {}
    found = (
        Article.objects.select_related("account")
        .defer("body")  # the page shows titles only
        .filter(pk__in=ids, state=ContentState.PUBLISHED, account_id__in=official_ids)
    )
    return {a.pk: a for a in found}


def _videos(ids: list[int], video_account_ids: set[int]):
    if not ids or not video_account_ids:
        return {}
    found = Video.objects.select_related("account").filter(
        pk__in=ids, state=ContentState.PUBLISHED, account_id__in=video_account_ids
    )
    return {v.pk: v for v in found}


def _mini_programs(ids: list[int], bound_ids: set[int]):
    wanted = [i for i in ids if i in bound_ids]
    return {p.pk: p for p in MiniProgram.objects.filter(pk__in=wanted)} if wanted else {}


# ------------------------------------------------------------------------------------- checks

_BANNER_PATH = re.compile(rf"{BANNER_DIR}/(\d+)/[0-9a-f]{{32}}\.(?:png|jpg|gif|webp)")


def check(store: Store, modules: Sequence[BaseModel], *, indexes: Iterable[int] | None = None) -> None:
    """What the modules (those at `indexes`, by default all) name belongs on this store's page:
    its own banner images and listed products, published articles and videos of accounts bound to
    it, mini programs bound to it. At most four queries, however many modules."""
    chosen = list(range(len(modules))) if indexes is None else list(indexes)
    subjects = [modules[i] for i in chosen]
    wanted = _Wanted.of(subjects)
    cards, _latest = resolve_products(store.pk, _dedupe(wanted.product_ids))
    bound = bound_accounts(store.pk) if wanted.names_content else {}
    articles = _articles(wanted.article_ids, bound.get(LinkKind.OFFICIAL_ACCOUNT, set()))
    videos = _videos(wanted.video_ids, bound.get(LinkKind.VIDEO_ACCOUNT, set()))
    programs = bound.get(LinkKind.MINI_PROGRAM, set())
    for index, module in zip(chosen, subjects, strict=True):
        if isinstance(module, Banner):
            _check_banner(store, module, index, cards)
        elif isinstance(module, ProductGrid):
            _check_products(module.product_ids, cards, _field(index, "product_ids"))
        elif isinstance(module, Articles):
            message = _("文章 %(id)s 未发布，或不属于关联到本店的公众号。")
            _check_content(module.article_ids, articles, _field(index, "article_ids"), message)
        elif isinstance(module, Videos):
            message = _("短视频 %(id)s 未发布，或不属于关联到本店的视频号。")
            _check_content(module.video_ids, videos, _field(index, "video_ids"), message)
        elif isinstance(module, MiniProgramCard) and module.mini_program_id not in programs:
            raise DomainError(
                "homepage_content_unavailable",
                _("小程序 %(id)s 未关联到本店。") % {"id": module.mini_program_id},
                field=_field(index, "mini_program_id"),
            )


def _check_banner(store: Store, module: Banner, index: int, cards: dict) -> None:
    match = _BANNER_PATH.fullmatch(module.image)
    if match is None or int(match.group(1)) != store.pk or not default_storage.exists(module.image):
        raise DomainError("homepage_image_unknown", field=_field(index, "image"))
    if module.product_id:
        _check_products([module.product_id], cards, _field(index, "product_id"))


def _check_products(ids: list[int], cards: dict, where: str) -> None:
    for product_id in ids:
        if product_id not in cards:
            raise DomainError(
                "homepage_product_unavailable",
                _("商品 %(id)s 不是本店在售的商品。") % {"id": product_id},
                field=where,
            )


def _check_content(ids: list[int], found: dict, where: str, message: str) -> None:
    for item_id in ids:
        if item_id not in found:
            raise DomainError("homepage_content_unavailable", message % {"id": item_id}, field=where)


def validate(store: Store, raw, *, indexes: Iterable[int] | None = None) -> list[dict]:
    """`parse` then `check`: the modules as they are saved, or a DomainError."""
    modules = parse(raw)
    check(store, modules, indexes=indexes)
    return dump(modules)


# ------------------------------------------------------------------------------ banner images


def save_banner_image(store: Store, upload: UploadedFile | None) -> str:
    """Keep an uploaded banner image under MEDIA_ROOT/store-banners/<store id>/ with a generated
    name, after checking it is a real PNG, JPEG, GIF or WebP within the limits; its path."""
    data, image_format, width, height = read_image(upload, max_bytes=BANNER_MAX_BYTES)
    if image_format not in IMAGE_FORMATS or min(width, height) < 1 or max(width, height) > BANNER_MAX_PIXELS:
        raise DomainError("image_invalid", field="image")
    if contains_qr_code(data):
        raise DomainError("qr_code_not_allowed", field="image")
    name = f"{BANNER_DIR}/{store.pk}/{uuid.uuid4().hex}.{IMAGE_FORMATS[image_format]}"
    return default_storage.save(name, ContentFile(data))


# --------------------------------------------------------------------------------- resolving


@dataclass(frozen=True)
class ProductCard:
    id: int
    title: str
    price_fen: int | None
    image_url: str
    url: str  # the product page, with scene 5 and this store as the source


@dataclass(frozen=True)
class ArticleCard:
    id: int
    title: str
    account_id: int
    account_name: str
    published_at: datetime | None
    url: str


@dataclass(frozen=True)
class VideoCard:
    id: int
    title: str
    account_id: int
    account_name: str
    cover_url: str
    url: str


@dataclass(frozen=True)
class ProgramCard:
    id: int
    name: str
    app_id: str
    url: str  # the mini program's page, with scene 12


@dataclass(frozen=True)
class ShownModule:
    """A module as the page shows it: only the fields of its type are filled."""

    type: str
    title: str = ""
    image_url: str = ""  # banner
    url: str = ""  # banner: its product's page, or empty
    products: tuple[ProductCard, ...] = ()
    articles: tuple[ArticleCard, ...] = ()
    videos: tuple[VideoCard, ...] = ()
    mini_program: ProgramCard | None = None


@dataclass(frozen=True)
class ShopPage:
    """The store page: the store, and its modules resolved."""

    store: Store
    modules: list[ShownModule]
    version: int
    published_at: datetime | None
    is_default: bool  # nothing published yet: the newest products stand in
    is_preview: bool = False
    categories: tuple[dict, ...] = ()  # in-store categories: {"id", "name", "count"}
    category: dict | None = None  # the one chosen: the page shows its products instead of the modules


def default_modules() -> list[BaseModel]:
    """What a store that has not published a homepage shows: its newest listed products."""
    return [ProductGrid(type="product_grid", mode="auto", limit=DEFAULT_GRID_LIMIT)]


def shop_page(
    store: Store, page: Homepage | None, *, draft: bool = False, category_id: int | None = None
) -> ShopPage:
    """The store page for the published modules (or, with `draft`, the ones being edited), with
    the store's in-store categories. Modules are read leniently (anything unreadable is left
    out), then every kind of thing they name is read with one query: at most seven queries,
    however many modules. With `category_id` (one of the store's categories) the page shows that
    category's products in place of the modules."""
    raw = (page.draft if draft else page.published) if page is not None else []
    is_default = not draft and not raw
    modules = default_modules() if is_default else _readable(raw)
    categories, category_ids = homepage_categories(store.pk, category_id)
    category = next((c for c in categories if c["id"] == category_id), None)
    if category is not None:
        modules = [ProductGrid(type="product_grid", title=category["name"], product_ids=category_ids)]
    return ShopPage(
        store=store,
        modules=resolve(store, modules),
        version=page.version if page is not None else 0,
        published_at=page.published_at if page is not None else None,
        is_default=is_default,
        is_preview=draft,
        categories=tuple(categories),
        category=category,
    )


def _readable(raw) -> list[BaseModel]:
    out = []
    for item in raw if isinstance(raw, list) else []:
        try:
            out.append(_MODULES.validate_python([item])[0])
        except ValidationError:
            continue  # written by an older shape: leave it out rather than fail the page
    return out


def resolve(store: Store, modules: Sequence[BaseModel]) -> list[ShownModule]:
    wanted = _Wanted.of(modules)
    cards, latest = resolve_products(store.pk, _dedupe(wanted.product_ids), latest=wanted.latest)
    bound = bound_accounts(store.pk) if wanted.names_content else {}
    articles = _articles(_dedupe(wanted.article_ids), bound.get(LinkKind.OFFICIAL_ACCOUNT, set()))
    videos = _videos(_dedupe(wanted.video_ids), bound.get(LinkKind.VIDEO_ACCOUNT, set()))
    programs = _mini_programs(wanted.mini_program_ids, bound.get(LinkKind.MINI_PROGRAM, set()))

    def product(product_id: int) -> ProductCard:
        card = cards[product_id]
        url = product_link(product_id, scene=HOMEPAGE_SCENE, source_type="homepage", source_id=store.pk)
        return ProductCard(product_id, card["title"], card["price_fen"], card["image_url"], url)

    shown: list[ShownModule] = []
    for m in modules:
        if isinstance(m, Banner):
            linked = m.product_id if m.product_id in cards else None
            shown.append(
                ShownModule(
                    type=m.type,
                    title=m.title,
                    image_url=default_storage.url(m.image),
                    url=product(linked).url if linked else "",
                )
            )
        elif isinstance(m, ProductGrid):
            ids = latest[: m.limit] if m.mode == "auto" else [i for i in m.product_ids if i in cards]
            if ids:
                shown.append(ShownModule(type=m.type, title=m.title, products=tuple(map(product, ids))))
        elif isinstance(m, Articles):
            items = tuple(_article_card(articles[i]) for i in m.article_ids if i in articles)
            if items:
                shown.append(ShownModule(type=m.type, title=m.title, articles=items))
        elif isinstance(m, Videos):
            items = tuple(_video_card(videos[i]) for i in m.video_ids if i in videos)
            if items:
                shown.append(ShownModule(type=m.type, title=m.title, videos=items))
        elif isinstance(m, MiniProgramCard) and m.mini_program_id in programs:
            shown.append(ShownModule(type=m.type, mini_program=_program_card(programs[m.mini_program_id])))
    return shown


def _article_card(article: Article) -> ArticleCard:
    return ArticleCard(
        id=article.pk,
        title=article.title,
        account_id=article.account_id,
        account_name=article.account.name,
        published_at=article.published_at,
        url=reverse("content:article", args=[article.pk]),
    )


def _video_card(video: Video) -> VideoCard:
    return VideoCard(
        id=video.pk,
        title=video.title,
        account_id=video.account_id,
        account_name=video.account.name,
        cover_url=video.cover.url if video.cover else "",
        url=reverse("content:video", args=[video.pk]),
    )


def mini_program_link(program_id: int) -> str:
    """The mini program's page, with scene 12 and the mini program as the source."""
    path = reverse("content:mini_program", args=[program_id])
    return f"{path}?scene={MINI_PROGRAM_SCENE}&source_type=mini_program&source_id={program_id}"


def _program_card(program: MiniProgram) -> ProgramCard:
    return ProgramCard(program.pk, program.name, program.app_id, mini_program_link(program.pk))


# ------------------------------------------------------------------------- the editor's lists


@dataclass(frozen=True)
class Choices:
    """What the editor offers to pick from, newest first: listed products (as cards), published
    articles and videos of bound accounts, bound mini programs."""

    products: list[ProductCard]
    articles: list[ArticleCard]
    videos: list[VideoCard]
    mini_programs: list[ProgramCard]


def choices(store: Store, *, keep_product_ids: Iterable[int] = ()) -> Choices:
    """At most six queries. `keep_product_ids` (those already chosen) are offered even when they
    are not among the newest."""
    keep = _dedupe(keep_product_ids)
    cards, latest = resolve_products(store.pk, keep, latest=PICKER_MAX)
    bound = bound_accounts(store.pk)
    articles = (
        Article.objects.select_related("account")
        .defer("body")
        .filter(state=ContentState.PUBLISHED, account_id__in=bound[LinkKind.OFFICIAL_ACCOUNT])[:PICKER_MAX]
    )
    videos = Video.objects.select_related("account").filter(
        state=ContentState.PUBLISHED, account_id__in=bound[LinkKind.VIDEO_ACCOUNT]
    )[:PICKER_MAX]
    programs = MiniProgram.objects.filter(pk__in=bound[LinkKind.MINI_PROGRAM]).order_by("-pk")

    def product(product_id: int) -> ProductCard:
        card = cards[product_id]
        return ProductCard(product_id, card["title"], card["price_fen"], card["image_url"], "")

    offered = _dedupe([*latest, *(i for i in keep if i in cards)])
    return Choices(
        products=[product(i) for i in offered],
        articles=[_article_card(a) for a in articles] if bound[LinkKind.OFFICIAL_ACCOUNT] else [],
        videos=[_video_card(v) for v in videos] if bound[LinkKind.VIDEO_ACCOUNT] else [],
        mini_programs=[_program_card(p) for p in programs] if bound[LinkKind.MINI_PROGRAM] else [],
    )
