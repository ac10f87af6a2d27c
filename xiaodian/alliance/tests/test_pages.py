"""The merchant's alliance page and the promoter's center: what they show, and their forms."""

import pytest
from django.test import Client

from xiaodian.accounts.rules import SubjectKind
from xiaodian.alliance import selectors
from xiaodian.alliance.models import Plan, Promoter, PromotionLink, ShowcaseItem, StoreAlliance
from xiaodian.content import services as content

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_merchant_enables_creates_a_plan_and_stops_it(merchant, store, make_sku):
    product = make_sku(store, title="山茶花精华").product
    client = signed_in(merchant)
    html = client.get(f"/stores/{store.pk}/alliance/").content.decode()
    assert "开通条件" in html and 'id="enable-button"' in html
    assert f'href="/stores/{store.pk}/alliance/"' in html  # the store menu links it
    assert client.post(f"/stores/{store.pk}/alliance/", {"action": "enable"}).status_code == 302
    assert StoreAlliance.objects.filter(store=store).exists()
    r = client.post(
        f"/stores/{store.pk}/alliance/",
        {"action": "create", "products": [product.pk], "kind": 1, "commission": "12.5"},
    )
    assert r.status_code == 302
    plan = Plan.objects.get()
    assert plan.commission_ratio_ppm == 125_000
    html = client.get(f"/stores/{store.pk}/alliance/").content.decode()
    assert f'id="plan-{plan.pk}"' in html and "12.5%" in html and "推广中" in html
    client.post(f"/stores/{store.pk}/alliance/", {"action": "stop", "plan_id": plan.pk})
    assert selectors.plan_state(Plan.objects.get()) == "stopped"


def test_a_refused_plan_shows_why_and_writes_nothing(merchant, enabled, product, make_promoter):
    client = signed_in(merchant)
    html = client.post(
        f"/stores/{enabled.pk}/alliance/",
        {"action": "create", "products": [product.pk], "kind": 2, "commission": "10", "promoters": "1"},
    ).content.decode()
    assert "定向推广需要该商品先有进行中的普通推广" in html or "1 到 30 位推客" in html
    assert not Plan.objects.exists()


def test_an_ineligible_store_sees_every_unmet_condition(make_user, make_subject, make_store):
    owner = make_user()
    store = make_store(owner, make_subject(owner, SubjectKind.INDIVIDUAL))
    html = signed_in(owner).post(f"/stores/{store.pk}/alliance/", {"action": "enable"}).content.decode()
    assert 'id="refusal"' in html and "企业或个体工商户" in html
    assert 'id="condition-subject_kind" class="unmet"' in html
    assert 'id="condition-score" class="met"' in html
    assert not StoreAlliance.objects.exists()


def test_the_page_in_english(merchant, store):
    html = signed_in(merchant).get(f"/stores/{store.pk}/alliance/", headers={"Accept-Language": "en"})
    assert b"Preferred Alliance" in html.content


def test_strangers_get_404(store, make_user):
    assert signed_in(make_user()).get(f"/stores/{store.pk}/alliance/").status_code == 404


def test_a_user_joins_then_uses_the_center(make_user, open_plan, product):
    user = make_user()
    account = content.create_video_account(owner=user, name="山野日记")
    client = signed_in(user)
    assert 'href="/alliance/"' in client.get("/me/").content.decode()  # "我的" links the center
    html = client.get("/alliance/").content.decode()
    assert 'id="join-button"' in html and "山野日记" in html
    r = client.post("/alliance/", {"kind": "creator", "name": "小山", "video_account_id": account.pk})
    assert r.status_code == 302
    promoter = Promoter.objects.get(user=user)
    html = client.get("/alliance/").content.decode()
    assert f'id="library-{product.pk}"' in html and "10%" in html and "¥10.00" in html  # 10% of ¥100
    client.post("/alliance/", {"action": "add", "product_id": product.pk})
    assert ShowcaseItem.objects.filter(promoter=promoter, product=product).exists()
    client.post("/alliance/", {"action": "link", "plan_id": open_plan.pk})
    link = PromotionLink.objects.get(promoter=promoter)
    html = client.get("/alliance/").content.decode()
    code = selectors.code_of(link.token)
    assert f"/a/{code}" in html and 'data-copy="link-url-' in html
    # the share code opens the product page through the link
    r = Client().get(f"/a/{code}")
    assert r.status_code == 302 and r["Location"] == selectors.product_url(link)
    assert Client().get("/a/zzzz").status_code == 404


def test_the_center_filters_the_library(make_user, creator, open_plan, product):
    client = signed_in(creator.user)
    assert f'id="library-{product.pk}"' in client.get(
        "/alliance/", {"ratio_min": "50"}
    ).content.decode() is False or (
        f'id="library-{product.pk}"' not in client.get("/alliance/", {"ratio_min": "50"}).content.decode()
    )
    assert f'id="library-{product.pk}"' in client.get("/alliance/", {"ratio_max": "50"}).content.decode()


def test_the_center_costs_a_fixed_number_of_queries(
    creator, make_plan, enabled, make_sku, django_assert_max_num_queries
):
    make_plan(enabled, [make_sku(enabled, title=f"商品{i}").product for i in range(10)])
    client = signed_in(creator.user)
    client.get("/alliance/")
    with django_assert_max_num_queries(14):
        assert client.get("/alliance/").status_code == 200


@pytest.mark.parametrize("model", ["storealliance", "plan", "promoter"])
def test_operators_see_the_alliance_in_the_admin_read_only(make_user, open_plan, creator, model):
    ops = signed_in(make_user("ops_admin", is_staff=True, is_superuser=True))
    assert ops.get(f"/admin/alliance/{model}/").status_code == 200
    assert ops.get(f"/admin/alliance/{model}/add/").status_code == 403
