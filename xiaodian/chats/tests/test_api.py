"""`/api/v1/chats` and `/api/v1/groups` (docs/chats.md): open a 1:1 chat with a contact, send,
page history by sequence, mark read, list with unread counts (fixed query budgets), sync; a
group's whole life over HTTP; someone outside a conversation gets 404."""

import pytest

from xiaodian.chats import services
from xiaodian.social import services as social


@pytest.fixture
def pair(make_user, befriend, api_for):
    a, b = make_user(), make_user()
    befriend(a, b)
    return a, b, api_for(a), api_for(b)


def test_open_send_history_and_read_over_http(pair):
    a, b, a_api, b_api = pair
    opened = a_api.post("/chats", {"user_id": b.pk})
    assert opened.status_code == 201
    chat_id = opened.json()["id"]
    assert b_api.post("/chats", {"user_id": a.pk}).json()["id"] == chat_id  # one per pair
    for i in range(5):
        r = a_api.post(f"/chats/{chat_id}/messages", {"text": f"第{i}条", "client_id": f"k{i}"})
        assert r.status_code == 201 and r.json()["seq"] == i + 1
    again = a_api.post(f"/chats/{chat_id}/messages", {"text": "第0条", "client_id": "k0"})
    assert again.status_code == 200 and again.json()["seq"] == 1

    listed = b_api.get("/chats").json()
    assert listed["count"] == 1 and listed["unread_total"] == 5
    assert listed["items"][0]["unread"] == 5 and listed["items"][0]["title"] == str(a)
    page = b_api.get(f"/chats/{chat_id}/messages", {"limit": 2}).json()
    assert [m["seq"] for m in page["items"]] == [4, 5] and page["has_more"]
    older = b_api.get(f"/chats/{chat_id}/messages", {"before": 4, "limit": 10}).json()
    assert [m["seq"] for m in older["items"]] == [1, 2, 3] and not older["has_more"]
    read = b_api.post(f"/chats/{chat_id}/read", {"seq": 4})
    assert read.json() == {"conversation": chat_id, "last_read_seq": 4}
    assert b_api.get("/chats").json()["unread_total"] == 1
    synced = b_api.post("/chats/sync", {"have": {str(chat_id): 3}}).json()
    assert [m["seq"] for m in synced["items"]] == [4, 5] and not synced["more"]


def test_one_way_and_strangers_are_refused(pair, make_user, api_for):
    a, b, a_api, _b_api = pair
    chat_id = a_api.post("/chats", {"user_id": b.pk}).json()["id"]
    social.delete_contact(owner=b, other_id=a.pk)
    refused = a_api.post(f"/chats/{chat_id}/messages", {"text": "在吗"})
    assert refused.status_code == 403 and refused.json()["code"] == "chat_contact_removed_you"
    stranger = make_user()
    r = api_for(stranger).post("/chats", {"user_id": a.pk})
    assert r.status_code == 403 and r.json()["code"] == "chat_not_a_contact"
    for call in (
        lambda c: c.get(f"/chats/{chat_id}/messages"),
        lambda c: c.post(f"/chats/{chat_id}/messages", {"text": "hi"}),
        lambda c: c.post(f"/chats/{chat_id}/read", {"seq": 1}),
    ):
        assert call(api_for(stranger)).status_code == 404


def test_bad_input_is_a_422_not_a_500(pair):
    _a, b, a_api, _b_api = pair
    chat_id = a_api.post("/chats", {"user_id": b.pk}).json()["id"]
    for body in (
        {"text": ""},
        {"text": "x", "kind": "image"},
        {"kind": "card", "card_kind": "coupon", "card_id": 1},
        {"kind": "card", "card_kind": "product"},
    ):
        r = a_api.post(f"/chats/{chat_id}/messages", body)
        assert r.status_code == 422 and r.json()["code"] == "validation_error", body
    assert a_api.post(f"/chats/{chat_id}/read", {"seq": "1"}).status_code == 422
    assert a_api.post("/chats/sync", {"have": {"x": 1}}).status_code == 422


