import pytest
from django.urls import reverse

from xiaodian.content import cards, services
from xiaodian.content.models import Article, MiniProgram, OfficialAccount

from .conftest import mp4, png


def resolve_for_tests(ids):
    return {i: {"title": f"商品{i}", "price_fen": 1999, "image_url": "/media/p.png"} for i in ids if i == 42}


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def test_the_owner_page_creates_each_kind(owner_client, owner):
    assert owner_client.get(reverse("content:mine")).status_code == 200
    r = owner_client.post(reverse("content:create_official_account"), {"official-name": "山野日记"})
    assert r.status_code == 302
    r = owner_client.post(reverse("content:create_video_account"), {"video-name": "山野视频"})
    assert r.status_code == 302
    r = owner_client.post(
        reverse("content:create_mini_program"),
        {"program-name": "商城", "program-app_id": "wx0123456789abcdef", "program-mall_path": "/pages/index"},
    )
    assert r.status_code == 302 and MiniProgram.objects.get().owner == owner
    assert owner_client.get(r.url).status_code == 200
    r = owner_client.post(reverse("content:create_official_account"), {"official-name": "山野 日记"})
    assert r.status_code == 422 and "该名称已被使用" in r.content.decode()


def test_write_preview_and_publish_an_article(owner_client, official):
    editor = reverse("content:article_editor", args=[official.pk])
    page = owner_client.get(editor).content.decode()
    assert "&lt;product-card data-product-id=" in page  # the help text shows how to insert a card
    body = '<p>好物</p><img src="x" onerror="alert(1)"><product-card data-product-id="42"></product-card>'
    r = owner_client.post(editor, {"title": "春装", "body": body})
    assert r.status_code == 302
    article = Article.objects.get()
    page = owner_client.get(r.url).content.decode()
    assert 'id="draft"' in page and 'id="publish-form"' in page and "onerror" not in page
    owner_client.post(reverse("content:publish_article", args=[article.pk]))
    assert Article.objects.get().published_at is not None


def test_article_page_renders_cards_linked_with_scene_and_source(client, published):
    url = reverse("content:article", args=[published.pk])
    page = client.get(url).content.decode()
    link = f"/products/42/?scene=6&amp;source_type=article&amp;source_id={published.pk}"
    assert link in page and "product-link" in page  # unresolved: a plain link
    with cards.product_card_resolver.override(resolve_for_tests):
        page = client.get(url).content.decode()
    assert "商品42" in page and "¥19.99" in page and link in page
    assert Article.objects.get().view_count == 2


def test_without_a_resolver_nothing_resolves():
    with cards.product_card_resolver.override(None):  # content alone knows no products
        assert cards.resolve_products([1, 2]) == {}
    with cards.store_entry_resolver.override(None):
        assert cards.store_entries("official_account", 1) == []
    with cards.live_rooms_resolver.override(None):
        assert cards.live_rooms(1) == []


def test_drafts_and_owner_pages_are_404_to_others(client, reader, article, official, channel):
    client.force_login(reader)
    assert client.get(reverse("content:article", args=[article.pk])).status_code == 404
    assert client.get(reverse("content:article_editor", args=[official.pk])).status_code == 404
    assert client.get(reverse("content:video_upload", args=[channel.pk])).status_code == 404
    assert client.post(reverse("content:publish_article", args=[article.pk])).status_code == 404


def test_profile_shows_follower_count_to_the_owner_only(client, owner, reader, official, published):
    url = reverse("content:official_account", args=[official.pk])
    client.force_login(reader)
    client.post(reverse("content:follow_official", args=[official.pk]))
    assert OfficialAccount.objects.get().follower_count == 1
    page = client.get(url).content.decode()
    assert 'id="follower-count"' not in page and published.title in page and "取消关注" in page
    client.force_login(owner)
    assert 'id="follower-count"' in client.get(url).content.decode()


def test_upload_publish_and_watch_a_video(owner_client, client, channel, reader):
    r = owner_client.post(
        reverse("content:video_upload", args=[channel.pk]),
        {"title": "开箱", "file": mp4(), "cover": png(), "product_id": 42},
    )
    assert r.status_code == 302, r.content.decode()[:500]
    video_url = r.url
    owner_client.post(video_url + "publish/")
    client.force_login(reader)
    page = client.get(video_url).content.decode()
    assert "<video" in page and "scene=3&amp;source_type=video" in page
    assert client.get(reverse("content:video_account", args=[channel.pk])).status_code == 200


def test_a_refused_upload_shows_the_error_in_place(owner_client, channel):
    r = owner_client.post(
        reverse("content:video_upload", args=[channel.pk]),
        {"title": "开箱", "file": mp4("a.avi"), "cover": png()},
    )
    assert r.status_code == 422 and 'id="field-file"' in r.content.decode()


def test_like_toggles_on_the_page(client, reader, published):
    client.force_login(reader)
    client.post(reverse("content:like_article", args=[published.pk]))
    assert Article.objects.get().like_count == 1
    client.post(reverse("content:like_article", args=[published.pk]))
    assert Article.objects.get().like_count == 0


def test_video_fixture_is_a_draft(video):
    assert services.publish_video(owner=video.account.owner, video_id=video.pk).published_at
