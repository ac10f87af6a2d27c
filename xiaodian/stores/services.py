"""Writes for stores: opening, naming, upgrade, deposits, staff, closing and linked accounts.

Every function is one transaction and raises DomainError; callers obtain `store` through
`access.store_for`, which has already checked the caller's role.
"""

from collections.abc import Sequence
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import CharField, Model, Q
from django.utils.translation import gettext as _

from xiaodian.accounts.models import Subject, User
from xiaodian.accounts.rules import GRANTABLE_BY, Perm, Role, Verification
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.events import run_now
from xiaodian.core.payments import gateway
from xiaodian.core.permissions import require_operator
from xiaodian.core.text import contains_contact_details

from . import access, events, homepage, naming, rules, selectors, tasks
from .models import BrandAuthorization, Category, Homepage, Store, StoreDeposit, StoreLink, StoreStaff
from .rules import (
    DEFAULT_CATEGORIES,
    AuthorizationStatus,
    DepositStatus,
    LinkKind,
    LinkState,
    StoreKind,
    StoreState,
)


def _changed(*store_ids: int) -> None:
    """Tell the apps above (search) that these stores' name, category or state changed: a durable
    event of the caller's transaction (its handlers run after the commit, and again if lost)."""
    if store_ids:
        events.store_changed.emit(store_ids=list(store_ids))


def _checked_name(name: str, *, kind: str, subject: Subject) -> tuple[str, str]:
    shown = naming.check_store_name(
        name,
        kind=kind,
        reserved_words=selectors.platform_rules().reserved_word_list(),
        approved_brands=selectors.approved_brands(subject.pk),
        trade_name=subject.trade_name,
        category_names=selectors.category_names(),
    )
    return shown, naming.name_key(shown)


def _ensure_name_free(key: str, *, exclude_store_id: int | None = None) -> None:
    taken = Store.objects.filter(name_key=key)
    if exclude_store_id:
        taken = taken.exclude(pk=exclude_store_id)
    if taken.exists():
        raise DomainError("store_name_taken", field="name")


def create_store(
    *,
    user: User,
    subject_id: int,
    name: str,
    main_category_id: int,
    kind: str = StoreKind.ORDINARY,
    legacy_video: bool = False,
) -> Store:
    """Open a store for a subject the user owns, within its licence's store limit."""
    if kind not in StoreKind.values:
        raise DomainError("validation_error", field="kind")
    category = selectors.category(main_category_id)
    with transaction.atomic():
        # Lock the subject: store creation for one licence is serialised, so a race for the last
        # slot has one winner (SQLite's IMMEDIATE transactions serialise writers anyway).
        subject = Subject.objects.select_for_update().filter(pk=subject_id, owner=user).first()
        if subject is None:
            raise DomainError("not_found", field="subject_id")
        shown, key = _checked_name(name, kind=kind, subject=subject)
        live_rules = selectors.platform_rules()
        live = Store.objects.filter(subject=subject).exclude(state=StoreState.CLOSED)
        limit = live_rules.store_limit(subject.kind)
        if live.count() >= limit:
            raise DomainError(
                "store_limit_reached",
                _("每个证照最多开 %(limit)d 家店铺。") % {"limit": limit},
                field="subject_id",
            )
        if legacy_video and live.filter(is_legacy_video=True).count() >= live_rules.legacy_video_store_limit:
            raise DomainError(
                "store_limit_reached",
                _("每个证照最多开 %(limit)d 家视频号小店。") % {"limit": live_rules.legacy_video_store_limit},
                field="subject_id",
            )
        _ensure_name_free(key)
        verified = subject.verification == Verification.VERIFIED
        now = clock.now()
        try:
            with transaction.atomic():
                store = Store.objects.create(
                    subject=subject,
                    name=shown,
                    name_key=key,
                    kind=kind,
                    main_category=category,
                    is_legacy_video=legacy_video,
                    state=StoreState.OPEN if verified else StoreState.OPENING,
                    opened_at=now if verified else None,
                )
        except IntegrityError as exc:  # the unique name key: someone else took it just now
            raise DomainError("store_name_taken", field="name") from exc
        StoreStaff.objects.create(store=store, user=user, role=Role.OWNER)
        if verified:
            _changed(store.pk)
    store.viewer_role = Role.OWNER
    return store


