"""The reviews API: status codes and bodies, JSON and multipart, strangers, query budgets."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiaodian.catalog.models import Product
from xiaodian.orders.models import Order
from xiaodian.reviews import services
from xiaodian.reviews.models import Review

from .conftest import not_an_image, png


def review_url(line) -> str:
    return f"/orders/{line.order_id}/lines/{line.pk}/review"


def multipart(api, path: str, data: dict):
    """POST multipart/form-data through the API client, with its token."""
    return api.client.post(f"/api/v1{path}", data=data, headers=api.headers)


@pytest.fixture
def buyer_api(api_for, buyer):
    return api_for(buyer)


@pytest.fixture
def posted(buyer, line):
    return services.create_review(buyer=buyer, order_id=line.order_id, line_id=line.pk, rating=4, text="不错")


# --------------------------------------------------------------------------------------- create


def test_review_a_received_line_with_json(buyer_api, line):
    r = buyer_api.post(review_url(line), {"rating": 5, "text": "很好"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert {
        k: body[k] for k in ("product_id", "rating", "text", "specs", "images", "follow_up", "reply")
    } == {
        "product_id": line.product_id,
        "rating": 5,
        "text": "很好",
        "specs": {"颜色": "白"},
        "images": [],
        "follow_up": None,
        "reply": None,
    }
    assert body["buyer_name"] == "b***"
    assert "order_id" not in body and "line_id" not in body  # public: no order ids


def test_review_with_images_as_multipart(buyer_api, line):
    r = multipart(
        buyer_api, review_url(line), {"rating": "4", "text": "有图", "images": [png(), png(size=(9, 7))]}
    )
    assert r.status_code == 201, r.content
    images = r.json()["images"]
    assert [(i["width"], i["height"]) for i in images] == [(4, 3), (9, 7)]
    assert all(i["url"].startswith("/media/reviews/") for i in images)


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"rating": 6}, 422, "validation_error", "rating"),
        ({"rating": 0}, 422, "validation_error", "rating"),
        ({}, 422, "validation_error", "rating"),
        ({"rating": 5, "text": 7}, 422, "validation_error", "text"),
        ({"rating": 5, "text": "好" * 501}, 422, "validation_error", "text"),
        ({"rating": 5, "text": "加我微信 wx_abc123 便宜"}, 422, "contact_details_not_allowed", "text"),
        ({"rating": 5, "text": "a\u0000b"}, 422, "validation_error", "text"),
        ([1, 2], 422, "validation_error", None),
        ("{not json", 400, "malformed_request", None),
    ],
)
def test_bad_bodies_are_refused_with_a_code(buyer_api, line, body, status, code, field):
    r = buyer_api.post(review_url(line), body)
    assert r.status_code == status, r.content
    assert r.json()["code"] == code
    assert r.json().get("field") == field
    assert not Review.objects.exists()


def test_bad_images_are_refused_with_the_image_named(buyer_api, line):
    r = multipart(buyer_api, review_url(line), {"rating": "5", "images": [png(), not_an_image()]})
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (422, "image_invalid", "images.1")
    r = multipart(buyer_api, review_url(line), {"rating": "5", "images": [png() for _ in range(10)]})
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (422, "validation_error", "images")


def test_a_broken_multipart_body_is_a_400(buyer_api, line):
    r = buyer_api.client.post(
        f"/api/v1{review_url(line)}",
        data=b"--x\r\nContent-Disposition: form-data\r\n\r\n",
        content_type="multipart/form-data",  # no boundary
        headers=buyer_api.headers,
    )
    assert (r.status_code, r.json()["code"]) == (400, "malformed_request")


def test_a_line_not_received_is_a_409(buyer_api, line):
    Order.objects.filter(pk=line.order_id).update(status=30)
    r = buyer_api.post(review_url(line), {"rating": 5})
    assert (r.status_code, r.json()["code"]) == (409, "review_not_allowed")


def test_the_second_review_is_a_409(buyer_api, line, posted):
    r = buyer_api.post(review_url(line), {"rating": 1})
    assert (r.status_code, r.json()["code"]) == (409, "review_exists")


def test_strangers_get_404_and_nothing_is_read(api_for, make_user, merchant, line):
    for who in (make_user(), merchant):
        r = multipart(api_for(who), review_url(line), {"rating": "9", "images": [not_an_image()]})
        assert (r.status_code, r.json()["code"]) == (404, "not_found")
    r = api_for(make_user()).post(f"/orders/{line.order_id}/lines/{line.pk + 999}/review", {"rating": 5})
    assert r.status_code == 404


def test_signed_out_is_a_401(line):
    r = Client().post(f"/api/v1{review_url(line)}", {"rating": 5}, content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (401, "unauthorized")


# ------------------------------------------------------------------------------- follow-up, reply


def test_follow_up_once(buyer_api, posted):
    url = f"/reviews/{posted.pk}/follow-up"
    r = multipart(buyer_api, url, {"text": "用了一周还不错", "images": [png()]})
    assert r.status_code == 201, r.content
    follow_up = r.json()["follow_up"]
    assert follow_up["text"] == "用了一周还不错" and len(follow_up["images"]) == 1
    assert r.json()["images"] == []  # the follow-up's images are its own
    r = buyer_api.post(url, {"text": "再追"})
    assert (r.status_code, r.json()["code"]) == (409, "follow_up_exists")


def test_follow_up_refusals(buyer_api, api_for, make_user, posted):
    url = f"/reviews/{posted.pk}/follow-up"
    assert buyer_api.post(url, {"text": ""}).json()["code"] == "validation_error"
    assert buyer_api.post(url, {"text": "qq 123456"}).json()["code"] == "contact_details_not_allowed"
    r = api_for(make_user()).post(url, {"text": "不是我的"})
    assert (r.status_code, r.json()["code"]) == (404, "not_found")


def test_reply_once_by_customer_service(api_for, agent, posted):
    url = f"/reviews/{posted.pk}/reply"
    r = api_for(agent).post(url, {"text": "谢谢支持"})
    assert r.status_code == 201, r.content
    assert r.json()["reply"]["text"] == "谢谢支持"
    r = api_for(agent).post(url, {"text": "再回"})
    assert (r.status_code, r.json()["code"]) == (409, "reply_exists")


def test_reply_refusals(api_for, store_operator, stranger, buyer, merchant, posted):
    url = f"/reviews/{posted.pk}/reply"
    r = api_for(store_operator).post(url, {"text": "你好"})
    assert (r.status_code, r.json()["code"]) == (403, "permission_denied")
    for who in (stranger, buyer):
        r = api_for(who).post(url, {"text": "你好"})
        assert (r.status_code, r.json()["code"]) == (404, "not_found")
    r = api_for(merchant).post(url, {"text": "电话 13800138000"})
    assert (r.status_code, r.json()["code"]) == (422, "contact_details_not_allowed")


# ------------------------------------------------------------------------------------------ reads


def test_a_review_is_public_while_its_product_is(posted, api_for, make_user, buyer):
    anonymous = Client()
    assert anonymous.get(f"/api/v1/reviews/{posted.pk}").json()["rating"] == 4
    Product.objects.filter(pk=posted.product_id).update(state="delisted")
    r = anonymous.get(f"/api/v1/reviews/{posted.pk}")
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    assert api_for(make_user()).get(f"/api/v1/reviews/{posted.pk}".removeprefix("/api/v1")).status_code == 404
    assert api_for(buyer).get(f"/reviews/{posted.pk}").status_code == 200


def test_product_reviews_with_the_summary_and_pages(buyer, merchant, store, make_sku, received):
    sku = make_sku(store, stock=100)
    lines = [received(sku).lines.get() for _ in range(5)]
    for line, rating in zip(lines, (5, 5, 4, 2, 1), strict=True):
        services.create_review(buyer=buyer, order_id=line.order_id, line_id=line.pk, rating=rating)
    client = Client()
    url = f"/api/v1/products/{sku.product_id}/reviews"
    body = client.get(url, {"limit": 2}).json()
    assert body["summary"] == {
        "count": 5,
        "average": 3.4,
        "stars": [
            {"rating": 5, "count": 2},
            {"rating": 4, "count": 1},
            {"rating": 3, "count": 0},
            {"rating": 2, "count": 1},
            {"rating": 1, "count": 1},
        ],
    }
    assert body["count"] == 5 and [i["rating"] for i in body["items"]] == [1, 2]  # newest first
    assert [i["rating"] for i in client.get(url, {"limit": 2, "offset": 2}).json()["items"]] == [4, 5]
    only_fives = client.get(url, {"rating": 5}).json()
    assert only_fives["count"] == 2 and {i["rating"] for i in only_fives["items"]} == {5}
    assert client.get(url, {"rating": 6}).status_code == 422


def test_product_reviews_of_a_hidden_product_are_not_found(line, api_for, merchant):
    Product.objects.filter(pk=line.product_id).update(state="draft")
    assert Client().get(f"/api/v1/products/{line.product_id}/reviews").status_code == 404
    assert api_for(merchant).get(f"/products/{line.product_id}/reviews").status_code == 200
    assert Client().get("/api/v1/products/999999/reviews").status_code == 404


def test_the_product_reviews_endpoint_costs_a_fixed_number_of_queries(
    buyer, merchant, store, make_sku, received, django_assert_max_num_queries
):
    sku = make_sku(store, stock=100)
    url = f"/api/v1/products/{sku.product_id}/reviews"
    client = Client()
    with django_assert_max_num_queries(5) as first:
        client.get(url)
    for _ in range(8):
        line = received(sku).lines.get()
        made = services.create_review(
            buyer=buyer, order_id=line.order_id, line_id=line.pk, rating=3, images=[png(), png()]
        )
        services.add_follow_up(buyer=buyer, review_id=made.pk, text="追评", images=[png()])
        services.reply_to_review(staff=merchant, review_id=made.pk, text="谢谢")
    with django_assert_max_num_queries(
        len(first.captured_queries) + 1
    ):  # + the images, now that there are some
        body = client.get(url).json()
    assert len(body["items"]) == 8 and all(i["follow_up"]["images"] for i in body["items"])


def test_the_store_lists_its_reviews(api_for, merchant, agent, stranger, store, posted):
    r = api_for(agent).get(f"/stores/{store.pk}/reviews")
    assert r.status_code == 200
    item = r.json()["items"][0]
    assert (item["id"], item["order_id"], item["line_id"]) == (posted.pk, posted.order_id, posted.line_id)
    assert api_for(merchant).get(f"/stores/{store.pk}/reviews", {"rating": 1}).json()["count"] == 0
    assert api_for(stranger).get(f"/stores/{store.pk}/reviews").status_code == 404


def test_the_endpoints_are_in_the_openapi_schema(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/orders/{order_id}/lines/{line_id}/review",
        "/api/v1/reviews/{review_id}/follow-up",
        "/api/v1/reviews/{review_id}/reply",
        "/api/v1/reviews/{review_id}",
        "/api/v1/products/{product_id}/reviews",
        "/api/v1/stores/{store_id}/reviews",
    ):
        assert path in paths
    content = paths["/api/v1/orders/{order_id}/lines/{line_id}/review"]["post"]["requestBody"]["content"]
    assert set(content) == {"application/json", "multipart/form-data"}


# -------------------------------------------------------------------------------------- no 500s

_anything = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.lists(st.integers(), max_size=3)
)


@given(
    body=st.one_of(st.dictionaries(st.sampled_from(["rating", "text", "images", "x"]), _anything), _anything)
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_json_body_makes_the_review_endpoint_fail(buyer_api, line, body):
    r = buyer_api.post(review_url(line), body)
    assert r.status_code in (201, 400, 409, 422), r.content
    assert r.json().get("code") or r.status_code == 201


@given(
    rating=st.text(st.characters(blacklist_categories=("Cs",)), max_size=5),
    text=st.text(st.characters(blacklist_categories=("Cs",)), max_size=600),
    files=st.lists(st.binary(max_size=64), max_size=3),
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_form_body_makes_the_review_endpoint_fail(buyer_api, line, rating, text, files):
    images = [SimpleUploadedFile(f"f{n}.png", data) for n, data in enumerate(files)]
    r = multipart(buyer_api, review_url(line), {"rating": rating, "text": text, "images": images})
    assert r.status_code in (201, 400, 409, 422), r.content
