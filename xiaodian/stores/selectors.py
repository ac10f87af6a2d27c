"""Reads for stores, categories and rules."""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.urls import reverse

from xiaodian.accounts.models import User
from xiaodian.core.errors import DomainError

from . import homepage, rules
from .models import (
    BrandAuthorization,
    Category,
    Homepage,
    PlatformRules,
    Store,
    StoreDeposit,
    StoreLink,
    StoreStaff,
)


def platform_rules() -> PlatformRules:
    """The live rules row (created with the shipped defaults on first read)."""
    row, _ = PlatformRules.objects.get_or_create(pk=1)
    return row


def stores_of(user: User) -> QuerySet[Store]:
    """Stores where the user holds any staff role, newest first."""
    return Store.objects.filter(staff__user=user).select_related("main_category", "subject").distinct()


def store_roles(user: User) -> dict[int, str]:
    return dict(StoreStaff.objects.filter(user=user).values_list("store_id", "role"))


def staff_of(store: Store) -> QuerySet[StoreStaff]:
    return StoreStaff.objects.filter(store=store).select_related("user")


def deposits_of(store: Store) -> QuerySet[StoreDeposit]:
    return StoreDeposit.objects.filter(store=store).select_related("category")


def categories(*, parent_id: int | None = None, roots_only: bool = False) -> QuerySet[Category]:
    qs = Category.objects.filter(is_active=True)
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    elif roots_only:
        qs = qs.filter(parent__isnull=True)
    return qs


def category(category_id: int) -> Category:
    found = Category.objects.filter(pk=category_id, is_active=True).first()
    if found is None:
        raise DomainError("not_found", field="category_id")
    return found


class CategoryTree:
    """The whole tree in one query, for deposit look-ups and pickers."""

    def __init__(self) -> None:
        self.by_id = {c.pk: c for c in Category.objects.filter(is_active=True)}
        self.children: dict[int | None, list[Category]] = {}
        for c in self.by_id.values():
            self.children.setdefault(c.parent_id, []).append(c)

    def path(self, category_id: int) -> list[Category]:
        chain, node = [], self.by_id.get(category_id)
        while node is not None:
            chain.append(node)
            node = self.by_id.get(node.parent_id) if node.parent_id is not None else None
        return chain[::-1]

    def deposit_category(self, category_id: int) -> Category | None:
        """The nearest category (itself or an ancestor) that sets the deposit; None when none does."""
        for node in reversed(self.path(category_id)):
            if node.deposit_fen is not None:
                return node
        return None

    def deposit_fen(self, category_id: int) -> int:
        node = self.deposit_category(category_id)
        return node.deposit_fen if node is not None and node.deposit_fen is not None else 0

    def flat(self) -> list[tuple[int, Category]]:
        """(depth, category) in tree order."""
        out: list[tuple[int, Category]] = []

        def walk(parent_id: int | None, depth: int) -> None:
            for c in self.children.get(parent_id, []):
                out.append((depth, c))
                walk(c.pk, depth + 1)

        walk(None, 0)
        return out


def category_names() -> list[str]:
    return list(Category.objects.values_list("name", flat=True))


def approved_brands(subject_id: int) -> list[str]:
    return list(
        BrandAuthorization.objects.filter(
            subject_id=subject_id, status=rules.AuthorizationStatus.APPROVED
        ).values_list("brand", flat=True)
    )


def brand_authorizations_of(subject_id: int) -> QuerySet[BrandAuthorization]:
    return BrandAuthorization.objects.filter(subject_id=subject_id)


def brand_authorizations_of_owner(user: User) -> QuerySet[BrandAuthorization]:
    """Every brand authorisation of the subjects a user owns, for one page that lists them all."""
    return BrandAuthorization.objects.filter(subject__owner=user)


@dataclass(frozen=True)
class DepositRow:
    """One line of a store's deposit table."""

    category: Category
    depth: int
    amount_fen: int  # what the category asks (0: no deposit needed)
    deposit: StoreDeposit | None  # the live deposit, else the latest refunded one, else none
    covers_main_category: bool

    @property
    def is_paid(self) -> bool:
        return self.deposit is not None and self.deposit.status == rules.DepositStatus.PAID

    @property
    def needs_payment(self) -> bool:
        return self.amount_fen > 0 and not self.is_paid


def deposit_rows(store: Store, tree: CategoryTree | None = None) -> list[DepositRow]:
    """Each top-level category and each category that sets its own deposit, in tree order, with
    what it asks and whether this store has paid it (one query, plus the tree's if not given)."""
    tree = tree or CategoryTree()
    latest: dict[int, StoreDeposit] = {}
    for deposit in deposits_of(store):  # newest first
        seen = latest.get(deposit.category_id)
        refunded = rules.DepositStatus.REFUNDED
        if seen is None or (seen.status == refunded and deposit.status != refunded):
            latest[deposit.category_id] = deposit
    main = tree.deposit_category(store.main_category_id)
    return [
        DepositRow(
            category=c,
            depth=depth,
            amount_fen=tree.deposit_fen(c.pk),
            deposit=latest.get(c.pk),
            covers_main_category=main is not None and main.pk == c.pk,
        )
        for depth, c in tree.flat()
        if c.parent_id is None or c.deposit_fen is not None
    ]


