"""The catalog's endpoints: who may do what, and how each refusal answers."""

from datetime import timedelta

import pytest

from xiaodian.accounts.rules import Role
from xiaodian.catalog import services
from xiaodian.catalog.models import Product, ProductImage
from xiaodian.catalog.rules import ProductState
from xiaodian.core import clock
from xiaodian.stores import selectors as store_selectors
from xiaodian.stores.models import Store, StoreStaff
from xiaodian.stores.rules import StoreState

from .conftest import image_bytes, pay_deposit_directly, skus, upload


def new_product(api, store, categories, **overrides):
    body = {
        "category_id": categories["女装"].pk,
        "title": "亚麻衬衫",
        "description": "透气亚麻。",
        "skus": skus(("红", "M", 9900, 5), ("蓝", "L", 12900, 0)),
        **overrides,
    }
    return api.post(f"/stores/{store.pk}/products", body)


def upload_image(api, product_id, data=None, name="p.png"):
    return api.client.post(
        f"/api/v1/products/{product_id}/images", {"image": upload(data, name)}, headers=api.headers
    )


@pytest.fixture
def stranger_api(api_for, make_user, make_subject, make_store):
    """Another merchant, with a store of its own."""
    other = make_user("stranger")
    make_store(other, make_subject(other), name="别人的小店")
    return api_for(other)


@pytest.fixture
def agent_api(api_for, make_user, store):
    agent = make_user("agent")
    StoreStaff.objects.create(store=store, user=agent, role=Role.AGENT)
    return api_for(agent)


# ---------------------------------------------------------------------------------------- creating


def test_create_list_and_read_a_product(api, api_for, paid_store, categories):
    r = new_product(api, paid_store, categories)
    assert r.status_code == 201, r.content
    created = r.json()
    assert (created["state"], created["my_role"], created["store_name"]) == ("draft", "owner", "拾光服饰")
    assert created["spec_names"] == ["颜色", "尺码"]
    assert (created["price_min_fen"], created["price_max_fen"], created["stock_total"]) == (9900, 12900, 5)
    assert [list(s["specs"].items()) for s in created["skus"]] == [  # in the order given, on any database
        [("颜色", "红"), ("尺码", "M")],
        [("颜色", "蓝"), ("尺码", "L")],
    ]

    r = api.post(f"/products/{created['id']}/list")  # the page's rule: no photo, no listing
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (409, "listing_needs_image", "images")
    assert upload_image(api, created["id"]).status_code == 201
    r = api.post(f"/products/{created['id']}/list")
    assert (r.status_code, r.json()["state"]) == (200, "listed")
    public = api_for().get(f"/products/{created['id']}")
    assert public.status_code == 200
    assert public.json()["my_role"] is None
    assert public.json()["title"] == "亚麻衬衫"


@pytest.mark.parametrize(
    ("overrides", "status", "code", "field"),
    [
        ({"title": "加微信 abc12345 有优惠"}, 422, "contact_details_not_allowed", "title"),
        ({"skus": []}, 422, "validation_error", "skus"),
        ({"skus": [{"specs": {}, "price_fen": 0}]}, 422, "validation_error", "skus.0.price_fen"),
        (
            {"skus": [{"specs": {"a": "1", "b": "1", "c": "1", "d": "1"}, "price_fen": 1}]},
            422,
            "validation_error",
            "skus.0.specs",
        ),
        (
            {"skus": [{"specs": {"颜色": "红"}, "price_fen": 1}, {"specs": {"尺码": "M"}, "price_fen": 1}]},
            422,
            "sku_specs_invalid",
            "skus.1.specs",
        ),
        (
            {"skus": [{"specs": {"颜色": "红"}, "price_fen": 1}] * 2},
            422,
            "sku_specs_duplicate",
            "skus.1.specs",
        ),
        ({"category_id": 0}, 422, "validation_error", "category_id"),
        ({"category_id": 2**63}, 422, "validation_error", "category_id"),
        ({"category_id": 987654}, 404, "not_found", "category_id"),
    ],
)
def test_create_refusals(api, paid_store, categories, overrides, status, code, field):
    r = new_product(api, paid_store, categories, **overrides)
    assert (r.status_code, r.json()["code"], r.json().get("field")) == (status, code, field)
    assert r.json()["message"]


def test_only_leaf_categories(api, paid_store, categories):
    r = new_product(api, paid_store, categories, category_id=categories["服饰鞋包"].pk)
    assert (r.status_code, r.json()["code"]) == (422, "category_not_leaf")


