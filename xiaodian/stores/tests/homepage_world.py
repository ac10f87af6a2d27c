"""Builders for the homepage tests.

Products belong to the catalog, a layer above stores, which stores' code (tests included) may not
import: these builders reach its tables through the app registry, as the homepage reaches them
through its `homepage_products` extension point.
"""

import io
import itertools
from dataclasses import dataclass

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from xiaodian.content import services as content
from xiaodian.core import clock
from xiaodian.stores import services
from xiaodian.stores.rules import LinkKind

_serial = itertools.count(1)


def image_bytes(size=(12, 6), fmt="PNG", colour="orange") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


def png(name: str = "banner.png", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(**kwargs), content_type="image/png")


def listed_product(store, title: str = "亚麻衬衫", price_fen: int = 9900, *, state: str = "listed"):
    """A product of the store with one SKU in stock, in `state` (listed by default)."""
    product_model, sku_model = apps.get_model("catalog", "Product"), apps.get_model("catalog", "SKU")
    product = product_model.objects.create(
        store=store,
        category=store.main_category,
        title=title,
        state=state,
        listed_at=clock.now() if state == "listed" else None,
    )
    sku_model.objects.create(product=product, price_fen=price_fen, stock=5)
    return product


def set_state(product, state: str) -> None:
    type(product).objects.filter(pk=product.pk).update(state=state)


@dataclass
class Content:
    """An official account with a published article, a video account with a published video, and
    a mini program, all owned by `owner` and (with `bind`) bound to the store."""

    official: object
    article: object
    draft_article: object
    video_account: object
    video: object
    draft_video: object
    program: object


def make_content(store, owner, *, bind: bool = True) -> Content:
    n = next(_serial)
    official = content.create_official_account(owner=owner, name=f"首页公众号{n}")
    article = content.create_article(
        owner=owner, account_id=official.pk, title=f"春装上新{n}", body="<p>新品</p>"
    )
    content.publish_article(owner=owner, article_id=article.pk)
    draft_article = content.create_article(
        owner=owner, account_id=official.pk, title="草稿", body="<p>草稿</p>"
    )
    channel = content.create_video_account(owner=owner, name=f"首页视频号{n}")

    def video(title: str):
        return content.create_video(
            owner=owner,
            account_id=channel.pk,
            title=title,
            url="https://cdn.example.com/v.mp4",
            cover=png("c.png"),
        )

    published = video(f"穿搭视频{n}")
    content.publish_video(owner=owner, video_id=published.pk)
    program = content.create_mini_program(
        owner=owner, name=f"首页小程序{n}", app_id=f"wx{n:016x}", mall_path="/pages/index"
    )
    if bind:
        for kind, account in (
            (LinkKind.OFFICIAL_ACCOUNT, official),
            (LinkKind.VIDEO_ACCOUNT, channel),
            (LinkKind.MINI_PROGRAM, program),
        ):
            services.invite_link(store=store, user=owner, kind=kind, account_id=account.pk)
    return Content(official, article, draft_article, channel, published, video("草稿视频"), program)


def banner_path(store) -> str:
    return services.upload_homepage_image(store=store, upload=png())


def every_kind(store, content_: Content, products, *, image: str) -> list[dict]:
    """One module of each type, naming the given products and content."""
    return [
        {"type": "banner", "image": image, "title": "春季上新", "product_id": products[0].pk},
        {"type": "product_grid", "title": "主推", "mode": "chosen", "product_ids": [p.pk for p in products]},
        {"type": "product_grid", "title": "新品", "mode": "auto", "limit": 4},
        {"type": "articles", "title": "店铺文章", "article_ids": [content_.article.pk]},
        {"type": "videos", "title": "店铺视频", "video_ids": [content_.video.pk]},
        {"type": "mini_program", "mini_program_id": content_.program.pk},
    ]
