import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.expressions import CombinedExpression

from xiaodian.content import rules, services
from xiaodian.content.models import Article, OfficialAccount, Video
from xiaodian.core.errors import DomainError
from xiaodian.core.tests.qr import qr_code_upload

from .conftest import mp4, png


def _refused(code, call, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == code
    return caught.value


def test_account_names_are_unique_however_they_are_written(owner, official, make_user):
    _refused("account_name_taken", services.create_official_account, owner=make_user(), name="山野 日记")
    assert services.create_video_account(owner=owner, name="山野日记").pk  # another kind: its own names


def test_a_name_that_nfkc_lengthens_beyond_its_key_is_refused(owner):
    _refused("validation_error", services.create_official_account, owner=owner, name="\ufdfa" * 30)


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "加微信 shanye2024"), ("intro", "电话 13800138000")],
)
def test_contact_details_are_refused_in_names_and_intros(owner, field, value):
    kwargs = {"name": "好店", "intro": "", field: value}
    error = _refused("contact_details_not_allowed", services.create_official_account, owner=owner, **kwargs)
    assert error.field == field
    _refused("contact_details_not_allowed", services.create_video_account, owner=owner, **kwargs)


def test_contact_details_are_refused_in_article_titles_and_text(owner, official):
    base = {"owner": owner, "account_id": official.pk}
    _refused(
        "contact_details_not_allowed", services.create_article, **base, title="vx: shanye88", body="<p>x</p>"
    )
    error = _refused(
        "contact_details_not_allowed",
        services.create_article,
        **base,
        title="好文",
        body="<p>QQ 12345678</p>",
    )
    assert error.field == "body"


def test_an_article_is_a_sanitised_draft_with_its_cards(article):
    assert article.state == rules.State.DRAFT
    assert article.product_ids == [42]
    assert "<product-card" in article.body


def test_too_many_cards_are_refused(owner, official):
    body = "".join(f'<product-card data-product-id="{n}"></product-card>' for n in range(1, 30))
    _refused(
        "product_cards_limit_reached",
        services.create_article,
        owner=owner,
        account_id=official.pk,
        title="t",
        body=body,
    )


def test_only_the_owner_writes_and_publishes_once(article, official, reader, owner):
    _refused(
        "not_found", services.create_article, owner=reader, account_id=official.pk, title="t", body="<p>x</p>"
    )
    _refused("not_found", services.publish_article, owner=reader, article_id=article.pk)
    assert services.publish_article(owner=owner, article_id=article.pk).published_at
    _refused("invalid_transition", services.publish_article, owner=owner, article_id=article.pk)


def test_follow_and_like_count_once(official, published, reader):
    assert services.follow_official_account(user=reader, account=official)
    assert not services.follow_official_account(user=reader, account=official)
    assert OfficialAccount.objects.get(pk=official.pk).follower_count == 1
    assert services.unfollow_official_account(user=reader, account=official)
    assert not services.unfollow_official_account(user=reader, account=official)
    assert OfficialAccount.objects.get(pk=official.pk).follower_count == 0
    assert services.like_article(user=reader, article=published)
    assert not services.like_article(user=reader, article=published)
    assert Article.objects.get(pk=published.pk).like_count == 1


def test_counters_are_updated_with_f_expressions(published, monkeypatch):
    seen = []
    original = type(Article.objects.all()).update

    def spy(queryset, **kwargs):
        seen.append(kwargs)
        return original(queryset, **kwargs)

    monkeypatch.setattr(type(Article.objects.all()), "update", spy)
    stale = Article.objects.get(pk=published.pk)
    services.record_view(item=stale)
    services.record_view(item=stale)  # a stale copy still adds, not overwrites
    services.record_share(item=stale)
    assert all(isinstance(value, CombinedExpression) for kwargs in seen for value in kwargs.values())
    fresh = Article.objects.get(pk=published.pk)
    assert (fresh.view_count, fresh.share_count) == (2, 1)


def test_a_video_takes_a_file_or_an_https_url(owner, channel, video):
    assert video.file.name.endswith(".mp4") and video.product_id == 42
    base = {"owner": owner, "account_id": channel.pk, "title": "t"}
    by_url = services.create_video(**base, cover=png(), url="https://cdn.example.com/a.mp4")
    assert by_url.source_url == "https://cdn.example.com/a.mp4"
    _refused("video_source_required", services.create_video, **base, cover=png())
    _refused(
        "video_source_required", services.create_video, **base, cover=png(), file=mp4(), url="https://a.b/c"
    )
    _refused("video_source_required", services.create_video, **base, cover=png(), url="http://a.b/c.mp4")
    _refused("video_invalid", services.create_video, **base, cover=png(), file=mp4("clip.avi"))
    error = _refused(
        "image_invalid", services.create_video, **base, file=mp4(), cover=SimpleUploadedFile("c.png", b"no")
    )
    assert error.field == "cover"


def test_a_video_over_50_mb_is_refused(owner, channel, monkeypatch):
    big = mp4()
    monkeypatch.setattr(big, "size", rules.VIDEO_MAX_BYTES + 1)
    _refused(
        "payload_too_large",
        services.create_video,
        owner=owner,
        account_id=channel.pk,
        title="t",
        cover=png(),
        file=big,
    )
    assert not Video.objects.exists()


def test_video_titles_refuse_contact_details(owner, channel):
    _refused(
        "contact_details_not_allowed",
        services.create_video,
        owner=owner,
        account_id=channel.pk,
        title="加v shanye66 领券",
        cover=png(),
        file=mp4(),
    )


def test_mini_programs_check_app_id_and_mall_path(owner, make_user):
    program = services.create_mini_program(
        owner=owner, name="山野商城", app_id="wx0123456789abcdef", mall_path="/pages/mall"
    )
    assert program.pk
    base = {"owner": make_user(), "name": "另一个"}
    _refused(
        "app_id_taken", services.create_mini_program, **base, app_id="wx0123456789abcdef", mall_path="/a"
    )
    _refused(
        "app_id_invalid", services.create_mini_program, **base, app_id="wx0123456789ABCDEF", mall_path="/a"
    )
    _refused(
        "mall_path_invalid",
        services.create_mini_program,
        **base,
        app_id="wx1123456789abcdef",
        mall_path="pages",
    )


def test_a_video_cover_with_a_qr_code_is_refused(owner, channel):
    with pytest.raises(DomainError) as refused:
        services.create_video(
            owner=owner,
            account_id=channel.pk,
            title="看这里",
            url="https://cdn.example.com/v.mp4",
            cover=qr_code_upload(),
        )
    assert (refused.value.code, refused.value.field) == ("qr_code_not_allowed", "cover")
    assert not channel.videos.exists()
