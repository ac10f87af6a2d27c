"""Store services: limits, uniqueness, states, upgrade, deposits and staff (DOMAIN.md "Subjects and stores")."""

from datetime import timedelta

import pytest

from xiaodian.accounts.rules import Perm, Role, SubjectKind
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.stores import access, selectors, services
from xiaodian.stores.models import PlatformRules, Store, StoreDeposit
from xiaodian.stores.rules import DepositStatus, StoreKind, StoreState
from xiaodian.stores.tests.paying import pay_at_the_pay_page


def codes(exc_info) -> str:
    return exc_info.value.code


@pytest.mark.parametrize(
    ("kind", "limit"),
    [(SubjectKind.ENTERPRISE, 30), (SubjectKind.INDIVIDUAL_BUSINESS, 30), (SubjectKind.INDIVIDUAL, 1)],
)
def test_a_licence_opens_stores_up_to_its_kind_limit(make_subject, make_store, merchant, kind, limit):
    subject = make_subject(merchant, kind)
    for _ in range(limit):
        make_store(merchant, subject)
    with pytest.raises(DomainError) as exc:
        make_store(merchant, subject)
    assert codes(exc) == "store_limit_reached"
    assert Store.objects.filter(subject=subject).count() == limit


def test_closed_stores_free_their_slot(make_subject, make_store, merchant):
    subject = make_subject(merchant, SubjectKind.INDIVIDUAL)
    first = make_store(merchant, subject)
    services.close_store(store=first)
    assert make_store(merchant, subject).state == StoreState.OPEN


def test_legacy_video_stores_are_capped_at_five_per_licence(make_subject, make_store, merchant):
    subject = make_subject(merchant)
    for _ in range(5):
        make_store(merchant, subject, legacy_video=True)
    with pytest.raises(DomainError) as exc:
        make_store(merchant, subject, legacy_video=True)
    assert codes(exc) == "store_limit_reached"
    make_store(merchant, subject)  # ordinary stores still fit under the 30


def test_operators_change_the_limits_without_a_deploy(make_subject, make_store, merchant):
    subject = make_subject(merchant, SubjectKind.INDIVIDUAL)
    PlatformRules.objects.update_or_create(pk=1, defaults={"individual_store_limit": 2})
    make_store(merchant, subject)
    make_store(merchant, subject)
    with pytest.raises(DomainError):
        make_store(merchant, subject)


def test_operators_change_the_reserved_words(make_store, merchant, subject):
    PlatformRules.objects.update_or_create(pk=1, defaults={"reserved_words": "直营\n精品"})
    with pytest.raises(DomainError) as exc:
        make_store(merchant, subject, name="精品小铺")
    assert codes(exc) == "store_name_reserved_word"
    assert make_store(merchant, subject, name="小铺旗舰").name == "小铺旗舰"


@pytest.mark.parametrize("duplicate", ["拾光服饰", "拾光 服饰", "拾 光 服 饰", "拾光服饰 "])
def test_names_are_unique_after_normalisation(make_store, merchant, subject, store, duplicate):
    with pytest.raises(DomainError) as exc:
        make_store(merchant, subject, name=duplicate)
    assert codes(exc) == "store_name_taken"


def test_latin_names_are_unique_across_width_and_case(make_store, merchant, subject):
    make_store(merchant, subject, name="Moon Shop")
    with pytest.raises(DomainError) as exc:
        make_store(merchant, subject, name="ＭＯＯＮＳＨＯＰ")
    assert codes(exc) == "store_name_taken"


def test_a_rename_follows_the_same_rules(make_store, merchant, subject, store):
    other = make_store(merchant, subject, name="别家小店")
    with pytest.raises(DomainError) as exc:
        services.update_store(store=other, name="拾光 服饰")
    assert codes(exc) == "store_name_taken"
    with pytest.raises(DomainError) as exc:
        services.update_store(store=other, name="别家官方店")
    assert codes(exc) == "store_name_reserved_word"
    services.update_store(store=other, name="别家新店")
    assert Store.objects.get(pk=other.pk).name_key == "别家新店"


def test_a_brand_store_uses_its_approved_brand(operator, make_subject, make_store, merchant):
    subject = make_subject(merchant, trade_name="青禾")
    with pytest.raises(DomainError) as exc:
        make_store(merchant, subject, name="山野官方旗舰店", kind=StoreKind.BRAND)
    assert codes(exc) == "brand_not_authorized"
    authorization = services.request_brand_authorization(
        subject=subject, brand="山野", certificate_number="TM1"
    )
    with pytest.raises(DomainError):
        make_store(merchant, subject, name="山野官方旗舰店", kind=StoreKind.BRAND)  # still pending
    services.review_brand_authorization(operator=operator, authorization=authorization, approve=True)
    assert make_store(merchant, subject, name="山野官方旗舰店", kind=StoreKind.BRAND).kind == StoreKind.BRAND
    assert make_store(merchant, subject, name="青禾女装专营店", kind=StoreKind.BRAND).name == "青禾女装专营店"