def update_store(
    *,
    store: Store,
    name: str | None = None,
    description: str | None = None,
    main_category_id: int | None = None,
) -> Store:
    """Change a store's settings; everything is checked before anything changes."""
    if store.state in (StoreState.CLOSING, StoreState.CLOSED):
        raise DomainError("store_not_open")
    changes: dict = {}
    if name is not None and naming.display_form(name) != store.name:
        changes["name"], changes["name_key"] = _checked_name(name, kind=store.kind, subject=store.subject)
        _ensure_name_free(changes["name_key"], exclude_store_id=store.pk)
    if description is not None:
        description = description.strip()
        if len(description) > rules.DESCRIPTION_MAX:
            raise DomainError("validation_error", field="description")
        if contains_contact_details(description):
            raise DomainError("validation_error", _("店铺简介不能包含联系方式。"), field="description")
        changes["description"] = description
    if main_category_id is not None:
        changes["main_category"] = selectors.category(main_category_id)
    if not changes:
        return store
    try:
        with transaction.atomic():
            Store.objects.filter(pk=store.pk).update(**changes)
            _changed(store.pk)
    except IntegrityError as exc:  # the unique name key, taken between the check and the write
        raise DomainError("store_name_taken", field="name") from exc
    for field, value in changes.items():
        setattr(store, field, value)
    return store


def extend_promotions(*, store_id: int, until: datetime) -> None:
    """A promotion of the store (a campaign of the coupons app) runs until `until`: the store's
    `promotions_until` moves there if it is later, so a checkout knows to look for promotions."""
    Store.objects.filter(pk=store_id).filter(
        Q(promotions_until__isnull=True) | Q(promotions_until__lt=until)
    ).update(promotions_until=until)


def open_stores_of(subject: Subject) -> int:
    """A verified subject's stores that were waiting for review open now."""
    waiting = list(
        Store.objects.filter(subject=subject, state=StoreState.OPENING).values_list("pk", flat=True)
    )
    with transaction.atomic():
        opened = Store.objects.filter(pk__in=waiting, state=StoreState.OPENING).update(
            state=StoreState.OPEN, opened_at=clock.now()
        )
        _changed(*waiting)
    return opened


def upgrade_store(*, store: Store) -> Store:
    """Upgrade a legacy video store to a store. Idempotent; a store that never was legacy is unchanged."""
    if store.is_legacy_video and store.upgraded_at is None:
        with transaction.atomic():
            Store.objects.filter(pk=store.pk, upgraded_at__isnull=True).update(upgraded_at=clock.now())
        store.refresh_from_db(fields=["upgraded_at"])
    return store


def ensure_can_list(*, store: Store, category_id: int) -> None:
    """Raise unless the store may list products in the category (open, upgraded, deposit paid)."""
    if store.state != StoreState.OPEN:
        raise DomainError("store_not_open")
    deadline = selectors.platform_rules().upgrade_deadline
    if not store.is_upgraded and deadline is not None and clock.now() >= deadline:
        raise DomainError("not_upgraded")
    deposit_category = selectors.CategoryTree().deposit_category(category_id)
    if deposit_category is None or deposit_category.deposit_fen == 0:
        return
    if not StoreDeposit.objects.filter(
        store=store, category=deposit_category, status=DepositStatus.PAID
    ).exists():
        raise DomainError("deposit_required", field="category_id")


def pay_deposit(*, store: Store, category_id: int) -> StoreDeposit:
    """Pay the deposit that covers a category, through the payment gateway."""
    selectors.category(category_id)
    deposit_category = selectors.CategoryTree().deposit_category(category_id)
    if deposit_category is None or not deposit_category.deposit_fen:
        raise DomainError("validation_error", _("该类目无需缴纳保证金。"), field="category_id")
    if store.state not in (StoreState.OPENING, StoreState.OPEN):
        raise DomainError("store_not_open")
    with transaction.atomic():
        live = (
            StoreDeposit.objects.select_for_update()
            .filter(store=store, category=deposit_category)
            .exclude(status=DepositStatus.REFUNDED)
            .first()
        )
        if live is not None and live.status == DepositStatus.PAID:
            raise DomainError("deposit_already_paid", field="category_id")
        deposit = live or StoreDeposit.objects.create(
            store=store, category=deposit_category, amount_fen=deposit_category.deposit_fen
        )
    # The charge may go over the network (WeChat Pay), so outside the transaction. A pending charge
    # leaves the deposit pending until its payment's notification calls mark_deposit_paid.
    charge = gateway().charge(
        reference=f"deposit-{deposit.pk}",
        amount_fen=deposit.amount_fen,
        description=f"{store.name} · {deposit_category.name}",
    )
    if charge.status == "failed":
        raise DomainError("payment_failed")
    paid = {"status": DepositStatus.PAID, "paid_at": clock.now()} if charge.status == "succeeded" else {}
    with transaction.atomic():
        changed = StoreDeposit.objects.filter(pk=deposit.pk, status=DepositStatus.PENDING).update(
            transaction_id=charge.transaction_id, **paid
        )
        if changed and paid:
            events.deposit_paid.emit(deposit_id=deposit.pk)
    deposit.refresh_from_db()
    deposit.pay_url = charge.pay_url if deposit.status == DepositStatus.PENDING else ""  # where to pay it
    return deposit


