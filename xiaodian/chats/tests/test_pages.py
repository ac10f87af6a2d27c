"""The chat pages without scripts: 聊天 with unread counts and invitations, a conversation with
history paging by sequence and the composer (text and a picture), a group's info page and its
buttons; someone outside a conversation gets 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from xiaodian.chats import services
from xiaodian.chats.models import Member, Message
from xiaodian.social import services as social


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def pair(make_user, befriend):
    a, b = make_user(display_name="阿明"), make_user(display_name="小红")
    befriend(a, b)
    return a, b


def test_the_list_shows_unread_counts_and_invitations(pair, make_user, befriend):
    a, b = pair
    chat, _ = services.open_direct(user=a, other_id=b.pk)
    for text in ("在吗", "周末爬山"):
        services.send_message(user=a, conversation_id=chat.pk, text=text)
    group = services.create_group(owner=a, title="爬山群")
    services.invite(user=a, conversation_id=group.pk, invitee_id=b.pk)
    page = _client(b).get("/chats/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'id="chat-{chat.pk}"' in html and "阿明" in html and "周末爬山" in html
    assert '<span class="unread-count"' in html and ">2</span>" in html
    assert "阿明 邀请你加入“爬山群”" in html


def test_a_conversation_pages_back_and_marks_read(pair, django_assert_max_num_queries):
    a, b = pair
    chat, _ = services.open_direct(user=a, other_id=b.pk)
    for i in range(35):
        services.send_message(user=a, conversation_id=chat.pk, text=f"第{i}条")
    client = _client(b)
    client.get(f"/chats/{chat.pk}/")
    with django_assert_max_num_queries(14):
        page = client.get(f"/chats/{chat.pk}/")
    html = page.content.decode()
    assert "第34条" in html and "第4条" not in html and 'href="?before=6"' in html
    assert Member.objects.get(conversation=chat, user=b).last_read_seq == 35
    older = client.get(f"/chats/{chat.pk}/?before=6").content.decode()
    assert "第0条" in older and "第5条" not in older and 'id="back-to-latest"' in older


def test_the_composer_posts_text_and_pictures_and_shows_refusals(pair, png_bytes):
    a, b = pair
    chat, _ = services.open_direct(user=a, other_id=b.pk)
    client = _client(a)
    assert client.post(f"/chats/{chat.pk}/send/", {"text": "你好", "client_id": "f1"}).status_code == 302
    client.post(f"/chats/{chat.pk}/send/", {"text": "你好", "client_id": "f1"})  # a second click
    client.post(f"/chats/{chat.pk}/send/", {"image": SimpleUploadedFile("p.png", png_bytes)})
    assert list(Message.objects.filter(conversation=chat).values_list("kind", flat=True)) == ["text", "image"]
    social.delete_contact(owner=b, other_id=a.pk)
    refused = client.post(f"/chats/{chat.pk}/send/", {"text": "在吗"})
    assert refused.status_code == 422 and "对方已将你删除" in refused.content.decode()


def test_outsiders_get_404(pair, make_user):
    a, b = pair
    chat, _ = services.open_direct(user=a, other_id=b.pk)
    group = services.create_group(owner=a, title="群")
    outsider = _client(make_user())
    for path in (f"/chats/{chat.pk}/", f"/chats/groups/{group.pk}/", f"/chats/groups/{chat.pk}/"):
        assert outsider.get(path).status_code == 404
    assert outsider.post(f"/chats/{chat.pk}/send/", {"text": "x"}).status_code == 404
    assert _client(a).get(f"/chats/groups/{chat.pk}/").status_code == 404  # a 1:1 chat has no group page


def test_a_group_is_made_run_and_left_from_its_pages(pair, make_user, befriend):
    a, b = pair
    c = make_user(display_name="小刚")
    befriend(a, c)
    owner = _client(a)
    made = owner.post("/chats/groups/new/", {"title": "读书会"})
    group_id = int(made["Location"].rstrip("/").rsplit("/", 1)[1])
    info = owner.get(f"/chats/groups/{group_id}/").content.decode()
    assert "成员（1/500）" in info and f'<option value="{b.pk}">' in info
    owner.post(f"/chats/groups/{group_id}/invite/", {"user_id": b.pk})
    owner.post(f"/chats/groups/{group_id}/invite/", {"user_id": c.pk})
    for user in (b, c):
        invitation = user.chat_invitations.get()
        joined = _client(user).post(f"/chats/invitations/{invitation.pk}/accept/")
        assert joined["Location"] == f"/chats/{group_id}/"
    owner.post(f"/chats/groups/{group_id}/admin/", {"user_id": b.pk})
    _client(b).post(f"/chats/groups/{group_id}/remove/", {"user_id": c.pk})
    roles = dict(Member.objects.filter(conversation_id=group_id).values_list("user_id", "role"))
    assert roles == {a.pk: "owner", b.pk: "admin"}
    refused = owner.post(f"/chats/groups/{group_id}/leave/", follow=True)
    assert "群主需先转让群主才能退出群聊" in refused.content.decode()
    owner.post(f"/chats/groups/{group_id}/owner/", {"user_id": b.pk})
    assert owner.post(f"/chats/groups/{group_id}/leave/")["Location"] == "/chats/"
    assert not Member.objects.filter(conversation_id=group_id, user=a).exists()
    assert owner.post(f"/chats/groups/{group_id}/dance/", {"user_id": b.pk}).status_code == 404


def test_open_direct_from_a_contact_and_refused_for_a_stranger(pair, make_user):
    a, b = pair
    opened = _client(a).post("/chats/open/", {"user_id": b.pk})
    assert opened.status_code == 302 and opened["Location"].startswith("/chats/")
    stranger = _client(make_user()).post("/chats/open/", {"user_id": a.pk}, follow=True)
    assert "对方不是你的联系人" in stranger.content.decode()
