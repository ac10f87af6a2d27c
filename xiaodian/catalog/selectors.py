"""Reads for products: the public product page, a store's product list, category pickers."""

from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db.models import (
    Count,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse

from xiaodian.accounts.models import User
from xiaodian.core.errors import DomainError
from xiaodian.core.money import format_fen
from xiaodian.stores import rules as store_rules
from xiaodian.stores.models import Category, Store, StoreStaff
from xiaodian.stores.rules import StoreState
from xiaodian.stores.selectors import CategoryTree, bound_stores

from . import rules
from .models import SKU, Product, ProductImage
from .rules import ProductState


@dataclass(frozen=True)
class ProductPage:
    """Everything the product page shows, read in three queries: the product with its store and
    category (and the viewer's role in the store), its active SKUs, its images."""

    product: Product
    skus: list[SKU]
    images: list[ProductImage]
    viewer_role: str | None

    @property
    def store(self) -> Store:
        return self.product.store

    @property
    def category(self) -> Category:
        return self.product.category

    @property
    def is_public(self) -> bool:
        return is_public(self.product)

    @property
    def spec_names(self) -> list[str]:
        return self.product.spec_names

    @property
    def price_min_fen(self) -> int | None:
        return min((s.price_fen for s in self.skus), default=None)

    @property
    def price_max_fen(self) -> int | None:
        return max((s.price_fen for s in self.skus), default=None)

    @property
    def stock_total(self) -> int:
        return sum(s.stock for s in self.skus)

    @property
    def stock_state(self) -> str:
        return stock_state(self.stock_total)


def is_public(product: Product) -> bool:
    """Buyers see a product while it is listed and its store is open."""
    return product.state == ProductState.LISTED and product.store.state == StoreState.OPEN


def spec_values(sku: SKU, names: list[str]) -> list[str]:
    """A SKU's values in the product's spec-name order."""
    return [sku.specs.get(name, "") for name in names]


def stock_state(stock: int) -> str:
    """`sold_out`, `low` (≤ LOW_STOCK) or `in_stock`, for badges."""
    if stock <= 0:
        return "sold_out"
    return "low" if stock <= rules.LOW_STOCK else "in_stock"


def product_page(product_id: int, *, viewer: User | None = None) -> ProductPage:
    """The product as `viewer` may see it: a listed product of an open store for everyone; any
    state for staff of its store; otherwise not found. Three queries whatever the SKU and image
    counts."""
    products = Product.objects.select_related("store", "category").prefetch_related(
        Prefetch("skus", queryset=SKU.objects.filter(is_active=True), to_attr="active_skus"),
        Prefetch("images", queryset=ProductImage.objects.all(), to_attr="image_list"),
    )
    if viewer is not None and viewer.is_authenticated:
        role = StoreStaff.objects.filter(store_id=OuterRef("store_id"), user=viewer).values("role")[:1]
        products = products.annotate(viewer_role=Subquery(role))
    product = products.filter(pk=product_id).first()
    if product is None:
        raise DomainError("not_found")
    viewer_role = getattr(product, "viewer_role", None)
    if viewer_role is None and not is_public(product):
        raise DomainError("not_found")
    product.store.viewer_role = viewer_role  # so stores.access.can() answers for this viewer
    for sku in product.active_skus:
        sku.spec_values = spec_values(sku, product.spec_names)
    return ProductPage(
        product=product, skus=product.active_skus, images=product.image_list, viewer_role=viewer_role
    )


@dataclass(frozen=True)
class ProductFilters:
    """A merchant's product list filters: any of title text, state, category, low stock."""

    q: str = ""
    state: str | None = None
    category_id: int | None = None
    low_stock: bool = False

    @property
    def narrowing(self) -> bool:
        """Whether anything but the state narrows the list (the state tabs then count the match)."""
        return bool(self.q.strip() or self.category_id or self.low_stock)


def products_of_store(
    store: Store, *, state: str | None = None, filters: ProductFilters | None = None
) -> QuerySet[Product]:
    """A store's products for its staff, newest first, with price range, total stock, SKU count
    and the cover image's file name (`cover`) in one query. `filters` narrow it: title text
    (case-insensitive, anywhere in the title), a (leaf) category, and low stock
    (active SKUs totalling at most LOW_STOCK, sold out included)."""
    filters = filters or ProductFilters(state=state)
    active = Q(skus__is_active=True)
    cover = ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "id").values("image")[:1]
    products = (
        _filtered(Product.objects.filter(store=store), filters)
        .select_related("category")
        .annotate(
            price_min_fen=Min("skus__price_fen", filter=active),
            price_max_fen=Max("skus__price_fen", filter=active),
            stock_total=Coalesce(Sum("skus__stock", filter=active), 0, output_field=IntegerField()),
            sku_count=Count("skus", filter=active),
            cover=Subquery(cover),
        )
        .order_by("-id")
    )
    if filters.state:
        products = products.filter(state=filters.state)
    return products


