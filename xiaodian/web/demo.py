"""The demo data of CONTRACT.md: six accounts (password demo12345), the merchant's stores and
their products (with SKUs and generated images), and each store's touchpoints: a linked official
account with an article, a linked video account with a short video and a scheduled live room, and
a composed homepage."""

import io
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw

from xiaodian.accounts import licences
from xiaodian.accounts import services as accounts
from xiaodian.accounts.models import User
from xiaodian.accounts.rules import Role, SubjectKind, Verification
from xiaodian.catalog import services as catalog
from xiaodian.catalog.models import Product
from xiaodian.content import services as content
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.live import services as live
from xiaodian.payments.sandbox import services as sandbox
from xiaodian.stores import services as stores
from xiaodian.stores.models import Category
from xiaodian.stores.rules import StoreKind

PASSWORD = "demo12345"
ACCOUNTS = (
    ("buyer", "小王（买家）"),
    ("buyer2", "小李（买家）"),
    ("merchant", "陈老板（商家）"),
    ("agent", "小周（客服）"),
    ("creator", "阿梅（达人）"),
    ("ops", "平台运营"),
)
# name, leaf category, kind, description, deposit categories to pay, legacy video store
STORES = (
    ("山野官方旗舰店", "茶叶", StoreKind.BRAND, "山野品牌直供的高山茶，产地直发。", ("茶叶",), False),
    ("拾光服饰", "女装", StoreKind.ORDINARY, "通勤与周末的简约女装，每周上新。", ("女装",), False),
    ("好物书房", "图书", StoreKind.ORDINARY, "编辑精选的好书与文具，零保证金类目。", (), False),
    ("小满的果园", "水果", StoreKind.ORDINARY, "老视频号小店，尚未升级。", (), True),
)


@transaction.atomic
def seed_demo(stdout=None) -> None:
    say = stdout.write if stdout else (lambda _msg: None)
    stores.install_default_categories()
    users = {
        name: accounts.register_user(username=name, password=PASSWORD, display_name=shown)
        for name, shown in ACCOUNTS
    }
    ops = users["ops"]
    User.objects.filter(pk=ops.pk).update(is_staff=True, is_superuser=True)
    ops.refresh_from_db()

    merchant = users["merchant"]
    subject = accounts.create_subject(
        owner=merchant,
        kind=SubjectKind.ENTERPRISE,
        name="山野示范商贸有限公司",
        licence_number=licences.make_uscc(20261122),
        trade_name="山野",
    )
    accounts.set_subject_verification(operator=ops, subject=subject, verification=Verification.VERIFIED)
    brand = stores.request_brand_authorization(
        subject=subject, brand="山野", certificate_number="TM-35123456"
    )
    stores.review_brand_authorization(operator=ops, authorization=brand, approve=True)
    accounts.create_subject(
        owner=users["creator"],
        kind=SubjectKind.INDIVIDUAL,
        name="阿梅",
        licence_number=licences.make_resident_id(7),
    )

    by_name = {c.name: c for c in Category.objects.all()}
    demo_stores = {}
    for index, (name, leaf, kind, description, deposits, legacy) in enumerate(STORES):
        store = stores.create_store(
            user=merchant,
            subject_id=subject.pk,
            name=name,
            main_category_id=by_name[leaf].pk,
            kind=kind,
            legacy_video=legacy,
        )
        stores.update_store(store=store, description=description)
        for category in deposits:
            deposit = stores.pay_deposit(store=store, category_id=by_name[category].pk)
            sandbox.pay_for(deposit.transaction_id)  # the merchant confirms on the WeChat Pay sandbox
        if index == 0:
            stores.add_staff(store=store, user_id=users["agent"].pk, role=Role.AGENT)
        demo_stores[name] = store
        say(f"  store #{store.pk} {store.name} ({kind}, {leaf})")
    _seed_products(demo_stores, by_name, say)
    _seed_touchpoints(demo_stores, users, say)
    say(f"xiaodian: demo data seeded (password {PASSWORD} for every account)")


