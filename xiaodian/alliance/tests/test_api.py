"""The alliance's endpoints: shapes, permissions (owner/admin; strangers 404), refusals as
{code, message} (with `conditions` for eligibility), pagination."""

import pytest

from xiaodian.accounts.rules import Role, SubjectKind
from xiaodian.stores import services as stores
from xiaodian.stores.access import store_for


@pytest.fixture
def creator_api(api_for, creator):
    return api_for(creator.user)


def test_enable_and_read_the_conditions(api, store):
    r = api.get(f"/stores/{store.pk}/alliance")
    assert r.status_code == 200 and r.json()["enabled"] is False
    assert [c["code"] for c in r.json()["conditions"]] == ["subject_kind", "score", "violation"]
    r = api.post(f"/stores/{store.pk}/alliance")
    assert r.status_code == 200 and r.json()["enabled"] is True and r.json()["enabled_at"]
    assert api.post(f"/stores/{store.pk}/alliance").json()["enabled"] is True


def test_a_refusal_lists_the_unmet_conditions(api_for, make_user, make_subject, make_store):
    owner = make_user()
    store = make_store(owner, make_subject(owner, SubjectKind.INDIVIDUAL))
    r = api_for(owner).post(f"/stores/{store.pk}/alliance")
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "alliance_not_eligible" and "企业或个体工商户" in body["message"]
    assert [(c["code"], c["met"]) for c in body["conditions"]] == [("subject_kind", False)]


def test_only_the_owner_or_an_admin(api_for, store, merchant, make_user):
    operator_staff = make_user()
    stores.add_staff(store=store_for(merchant, store.pk), user_id=operator_staff.pk, role=Role.OPERATOR)
    assert api_for(operator_staff).post(f"/stores/{store.pk}/alliance").json()["code"] == "permission_denied"
    assert api_for(make_user()).post(f"/stores/{store.pk}/alliance").status_code == 404


def test_plans_before_enabling_are_alliance_not_enabled(api, store):
    r = api.get(f"/stores/{store.pk}/alliance/plans")
    assert (r.status_code, r.json()["code"]) == (409, "alliance_not_enabled")


def test_create_list_and_stop_plans(api, enabled, product, creator):
    r = api.post(
        f"/stores/{enabled.pk}/alliance/plans",
        {"product_ids": [product.pk], "kind": 1, "commission_ratio_ppm": 150_000},
    )
    assert r.status_code == 201, r.json()
    (plan,) = r.json()["items"]
    assert (plan["kind"], plan["state"], plan["commission_ratio_ppm"], plan["product_title"]) == (
        1,
        "live",
        150_000,
        "山茶花精华",
    )
    r = api.post(
        f"/stores/{enabled.pk}/alliance/plans",
        {
            "product_ids": [product.pk],
            "kind": 2,
            "commission_ratio_ppm": 200_000,
            "promoter_ids": [creator.pk],
        },
    )
    assert r.status_code == 201 and r.json()["items"][0]["promoters"][0]["id"] == creator.pk
    listed = api.get(f"/stores/{enabled.pk}/alliance/plans", {"limit": 1})
    assert listed.json()["count"] == 2 and len(listed.json()["items"]) == 1
    r = api.post(f"/alliance/plans/{plan['id']}/stop")
    assert r.status_code == 200 and r.json()["state"] == "stopped"
    r = api.post(f"/alliance/plans/{plan['id']}/stop")
    assert (r.status_code, r.json()["code"]) == (409, "alliance_plan_not_live")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"kind": 1, "commission_ratio_ppm": 900_001}, 422, "validation_error"),
        ({"kind": 1, "commission_ratio_ppm": True}, 422, "validation_error"),
        ({"kind": 4, "commission_ratio_ppm": 1}, 422, "validation_error"),
        (
            {"kind": 2, "commission_ratio_ppm": 1, "promoter_ids": [999_999]},
            422,
            "alliance_promoters_invalid",
        ),
        (
            {"kind": 1, "commission_ratio_ppm": 1, "ends_at": "2000-01-01T00:00:00+08:00"},
            422,
            "alliance_plan_dates_invalid",
        ),
    ],
)
def test_plan_refusals(api, enabled, product, body, status, code):
    r = api.post(f"/stores/{enabled.pk}/alliance/plans", {"product_ids": [product.pk], **body})
    assert (r.status_code, r.json()["code"]) == (status, code)


