"""The contacts and Moments endpoints: the main paths, refusals and query budgets."""

import io

import pytest
from PIL import Image

from xiaodian.social import rules, services
from xiaodian.social.models import Contact


@pytest.fixture
def alice(make_user):
    return make_user("alice", display_name="爱丽丝")


@pytest.fixture
def bob(make_user):
    return make_user("bob", display_name="鲍勃")


def png(size=(8, 8)) -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", size, "red").save(data, "PNG")
    data.seek(0)
    data.name = "a.png"
    return data


def test_request_accept_list_search_and_delete(api_for, alice, bob):
    a, b = api_for(alice), api_for(bob)
    sent = a.post("/contacts/requests", {"username": "BOB", "greeting": "我是爱丽丝", "source": "search"})
    assert sent.status_code == 201, sent.content
    assert sent.json()["state"] == "pending"
    inbox = b.get("/contacts/requests").json()
    assert inbox["count"] == 1 and inbox["items"][0]["greeting"] == "我是爱丽丝"
    accepted = b.post(f"/contacts/requests/{sent.json()['id']}/accept")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    assert a.get("/contacts").json()["items"][0]["user"]["username"] == "bob"
    assert a.get("/contacts", {"q": "鲍"}).json()["count"] == 1
    assert a.get("/contacts", {"q": "爱"}).json()["count"] == 0  # only within one's own contacts
    assert a.patch(f"/contacts/{bob.pk}", {"remark": "老同学"}).json()["remark"] == "老同学"
    assert a.get("/contacts", {"q": "同学"}).json()["count"] == 1
    assert a.delete(f"/contacts/{bob.pk}").status_code == 204
    assert a.get("/contacts").json()["count"] == 0
    assert b.get("/contacts").json()["count"] == 1  # bob still has alice
    assert a.delete(f"/contacts/{bob.pk}").json()["code"] == "not_found"


def test_contact_request_refusals(api_for, alice, bob, befriend):
    a = api_for(alice)
    assert a.post("/contacts/requests", {"username": "nobody"}).json()["code"] == "not_found"
    assert a.post("/contacts/requests", {"user_id": alice.pk}).json()["code"] == "validation_error"
    assert a.post("/contacts/requests", {"user_id": bob.pk, "username": "bob"}).status_code == 422
    befriend(alice, bob)
    refused = a.post("/contacts/requests", {"user_id": bob.pk})
    assert (refused.status_code, refused.json()["code"]) == (409, "contact_exists")
    assert api_for(bob).post("/contacts/requests/999999/accept").status_code == 404


def test_recommended_deletions_are_empty_below_the_limit(api_for, alice, bob, befriend):
    befriend(alice, bob)
    services.delete_contact(owner=bob, other_id=alice.pk)  # one-way: alice still has bob
    found = api_for(alice).get("/contacts/recommended-deletions").json()
    assert found == {"items": [], "count": 0, "full": False}


def test_moments_post_like_comment_and_visibility(api_for, alice, bob, make_user, befriend):
    carol = make_user("carol")
    befriend(alice, bob)
    befriend(alice, carol)
    a, b, c = api_for(alice), api_for(bob), api_for(carol)
    made = a.client.post(
        "/api/v1/moments", {"text": "今天的晚霞", "images": [png(), png((16, 9))]}, headers=a.headers
    )
    assert made.status_code == 201, made.content
    post = made.json()
    assert [i["width"] for i in post["images"]] == [8, 16]
    assert b.get("/moments").json()["items"][0]["id"] == post["id"]
    assert b.post(f"/moments/{post['id']}/like").json()["liked"] is True
    assert b.post(f"/moments/{post['id']}/comments", {"text": "好看"}).status_code == 201
    # carol is mutual with alice but not with bob: she sees the post, not bob's like or comment
    seen = c.get("/moments").json()["items"][0]
    assert seen["likes"] == [] and seen["comments"] == []
    # alice sees bob's like and comment
    mine = a.get("/moments").json()["items"][0]
    assert [like["user"]["username"] for like in mine["likes"]] == ["bob"]
    assert [comment["text"] for comment in mine["comments"]] == ["好看"]
    # bob deletes alice: neither sees the other's posts; a like now answers 404
    assert b.delete(f"/contacts/{alice.pk}").status_code == 204
    assert b.get("/moments").json()["items"] == []
    assert b.post(f"/moments/{post['id']}/like").status_code == 404
    assert a.get(f"/moments/users/{bob.pk}").status_code == 404
    assert [p["id"] for p in a.get(f"/moments/users/{alice.pk}").json()["items"]] == [post["id"]]