def _filtered(products: QuerySet[Product], filters: ProductFilters) -> QuerySet[Product]:
    """Every filter but the state (the tabs count each state under the others)."""
    if filters.q.strip():
        products = products.filter(title__icontains=filters.q.strip())
    if filters.category_id:
        products = products.filter(category_id=filters.category_id)
    if filters.low_stock:
        stock = (
            SKU.objects.filter(product=OuterRef("pk"), is_active=True)
            .order_by()
            .values("product")
            .annotate(total=Sum("stock"))
            .values("total")
        )
        products = products.annotate(
            active_stock=Coalesce(Subquery(stock), 0, output_field=IntegerField())
        ).filter(active_stock__lte=rules.LOW_STOCK)
    return products


def store_product_categories(store: Store) -> list[tuple[int, str]]:
    """The leaf categories the store's products are in, (id, name) by name: the filter's choices."""
    return list(
        Category.objects.filter(pk__in=Product.objects.filter(store=store).values("category_id"))
        .order_by("name", "pk")
        .values_list("pk", "name")
    )


def state_counts(store: Store, filters: ProductFilters | None = None) -> dict[str, int]:
    """How many products the store has in each state (one query), for the filter tabs; with
    `filters`, how many of those that match them."""
    counts = dict(
        _filtered(Product.objects.filter(store=store), filters or ProductFilters())
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    return {state: counts.get(state, 0) for state in ProductState.values}


def cover_url(name: str | None) -> str:
    return default_storage.url(name) if name else ""


def product_of_store(store: Store, product_id: int) -> Product:
    """One of the store's products (the caller has checked the store permission)."""
    product = Product.objects.select_related("category").filter(pk=product_id, store=store).first()
    if product is None:
        raise DomainError("not_found")
    product.store = store
    return product


def skus_of(product: Product) -> list[SKU]:
    return list(SKU.objects.filter(product=product, is_active=True))


def images_of(product: Product) -> list[ProductImage]:
    return list(ProductImage.objects.filter(product=product))


def leaf_categories(tree: CategoryTree | None = None) -> list[tuple[int, str]]:
    """(id, "parent / leaf") for every active leaf category, in tree order: where products go."""
    tree = tree or CategoryTree()
    return [
        (c.pk, " / ".join(node.name for node in tree.path(c.pk)))
        for _depth, c in tree.flat()
        if not tree.children.get(c.pk)
    ]


def product_cards(ids) -> dict[int, dict]:
    """Cards for products embedded in content (articles, videos): listed products of open
    stores only, with their lowest active price and first image, in one query. Content resolves
    its cards through this (registered as `content.cards.product_card_resolver`); anything else
    stays a link."""
    first_image = (
        ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "pk").values("image")[:1]
    )
    rows = (
        Product.objects.filter(pk__in=list(ids), state=ProductState.LISTED, store__state=StoreState.OPEN)
        .annotate(
            price_fen=Min("skus__price_fen", filter=Q(skus__is_active=True)),
            first_image=Subquery(first_image),
        )
        .values("pk", "title", "price_fen", "first_image")
    )
    return {
        row["pk"]: {
            "title": row["title"],
            "price_fen": row["price_fen"],
            "image_url": default_storage.url(row["first_image"]) if row["first_image"] else "",
        }
        for row in rows
    }


def social_product_cards(ids: list[int], viewer_id: int | None) -> dict[int, dict]:
    """`social.cards.resolvers["product"]`: the product cards of chats, groups and Moments, for
    anyone (a published product is public): listed products of open stores, with their lowest
    active price as the subtitle, their first image and their page. One query."""
    return {
        pk: {
            "title": card["title"],
            "subtitle": format_fen(card["price_fen"]) if card["price_fen"] is not None else "",
            "image_url": card["image_url"],
            "url": reverse("catalog:product", args=[pk]),
        }
        for pk, card in product_cards(ids).items()
    }