def test_more_than_20_products_is_a_422(api, enabled):
    r = api.post(
        f"/stores/{enabled.pk}/alliance/plans",
        {"product_ids": list(range(1, 22)), "kind": 1, "commission_ratio_ppm": 1},
    )
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")


def test_another_stores_plan_cannot_be_stopped(api_for, open_plan, make_user):
    r = api_for(make_user()).post(f"/alliance/plans/{open_plan.pk}/stop")
    assert r.status_code == 404


def test_join_and_profile(api_for, make_user):
    user = make_user()
    api = api_for(user)
    r = api.post("/alliance/promoters", {"kind": "creator", "name": "小山"})
    assert (r.status_code, r.json()["code"]) == (422, "alliance_video_account_required")
    r = api.post("/alliance/promoters", {"kind": "agency", "name": "星火机构"})
    assert r.status_code == 201 and r.json()["kind"] == "agency"
    agency_id = r.json()["id"]
    assert api.post("/alliance/promoters", {"kind": "sharer", "name": "又来"}).json()["code"] == (
        "alliance_promoter_exists"
    )
    assert api.get(f"/alliance/promoters/{agency_id}").json()["name"] == "星火机构"
    assert api.get("/alliance/promoters/999999").status_code == 404


def test_a_creator_joins_an_agency(creator_api, make_promoter):
    agency = make_promoter(kind="agency")
    r = creator_api.post("/alliance/promoters/me/agency", {"agency_id": agency.pk})
    assert r.status_code == 200 and r.json()["agency_id"] == agency.pk
    assert creator_api.get(f"/alliance/promoters/{agency.pk}").json()["creators"] == 1


def test_the_library_showcase_and_links(creator_api, open_plan, product):
    r = creator_api.get("/alliance/library")
    assert r.status_code == 200 and r.json()["count"] == 1
    (item,) = r.json()["items"]
    assert (item["plan_id"], item["product_id"], item["price_fen"], item["commission_fen"]) == (
        open_plan.pk,
        product.pk,
        10_000,
        1_000,
    )
    assert item["store_score"] is None and item["sales"] == 0
    assert creator_api.get("/alliance/library", {"ratio_min_ppm": 200_000}).json()["count"] == 0
    r = creator_api.post("/alliance/showcase/items", {"product_id": product.pk})
    assert r.status_code == 201 and r.json()["product_id"] == product.pk
    assert creator_api.post("/alliance/showcase/items", {"product_id": product.pk}).status_code == 201
    assert creator_api.get("/alliance/showcase/items").json()["count"] == 1
    r = creator_api.post("/alliance/showcase/items", {"product_id": 10**9})
    assert (r.status_code, r.json()["code"]) == (409, "alliance_not_promotable")
    r = creator_api.post("/alliance/links", {"plan_id": open_plan.pk})
    assert r.status_code == 201
    link = r.json()
    assert link["short_url"].endswith(f"/a/{link['code']}") and "source_type=alliance" in link["url"]
    assert creator_api.post("/alliance/links", {"plan_id": open_plan.pk}).json()["code"] == link["code"]
    assert creator_api.delete(f"/alliance/showcase/items?product_id={product.pk}").status_code == 204
    assert creator_api.get("/alliance/showcase/items").json()["count"] == 0


def test_promoter_calls_need_a_promoter(api_for, make_user):
    api = api_for(make_user())
    for r in (api.get("/alliance/library"), api.post("/alliance/links", {"plan_id": 1})):
        assert (r.status_code, r.json()["code"]) == (409, "alliance_promoter_required")


def test_anonymous_is_401(api_for):
    assert api_for().get("/alliance/library").status_code == 401


def test_a_targeted_plan_without_the_open_one_is_a_409(api, enabled, product, creator):
    r = api.post(
        f"/stores/{enabled.pk}/alliance/plans",
        {"product_ids": [product.pk], "kind": 2, "commission_ratio_ppm": 1, "promoter_ids": [creator.pk]},
    )
    assert (r.status_code, r.json()["code"]) == (409, "alliance_open_plan_required")
