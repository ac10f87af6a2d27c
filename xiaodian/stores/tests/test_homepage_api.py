"""The homepage endpoints: the merchant's draft, publish and banner upload, and the public read."""

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from xiaodian.accounts.rules import Role
from xiaodian.stores import homepage, services
from xiaodian.stores.models import StoreStaff

from .homepage_world import banner_path, every_kind, image_bytes, listed_product, make_content


@pytest.fixture
def products(store):
    return [listed_product(store, f"商品{i}", 1000 + i) for i in range(2)]


@pytest.fixture
def staff_api(store, make_user, api_for):
    """An API client for a new member of the store with `role`."""

    def make(role: str):
        member = make_user()
        StoreStaff.objects.create(store=store, user=member, role=role)
        return api_for(member)

    return make


def grid(title: str = "新品") -> dict:
    return {"type": "product_grid", "mode": "auto", "title": title}


def upload(client, store_id: int, data: bytes, name: str = "b.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.client.post(
        f"/api/v1/stores/{store_id}/homepage/images",
        {"image": SimpleUploadedFile(name, data, content_type="image/png")},
        headers=client.headers,
    )


def test_a_new_store_has_an_empty_homepage(api, store):
    body = api.get(f"/stores/{store.pk}/homepage").json()
    assert body == {
        "store_id": store.pk,
        "draft": [],
        "published": [],
        "version": 0,
        "published_at": None,
        "updated_at": None,
    }


def test_compose_publish_and_read_the_public_page(api, store, merchant, products):
    content = make_content(store, merchant)
    image = upload(api, store.pk, image_bytes()).json()["path"]
    modules = every_kind(store, content, products, image=image)
    r = api.put(f"/stores/{store.pk}/homepage", {"modules": modules})
    assert r.status_code == 200, r.json()
    assert [m["type"] for m in r.json()["draft"]] == [m["type"] for m in modules]
    assert r.json()["published"] == [] and r.json()["version"] == 0

    public = Client().get(f"/api/v1/shops/{store.pk}/homepage").json()
    assert public["is_default"] is True  # nothing published yet: the newest products
    assert [m["type"] for m in public["modules"]] == ["product_grid"]

    r = api.post(f"/stores/{store.pk}/homepage/publish")
    assert r.status_code == 200 and r.json()["version"] == 1 and r.json()["published_at"]
    assert r.json()["published"] == r.json()["draft"]

    public = Client().get(f"/api/v1/shops/{store.pk}/homepage").json()
    assert (public["store_id"], public["store_name"], public["version"]) == (store.pk, store.name, 1)
    assert public["is_default"] is False
    banner, chosen, auto, articles, videos, program = public["modules"]
    source = f"scene=5&source_type=homepage&source_id={store.pk}"
    assert banner["image_url"] == default_storage.url(image)
    assert banner["url"] == f"/products/{products[0].pk}/?{source}"
    assert [p["url"] for p in chosen["products"]] == [f"/products/{p.pk}/?{source}" for p in products]
    assert [p["price_fen"] for p in chosen["products"]] == [1000, 1001]
    assert [p["id"] for p in auto["products"]] == [p.pk for p in products[::-1]]
    assert articles["articles"][0]["url"] == f"/articles/{content.article.pk}/"
    assert videos["videos"][0]["url"] == f"/videos/{content.video.pk}/"
    assert program["mini_program"]["url"].endswith(
        f"?scene=12&source_type=mini_program&source_id={content.program.pk}"
    )


def test_refusals_name_the_module_and_field(api, store, products, make_user, make_subject, make_store):
    owner = make_user()
    other = make_store(owner, make_subject(owner), name="隔壁小店")
    foreign = listed_product(other, "别家商品")
    url = f"/stores/{store.pk}/homepage"

    r = api.put(url, {"modules": [grid(), {"type": "product_grid", "product_ids": [foreign.pk]}]})
    assert r.status_code == 422
    assert r.json()["code"] == "homepage_product_unavailable" and r.json()["field"] == "modules.1.product_ids"

    r = api.put(url, {"modules": [grid()] * (homepage.MODULES_MAX + 1)})
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (
        422,
        "homepage_modules_limit_reached",
        "modules",
    )

    r = api.put(url, {"modules": [{"type": "coupon"}]})
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    assert r.json()["field"].startswith("modules.0") and "coupon" in r.json()["message"]

    r = api.put(url, {"modules": [{"type": "banner", "image": f"store-banners/{other.pk}/x.png"}]})
    assert r.status_code == 422 and r.json()["code"] == "homepage_image_unknown"

    r = api.post(f"{url}/publish")
    assert (r.status_code, r.json()["code"]) == (409, "homepage_empty")
    assert api.get(url).json()["draft"] == []  # nothing refused was saved


def test_banner_upload_checks_the_file(api, store):
    r = upload(api, store.pk, image_bytes(size=(30, 10)))
    assert r.status_code == 201
    assert r.json()["path"].startswith(f"store-banners/{store.pk}/")
    assert r.json()["url"] == default_storage.url(r.json()["path"])
    r = upload(api, store.pk, b"GIF89a not really")
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (422, "image_invalid", "image")
    r = api.client.post(f"/api/v1/stores/{store.pk}/homepage/images", {}, headers=api.headers)
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")


def test_another_merchant_gets_404_everywhere(store, make_user, api_for):
    stranger = api_for(make_user())
    url = f"/stores/{store.pk}/homepage"
    assert stranger.get(url).status_code == 404
    assert stranger.put(url, {"modules": [grid()]}).status_code == 404
    assert stranger.post(f"{url}/publish").status_code == 404
    r = upload(stranger, store.pk, image_bytes())
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    assert not default_storage.exists(f"store-banners/{store.pk}")


def test_staff_without_product_management_may_look_but_not_edit(api, store, staff_api):
    api.put(f"/stores/{store.pk}/homepage", {"modules": [grid()]})
    agent = staff_api(Role.AGENT)
    url = f"/stores/{store.pk}/homepage"
    assert agent.get(url).json()["draft"][0]["title"] == "新品"
    for r in (
        agent.put(url, {"modules": []}),
        agent.post(f"{url}/publish"),
        upload(agent, store.pk, image_bytes()),
    ):
        assert (r.status_code, r.json()["code"]) == (403, "permission_denied")
    operator = staff_api(Role.OPERATOR)
    assert operator.put(url, {"modules": [grid("运营改的")]}).status_code == 200
    assert operator.post(f"{url}/publish").json()["version"] == 1


def test_the_public_page_is_only_for_open_stores(store, client):
    assert client.get(f"/api/v1/shops/{store.pk}/homepage").status_code == 200
    for state in ("opening", "closing", "closed"):
        type(store).objects.filter(pk=store.pk).update(state=state)
        r = client.get(f"/api/v1/shops/{store.pk}/homepage")
        assert (r.status_code, r.json()["code"]) == (404, "not_found")
    assert client.get("/api/v1/shops/999999999/homepage").status_code == 404


def test_the_public_page_api_costs_a_fixed_number_of_queries(
    store, merchant, products, client, django_assert_max_num_queries
):
    content = make_content(store, merchant)
    modules = every_kind(store, content, products, image=banner_path(store)) * 3  # 18 modules
    services.compose_homepage(store=store, modules=modules)
    with django_assert_max_num_queries(10):
        body = client.get(f"/api/v1/shops/{store.pk}/homepage").json()
    assert len(body["modules"]) == 18