_LINK_RELATED = ("store", "official_account", "video_account", "mini_program")


def _filtered(links: QuerySet[StoreLink], kind: str | None, state: str | None) -> QuerySet[StoreLink]:
    if kind is not None:
        links = links.filter(kind=kind)
    if state is not None:
        links = links.filter(state=state)
    return links


def links_of(store: Store, *, kind: str | None = None, state: str | None = None) -> QuerySet[StoreLink]:
    """The store's links, newest first, with their accounts (one query)."""
    return _filtered(StoreLink.objects.filter(store=store).select_related(*_LINK_RELATED), kind, state)


def bound_account_ids(store: Store | int, kind: str) -> list[int]:
    """Ids of the accounts of `kind` bound to the store now."""
    field = StoreLink.ACCOUNT_FIELDS[kind]
    return list(
        StoreLink.objects.filter(store=store, kind=kind, state=rules.LinkState.BOUND).values_list(
            f"{field}_id", flat=True
        )
    )


def bound_stores(kind: str, account_id: int) -> QuerySet[Store]:
    """Open stores an account is bound to: what its profile shows, and whose products its
    live rooms may sell."""
    field = StoreLink.ACCOUNT_FIELDS[kind]
    return Store.objects.filter(
        links__kind=kind,
        links__state=rules.LinkState.BOUND,
        **{f"links__{field}_id": account_id},
        state=rules.StoreState.OPEN,
    ).order_by("pk")


def link(link_id: int) -> StoreLink | None:
    return StoreLink.objects.select_related(*_LINK_RELATED).filter(pk=link_id).first()


def invitations_for(user: User, *, kind: str | None = None, state: str | None = None) -> QuerySet[StoreLink]:
    """Links to accounts the user owns (what they accept, reject or unbind), newest first."""
    mine = Q(official_account__owner=user) | Q(video_account__owner=user) | Q(mini_program__owner=user)
    return _filtered(StoreLink.objects.filter(mine).select_related(*_LINK_RELATED), kind, state)


# ------------------------------------------------------------------------------------ homepage


def homepage_of(store: Store) -> Homepage:
    """The store's homepage row, or an unsaved empty one while nothing was composed."""
    return Homepage.objects.filter(store=store).first() or Homepage(store=store)


def shop_page(store_id: int, *, category_id: int | None = None) -> homepage.ShopPage:
    """The public store page: an open store's published homepage (its newest products while it
    has published none), resolved in at most seven queries however many modules it has."""
    store = Store.objects.select_related("homepage").filter(pk=store_id, state=rules.StoreState.OPEN).first()
    if store is None:
        raise DomainError("not_found")
    try:
        page = store.homepage
    except Homepage.DoesNotExist:
        page = None
    return homepage.shop_page(store, page, category_id=category_id)


def store_cards(ids: list[int], viewer_id: int | None) -> dict[int, dict]:
    """`social.cards.resolvers["store"]`: the store cards of chats, groups and Moments, for
    anyone (an open store's page is public): open stores only, with their description and page.
    Stores have no logo yet, so no image. One query."""
    rows = Store.objects.filter(pk__in=list(ids), state=rules.StoreState.OPEN).values(
        "pk", "name", "description"
    )
    return {
        row["pk"]: {
            "title": row["name"],
            "subtitle": row["description"],
            "image_url": "",
            "url": reverse("stores:shop", args=[row["pk"]]),
        }
        for row in rows
    }


def homepage_preview(store: Store, *, category_id: int | None = None) -> homepage.ShopPage:
    """The store page as the draft would make it (for the store's staff)."""
    return homepage.shop_page(store, homepage_of(store), draft=True, category_id=category_id)


@dataclass(frozen=True)
class HomepageChanges:
    """What publishing the draft would change on the public page, module by module."""

    added: int  # modules in the draft that the published page lacks (new or reconfigured)
    removed: int  # published modules the draft no longer has
    reordered: bool  # the modules both have are in another order

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.reordered)


def homepage_changes(page: Homepage) -> HomepageChanges:
    """Draft against published: modules compared whole (a reconfigured module counts as one
    removed and one added)."""
    draft = [homepage.draft_key(m) for m in page.draft]
    published = [homepage.draft_key(m) for m in page.published]
    common = Counter(draft) & Counter(published)
    added = sum((Counter(draft) - common).values())
    removed = sum((Counter(published) - common).values())
    return HomepageChanges(added, removed, _kept(draft, common) != _kept(published, common))


def _kept(keys: list[str], common: Counter) -> list[str]:
    left, kept = Counter(common), []
    for key in keys:
        if left[key]:
            left[key] -= 1
            kept.append(key)
    return kept


def homepage_choices(store: Store, *, keep_product_ids=()) -> homepage.Choices:
    """What the homepage editor offers to pick from."""
    return homepage.choices(store, keep_product_ids=keep_product_ids)


def brand_authorizations_awaiting_review() -> int:
    """How many brand authorisations wait for an operator (the operations page's queue)."""
    return BrandAuthorization.objects.filter(status=rules.AuthorizationStatus.PENDING).count()