def test_a_post_needs_something_and_images_are_checked(api_for, alice):
    a = api_for(alice)
    assert a.post("/moments", {"text": "  "}).json()["code"] == "validation_error"
    not_image = io.BytesIO(b"not an image")
    not_image.name = "x.png"
    refused = a.client.post("/api/v1/moments", {"text": "x", "images": [not_image]}, headers=a.headers)
    assert refused.json()["code"] == "image_invalid" and refused.json()["field"] == "images.0"
    too_many = [png() for _ in range(rules.POST_IMAGES_MAX + 1)]
    assert a.client.post("/api/v1/moments", {"images": too_many}, headers=a.headers).status_code == 422
    assert a.post("/moments", {"card_kind": "poster", "card_id": 1}).json()["field"] == "card_kind"


def test_delete_own_post_and_comment(api_for, alice, bob, befriend):
    befriend(alice, bob)
    a, b = api_for(alice), api_for(bob)
    post = a.post("/moments", {"text": "一条"}).json()
    comment = b.post(f"/moments/{post['id']}/comments", {"text": "嗯"}).json()
    assert b.delete(f"/moments/{post['id']}").status_code == 404  # not bob's post
    assert a.delete(f"/moments/comments/{comment['id']}").status_code == 204  # on alice's post
    assert a.delete(f"/moments/{post['id']}").status_code == 204
    assert a.get("/moments").json()["items"] == []


def test_timeline_pages_with_a_cursor(api_for, alice):
    a = api_for(alice)
    ids = [a.post("/moments", {"text": f"第{n}条"}).json()["id"] for n in range(5)]
    first = a.get("/moments", {"limit": 2}).json()
    assert [p["id"] for p in first["items"]] == ids[::-1][:2] and first["has_more"]
    rest = a.get("/moments", {"limit": 10, "before": first["items"][-1]["id"]}).json()
    assert [p["id"] for p in rest["items"]] == ids[::-1][2:] and not rest["has_more"]


def test_contact_list_and_timeline_cost_a_fixed_number_of_queries(
    api_for, alice, make_user, befriend, django_assert_max_num_queries
):
    a = api_for(alice)
    friends = [make_user(display_name=f"朋友{n}") for n in range(6)]
    for friend in friends:
        befriend(friend, alice)
        services.create_post(author=friend, text="hi")
    for _ in range(14):
        post = services.create_post(author=alice, text="x")
        for friend in friends[:3]:
            services.like_post(user=friend, post_id=post.pk)
            services.comment_on_post(user=friend, post_id=post.pk, text="y")
    assert Contact.objects.filter(owner=alice).count() == 6
    with django_assert_max_num_queries(5):
        assert a.get("/contacts", {"q": "朋友"}).json()["count"] == 6
    with django_assert_max_num_queries(7):
        page = a.get("/moments", {"limit": 20}).json()["items"]
    assert len(page) == 20 and sum(len(p["likes"]) + len(p["comments"]) for p in page) == 14 * 6


def test_images_sent_as_text_are_refused(api_for, alice):
    a = api_for(alice)
    refused = a.client.post("/api/v1/moments", {"text": "x", "images": "{}"}, headers=a.headers)
    assert (refused.status_code, refused.json()["field"]) == (422, "images")


def test_deleting_a_post_deletes_its_files(api_for, alice, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    a = api_for(alice)
    post = a.client.post("/api/v1/moments", {"images": [png()]}, headers=a.headers).json()
    name = post["images"][0]["url"].removeprefix("/media/")
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        assert a.delete(f"/moments/{post['id']}").status_code == 204
    assert not default_storage.exists(name)
