import threading

import pytest
from django.db import connection

from xiaodian.aftersales.models import AfterSale, AfterSaleEvent
from xiaodian.aftersales.rules import State


@pytest.fixture
def buyer_api(api_for, buyer):
    return api_for(buyer)


def test_request_approve_and_read_over_the_api(buyer_api, api, paid_order):
    order = paid_order()
    line = order.lines.order_by("pk").first()
    r = buyer_api.post(
        f"/orders/{order.pk}/aftersales",
        {"type": "refund", "line_id": line.pk, "quantity": 1, "reason_code": "quality", "reason": "线头多"},
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["state"], body["amount_fen"], body["type"]) == ("MERCHANT_PROCESSING", 1000, "refund")
    again = buyer_api.post(
        f"/orders/{order.pk}/aftersales", {"type": "refund", "line_id": line.pk, "quantity": 1}
    )
    assert (again.status_code, again.json()["code"]) == (409, "aftersale_open_exists")
    assert buyer_api.post(f"/aftersales/{body['id']}/approve").status_code == 404  # the buyer is not staff
    r = api.post(f"/aftersales/{body['id']}/approve")
    assert r.json()["state"] == "PLATFORM_REFUNDING"
    assert api.get("/aftersales", {"store_id": order.store_id}).json()["count"] == 1
    assert buyer_api.get("/aftersales").json()["items"][0]["id"] == body["id"]


def test_a_refund_of_less_than_asked_over_the_api(buyer_api, api, paid_order):
    order = paid_order()
    line = order.lines.order_by("pk").first()
    aftersale_id = buyer_api.post(
        f"/orders/{order.pk}/aftersales", {"type": "refund", "line_id": line.pk, "quantity": 1}
    ).json()["id"]
    for body, status, code in [
        ({"refund_fen": 1001, "reason": "x"}, 422, "refund_amount_invalid"),
        ({"refund_fen": 0, "reason": "x"}, 422, "refund_amount_invalid"),
        ({"refund_fen": 600}, 422, "validation_error"),
        ({"refund_fen": "600", "reason": "x"}, 422, "validation_error"),  # a JSON integer, not a string
    ]:
        r = api.post(f"/aftersales/{aftersale_id}/approve", body)
        assert (r.status_code, r.json()["code"]) == (status, code), body
    assert buyer_api.get(f"/aftersales/{aftersale_id}").json()["state"] == "MERCHANT_PROCESSING"
    r = api.post(f"/aftersales/{aftersale_id}/approve", {"refund_fen": 600, "reason": "赠品未退回"})
    assert r.status_code == 200, r.content
    body = buyer_api.get(f"/aftersales/{aftersale_id}").json()
    assert (body["state"], body["amount_fen"], body["refund_fen"], body["short_reason"]) == (
        "PLATFORM_REFUNDING",
        1000,
        600,
        "赠品未退回",
    )


def test_reject_dispute_and_decide_over_the_api(buyer_api, api, api_for, operator, shipped_order):
    order = shipped_order()
    line = order.lines.order_by("pk").first()
    aftersale_id = buyer_api.post(
        f"/orders/{order.pk}/aftersales", {"type": "return", "line_id": line.pk, "quantity": 1}
    ).json()["id"]
    assert api.post(f"/aftersales/{aftersale_id}/reject", {"reason": "影响二次销售"}).json()["state"] == (
        "MERCHANT_REJECT_RETURN"
    )
    dispute = buyer_api.post(f"/aftersales/{aftersale_id}/dispute", {"statement": "包装完好"})
    assert dispute.status_code == 201
    dispute_id = dispute.json()["id"]
    assert api.get("/disputes").status_code == 404  # merchants do not see the platform's queue
    ops = api_for(operator)
    assert ops.get("/disputes").json()["count"] == 1
    decided = ops.post(f"/disputes/{dispute_id}/decide", {"decision": "buyer", "note": "支持退货"}).json()
    assert decided["decision"] == "buyer"
    assert buyer_api.get(f"/aftersales/{aftersale_id}").json()["state"] == "USER_WAIT_RETURN"
    r = buyer_api.post(
        f"/aftersales/{aftersale_id}/return-shipped", {"carrier": "顺丰", "tracking_no": "SF9988776"}
    )
    assert r.json()["state"] == "MERCHANT_WAIT_RECEIPT"
    assert api.post(f"/aftersales/{aftersale_id}/received").json()["state"] == "PLATFORM_REFUNDING"