def test_who_may_create(api_for, stranger_api, agent_api, paid_store, categories):
    assert new_product(api_for(), paid_store, categories).status_code == 401
    assert new_product(stranger_api, paid_store, categories).status_code == 404
    r = new_product(agent_api, paid_store, categories)
    assert (r.status_code, r.json()["code"]) == (403, "permission_denied")
    assert not Product.objects.exists()


def test_an_operator_role_manages_products(api_for, make_user, paid_store, categories):
    member = make_user("operator-staff")
    StoreStaff.objects.create(store=paid_store, user=member, role=Role.OPERATOR)
    assert new_product(api_for(member), paid_store, categories).status_code == 201


# ---------------------------------------------------------------------------------- merchant's list


def test_the_store_list_filters_by_state_and_pages(api, make_product, paid_store):
    draft = make_product(paid_store, title="草稿商品")
    listed = [make_product(paid_store, title=f"在售{n}", listed=True) for n in range(3)]
    services.add_product_image(product=listed[0], upload=upload())
    page = api.get(f"/stores/{paid_store.pk}/products", {"limit": 2}).json()
    assert page["count"] == 4
    assert [p["title"] for p in page["items"]] == ["在售2", "在售1"]
    only_drafts = api.get(f"/stores/{paid_store.pk}/products", {"state": "draft"}).json()
    assert [p["id"] for p in only_drafts["items"]] == [draft.pk]
    first = api.get(f"/stores/{paid_store.pk}/products", {"state": "listed", "offset": 2}).json()["items"][0]
    assert first["id"] == listed[0].pk
    assert first["cover_url"].startswith("/media/products/")
    assert (first["price_min_fen"], first["price_max_fen"], first["stock_total"], first["sku_count"]) == (
        9900,
        12900,
        5,
        2,
    )
    r = api.get(f"/stores/{paid_store.pk}/products", {"state": "sold"})
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")


def test_the_store_list_is_for_the_stores_staff(api_for, stranger_api, agent_api, paid_store):
    assert stranger_api.get(f"/stores/{paid_store.pk}/products").status_code == 404
    assert api_for().get(f"/stores/{paid_store.pk}/products").status_code == 401
    assert agent_api.get(f"/stores/{paid_store.pk}/products").status_code == 200  # any role may look


# ----------------------------------------------------------------------------------------- reading


@pytest.mark.parametrize("state", [ProductState.DRAFT, ProductState.DELISTED, ProductState.BANNED])
def test_a_product_not_on_sale_is_only_for_its_stores_staff(
    api, api_for, stranger_api, agent_api, make_product, paid_store, operator, state
):
    product = make_product(paid_store)
    if state == ProductState.DELISTED:
        services.list_product(product=product)
        services.delist_product(product=product)
    if state == ProductState.BANNED:
        services.ban_product(operator=operator, product=product)
    for client in (api_for(), stranger_api):
        r = client.get(f"/products/{product.pk}")
        assert (r.status_code, r.json()["code"]) == (404, "not_found")
    for client, role in ((api, "owner"), (agent_api, "agent")):
        r = client.get(f"/products/{product.pk}")
        assert (r.status_code, r.json()["state"], r.json()["my_role"]) == (200, state, role)


def test_a_listed_product_of_a_closed_store_is_not_shown(api_for, listed_product):
    Store.objects.filter(pk=listed_product.store_id).update(state=StoreState.CLOSED)
    assert api_for().get(f"/products/{listed_product.pk}").status_code == 404


def test_a_product_read_works_with_a_token_the_session_or_nothing(api_for, client, make_user, listed_product):
    buyer = make_user("buyer")
    assert api_for(buyer).get(f"/products/{listed_product.pk}").status_code == 200
    client.force_login(buyer)
    assert client.get(f"/api/v1/products/{listed_product.pk}").status_code == 200
    assert api_for().get("/products/999999").status_code == 404


def test_retired_skus_are_not_shown(api, listed_product):
    red = listed_product.skus.order_by("id").first()
    services.update_product(
        product=listed_product, skus=[{"id": red.pk, "specs": red.specs, "price_fen": red.price_fen}]
    )
    assert [s["id"] for s in api.get(f"/products/{listed_product.pk}").json()["skus"]] == [red.pk]


# ---------------------------------------------------------------------------------------- updating