def store_entries(kind: str, account_id: int, *, per_store: int = rules.ENTRY_PRODUCTS) -> list[dict]:
    """The store entries a bound account's profile shows (registered as `content.cards.
    store_entry_resolver`): each open store it is bound to, with its newest listed products as
    cards. Three queries."""
    stores = list(bound_stores(kind, account_id).values("pk", "name"))
    if not stores:
        return []
    ranked = (
        Product.objects.filter(store_id__in=[s["pk"] for s in stores], state=ProductState.LISTED)
        .annotate(rank=Window(RowNumber(), partition_by=F("store_id"), order_by=F("pk").desc()))
        .filter(rank__lte=per_store)
        .values_list("store_id", "pk")
    )
    by_store: dict[int, list[int]] = {}
    for store_id, product_id in ranked:
        by_store.setdefault(store_id, []).append(product_id)
    cards = product_cards([pk for ids in by_store.values() for pk in ids])
    return [
        {
            "store_id": s["pk"],
            "name": s["name"],
            "products": [{"id": pk, **cards[pk]} for pk in by_store.get(s["pk"], []) if pk in cards],
        }
        for s in stores
    ]


def homepage_products(store_id: int, ids, *, latest: int = 0) -> tuple[dict[int, dict], list[int]]:
    """The store homepage's products (registered as `stores.homepage.homepage_products`): cards
    for those of `ids` that are listed products of this store, plus its `latest` newest listed
    products, whose ids come second, newest first. One query for the chosen ids, one for the
    newest."""
    first_image = (
        ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "pk").values("image")[:1]
    )
    listed = Product.objects.filter(store_id=store_id, state=ProductState.LISTED).annotate(
        price_fen=Min("skus__price_fen", filter=Q(skus__is_active=True)),
        first_image=Subquery(first_image),
    )
    fields = ("pk", "title", "price_fen", "first_image")
    ids = list(ids)
    rows = list(listed.filter(pk__in=ids).values(*fields)) if ids else []
    newest = (
        list(listed.order_by(F("listed_at").desc(nulls_last=True), "-pk").values(*fields)[:latest])
        if latest > 0
        else []
    )
    cards = {
        row["pk"]: {
            "title": row["title"],
            "price_fen": row["price_fen"],
            "image_url": default_storage.url(row["first_image"]) if row["first_image"] else "",
        }
        for row in (*rows, *newest)
    }
    return cards, [row["pk"] for row in newest]


def homepage_categories(store_id: int, category_id: int | None = None) -> tuple[list[dict], list[int]]:
    """The store page's in-store categories (registered as `stores.homepage.homepage_categories`):
    the categories of the store's listed products with how many each holds, the fullest first,
    in one query; and, for `category_id` when it is one of them, its newest listed products'
    ids (one more query)."""
    listed = Product.objects.filter(store_id=store_id, state=ProductState.LISTED)
    rows = (
        listed.order_by()
        .values("category_id", "category__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "category__name", "category_id")
    )
    categories = [{"id": r["category_id"], "name": r["category__name"], "count": r["n"]} for r in rows]
    ids: list[int] = []
    if category_id is not None and any(c["id"] == category_id for c in categories):
        ids = list(
            listed.filter(category_id=category_id)
            .order_by(F("listed_at").desc(nulls_last=True), "-pk")
            .values_list("pk", flat=True)[: store_rules.GRID_PRODUCTS_MAX]
        )
    return categories, ids


def newest_listed(limit: int) -> list[dict]:
    """The newest listed products of open stores as cards (title, lowest active price, first
    image, store): the home page's until the discovery feed exists. One query."""
    first_image = (
        ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "pk").values("image")[:1]
    )
    rows = (
        Product.objects.filter(state=ProductState.LISTED, store__state=StoreState.OPEN)
        .annotate(
            price_fen=Min("skus__price_fen", filter=Q(skus__is_active=True)),
            first_image=Subquery(first_image),
        )
        .order_by("-listed_at", "-pk")
        .values("pk", "title", "price_fen", "first_image", "store_id", "store__name")[:limit]
    )
    return [
        {
            "id": row["pk"],
            "title": row["title"],
            "price_fen": row["price_fen"],
            "image_url": default_storage.url(row["first_image"]) if row["first_image"] else "",
            "store_id": row["store_id"],
            "store_name": row["store__name"],
        }
        for row in rows
    ]


def stores_with_listings(limit: int) -> list[dict]:
    """Open stores that sell something, the most listed products first: the home page's "stores
    worth seeing" until the feed ranks them. One query."""
    rows = (
        Store.objects.filter(state=StoreState.OPEN, products__state=ProductState.LISTED)
        .annotate(listed=Count("products"))
        .order_by("-listed", "pk")
        .values("pk", "name", "main_category__name", "listed")[:limit]
    )
    return [
        {"id": r["pk"], "name": r["name"], "category": r["main_category__name"], "listed": r["listed"]}
        for r in rows
    ]