# store -> products: (title, leaf category, description, [(specs, price_fen, stock)], image motif, colours, list it)
# 小满的果园 (legacy, its 生鲜 deposit unpaid) gets a draft only: listing it shows `deposit_required`.
PRODUCTS = {
    "山野官方旗舰店": (
        (
            "山野高山云雾绿茶 明前头采",
            "茶叶",
            "海拔 1200 米茶园，清明前手工采摘。\n冲泡：80℃ 水，3 克茶 150 毫升。",
            [
                ({"规格": "50g 罐装"}, 6800, 120),
                ({"规格": "100g 罐装"}, 12800, 80),
                ({"规格": "250g 礼盒"}, 29800, 30),
            ],
            "leaf",
            ("#e8f5e9", "#2e7d32"),
            True,
        ),
        (
            "山野古树红茶",
            "茶叶",
            "百年古树单株，蜜香浓郁，耐泡。",
            [({"规格": "100g"}, 8800, 60), ({"规格": "200g"}, 16800, 0)],
            "leaf",
            ("#fbe9e7", "#bf360c"),
            True,
        ),
        (
            "山野白茶饼 2019",
            "茶叶",
            "五年陈白牡丹，357 克一饼。",
            [({}, 19800, 15)],
            "disc",
            ("#fffde7", "#9e9d24"),
            True,
        ),
    ),
    "拾光服饰": (
        (
            "亚麻宽松衬衫",
            "女装",
            "100% 亚麻，宽松版型，通勤周末都合适。",
            [
                ({"颜色": colour, "尺码": size}, 15900, stock)
                for colour, stocks in (("米白", (8, 12, 5)), ("雾蓝", (6, 0, 3)))
                for size, stock in zip(("S", "M", "L"), stocks, strict=True)
            ],
            "shirt",
            ("#f5f5f0", "#8d8d7a"),
            True,
        ),
        (
            "高腰直筒牛仔裤",
            "女装",
            "微弹牛仔布，高腰显腿长。",
            [
                ({"颜色": colour, "尺码": size}, 19900, 10)
                for colour in ("浅蓝", "深蓝")
                for size in ("26", "27", "28")
            ],
            "trousers",
            ("#e3f2fd", "#1565c0"),
            True,
        ),
    ),
    "好物书房": (
        (
            "设计中的设计（修订版）",
            "图书",
            "编辑推荐：关于设计最好的入门书之一。",
            [({}, 4800, 50)],
            "book",
            ("#fafafa", "#d32f2f"),
            True,
        ),
        (
            "A5 点阵手账本",
            "文具",
            "100g 道林纸，不洇墨，平摊装订。",
            [({"颜色": colour}, 3900, stock) for colour, stock in (("墨绿", 40), ("燕麦", 25), ("雾粉", 8))],
            "book",
            ("#f1f8e9", "#33691e"),
            True,
        ),
    ),
    "小满的果园": (
        (
            "赣南脐橙 5 斤装",
            "水果",
            "果园直发，现摘现发。",
            [({"规格": "5 斤"}, 3990, 200), ({"规格": "10 斤"}, 6990, 100)],
            "disc",
            ("#fff3e0", "#ef6c00"),
            False,
        ),
    ),
}


