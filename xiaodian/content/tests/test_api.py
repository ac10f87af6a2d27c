import pytest

from xiaodian.content import services

from .conftest import mp4, png


@pytest.fixture
def api_owner(api_for, owner):
    return api_for(owner)


@pytest.fixture
def api_reader(api_for, reader):
    return api_for(reader)


def test_create_an_account_write_and_publish_an_article(api_owner, api_reader):
    r = api_owner.post("/official-accounts", {"name": "山野日记", "intro": "户外"})
    assert r.status_code == 201, r.content
    account = r.json()
    assert account["follower_count"] == 0
    body = '<p>好看</p><script>x()</script><product-card data-product-id="5"></product-card>'
    r = api_owner.post(f"/official-accounts/{account['id']}/articles", {"title": "春装", "body": body})
    assert r.status_code == 201, r.content
    article = r.json()
    assert article["state"] == "draft" and article["product_ids"] == [5] and "script" not in article["body"]
    assert api_reader.get(f"/articles/{article['id']}").status_code == 404
    assert api_reader.post(f"/articles/{article['id']}/publish").status_code == 404
    r = api_owner.post(f"/articles/{article['id']}/publish")
    assert r.status_code == 200 and r.json()["state"] == "published"
    assert api_owner.post(f"/articles/{article['id']}/publish").json()["code"] == "invalid_transition"
    r = api_reader.get(f"/articles/{article['id']}")
    assert r.status_code == 200 and r.json()["view_count"] == 1
    assert api_reader.get(f"/official-accounts/{account['id']}/articles").json()["count"] == 1


def test_follower_counts_are_for_the_owner_only(api_owner, api_reader, official):
    assert api_reader.post(f"/official-accounts/{official.pk}/follow").json() == {"following": True}
    assert api_reader.post(f"/official-accounts/{official.pk}/follow").json() == {"following": True}
    seen = api_reader.get(f"/official-accounts/{official.pk}").json()
    assert seen["follower_count"] is None and seen["following"] is True
    assert api_owner.get(f"/official-accounts/{official.pk}").json()["follower_count"] == 1
    assert api_reader.delete(f"/official-accounts/{official.pk}/follow").json() == {"following": False}
    assert api_owner.get(f"/official-accounts/{official.pk}").json()["follower_count"] == 0


def test_likes_and_shares(api_reader, published, article):
    assert api_reader.post(f"/articles/{published.pk}/like").json() == {"liked": True, "like_count": 1}
    assert api_reader.post(f"/articles/{published.pk}/like").json() == {"liked": True, "like_count": 1}
    assert api_reader.delete(f"/articles/{published.pk}/like").json() == {"liked": False, "like_count": 0}
    assert api_reader.post(f"/articles/{published.pk}/share").json() == {"share_count": 1}


def test_contact_details_are_refused(api_owner):
    r = api_owner.post("/video-accounts", {"name": "微信 shanye2024"})
    assert r.status_code == 422 and r.json()["code"] == "contact_details_not_allowed"


def test_upload_a_video_by_multipart(api_owner, api_reader, channel, owner):
    url = f"/api/v1/video-accounts/{channel.pk}/videos"
    data = {"title": "开箱", "file": mp4(), "cover": png(), "product_id": "9"}
    r = api_owner.client.post(url, data, headers=api_owner.headers)
    assert r.status_code == 201, r.content
    video = r.json()
    assert video["state"] == "draft" and video["product_id"] == 9 and video["source_url"].endswith(".mp4")
    assert api_reader.client.post(url, data, headers=api_reader.headers).status_code == 404
    assert api_reader.get(f"/videos/{video['id']}").status_code == 404
    assert api_owner.post(f"/videos/{video['id']}/publish").json()["state"] == "published"
    assert api_reader.post(f"/videos/{video['id']}/like").json()["like_count"] == 1
    r = api_owner.client.post(
        url, {"title": "x", "cover": png(), "file": mp4("a.mov")}, headers=api_owner.headers
    )
    assert r.status_code == 422 and r.json()["code"] == "video_invalid"
    assert api_owner.post(f"/video-accounts/{channel.pk}/videos", {"title": "x"}).status_code == 422


def test_mini_programs(api_owner, api_reader):
    r = api_owner.post(
        "/mini-programs", {"name": "山野商城", "app_id": "wx0123456789abcdef", "mall_path": "/pages/mall"}
    )
    assert r.status_code == 201, r.content
    assert api_reader.get(f"/mini-programs/{r.json()['id']}").json()["app_id"] == "wx0123456789abcdef"
    r = api_owner.post("/mini-programs", {"name": "又一个", "app_id": "wx0123456789abcdef", "mall_path": "/"})
    assert r.status_code == 409 and r.json()["code"] == "app_id_taken"


def test_anonymous_readers_see_published_articles(client, published):
    assert client.get(f"/api/v1/articles/{published.pk}").status_code == 200
    assert client.post(f"/api/v1/articles/{published.pk}/like").status_code == 401


def test_reading_an_article_costs_a_fixed_number_of_queries(
    api_reader, published, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        assert api_reader.get(f"/articles/{published.pk}").status_code == 200


def test_service_level_video_for_api_listing(api_reader, video, owner):
    services.publish_video(owner=owner, video_id=video.pk)
    assert api_reader.get(f"/video-accounts/{video.account_id}/videos").json()["count"] == 1