def mark_deposit_paid(*, deposit_id: int, transaction_id: str) -> StoreDeposit | None:
    """A deposit's payment succeeded (payments calls this inside the notification's transaction).
    Idempotent: a paid deposit stays as it was. None when there is nothing left to pay for (the
    deposit was dropped or refunded, or its store is closing), so the caller gives the money back."""
    with transaction.atomic():
        deposit = (
            StoreDeposit.objects.select_for_update().select_related("store").filter(pk=deposit_id).first()
        )
        if deposit is None or deposit.status == DepositStatus.REFUNDED:
            return None
        if deposit.status == DepositStatus.PAID:
            return deposit
        if deposit.store.state not in (StoreState.OPENING, StoreState.OPEN):
            return None
        deposit.status, deposit.paid_at = DepositStatus.PAID, clock.now()
        deposit.transaction_id = transaction_id
        deposit.save(update_fields=["status", "paid_at", "transaction_id"])
        events.deposit_paid.emit(deposit_id=deposit.pk)
    return deposit


def mark_deposit_refunded(*, deposit_id: int, refund_id: str) -> StoreDeposit | None:
    """A deposit's refund succeeded (payments calls this inside the refund notification's
    transaction; close_store, for a gateway that refunds at once). Idempotent: a refunded deposit
    stays as it was. A closing store whose last paid deposit this was is closed. None when the
    deposit no longer exists (one dropped unpaid, whose late payment was given back)."""
    with transaction.atomic():
        deposit = StoreDeposit.objects.select_for_update().filter(pk=deposit_id).first()
        if deposit is None:
            return None
        if deposit.status == DepositStatus.PAID:
            deposit.status = DepositStatus.REFUNDED
            deposit.refund_id, deposit.refunded_at = refund_id, clock.now()
            deposit.save(update_fields=["status", "refund_id", "refunded_at"])
            events.deposit_refunded.emit(deposit_id=deposit.pk)
        _close_once_refunded(deposit.store_id)
    return deposit


def _close_once_refunded(store_id: int) -> None:
    """A closing store with no paid deposit left is closed."""
    if not StoreDeposit.objects.filter(store_id=store_id, status=DepositStatus.PAID).exists():
        Store.objects.filter(pk=store_id, state=StoreState.CLOSING).update(
            state=StoreState.CLOSED, closed_at=clock.now()
        )
        _changed(store_id)


def close_store(*, store: Store) -> Store:
    """Close a store: it is `closing` while its paid deposits go back through the gateway, and
    `closed` once the last of them is refunded: at once when the gateway refunds at once,
    otherwise when WeChat Pay reports the refund's success (mark_deposit_refunded). Closing a
    store that is still closing asks again for the refunds not done yet."""
    if store.state == StoreState.CLOSED:
        raise DomainError("invalid_transition")
    with transaction.atomic():
        if (
            not Store.objects.filter(pk=store.pk)
            .exclude(state=StoreState.CLOSED)
            .update(state=StoreState.CLOSING)
        ):
            raise DomainError("invalid_transition")
        _changed(store.pk)
        # A deposit still awaiting payment is dropped; a payment that lands later finds nothing to
        # pay for (mark_deposit_paid answers None) and is refunded.
        StoreDeposit.objects.filter(store=store, status=DepositStatus.PENDING).delete()
        # The refunds are a durable event of this transaction: a crash before they are asked for
        # leaves them to the worker, never forgotten.
        rows = events.store_closing.emit(store_id=store.pk)
    # Refunds may go over the network (WeChat Pay), so outside the transaction, at once.
    run_now(events.store_closing, rows, store_id=store.pk)
    store.refresh_from_db(fields=["state", "closed_at"])
    return store


