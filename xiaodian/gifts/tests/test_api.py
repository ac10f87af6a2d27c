"""The /api/v1/gifts endpoints: send 1:1 and group gifts, list sent and received, accept with an
address (and a style), draw, see the draw and verify it."""

from datetime import timedelta

import pytest

from xiaodian.catalog.models import SKU
from xiaodian.core import clock
from xiaodian.gifts import draw, rules
from xiaodian.gifts.models import Gift
from xiaodian.orders.tests.conftest import ADDRESS

pytestmark = pytest.mark.django_db


@pytest.fixture
def giver_api(api_for, giver):
    return api_for(giver)


def test_send_pay_list_and_accept_a_gift_with_another_style(
    giver_api, api_for, friend, sku, pay, django_assert_max_num_queries
):
    black = SKU.objects.create(product=sku.product, specs={"颜色": "黑"}, price_fen=sku.price_fen, stock=3)
    r = giver_api.post(
        "/gifts",
        {"recipient_id": friend.pk, "sku_id": sku.pk, "message": "生日快乐", "sent_from": 0},
        **{"Idempotency-Key": "g1"},
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (body["state"], body["state_label"], body["sent_from_label"]) == (10, "待领取", "单聊")
    assert len(body["order_ids"]) == 1 and body["mine"] is None and body["paid_at"] is None
    again = giver_api.post(
        "/gifts",
        {"recipient_id": friend.pk, "sku_id": sku.pk, "message": "生日快乐", "sent_from": 0},
        **{"Idempotency-Key": "g1"},
    )
    assert again.json()["id"] == body["id"]
    friend_api = api_for(friend)
    assert friend_api.get("/gifts").json()["count"] == 0  # not paid yet
    assert friend_api.get(f"/gifts/{body['id']}").status_code == 404
    pay(Gift.objects.get(pk=body["id"]))
    with django_assert_max_num_queries(12):
        listed = friend_api.get("/gifts", {"box": "received"}).json()
    assert [g["id"] for g in listed["items"]] == [body["id"]]
    assert listed["items"][0]["order_ids"] == []  # the giver's orders are not the recipient's to see
    assert giver_api.get("/gifts", {"box": "sent"}).json()["count"] == 1
    r = friend_api.post(f"/gifts/{body['id']}/accept", {"address": ADDRESS, "sku_id": black.pk})
    assert r.status_code == 200, r.json()
    assert (r.json()["state"], r.json()["mine"]["state"]) == (20, 20)
    order_id = r.json()["mine"]["order_id"]
    order = friend_api.get(f"/orders/{order_id}").json()
    assert order["status"] == 20 and order["lines"][0]["sku_id"] == black.pk


def test_refusals_are_clear_4xx(giver_api, api_for, friend, sku, make_sku, store, make_user):
    key = {"Idempotency-Key": "k"}
    stranger = make_user("stranger")
    r = giver_api.post("/gifts", {"recipient_id": stranger.pk, "sku_id": sku.pk}, **key)
    assert (r.status_code, r.json()["code"]) == (409, "gift_recipient_not_contact")
    gold = make_sku(store, category="黄金")
    r = giver_api.post("/gifts", {"recipient_id": friend.pk, "sku_id": gold.pk}, **key)
    assert (r.status_code, r.json()["code"]) == (422, "gift_category_excluded")
    dear = make_sku(store, price_fen=rules.PRICE_MAX_FEN + 1, category="手机")
    r = giver_api.post("/gifts", {"recipient_id": friend.pk, "sku_id": dear.pk}, **key)
    assert (r.status_code, r.json()["code"]) == (422, "gift_price_too_high")
    r = giver_api.post("/gifts", {"recipient_id": friend.pk, "sku_id": sku.pk, "message": "x" * 101}, **key)
    assert r.status_code == 422
    r = giver_api.post("/gifts", {"recipient_id": friend.pk, "sku_id": sku.pk, "sent_from": 7}, **key)
    assert r.status_code == 422
    r = giver_api.post("/gifts", {"recipient_id": friend.pk, "sku_id": sku.pk})
    assert r.status_code == 422  # no Idempotency-Key
    assert api_for(None).get("/gifts").status_code == 401
    assert giver_api.post("/gifts/1/draw").status_code == 404
    assert not Gift.objects.exists()


def test_a_group_gift_sent_into_a_group_is_drawn_and_its_draw_verified(
    giver_api, api_for, members, sku, pay, group, make_user
):
    r = giver_api.post(
        "/gifts/group",
        {"sku_id": sku.pk, "count": 2, "conversation_id": group.pk, "message": "抢红包啦"},
        **{"Idempotency-Key": "gg"},
    )
    assert r.status_code == 201, r.json()
    gift = r.json()
    assert (gift["kind"], gift["count"], gift["members_count"], len(gift["order_ids"])) == ("group", 2, 5, 2)
    assert (gift["sent_from"], gift["conversation_id"]) == (1, group.pk)
    commitment = gift["commitment"]
    assert len(commitment) == 64
    pay(Gift.objects.get(pk=gift["id"]))
    report = giver_api.get(f"/gifts/{gift['id']}/draw").json()
    assert (report["closed"], report["seed"], report["verified"]) == (False, "", None)
    assert giver_api.get(f"/gifts/{gift['id']}/verify").json()["ok"] is None
    stranger = api_for(make_user("stranger")).post(f"/gifts/{gift['id']}/draw")
    assert (stranger.status_code, stranger.json()["code"]) == (403, "gift_not_group_member")
    own = giver_api.post(f"/gifts/{gift['id']}/draw")
    assert (own.status_code, own.json()["code"]) == (403, "gift_giver_cannot_draw")
    card = api_for(members[0]).get(f"/chats/{group.pk}/messages").json()["items"][-1]
    assert (card["kind"], card["card"]["kind"], card["card"]["id"]) == ("card", "gift", gift["id"])
    won = 0
    for member in members:
        r = api_for(member).post(f"/gifts/{gift['id']}/draw")
        if won == 2:
            assert (r.status_code, r.json()["code"]) == (409, "gift_draw_closed")
            continue
        assert r.status_code == 200, r.json()
        won += r.json()["won"]
        assert r.json()["gift"]["drawn"] is True
    assert won == 2
    r = api_for(members[0]).post(f"/gifts/{gift['id']}/draw")
    assert r.status_code == 409
    report = api_for(members[0]).get(f"/gifts/{gift['id']}/draw").json()
    assert report["closed"] and report["verified"] is True
    assert draw.commitment(report["seed"]) == commitment
    verified = api_for(members[-1]).get(f"/gifts/{gift['id']}/verify").json()
    assert verified["ok"] is True
    assert verified["expected"] == [d["unit_index"] for d in report["draws"]]


def test_a_group_gift_from_a_group_chat_names_its_group(
    giver_api, members, sku, group, make_user, make_group
):
    named = {"sku_id": sku.pk, "count": 1, "member_ids": [m.pk for m in members]}
    r = giver_api.post("/gifts/group", named, **{"Idempotency-Key": "n1"})  # sent from 1 by default
    assert (r.status_code, r.json()["field"]) == (422, "conversation_id")
    both = {**named, "conversation_id": group.pk}
    r = giver_api.post("/gifts/group", both, **{"Idempotency-Key": "n2"})
    assert (r.status_code, r.json()["field"]) == (422, "member_ids")
    other = {"sku_id": sku.pk, "count": 1, "conversation_id": group.pk, "sent_from": 3}
    r = giver_api.post("/gifts/group", other, **{"Idempotency-Key": "n3"})
    assert (r.status_code, r.json()["field"]) == (422, "sent_from")
    theirs = make_group(make_user("outsider"), members[0])  # a group the giver is not in
    for conversation_id in (theirs.pk, 10**9):
        r = giver_api.post(
            "/gifts/group",
            {"sku_id": sku.pk, "count": 1, "conversation_id": conversation_id},
            **{"Idempotency-Key": f"n{conversation_id}"},
        )
        assert (r.status_code, r.json()["code"], r.json()["field"]) == (404, "not_found", "conversation_id")
    assert not Gift.objects.exists()


def test_the_draw_closes_a_day_after_payment(giver_api, api_for, members, sku, pay):
    r = giver_api.post(
        "/gifts/group",
        {"sku_id": sku.pk, "count": 1, "member_ids": [m.pk for m in members], "sent_from": 3},
        **{"Idempotency-Key": "late"},
    )
    pay(Gift.objects.get(pk=r.json()["id"]))
    with clock.travel_to(clock.now() + rules.ACCEPT_WITHIN + timedelta(seconds=1)):
        late = api_for(members[0]).post(f"/gifts/{r.json()['id']}/draw")
        assert (late.status_code, late.json()["code"]) == (409, "gift_draw_closed")
        assert api_for(members[0]).get(f"/gifts/{r.json()['id']}/verify").json()["ok"] is True


def test_the_gift_list_costs_a_fixed_number_of_queries(
    giver_api, send, send_group, pay, django_assert_max_num_queries
):
    for _ in range(3):
        pay(send())
    pay(send_group(count=2))
    with django_assert_max_num_queries(8):
        listed = giver_api.get("/gifts", {"box": "sent"}).json()
    assert listed["count"] == 4
    assert sorted(len(g["order_ids"]) for g in listed["items"]) == [1, 1, 1, 2]