def test_a_picture_goes_up_as_multipart(pair, png_bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _a, b, a_api, _ = pair
    chat_id = a_api.post("/chats", {"user_id": b.pk}).json()["id"]
    r = a_api.client.post(
        f"/api/v1/chats/{chat_id}/images",
        {"image": SimpleUploadedFile("p.png", png_bytes)},
        headers=a_api.headers,
    )
    assert r.status_code == 201 and r.json()["kind"] == "image" and r.json()["image"].endswith(".png")
    bad = a_api.client.post(
        f"/api/v1/chats/{chat_id}/images",
        {"image": SimpleUploadedFile("p.png", b"nope")},
        headers=a_api.headers,
    )
    assert bad.status_code == 422 and bad.json()["code"] == "image_invalid"


def test_a_groups_life_over_http(make_user, befriend, api_for):
    owner, friend, other = make_user(), make_user(), make_user()
    befriend(owner, friend)
    befriend(owner, other)
    o, f, x = api_for(owner), api_for(friend), api_for(other)
    created = o.post("/groups", {"title": "读书会"})
    assert created.status_code == 201
    group_id = created.json()["id"]
    assert created.json()["members"][0]["role"] == "owner"
    invitation = o.post(f"/groups/{group_id}/invitations", {"user_id": friend.pk})
    assert invitation.status_code == 201
    assert [i["id"] for i in f.get("/groups/invitations").json()] == [invitation.json()["id"]]
    assert f.get(f"/groups/{group_id}").status_code == 404  # not a member before accepting
    joined = f.post(f"/groups/invitations/{invitation.json()['id']}/accept")
    assert {m["user_id"] for m in joined.json()["members"]} == {owner.pk, friend.pk}
    sent = f.post(f"/groups/{group_id}/messages", {"text": "大家好"})
    assert sent.status_code == 201 and sent.json()["seq"] == 2  # 1: friend joined
    assert [m["text"] for m in o.get(f"/groups/{group_id}/messages").json()["items"]][-1] == "大家好"
    assert o.post(f"/groups/{group_id}/admins", {"user_id": friend.pk}).status_code == 200
    assert o.delete(f"/groups/{group_id}/admins/{friend.pk}").status_code == 200
    refused = o.post(f"/groups/{group_id}/leave")
    assert refused.status_code == 409 and refused.json()["code"] == "group_owner_must_transfer"
    assert o.post(f"/groups/{group_id}/owner", {"user_id": friend.pk}).status_code == 200
    assert f.delete(f"/groups/{group_id}/members/{owner.pk}").status_code == 204
    assert x.post(f"/groups/{group_id}/messages", {"text": "?"}).status_code == 404
    assert f.post(f"/groups/{group_id}/leave").status_code == 204
    # a 1:1 chat is not a group
    chat_id = o.post("/chats", {"user_id": other.pk}).json()["id"]
    assert o.get(f"/groups/{chat_id}").status_code == 404


def test_the_list_and_history_cost_a_fixed_number_of_queries(
    make_user, befriend, group_of, api_for, django_assert_max_num_queries
):
    me = make_user()
    for _ in range(3):
        friend = make_user()
        befriend(me, friend)
        chat, _ = services.open_direct(user=me, other_id=friend.pk)
        services.send_message(user=friend, conversation_id=chat.pk, text="嗨")
    group = group_of(me, *[make_user() for _ in range(3)])
    for i in range(20):
        services.send_message(
            user=me,
            conversation_id=group.pk,
            kind="card" if i % 2 else "text",
            text="t",
            card_kind="product" if i % 2 else "",
            card_id=i + 1 if i % 2 else None,
        )
    client = api_for(me)
    client.get("/chats")  # the token's first use writes its last-used time
    with django_assert_max_num_queries(6):
        listed = client.get("/chats")
    assert listed.json()["count"] == 4
    with django_assert_max_num_queries(5):
        page = client.get(f"/groups/{group.pk}/messages", {"limit": 50})
    assert len(page.json()["items"]) == 3 + 20  # 3 join lines