def refund_deposits(*, store_id: int) -> None:
    """`store_closing`'s handler: each paid deposit goes back through the gateway, and the store
    closes once none is left. Idempotent: a full refund is idempotent at the gateway, so asking
    again refunds once (and submits a failed one again); a refunded deposit is not asked for."""
    for deposit in list(StoreDeposit.objects.filter(store_id=store_id, status=DepositStatus.PAID)):
        refund = gateway().refund(
            transaction_id=deposit.transaction_id, amount_fen=deposit.amount_fen, reason="store closed"
        )
        if refund.status == "succeeded":
            mark_deposit_refunded(deposit_id=deposit.pk, refund_id=refund.transaction_id)
    with transaction.atomic():
        _close_once_refunded(store_id)


def add_staff(*, store: Store, user_id: int, role: str) -> StoreStaff:
    """Grant a role; the viewer's own role (from store_for) bounds which roles it may grant."""
    if role not in GRANTABLE_BY.get(store.viewer_role or "", frozenset()):
        raise DomainError("permission_denied", field="role")
    member = User.objects.filter(pk=user_id, is_active=True).first()
    if member is None:
        raise DomainError("not_found", field="user_id")
    try:
        with transaction.atomic():
            return StoreStaff.objects.create(store=store, user=member, role=role)
    except IntegrityError as exc:
        raise DomainError("staff_exists", field="user_id") from exc


def remove_staff(*, store: Store, staff_id: int) -> None:
    member = StoreStaff.objects.filter(store=store, pk=staff_id).first()
    if member is None:
        raise DomainError("not_found")
    if member.role == Role.OWNER:
        raise DomainError("owner_required")
    if member.role not in GRANTABLE_BY.get(store.viewer_role or "", frozenset()):
        raise DomainError("permission_denied")
    member.delete()


def _max_length(model: type[Model], name: str) -> int:
    field = model._meta.get_field(name)
    assert isinstance(field, CharField) and field.max_length is not None  # a text column with a limit
    return field.max_length


def request_brand_authorization(
    *, subject: Subject, brand: str, certificate_number: str
) -> BrandAuthorization:
    """Ask operators to approve a brand for the subject; one live request per brand."""
    brand, certificate_number = naming.display_form(brand), certificate_number.strip()
    if not 1 <= len(brand) <= _max_length(BrandAuthorization, "brand"):
        raise DomainError("validation_error", field="brand")
    if not 1 <= len(certificate_number) <= _max_length(BrandAuthorization, "certificate_number"):
        raise DomainError("validation_error", field="certificate_number")
    if BrandAuthorization.objects.filter(
        subject=subject,
        brand__iexact=brand,
        status__in=(AuthorizationStatus.PENDING, AuthorizationStatus.APPROVED),
    ).exists():
        raise DomainError("brand_authorization_exists", field="brand")
    return BrandAuthorization.objects.create(
        subject=subject, brand=brand, certificate_number=certificate_number
    )


def review_brand_authorization(
    *, operator: User, authorization: BrandAuthorization, approve: bool
) -> BrandAuthorization:
    require_operator(operator)
    authorization.status = AuthorizationStatus.APPROVED if approve else AuthorizationStatus.REJECTED
    authorization.reviewed_by, authorization.reviewed_at = operator, clock.now()
    authorization.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return authorization


def install_default_categories() -> int:
    """Create the shipped category tree where it is missing; returns how many categories were added."""
    added = 0

    def plant(nodes, parent):
        nonlocal added
        for order, (name, deposit_fen, children) in enumerate(nodes):
            node, created = Category.objects.get_or_create(
                parent=parent, name=name, defaults={"deposit_fen": deposit_fen, "sort_order": order}
            )
            added += created
            plant(children, node)

    with transaction.atomic():
        plant(DEFAULT_CATEGORIES, None)
    return added


# ------------------------------------------------------------------------------ linked accounts


def _account_of(kind: str, account_id: int):
    """The official account, video account or mini program a link names (404 when none)."""
    model = StoreLink._meta.get_field(StoreLink.ACCOUNT_FIELDS[kind]).related_model
    assert isinstance(model, type) and issubclass(model, Model)  # the link's foreign keys
    account = model._default_manager.filter(pk=account_id).first()
    if account is None:
        raise DomainError("not_found", field="account_id")
    return account


def _expire_invitations(**filters) -> int:
    """Invitations past their deadline become `expired` (run before anything counts or answers them)."""
    return StoreLink.objects.filter(state=LinkState.INVITED, expires_at__lte=clock.now(), **filters).update(
        state=LinkState.EXPIRED, answered_at=clock.now()
    )