def test_patch_text_prices_and_stock(api, product):
    red, blue = product.skus.order_by("id")
    body = {
        "title": "亚麻衬衫 2026",
        "skus": [
            {"id": red.pk, "specs": red.specs, "price_fen": 8800, "stock": 40, "expected_stock": 5},
            {"specs": {"颜色": "白", "尺码": "S"}, "price_fen": 9900, "stock": 3},
        ],
    }
    r = api.patch(f"/products/{product.pk}", body)
    assert r.status_code == 200, r.content
    got = r.json()
    assert got["title"] == "亚麻衬衫 2026"
    assert [(s["specs"]["颜色"], s["price_fen"], s["stock"]) for s in got["skus"]] == [
        ("红", 8800, 40),
        ("白", 9900, 3),
    ]
    blue.refresh_from_db()
    assert blue.is_active is False


def test_patch_with_a_stale_stock_is_a_conflict(api, product):
    red = product.skus.order_by("id").first()
    services.take_stock([(red.pk, 1)])
    body = {"skus": [{"id": red.pk, "specs": red.specs, "price_fen": 100, "stock": 40, "expected_stock": 5}]}
    r = api.patch(f"/products/{product.pk}", body)
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (409, "stock_changed", "skus.0.stock")
    red.refresh_from_db()
    assert (red.stock, red.price_fen) == (4, 9900)  # nothing of the update stayed


def test_patch_refusals(api, stranger_api, agent_api, product, operator):
    assert stranger_api.patch(f"/products/{product.pk}", {"title": "偷改"}).status_code == 404
    assert agent_api.patch(f"/products/{product.pk}", {"title": "偷改"}).status_code == 403
    r = api.patch(f"/products/{product.pk}", {"description": "联系 13800138000"})
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (
        422,
        "contact_details_not_allowed",
        "description",
    )
    services.ban_product(operator=operator, product=product)
    r = api.patch(f"/products/{product.pk}", {"title": "改名"})
    assert (r.status_code, r.json()["code"]) == (409, "invalid_transition")
    assert Product.objects.get(pk=product.pk).title == "亚麻衬衫"


# ------------------------------------------------------------------------------------------ states


def test_list_and_delist_through_the_api(api, product):
    assert api.post(f"/products/{product.pk}/delist").json()["code"] == "invalid_transition"
    assert api.post(f"/products/{product.pk}/list").json()["state"] == "listed"
    r = api.post(f"/products/{product.pk}/list")
    assert (r.status_code, r.json()["code"]) == (409, "invalid_transition")
    assert api.post(f"/products/{product.pk}/delist").json()["state"] == "delisted"
    assert api.post(f"/products/{product.pk}/list").json()["state"] == "listed"


def test_listing_refusals_surface_the_store_rules(
    api, make_store, merchant, subject, make_product, store, categories
):
    unpaid = make_product(store)
    r = api.post(f"/products/{unpaid.pk}/list")
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (409, "deposit_required", "category_id")

    pay_deposit_directly(store, categories["服饰鞋包"])
    sold_out = make_product(store, rows=(("红", "M", 100, 0),))
    assert api.post(f"/products/{sold_out.pk}/list").json()["code"] == "listing_needs_stock"

    legacy = make_store(merchant, subject, name="旧视频号小店", legacy_video=True)
    old = make_product(legacy, category="图书")
    live_rules = store_selectors.platform_rules()
    live_rules.upgrade_deadline = clock.now() - timedelta(hours=1)
    live_rules.save()
    assert api.post(f"/products/{old.pk}/list").json()["code"] == "not_upgraded"

    Store.objects.filter(pk=store.pk).update(state=StoreState.CLOSING)
    assert api.post(f"/products/{unpaid.pk}/list").json()["code"] == "store_not_open"


def test_state_changes_need_manage_products(stranger_api, agent_api, product):
    for action in ("list", "delist"):
        assert stranger_api.post(f"/products/{product.pk}/{action}").status_code == 404
        assert agent_api.post(f"/products/{product.pk}/{action}").status_code == 403
    assert Product.objects.get(pk=product.pk).state == ProductState.DRAFT


# ------------------------------------------------------------------------------------------ images


def test_upload_and_remove_an_image(api, bare_product):
    product = bare_product
    r = upload_image(api, product.pk, image_bytes((30, 20)))
    assert r.status_code == 201, r.content
    image = r.json()
    assert (image["width"], image["height"], image["position"]) == (30, 20, 0)
    assert image["url"].startswith("/media/products/") and image["url"].endswith(".png")
    assert [i["id"] for i in api.get(f"/products/{product.pk}").json()["images"]] == [image["id"]]
    assert api.delete(f"/products/{product.pk}/images/{image['id']}").status_code == 204
    assert api.delete(f"/products/{product.pk}/images/{image['id']}").status_code == 404
    assert not ProductImage.objects.exists()


