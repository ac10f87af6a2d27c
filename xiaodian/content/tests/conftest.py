import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from xiaodian.content import services


def png(name: str = "cover.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def mp4(name: str = "clip.mp4", size: int = 64) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x00" * size, content_type="video/mp4")


@pytest.fixture
def owner(make_user):
    return make_user("writer")


@pytest.fixture
def reader(make_user):
    return make_user("reader")


@pytest.fixture
def official(owner):
    return services.create_official_account(owner=owner, name="山野日记", intro="户外生活")


@pytest.fixture
def article(owner, official):
    return services.create_article(
        owner=owner,
        account_id=official.pk,
        title="春天穿什么",
        body='<p>轻薄外套</p><product-card data-product-id="42"></product-card>',
    )


@pytest.fixture
def published(owner, article):
    return services.publish_article(owner=owner, article_id=article.pk)


@pytest.fixture
def channel(owner):
    return services.create_video_account(owner=owner, name="山野视频")


@pytest.fixture
def video(owner, channel):
    return services.create_video(
        owner=owner, account_id=channel.pk, title="开箱", cover=png(), file=mp4(), product_id=42
    )