def _demo_image(motif: str, colours: tuple[str, str], size: int = 600) -> bytes:
    """A flat, recognisable product picture drawn with Pillow (no fonts, no downloads)."""
    background, ink = colours
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    s = size / 100
    if motif == "leaf":
        draw.ellipse((25 * s, 15 * s, 75 * s, 85 * s), fill=ink)
        draw.line((50 * s, 20 * s, 50 * s, 92 * s), fill=background, width=int(2 * s))
    elif motif == "disc":
        draw.ellipse((15 * s, 15 * s, 85 * s, 85 * s), fill=ink)
        draw.ellipse((42 * s, 42 * s, 58 * s, 58 * s), fill=background)
    elif motif == "shirt":
        draw.polygon(
            [
                (30 * s, 20 * s),
                (42 * s, 15 * s),
                (58 * s, 15 * s),
                (70 * s, 20 * s),
                (88 * s, 38 * s),
                (78 * s, 48 * s),
                (70 * s, 42 * s),
                (70 * s, 85 * s),
                (30 * s, 85 * s),
                (30 * s, 42 * s),
                (22 * s, 48 * s),
                (12 * s, 38 * s),
            ],
            fill=ink,
        )
    elif motif == "trousers":
        draw.polygon(
            [
                (30 * s, 12 * s),
                (70 * s, 12 * s),
                (74 * s, 90 * s),
                (56 * s, 90 * s),
                (50 * s, 40 * s),
                (44 * s, 90 * s),
                (26 * s, 90 * s),
            ],
            fill=ink,
        )
    else:  # book
        draw.rounded_rectangle((25 * s, 12 * s, 75 * s, 88 * s), radius=int(3 * s), fill=ink)
        draw.rectangle((30 * s, 12 * s, 33 * s, 88 * s), fill=background)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _seed_products(demo_stores: dict, categories: dict, say) -> None:
    for store_name, products in PRODUCTS.items():
        store = demo_stores[store_name]
        for title, leaf, description, sku_rows, motif, colours, listed in products:
            product = catalog.create_product(
                store=store,
                category_id=categories[leaf].pk,
                title=title,
                description=description,
                skus=[
                    {"specs": specs, "price_fen": price, "stock": stock} for specs, price, stock in sku_rows
                ],
            )
            for n, palette in enumerate((colours, colours[::-1])):
                picture = _demo_image(motif, palette)
                catalog.add_product_image(
                    product=product,
                    upload=SimpleUploadedFile(
                        f"demo-{product.pk}-{n}.png", picture, content_type="image/png"
                    ),
                )
            state = "draft"
            if listed:
                try:
                    state = catalog.list_product(product=product).state
                except DomainError as exc:  # e.g. a deposit still settling at the payment gateway
                    state = f"draft ({exc.code})"
            say(f"    product #{product.pk} {title}: {len(sku_rows)} SKUs, {state}")


# store -> (official account, article title, article lead, video account, video title, live room title)
TOUCHPOINTS = {
    "山野官方旗舰店": (
        "山野茶事",
        "明前头采：一杯春天的绿茶",
        "清明前的茶园，云雾还没散，采茶人已经上山。",
        "山野茶园直播",
        "茶园里的清晨",
        "新茶开采直播",
    ),
    "拾光服饰": (
        "拾光穿搭笔记",
        "通勤一周不重样的 5 套搭配",
        "一件亚麻衬衫，可以从周一穿到周五。",
        "拾光试穿间",
        "亚麻衬衫的三种穿法",
        "周末上新试穿",
    ),
    "好物书房": (
        "好物书房读书会",
        "这个月我们读什么",
        "编辑部把这个月最常翻的几本书放在了一起。",
        "书房夜读",
        "一本手账的 30 天",
        "编辑荐书夜",
    ),
    "小满的果园": (
        "小满果园日记",
        "橙子是怎么长大的",
        "从开花到挂果，果园的一年。",
        "小满果园现场",
        "果园摘橙子",
        "果园采摘直播",
    ),
}
MINI_PROGRAMS = {"山野官方旗舰店": ("山野茶事商城", "wx5a3e9c1d2b7f4e60")}
# A real CC0 clip (MDN's), played from its CDN by the viewer's browser; the server never fetches it.
DEMO_VIDEO_URL = "https://interactive-examples.mdn.mozilla.net/media/cc0-videos/flower.webm"