def test_the_store_answers_a_dispute_once_and_the_operator_sees_both_sides(
    buyer_api, api, api_for, operator, shipped_order
):
    order = shipped_order()
    line = order.lines.order_by("pk").first()
    aftersale_id = buyer_api.post(
        f"/orders/{order.pk}/aftersales", {"type": "return", "line_id": line.pk, "quantity": 1}
    ).json()["id"]
    r = api.post(f"/aftersales/{aftersale_id}/dispute/answer", {"statement": "发货前已拍照"})
    assert (r.status_code, r.json()["code"]) == (409, "invalid_transition")  # nothing to answer yet
    api.post(f"/aftersales/{aftersale_id}/reject", {"reason": "影响二次销售"})
    dispute_id = buyer_api.post(f"/aftersales/{aftersale_id}/dispute", {"statement": "包装完好"}).json()["id"]

    r = buyer_api.post(f"/aftersales/{aftersale_id}/dispute/answer", {"statement": "我也来答"})
    assert r.status_code == 404  # the buyer is not the store
    r = api.post(f"/aftersales/{aftersale_id}/dispute/answer", {"statement": "   "})
    assert (r.status_code, r.json()["field"]) == (422, "statement")
    r = api.post(f"/aftersales/{aftersale_id}/dispute/answer", {"statement": "发货前已拍照，吊牌已剪"})
    assert r.status_code == 200, r.content
    assert r.json()["merchant_statement"] == "发货前已拍照，吊牌已剪" and r.json()["merchant_answered_at"]
    r = api.post(f"/aftersales/{aftersale_id}/dispute/answer", {"statement": "再补充一句"})
    assert (r.status_code, r.json()["code"]) == (409, "invalid_transition")  # once

    (queued,) = api_for(operator).get("/disputes").json()["items"]
    assert (queued["id"], queued["statement"], queued["merchant_statement"]) == (
        dispute_id,
        "包装完好",
        "发货前已拍照，吊牌已剪",
    )
    api_for(operator).post(f"/disputes/{dispute_id}/decide", {"decision": "merchant"})
    r = api.post(f"/aftersales/{aftersale_id}/dispute/answer", {"statement": "x"})
    assert r.status_code == 409  # decided: nothing open to answer
    assert AfterSaleEvent.objects.filter(aftersale_id=aftersale_id, note="dispute_answered").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_approvals_refund_once(
    buyer, merchant, paid_order, merchant_view, django_capture_on_commit_callbacks
):
    if connection.vendor != "postgresql":
        pytest.skip("the threaded race needs PostgreSQL (SQLite serialises every writer)")
    from django.test import Client

    from xiaodian.accounts.services import issue_token
    from xiaodian.aftersales import services

    order = paid_order()
    aftersale = services.request_aftersale(
        buyer=buyer,
        order_id=order.pk,
        line_id=order.lines.order_by("pk").first().pk,
        kind="refund",
        quantity=2,
        reason_code="quality",
    )
    from xiaodian.aftersales import events

    tokens = [issue_token(user=merchant, name=f"race{i}")[1] for i in range(2)]
    submitted: list[int] = []

    def count(*, aftersale_id):  # count the refund hand-offs (run after each commit), send none
        submitted.append(aftersale_id)

    events.refund_approved.disconnect(services.submit_refund)
    events.refund_approved.connect(count)
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def approve(token: str) -> None:
        client = Client()
        barrier.wait()
        try:
            statuses.append(
                client.post(
                    f"/api/v1/aftersales/{aftersale.pk}/approve",
                    content_type="application/json",  # no body: approve's body is optional JSON
                    headers={"Authorization": f"Bearer {token}"},
                ).status_code
            )
        finally:
            connection.close()

    try:
        threads = [threading.Thread(target=approve, args=(t,)) for t in tokens]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        events.refund_approved.disconnect(count)
        events.refund_approved.connect(services.submit_refund)
    assert sorted(statuses) == [200, 409]
    assert submitted == [aftersale.pk]
    assert AfterSale.objects.get(pk=aftersale.pk).state == State.PLATFORM_REFUNDING
    assert AfterSaleEvent.objects.filter(aftersale=aftersale, to_state=State.PLATFORM_REFUNDING).count() == 1


def test_images_follow_the_request_as_multipart(buyer_api, paid_order):
    import io

    from PIL import Image

    order = paid_order()
    line = order.lines.order_by("pk").first()
    aftersale_id = buyer_api.post(
        f"/orders/{order.pk}/aftersales", {"type": "refund", "line_id": line.pk, "quantity": 1}
    ).json()["id"]
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(buffer, "PNG")
    buffer.name = "broken.png"
    buffer.seek(0)
    r = buyer_api.client.post(
        f"/api/v1/aftersales/{aftersale_id}/images", {"images": [buffer]}, headers=buyer_api.headers
    )
    assert r.status_code == 200, r.content
    assert len(r.json()["images"]) == 1
    empty = buyer_api.client.post(f"/api/v1/aftersales/{aftersale_id}/images", {}, headers=buyer_api.headers)
    assert (empty.status_code, empty.json()["field"]) == (422, "images")
