"""The complaints API: the three roles' calls, the refusals, multipart photos."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

pytestmark = pytest.mark.django_db


def test_file_answer_rule_through_the_api(
    api_for, paid_order, buyer, merchant, operator, store, django_assert_max_num_queries
):
    order = paid_order()
    as_buyer, as_merchant, as_operator = api_for(buyer), api_for(merchant), api_for(operator)
    out = BytesIO()
    Image.new("RGB", (20, 20), "blue").save(out, "PNG")
    filed = as_buyer.client.post(
        "/api/v1/complaints",
        {
            "reason": "not_as_described",
            "text": "颜色和图片不一样",
            "order_id": str(order.pk),
            "images": [SimpleUploadedFile("a.png", out.getvalue(), content_type="image/png")],
        },
        headers=as_buyer.headers,
    )
    assert filed.status_code == 201, filed.content
    body = filed.json()
    assert (body["state"], body["store_id"], body["order_number"]) == ("open", store.pk, order.number)
    assert len(body["timeline"][0]["images"]) == 1
    cid = body["id"]

    again = as_buyer.post("/complaints", {"reason": "other", "text": "再投", "order_id": order.pk})
    assert (again.status_code, again.json()["code"]) == (409, "complaint_exists")

    listed = as_merchant.get(f"/stores/{store.pk}/complaints", {"state": "open"})
    assert [c["id"] for c in listed.json()["items"]] == [cid]
    answered = as_merchant.post(f"/complaints/{cid}/answer", {"text": "我们按描述发货"})
    assert answered.status_code == 200 and answered.json()["state"] == "answered"

    with django_assert_max_num_queries(8):
        queue = as_operator.get("/operations/complaints")
    assert [c["id"] for c in queue.json()["items"]] == [cid]
    assert as_merchant.get("/operations/complaints").status_code == 403
    assert as_merchant.post(f"/complaints/{cid}/ruling", {"at_fault": True}).status_code == 403
    ruled = as_operator.post(f"/complaints/{cid}/ruling", {"at_fault": True, "note": "与描述不符"})
    assert ruled.status_code == 200 and ruled.json()["state"] == "upheld"
    seen = as_buyer.get(f"/complaints/{cid}").json()
    assert [s["who"] for s in seen["timeline"]] == ["buyer", "merchant", "platform"]
    assert as_buyer.get("/complaints").json()["count"] == 1


def test_refusals(api_for, paid_order, buyer, make_user, operator):
    order = paid_order()
    stranger = api_for(make_user())
    assert (
        stranger.post("/complaints", {"reason": "other", "text": "x", "order_id": order.pk}).status_code
        == 404
    )
    bad = api_for(buyer).post("/complaints", {"reason": "bored", "text": "x", "order_id": order.pk})
    assert (bad.status_code, bad.json()["field"]) == (422, "reason")
    nothing = api_for(buyer).post("/complaints", {"reason": "other", "text": "x"})
    assert nothing.status_code == 422
    assert api_for(operator).post("/complaints/999/ruling", {"at_fault": True}).status_code == 404
    assert stranger.get("/complaints/999").status_code == 404