def test_only_operators_review_brand_authorisations(merchant, subject):
    authorization = services.request_brand_authorization(
        subject=subject, brand="山野", certificate_number="TM1"
    )
    with pytest.raises(DomainError) as exc:
        services.review_brand_authorization(operator=merchant, authorization=authorization, approve=True)
    assert codes(exc) == "permission_denied"


def test_stores_of_an_unverified_subject_wait_then_open_on_verification(
    django_capture_on_commit_callbacks, operator, make_subject, make_store, merchant
):
    from xiaodian.accounts.services import set_subject_verification

    subject = make_subject(merchant, verified=False)
    store = make_store(merchant, subject)
    assert store.state == StoreState.OPENING
    with django_capture_on_commit_callbacks(execute=True):
        set_subject_verification(operator=operator, subject=subject, verification="verified")
    store.refresh_from_db()
    assert store.state == StoreState.OPEN
    assert store.opened_at is not None


def test_someone_elses_subject_cannot_open_a_store(make_user, make_store, subject):
    with pytest.raises(DomainError) as exc:
        make_store(make_user(), subject)
    assert codes(exc) == "not_found"


def test_upgrade_is_idempotent(make_store, merchant, subject):
    store = make_store(merchant, subject, legacy_video=True)
    assert not store.is_upgraded
    first = services.upgrade_store(store=store).upgraded_at
    assert first is not None
    assert services.upgrade_store(store=store).upgraded_at == first


def test_after_the_deadline_an_unupgraded_store_cannot_list(make_store, merchant, subject, categories):
    store = make_store(merchant, subject, category="图书", legacy_video=True)
    deadline = clock.now() + timedelta(days=1)
    PlatformRules.objects.update_or_create(pk=1, defaults={"upgrade_deadline": deadline})
    services.ensure_can_list(store=store, category_id=categories["图书"].pk)  # before the deadline
    with clock.travel_to(deadline):
        with pytest.raises(DomainError) as exc:
            services.ensure_can_list(store=store, category_id=categories["图书"].pk)
        assert codes(exc) == "not_upgraded"
        services.upgrade_store(store=store)
        services.ensure_can_list(store=store, category_id=categories["图书"].pk)


def test_deposits_are_inherited_overridden_or_zero(categories):
    tree = selectors.CategoryTree()
    assert tree.deposit_fen(categories["女装"].pk) == 200_000  # from 服饰鞋包
    assert tree.deposit_category(categories["女装"].pk) == categories["服饰鞋包"]
    assert tree.deposit_fen(categories["酒类"].pk) == 1_000_000  # its own
    assert tree.deposit_fen(categories["图书"].pk) == 0  # zero-deposit 图书文娱


def test_listing_needs_the_category_deposit(store, categories):
    with pytest.raises(DomainError) as exc:
        services.ensure_can_list(store=store, category_id=categories["女装"].pk)
    assert codes(exc) == "deposit_required"
    services.ensure_can_list(store=store, category_id=categories["图书"].pk)  # zero deposit
    deposit = pay_at_the_pay_page(services.pay_deposit(store=store, category_id=categories["女装"].pk))
    assert (deposit.status, deposit.amount_fen, deposit.category) == ("paid", 200_000, categories["服饰鞋包"])
    assert deposit.transaction_id.startswith("4200")  # WeChat Pay's transaction id
    services.ensure_can_list(store=store, category_id=categories["男装"].pk)  # same deposit covers siblings
    with pytest.raises(DomainError) as exc:
        services.ensure_can_list(store=store, category_id=categories["酒类"].pk)
    assert codes(exc) == "deposit_required"


def test_a_deposit_is_paid_once_and_zero_deposit_categories_take_none(store, categories):
    pay_at_the_pay_page(services.pay_deposit(store=store, category_id=categories["男装"].pk))
    with pytest.raises(DomainError) as exc:
        services.pay_deposit(store=store, category_id=categories["女装"].pk)
    assert codes(exc) == "deposit_already_paid"
    with pytest.raises(DomainError) as exc:
        services.pay_deposit(store=store, category_id=categories["图书"].pk)
    assert codes(exc) == "validation_error"
    assert StoreDeposit.objects.filter(store=store).count() == 1


def test_a_closed_store_can_no_longer_list(store, categories):
    services.close_store(store=store)
    with pytest.raises(DomainError) as exc:
        services.ensure_can_list(store=store, category_id=categories["图书"].pk)
    assert codes(exc) == "store_not_open"


def test_closing_refunds_deposits_and_closes(store, categories):
    pay_at_the_pay_page(services.pay_deposit(store=store, category_id=categories["女装"].pk))
    closed = services.close_store(store=store)
    assert closed.state == StoreState.CLOSED
    deposit = StoreDeposit.objects.get(store=store)
    assert deposit.status == DepositStatus.REFUNDED
    assert deposit.refund_id and deposit.refunded_at
    with pytest.raises(DomainError) as exc:
        services.close_store(store=store)
    assert codes(exc) == "invalid_transition"