def invite_link(*, store: Store, user: User, kind: str, account_id: int) -> StoreLink:
    """The store asks an account to link. It binds only when the account's owner accepts; an
    owner inviting their own account has consented already, so that link binds at once."""
    if kind not in LinkKind.values:
        raise DomainError("validation_error", field="kind")
    if store.state != StoreState.OPEN:
        raise DomainError("store_not_open")
    account = _account_of(kind, account_id)
    now = clock.now()
    own = account.owner_id == user.pk
    with transaction.atomic():
        Store.objects.select_for_update().filter(pk=store.pk).first()  # serialise the limit check
        _expire_invitations(store=store)
        live = StoreLink.objects.filter(store=store, kind=kind, state__in=rules.LIVE_LINK_STATES).count()
        if live >= selectors.platform_rules().links_per_kind:
            raise DomainError("link_limit_reached", field="kind")
        try:
            with transaction.atomic():
                link = StoreLink.objects.create(
                    store=store,
                    kind=kind,
                    state=LinkState.BOUND if own else LinkState.INVITED,
                    invited_by=user,
                    invited_at=now,
                    expires_at=now + rules.LINK_INVITE_TTL,
                    answered_at=now if own else None,
                    **{StoreLink.ACCOUNT_FIELDS[kind]: account},
                )
        except IntegrityError:
            raise DomainError("link_exists", field="account_id") from None
        if not own:
            tasks.expire_link_invitation.using(run_after=link.expires_at).enqueue(link.pk)
    return link


def _link_for_account_owner(user: User, link_id: int) -> StoreLink:
    """A link the user answers as its account's owner; anyone else gets 404."""
    link = selectors.link(link_id)
    if link is None or link.account.owner_id != user.pk:
        raise DomainError("not_found")
    return link


def _answer(link: StoreLink, state: str) -> StoreLink:
    """Answer an invitation (the caller has checked it is the account owner's to answer)."""
    # Its own statement, so an invitation found overdue stays expired when the answer is refused.
    _expire_invitations(pk=link.pk)
    now = clock.now()
    if not StoreLink.objects.filter(pk=link.pk, state=LinkState.INVITED).update(state=state, answered_at=now):
        link.refresh_from_db(fields=["state"])
        raise DomainError("link_expired" if link.state == LinkState.EXPIRED else "invalid_transition")
    link.state, link.answered_at = state, now
    return link


def accept_link(*, user: User, link_id: int) -> StoreLink:
    """The account's owner consents: the link binds and the account's profile shows the store."""
    link = _link_for_account_owner(user, link_id)
    if link.store.state != StoreState.OPEN:
        raise DomainError("store_not_open")
    return _answer(link, LinkState.BOUND)


def reject_link(*, user: User, link_id: int) -> StoreLink:
    return _answer(_link_for_account_owner(user, link_id), LinkState.REJECTED)


def unbind_link(*, user: User, link_id: int) -> StoreLink:
    """Either side ends a link: the store (managing it needs `manage_store`) withdraws an
    invitation or unbinds; the account's owner unbinds."""
    link = selectors.link(link_id)
    if link is None:
        raise DomainError("not_found")
    if link.account.owner_id == user.pk:
        side = "account"
        if link.state == LinkState.INVITED:  # the owner declining an invitation rejects it
            return _answer(link, LinkState.REJECTED)
    else:
        access.store_for(user, link.store_id, Perm.MANAGE_STORE)
        side = "store"
    now = clock.now()
    updated = StoreLink.objects.filter(pk=link.pk, state__in=rules.LIVE_LINK_STATES).update(
        state=LinkState.UNBOUND, unbound_at=now, unbound_by=side
    )
    if not updated:
        raise DomainError("invalid_transition")
    link.state, link.unbound_at, link.unbound_by = LinkState.UNBOUND, now, side
    return link


def expire_link_invitation(link_id: int) -> bool:
    """The scheduled end of one invitation (a no-op once it was answered)."""
    return bool(_expire_invitations(pk=link_id))


# ------------------------------------------------------------------------------------ homepage


def _ensure_homepage_editable(store: Store) -> None:
    if store.state not in (StoreState.OPENING, StoreState.OPEN):
        raise DomainError("store_not_open")