def _seed_touchpoints(demo_stores: dict, users: dict, say) -> None:
    merchant = users["merchant"]
    for store_name, (oa_name, title, lead, va_name, video_title, live_title) in TOUCHPOINTS.items():
        store = demo_stores[store_name]
        product = Product.objects.filter(store=store, state="listed").order_by("pk").first()
        card = f'<product-card data-product-id="{product.pk}"></product-card>' if product else ""
        official = content.create_official_account(owner=merchant, name=oa_name, intro=store.description)
        article = content.create_article(
            owner=merchant,
            account_id=official.pk,
            title=title,
            body=f"<p>{lead}</p>{card}<p>{store.description}</p>",
        )
        content.publish_article(owner=merchant, article_id=article.pk)
        channel = content.create_video_account(owner=merchant, name=va_name, intro=store.description)
        cover = SimpleUploadedFile(
            f"cover-{store.pk}.png", _demo_image("disc", ("#263238", "#ffca28")), content_type="image/png"
        )
        video = content.create_video(
            owner=merchant,
            account_id=channel.pk,
            title=video_title,
            url=DEMO_VIDEO_URL,
            cover=cover,
            product_id=product.pk if product else None,
        )
        content.publish_video(owner=merchant, video_id=video.pk)
        # The merchant owns both accounts, so linking them binds at once (its own consent).
        for kind, account in (("official_account", official), ("video_account", channel)):
            stores.invite_link(store=store, user=merchant, kind=kind, account_id=account.pk)
        room = live.schedule_live_room(
            owner=merchant,
            account_id=channel.pk,
            title=live_title,
            scheduled_at=clock.now() + timedelta(days=1),
        )
        sku = (
            product.skus.filter(is_active=True, stock__gt=0).order_by("price_fen").first()
            if product
            else None
        )
        if sku is not None:
            live.add_shelf_item(
                owner=merchant,
                room_id=room.pk,
                sku_id=sku.pk,
                live_price_fen=sku.price_fen * 8 // 10,
                flash_stock=min(20, sku.stock),
                pinned=True,
            )
        program = None
        if store_name in MINI_PROGRAMS:
            name, app_id = MINI_PROGRAMS[store_name]
            program = content.create_mini_program(
                owner=merchant, name=name, app_id=app_id, mall_path="/pages/mall/index"
            )
            stores.invite_link(store=store, user=merchant, kind="mini_program", account_id=program.pk)
        _compose_homepage(store, product, article, video, program)
        say(
            f"  store #{store.pk}: official account {oa_name} (article #{article.pk}), video account {va_name}"
            f" (video #{video.pk}, live room #{room.pk}), homepage published"
        )
    # The creator's own video account, invited by a store and waiting for her answer.
    creator_channel = content.create_video_account(
        owner=users["creator"], name="阿梅探店", intro="逛小店，试好物。"
    )
    stores.invite_link(
        store=demo_stores["拾光服饰"], user=merchant, kind="video_account", account_id=creator_channel.pk
    )


def _compose_homepage(store, product, article, video, program) -> None:
    """Banner, grids, the article, the video and (where there is one) the mini program."""
    banner = stores.upload_homepage_image(
        store=store,
        upload=ContentFile(_demo_image("disc", ("#fff8e1", "#8d6e63"), size=800), name="banner.png"),
    )
    modules = [
        {
            "type": "banner",
            "image": banner,
            "title": store.name,
            **({"product_id": product.pk} if product else {}),
        }
    ]
    if product:
        modules += [
            {"type": "product_grid", "title": "店长推荐", "mode": "chosen", "product_ids": [product.pk]},
            {"type": "product_grid", "title": "新品", "mode": "auto", "limit": 6},
        ]
    modules += [
        {"type": "articles", "title": "公众号文章", "article_ids": [article.pk]},
        {"type": "videos", "title": "短视频", "video_ids": [video.pk]},
    ]
    if program:
        modules.append({"type": "mini_program", "mini_program_id": program.pk})
    stores.compose_homepage(store=store, modules=modules)
