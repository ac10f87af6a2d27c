"""Operators work in the admin: every model's pages load, and the actions go through the services."""

import pytest
from django.urls import reverse

from xiaodian.accounts.models import ApiToken, Subject, User
from xiaodian.accounts.services import issue_token
from xiaodian.core.errors import DomainError
from xiaodian.stores import services as stores
from xiaodian.stores.models import BrandAuthorization, Category, PlatformRules, Store, StoreStaff

MODELS = [User, ApiToken, Subject, Store, Category, BrandAuthorization, PlatformRules]


@pytest.fixture
def ops_client(client, make_user):
    ops = make_user("ops", is_staff=True, is_superuser=True)
    client.force_login(ops)
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_model_has_its_admin_pages(ops_client, merchant, subject, store, model):
    issue_token(user=merchant, name="admin test")
    stores.request_brand_authorization(subject=subject, brand="山野", certificate_number="TM1")
    PlatformRules.objects.get_or_create(pk=1)
    opts = model._meta
    assert ops_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200
    obj = model.objects.first()
    assert (
        ops_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])).status_code
        == 200
    )


def test_verifying_in_the_admin_opens_waiting_stores(
    ops_client, make_subject, make_store, merchant, django_capture_on_commit_callbacks
):
    subject = make_subject(merchant, verified=False)
    store = make_store(merchant, subject)
    with django_capture_on_commit_callbacks(execute=True):
        r = ops_client.post(
            reverse("admin:accounts_subject_changelist"),
            {"action": "verify", "_selected_action": [subject.pk]},
        )
    assert r.status_code == 302
    assert Subject.objects.get(pk=subject.pk).verification == "verified"
    assert Store.objects.get(pk=store.pk).state == "open"


def test_approving_a_brand_in_the_admin_allows_the_brand_name(ops_client, merchant, subject, categories):
    authorization = stores.request_brand_authorization(
        subject=subject, brand="山野", certificate_number="TM9"
    )
    ops_client.post(
        reverse("admin:stores_brandauthorization_changelist"),
        {"action": "approve", "_selected_action": [authorization.pk]},
    )
    assert BrandAuthorization.objects.get(pk=authorization.pk).status == "approved"
    store = stores.create_store(
        user=merchant,
        subject_id=subject.pk,
        name="山野官方旗舰店",
        main_category_id=categories["茶叶"].pk,
        kind="brand",
    )
    assert StoreStaff.objects.get(store=store).role == "owner"


def test_rules_are_edited_in_the_admin_and_apply_at_once(ops_client, make_subject, make_store, merchant):
    rules = PlatformRules.objects.get_or_create(pk=1)[0]
    url = reverse("admin:stores_platformrules_change", args=[rules.pk])
    form = {
        "enterprise_store_limit": 30,
        "individual_business_store_limit": 30,
        "individual_store_limit": 1,
        "legacy_video_store_limit": 5,
        "reserved_words": "旗舰\n小满",
        "links_per_kind": 5,
        "upgrade_deadline_0": "",
        "upgrade_deadline_1": "",
    }
    assert ops_client.post(url, form).status_code == 302
    subject = make_subject(merchant)
    with pytest.raises(DomainError) as exc:
        make_store(merchant, subject, name="小满杂货")
    assert exc.value.code == "store_name_reserved_word"
    assert ops_client.get(reverse("admin:stores_platformrules_add")).status_code == 403  # one row only