def _locked_homepage(store: Store) -> Homepage:
    """The store's homepage row (created when missing), locked to the end of the transaction."""
    Homepage.objects.get_or_create(store=store)
    return Homepage.objects.select_for_update().get(store=store)


def _module_index(draft: list, index: int) -> int:
    if not 0 <= index < len(draft):
        raise DomainError("not_found", field="index")
    return index


def _save_draft(page: Homepage, modules: list[dict]) -> Homepage:
    page.draft = modules
    page.save(update_fields=["draft", "updated_at"])
    return page


def save_homepage_draft(*, store: Store, modules) -> Homepage:
    """Replace the draft's modules, every one checked (homepage.py: shapes, limits, and that what
    they name belongs on this store's page). The published page does not change."""
    _ensure_homepage_editable(store)
    checked = homepage.validate(store, modules)
    with transaction.atomic():
        return _save_draft(_locked_homepage(store), checked)


def add_homepage_module(*, store: Store, module: dict) -> Homepage:
    """Append a module to the draft; what it names is checked (the others were when saved)."""
    _ensure_homepage_editable(store)
    with transaction.atomic():
        page = _locked_homepage(store)
        modules = homepage.parse([*page.draft, module])
        homepage.check(store, modules, indexes=[len(modules) - 1])
        return _save_draft(page, homepage.dump(modules))


def update_homepage_module(*, store: Store, index: int, module: dict) -> Homepage:
    """Configure the draft's module at `index` anew (any type)."""
    _ensure_homepage_editable(store)
    with transaction.atomic():
        page = _locked_homepage(store)
        draft = list(page.draft)
        draft[_module_index(draft, index)] = module
        modules = homepage.parse(draft)
        homepage.check(store, modules, indexes=[index])
        return _save_draft(page, homepage.dump(modules))


def move_homepage_module(*, store: Store, index: int, offset: int) -> Homepage:
    """Move the draft's module at `index` by `offset` places (-1 up, 1 down), within the list."""
    _ensure_homepage_editable(store)
    with transaction.atomic():
        page = _locked_homepage(store)
        draft = list(page.draft)
        module = draft.pop(_module_index(draft, index))
        draft.insert(min(max(index + offset, 0), len(draft)), module)
        return _save_draft(page, draft)


def reorder_homepage_modules(*, store: Store, order: Sequence[int], key: str) -> Homepage:
    """Put the whole draft in a new order in one write: `order` lists every module's current index
    once, in the wanted order (the editor's drag and drop). `key` is `homepage.draft_key` of the
    draft the order was made for; any other draft → 409 `homepage_draft_changed`, nothing written.
    What the modules name is not checked again: moving changes none of it."""
    _ensure_homepage_editable(store)
    order = list(order)
    with transaction.atomic():
        page = _locked_homepage(store)
        draft = list(page.draft)
        if key != homepage.draft_key(draft):
            raise DomainError("homepage_draft_changed", field="key")
        if not all(type(i) is int for i in order) or sorted(order) != list(range(len(draft))):
            raise DomainError("validation_error", _("新的顺序须包含每个模块各一次。"), field="order")
        return _save_draft(page, [draft[i] for i in order])


def remove_homepage_module(*, store: Store, index: int) -> Homepage:
    _ensure_homepage_editable(store)
    with transaction.atomic():
        page = _locked_homepage(store)
        draft = list(page.draft)
        del draft[_module_index(draft, index)]
        return _save_draft(page, draft)


def publish_homepage(*, store: Store) -> Homepage:
    """The draft goes live: checked whole once more, copied to `published`, version + 1."""
    _ensure_homepage_editable(store)
    with transaction.atomic():
        page = _locked_homepage(store)
        modules = homepage.parse(page.draft)
        if not modules:
            raise DomainError("homepage_empty")
        homepage.check(store, modules)
        page.published = homepage.dump(modules)
        page.version += 1
        page.published_at = clock.now()
        page.save(update_fields=["published", "version", "published_at", "updated_at"])
    return page


def upload_homepage_image(*, store: Store, upload) -> str:
    """Keep a banner image for the store's homepage; the media path a banner module names."""
    _ensure_homepage_editable(store)
    return homepage.save_banner_image(store, upload)


def compose_homepage(*, store: Store, modules, publish: bool = True) -> Homepage:
    """Replace the draft with `modules` and (by default) publish it: for the demo seeder and
    scripts. A banner's `image` is a path from `upload_homepage_image`."""
    page = save_homepage_draft(store=store, modules=modules)
    return publish_homepage(store=store) if publish else page