def test_image_refusals(api, stranger_api, agent_api, bare_product):
    product = bare_product
    r = upload_image(api, product.pk, b"GIF89a but not really")
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (422, "image_invalid", "image")
    r = api.post(f"/products/{product.pk}/images", {"image": "not a file"})
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (422, "validation_error", "image")
    assert upload_image(stranger_api, product.pk).status_code == 404
    assert upload_image(agent_api, product.pk).status_code == 403
    image = services.add_product_image(product=product, upload=upload())
    assert stranger_api.delete(f"/products/{product.pk}/images/{image.pk}").status_code == 404
    assert agent_api.delete(f"/products/{product.pk}/images/{image.pk}").status_code == 403
    assert ProductImage.objects.count() == 1


def test_the_openapi_schema_documents_the_upload(api_for):
    schema = api_for().get("/openapi.json").json()
    body = schema["paths"]["/api/v1/products/{product_id}/images"]["post"]["requestBody"]
    assert body["content"]["multipart/form-data"]["schema"]["required"] == ["image"]


# ------------------------------------------------------------------- bulk changes and filters (17)


def test_bulk_price_and_stock_through_the_api(api, make_product, paid_store):
    first, second = (make_product(paid_store, title=t) for t in ("亚麻衬衫", "棉麻衬衫"))
    url = f"/stores/{paid_store.pk}/products/bulk"
    r = api.post(url, {"product_ids": [first.pk, second.pk], "price_fen": 5900, "stock_change": 2})
    assert (r.status_code, r.json()) == (200, {"products": 2, "skus": 4})
    listed = api.get(f"/stores/{paid_store.pk}/products").json()["items"]
    assert {(p["price_min_fen"], p["price_max_fen"], p["stock_total"]) for p in listed} == {(5900, 5900, 9)}

    r = api.post(url, {"product_ids": [first.pk], "stock_change": -3})  # 蓝/L has 2
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (
        422,
        "bulk_change_out_of_range",
        "stock_change",
    )
    assert "亚麻衬衫" in r.json()["message"]
    r = api.post(url, {"product_ids": [first.pk], "price_fen": 1, "price_change_fen": 1})
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")
    r = api.post(url, {"product_ids": [first.pk], "stock": True})
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")
    r = api.post(url, {"product_ids": [], "stock": 1})
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")


def test_who_may_change_in_bulk(api, api_for, stranger_api, agent_api, make_product, paid_store):
    product = make_product(paid_store)
    url = f"/stores/{paid_store.pk}/products/bulk"
    body = {"product_ids": [product.pk], "stock": 1}
    assert api_for().post(url, body).status_code == 401
    assert stranger_api.post(url, body).status_code == 404
    assert agent_api.post(url, body).status_code == 403
    theirs_url = f"/stores/{Store.objects.get(name='别人的小店').pk}/products/bulk"
    r = stranger_api.post(theirs_url, body)  # their store, my product: not found
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (404, "not_found", "product_ids.0")
    assert list(product.skus.values_list("stock", flat=True)) == [5, 0]


def test_the_store_list_filters_through_the_api(api, make_product, paid_store, categories):
    make_product(paid_store, title="亚麻衬衫", rows=(("红", "M", 9900, 50),))
    make_product(paid_store, title="棉麻衬衫", rows=(("红", "M", 9900, 3),), listed=True)
    make_product(paid_store, title="设计之书", category="图书")
    url = f"/stores/{paid_store.pk}/products"

    def titles(**query):
        r = api.client.get(f"/api/v1{url}", query, headers=api.headers)
        assert r.status_code == 200, r.content
        return [p["title"] for p in r.json()["items"]]

    assert titles(q="衬衫") == ["棉麻衬衫", "亚麻衬衫"]
    assert titles(q="衬衫", state="listed") == ["棉麻衬衫"]
    assert titles(category_id=categories["图书"].pk) == ["设计之书"]
    assert titles(low_stock="true") == ["设计之书", "棉麻衬衫"]
    assert titles(low_stock="true", limit=1, offset=1) == ["棉麻衬衫"]
    r = api.client.get(f"/api/v1{url}", {"q": "x" * 61}, headers=api.headers)
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")


def test_the_public_homepage_answers_the_stores_categories(api_for, make_product, paid_store, categories):
    make_product(paid_store, title="亚麻衬衫", listed=True)
    make_product(paid_store, title="棉麻衬衫", listed=True)
    make_product(paid_store, title="设计之书", category="图书")  # a draft: not counted
    body = api_for().get(f"/shops/{paid_store.pk}/homepage").json()
    assert body["categories"] == [{"id": categories["女装"].pk, "name": "女装", "count": 2}]