# Staff and the permission helper.


def test_the_creator_is_the_owner(store, merchant):
    assert access.store_for(merchant, store.pk, Perm.MANAGE_STAFF).viewer_role == Role.OWNER


@pytest.mark.parametrize(
    ("role", "allowed", "denied"),
    [
        (Role.ADMIN, [Perm.MANAGE_STORE, Perm.MANAGE_STAFF, Perm.FINANCE], []),
        (Role.OPERATOR, [Perm.MANAGE_PRODUCTS, Perm.MANAGE_ORDERS], [Perm.MANAGE_STAFF, Perm.FINANCE]),
        (Role.AGENT, [Perm.CUSTOMER_SERVICE], [Perm.MANAGE_PRODUCTS, Perm.MANAGE_STORE]),
        (Role.FINANCE, [Perm.FINANCE], [Perm.MANAGE_ORDERS, Perm.CUSTOMER_SERVICE]),
    ],
)
def test_each_role_has_its_permissions(store, merchant, make_user, role, allowed, denied):
    member = make_user()
    services.add_staff(
        store=access.store_for(merchant, store.pk, Perm.MANAGE_STAFF), user_id=member.pk, role=role
    )
    for perm in [Perm.VIEW, *allowed]:
        access.store_for(member, store.pk, perm)
    for perm in denied:
        with pytest.raises(DomainError) as exc:
            access.store_for(member, store.pk, perm)
        assert codes(exc) == "permission_denied"


def test_a_stranger_gets_not_found(store, make_user):
    with pytest.raises(DomainError) as exc:
        access.store_for(make_user(), store.pk)
    assert codes(exc) == "not_found"


def test_admins_grant_lesser_roles_only_and_the_owner_stays(store, merchant, make_user):
    admin_user, other = make_user(), make_user()
    owner_view = access.store_for(merchant, store.pk, Perm.MANAGE_STAFF)
    admin_row = services.add_staff(store=owner_view, user_id=admin_user.pk, role=Role.ADMIN)
    admin_view = access.store_for(admin_user, store.pk, Perm.MANAGE_STAFF)
    for role in (Role.ADMIN, Role.OWNER):
        with pytest.raises(DomainError) as exc:
            services.add_staff(store=admin_view, user_id=other.pk, role=role)
        assert codes(exc) == "permission_denied"
    services.add_staff(store=admin_view, user_id=other.pk, role=Role.AGENT)
    with pytest.raises(DomainError) as exc:
        services.add_staff(store=admin_view, user_id=other.pk, role=Role.FINANCE)
    assert codes(exc) == "staff_exists"
    owner_row = selectors.staff_of(store).get(role=Role.OWNER)
    with pytest.raises(DomainError) as exc:
        services.remove_staff(store=owner_view, staff_id=owner_row.pk)
    assert codes(exc) == "owner_required"
    with pytest.raises(DomainError) as exc:
        services.remove_staff(store=admin_view, staff_id=admin_row.pk)
    assert codes(exc) == "permission_denied"
    services.remove_staff(store=owner_view, staff_id=admin_row.pk)
    with pytest.raises(DomainError):
        access.store_for(admin_user, store.pk)


def test_a_refused_update_changes_nothing(make_store, merchant, subject, store):
    other = make_store(merchant, subject, name="别家小店")
    with pytest.raises(DomainError):
        services.update_store(store=other, name="拾光服饰", description="新的简介")
    assert (other.name, other.description) == ("别家小店", "")
    assert Store.objects.get(pk=other.pk).description == ""
    with pytest.raises(DomainError) as exc:
        services.update_store(store=other, name="别家新名", description="加微信 abcdef123")
    assert exc.value.field == "description"
    assert Store.objects.get(pk=other.pk).name == "别家小店"


def test_a_closed_store_cannot_be_edited(store):
    services.close_store(store=store)
    with pytest.raises(DomainError) as exc:
        services.update_store(store=store, description="还想改")
    assert codes(exc) == "store_not_open"


def test_a_brand_is_requested_once_and_within_limits(subject):
    services.request_brand_authorization(subject=subject, brand="山野", certificate_number="TM1")
    with pytest.raises(DomainError) as exc:
        services.request_brand_authorization(subject=subject, brand="山野", certificate_number="TM2")
    assert codes(exc) == "brand_authorization_exists"
    with pytest.raises(DomainError) as exc:
        services.request_brand_authorization(subject=subject, brand="㍿" * 10, certificate_number="TM3")
    assert exc.value.field == "brand"


def test_names_whose_case_folding_expands_still_fit_the_key(make_store, merchant, subject):
    name = "\u0390" * 30  # ΐ: one character, three after case folding
    store = make_store(merchant, subject, name=name)
    assert len(Store.objects.get(pk=store.pk).name_key) == 90
