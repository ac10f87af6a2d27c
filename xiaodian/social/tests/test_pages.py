"""The social pages: contacts (search, requests, add, delete), recommended deletions only when
full, Moments (post with a picture, like, comment, delete)."""

import io

import pytest
from django.test import Client
from PIL import Image

from xiaodian.social import rules, selectors, services
from xiaodian.social.models import Post


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def pair(make_user, befriend):
    alice, bob = make_user("alice", display_name="爱丽丝"), make_user("bob", display_name="鲍勃")
    befriend(alice, bob)
    return alice, bob


def test_contacts_page_lists_searches_and_deletes(pair, make_user, django_assert_max_num_queries):
    alice, bob = pair
    page = client_for(alice)
    with django_assert_max_num_queries(12):
        shown = page.get("/contacts/", {"q": "鲍"})
    assert "鲍勃" in shown.content.decode()
    assert "鲍勃" not in page.get("/contacts/", {"q": "nobody"}).content.decode()
    page.post("/contacts/", {"action": "delete", "user_id": bob.pk})
    assert not selectors.has_contact(alice.pk, bob.pk) and selectors.has_contact(bob.pk, alice.pk)


def test_add_by_username_and_answer_on_the_page(make_user):
    carol, dave = make_user("carol"), make_user("dave")
    client_for(carol).post("/contacts/", {"action": "add", "username": "DAVE", "greeting": "hi"})
    request = selectors.pending_requests(dave.pk).get()
    assert "hi" in client_for(dave).get("/contacts/").content.decode()
    client_for(dave).post("/contacts/", {"action": "accept", "request_id": request.pk})
    assert selectors.is_mutual(carol.pk, dave.pk)
    refused = client_for(carol).post("/contacts/", {"action": "add", "username": "nobody"}, follow=True)
    assert "没有找到这个用户名" in refused.content.decode()
    assert client_for(carol).post("/contacts/", {"action": "nonsense"}).status_code == 404


def test_recommended_page_only_when_full(pair, monkeypatch):
    alice, bob = pair
    page = client_for(alice)
    services.delete_contact(owner=bob, other_id=alice.pk)
    assert page.get("/contacts/recommended/").status_code == 302  # not full: nothing to see
    assert "recommended-link" not in page.get("/contacts/").content.decode()
    monkeypatch.setattr(rules, "CONTACTS_MAX", 1)
    assert "recommended-link" in page.get("/contacts/").content.decode()
    shown = page.get("/contacts/recommended/").content.decode()
    assert "鲍勃" in shown and "你们没有聊天记录" in shown


def test_moments_page_posts_likes_comments_and_deletes(pair):
    alice, bob = pair
    picture = io.BytesIO()
    Image.new("RGB", (20, 10), "blue").save(picture, "JPEG")
    picture.seek(0)
    picture.name = "sea.jpg"
    client_for(alice).post(
        "/moments/", {"action": "post", "text": "看海", "images": [picture], "card_kind": "product"}
    )
    post = Post.objects.get(author=alice)
    assert post.images.count() == 1 and post.card_kind == ""
    theirs = client_for(bob)
    assert "看海" in theirs.get("/moments/").content.decode()
    theirs.post("/moments/", {"action": "like", "post_id": post.pk})
    theirs.post("/moments/", {"action": "comment", "post_id": post.pk, "text": "真美"})
    shown = client_for(alice).get("/moments/").content.decode()
    assert "鲍勃" in shown and "真美" in shown
    refused = client_for(alice).post("/moments/", {"action": "post", "card_id": "x1"}, follow=True)
    assert "卡片编号须为数字" in refused.content.decode()
    client_for(alice).post("/moments/", {"action": "delete", "post_id": post.pk})
    assert not Post.objects.exists()


def test_contacts_page_pages(make_user, befriend, monkeypatch):
    from xiaodian.social import views

    monkeypatch.setattr(views, "PAGE", 2)
    owner = make_user("owner")
    for n in range(3):
        befriend(make_user(f"friend{n}", display_name=f"朋友{n}"), owner)
    page = client_for(owner)
    first = page.get("/contacts/").content.decode()
    assert "朋友2" in first and "朋友1" in first and "朋友0" not in first and 'rel="next"' in first
    second = page.get("/contacts/", {"offset": 2}).content.decode()
    assert "朋友0" in second and 'rel="prev"' in second and 'rel="next"' not in second
    searched = page.get("/contacts/", {"q": "朋友", "offset": 2}).content.decode()
    assert "朋友0" in searched and "3 位联系人" in searched
