"""The demo data of CONTRACT.md: six accounts (password demo12345), the merchant's stores and
their products (with SKUs and generated images), and each store's touchpoints: a linked official
account with an article, a linked video account with a short video and a scheduled live room, and
a composed homepage. And the private domain (issue 21): contacts, a 1:1 chat and a group with
messages and cards, Moments posts with cards (the shares the history's scene 9/10/11 orders come
through), a 1:1 gift and a group gift sent into the group."""

import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from xiaodian.accounts import licences
from xiaodian.accounts import services as accounts
from xiaodian.accounts.models import User
from xiaodian.accounts.rules import Role, SubjectKind, Verification
from xiaodian.aftersales import services as aftersales
from xiaodian.aftersales.models import AfterSale
from xiaodian.aftersales.rules import Kind, Reason
from xiaodian.alliance import services as alliance
from xiaodian.business import demo as business_demo
from xiaodian.catalog import services as catalog
from xiaodian.catalog.models import SKU, Product
from xiaodian.catalog.rules import ProductState
from xiaodian.chats import services as chats
from xiaodian.chats.models import Conversation
from xiaodian.content import services as content
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.scenes import Scene
from xiaodian.coupons import services as coupons
from xiaodian.distribution import services as discovery
from xiaodian.gifts import services as gifts
from xiaodian.gifts.models import Gift
from xiaodian.live import services as live
from xiaodian.orders import services as orders
from xiaodian.orders.models import Order, OrderLine
from xiaodian.orders.rules import PAY_WITHIN
from xiaodian.reviews import services as reviews
from xiaodian.reviews.models import Review
from xiaodian.scoring import selectors as scores
from xiaodian.scoring import services as scoring
from xiaodian.scoring.days import SHANGHAI
from xiaodian.shares import rules as share_rules
from xiaodian.shares.models import Share
from xiaodian.social import services as social
from xiaodian.stores import services as stores
from xiaodian.stores.models import Category, Store
from xiaodian.stores.rules import StoreKind
from xiaodian.wechatpay_sandbox import services as sandbox

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
    ops = accounts.make_platform_operator(user=users["ops"])

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
        aftersales.add_return_address(
            store=store,
            recipient="售后部",
            phone="13800138000",
            region="浙江省杭州市余杭区",
            detail=f"仓前街道{100 + index}号 {name}售后仓",
        )
        for category in deposits:
            deposit = stores.pay_deposit(store=store, category_id=by_name[category].pk)
            sandbox.pay_for(deposit.transaction_id)  # the merchant confirms on the WeChat Pay sandbox
        if index == 0:
            stores.add_staff(store=store, user_id=users["agent"].pk, role=Role.AGENT)
        demo_stores[name] = store
        say(f"  store #{store.pk} {store.name} ({kind}, {leaf})")
    _seed_products(demo_stores, by_name, say)
    rooms: dict[str, int] = {}
    sources = _seed_touchpoints(demo_stores, users, say, rooms)
    # The private domain comes first, before the history: its orders of scenes 9, 10 and 11 come
    # through the cards 小王 shared then.
    with clock.travel_to(clock.now() - timedelta(days=HISTORY_DAYS + 2)):
        group, shares = _seed_social(demo_stores, users, say)
    _seed_history(demo_stores, users, sources, shares, say)
    _seed_coupons(demo_stores["山野官方旗舰店"], rooms["山野官方旗舰店"], say)
    _seed_alliance(demo_stores["拾光服饰"], users, say)
    _seed_gifts(demo_stores["好物书房"], users, group, say)
    business_demo.seed(demo_stores, users, say)
    _seed_discovery(say)
    say(f"xiaodian: demo data seeded (password {PASSWORD} for every account)")


def _seed_discovery(say) -> None:
    """What the running worker's sweeps keep for the feed, done once now so that 发现 and 直播广场
    show the demo's videos, articles and live rooms at once: the content (which sends no events),
    the contacts' likes, and the stores' aggregates (traffic weight, the private-domain incentive)."""
    synced = discovery.sync_content()
    discovery.collect_likes()
    stores_ = discovery.refresh_store_reach()
    say(f"  discovery feed: {synced}, {stores_} stores' reach")


# The history's private-domain scenes name the card 小王 shared into that channel (a share: the
# source type shares.rules.SOURCE_TYPE, verified at checkout: 小李 is in the chat, the group, or
# may see the Moments post).
SHARED_IN = {Scene.CHAT: "chat_share", Scene.GROUP_CHAT: "group_share", Scene.MOMENTS: "moment_share"}


def _seed_social(demo_stores: dict, users: dict, say) -> tuple[Conversation, dict[str, dict[str, int]]]:
    """Contacts, chats and Moments (issue 21), through their services: buyer, buyer2 and creator
    are each other's contacts, one request waits for buyer2; buyer and buyer2 chat 1:1, the three
    are in a group, and buyer shares the two history stores' cards in both and on Moments (buyer2
    likes and comments), plus a product card. Answers the group, and per store the shares'
    ids by channel (SHARED_IN)."""
    buyer, buyer2, creator = users["buyer"], users["buyer2"], users["creator"]
    for sender, recipient in (("buyer", "buyer2"), ("creator", "buyer"), ("creator", "buyer2")):
        asked = social.send_contact_request(sender=users[sender], recipient_id=users[recipient].pk)
        social.accept_contact_request(user=users[recipient], request_id=asked.pk)
    social.send_contact_request(sender=users["merchant"], recipient_id=buyer2.pk, greeting="我是山野的店主")
    chat, _new = chats.open_direct(user=buyer, other_id=buyer2.pk)
    group = chats.create_group(owner=buyer, title="山野茶友群")
    for member in (buyer2, creator):
        invitation = chats.invite(user=buyer, conversation_id=group.pk, invitee_id=member.pk)
        chats.accept_invitation(user=member, invitation_id=invitation.pk)
    say_in = partial(chats.send_message, kind="text")
    say_in(user=buyer, conversation_id=chat.pk, text="周末去山里喝茶了，给你推荐两家店。")
    say_in(user=creator, conversation_id=group.pk, text="大家好，我是阿梅，最近在试新茶。")
    say_in(user=buyer, conversation_id=group.pk, text="欢迎！我把常买的店发到群里。")
    shares: dict[str, dict[str, int]] = {}
    texts = {
        "山野官方旗舰店": "周末去山里喝了一天的茶，推荐大家也去走走。",
        "拾光服饰": "通勤穿的衣服都在这家买。",
    }
    for name, text in texts.items():
        store = demo_stores[name]
        card = {"kind": "card", "card_kind": "store", "card_id": store.pk}
        chats.send_message(user=buyer, conversation_id=chat.pk, **card)
        chats.send_message(user=buyer, conversation_id=group.pk, **card)
        post = social.create_post(author=buyer, text=text, card_kind="store", card_id=store.pk)
        found = {
            (s.channel, s.channel_id): s.pk
            for s in Share.objects.filter(sharer=buyer, kind=share_rules.CardKind.STORE, card_id=store.pk)
        }
        shares[name] = {
            "chat_share": found[(share_rules.Channel.CHAT, chat.pk)],
            "group_share": found[(share_rules.Channel.GROUP, group.pk)],
            "moment_share": found[(share_rules.Channel.MOMENT, post.pk)],
        }
    social.like_post(user=buyer2, post_id=post.pk)
    social.comment_on_post(user=buyer2, post_id=post.pk, text="看起来很惬意！")
    tea = Product.objects.filter(store=demo_stores["山野官方旗舰店"], state=ProductState.LISTED).order_by(
        "pk"
    )
    product = {"kind": "card", "card_kind": "product", "card_id": tea.first().pk}
    chats.send_message(user=buyer, conversation_id=chat.pk, **product)
    say_in(user=buyer2, conversation_id=chat.pk, text="收到，这款绿茶看着不错，我去下单。")
    chats.send_message(user=creator, conversation_id=group.pk, **product)
    say_in(user=buyer2, conversation_id=group.pk, text="我也买过，明前的确实香。")
    say(f"  contacts, a 1:1 chat, the group #{group.pk} and Moments with store and product cards")
    return group, shares


def _seed_gifts(books: Store, users: dict, group: Conversation, say) -> None:
    """Gifts (issue 21), from buyer2 (buyer places no order): a book to creator, its card in their
    1:1 chat, waiting for her to accept it; and two books sent into the group as a group gift,
    its card in the group; creator has drawn (and won, as 2 gifts among 2 members must), buyer
    may still draw."""
    buyer2, creator = users["buyer2"], users["creator"]
    sku = (
        SKU.objects.filter(product__store=books, product__state=ProductState.LISTED, is_active=True)
        .order_by("price_fen", "pk")
        .first()
    )
    single = gifts.send_gift(
        giver=buyer2,
        recipient_id=creator.pk,
        sku_id=sku.pk,
        message="谢谢你推荐的茶，送你一本书。",
        idempotency_key="demo-gift-1",
    )
    _pay_gift(single)
    shared = gifts.send_group_gift(
        giver=buyer2,
        sku_id=sku.pk,
        count=2,
        conversation_id=group.pk,
        message="群里的朋友，送两本书，先到先得。",
        idempotency_key="demo-gift-2",
    )
    _pay_gift(shared)
    gifts.draw_gift(user=creator, gift_id=shared.pk)
    say(f"  gift #{single.pk} to creator and group gift #{shared.pk} in the group (creator drew)")


def _pay_gift(gift: Gift) -> None:
    """The giver pays in the sandbox; the gift's `order_paid` handler runs now (its day starts and
    its card goes into the chat; the worker's run later finds it done)."""
    order_ids = list(gift.units.order_by("index").values_list("order_id", flat=True))
    payment = orders.pay_checkout(buyer=gift.giver, order_id=order_ids[0])
    sandbox.pay_for(payment.out_trade_no)
    gifts.record_gift_paid(order_ids=order_ids)


def _seed_coupons(store: Store, room_id: int, say) -> None:
    """The flagship's promotions (issue 20): a store coupon to claim on its page, a live coupon for
    its live room (claimable once the room goes live) and a full-reduction campaign over its listed
    products, each running for a month."""
    now = clock.now()
    window = {"claim_starts_at": now, "claim_ends_at": now + timedelta(days=30), "valid_days": 7}
    store_coupon = coupons.create_coupon(
        store=store,
        issue=True,
        name="新客满减券",
        kind="store",
        discount_type="threshold_off",
        threshold_fen=9_900,
        amount_fen=1_000,
        total_quantity=1_000,
        per_buyer_limit=1,
        **window,
    )
    live_coupon = coupons.create_coupon(
        store=store,
        issue=True,
        name="直播间专享券",
        kind="live",
        live_room_id=room_id,
        discount_type="amount_off",
        amount_fen=500,
        total_quantity=200,
        per_buyer_limit=1,
        **window,
    )
    listed = list(Product.objects.filter(store=store, state="listed").values_list("pk", flat=True))
    campaign = coupons.create_campaign(
        store=store,
        name="好茶满减",
        product_ids=listed,
        tiers=[[19_900, 2_000], [39_900, 5_000]],
        starts_at=now,
        ends_at=now + timedelta(days=30),
    )
    say(
        f"  coupons: {store.name} store coupon #{store_coupon.pk}, live coupon #{live_coupon.pk}"
        f" (room #{room_id}), campaign #{campaign.pk}"
    )


def _seed_alliance(store: Store, users: dict, say) -> None:
    """拾光服饰 in the Preferred Alliance with an open plan at 10% on its listed products; the
    creator (阿梅, her video account 阿梅探店) a promoter with them in her showcase, a link, and a
    scheduled live room showing one of them."""
    merchant = users["merchant"]
    try:
        alliance.enable_alliance(store=store, by=merchant)
    except DomainError as exc:  # the seeded history gave it a low score: say so, seed the rest
        say(f"  alliance: {store.name} not eligible ({exc.message})")
        return
    listed = list(Product.objects.filter(store=store, state=ProductState.LISTED).order_by("pk"))
    plans = alliance.create_plans(
        store=store, by=merchant, product_ids=[p.pk for p in listed], kind=1, commission_ratio_ppm=100_000
    )
    channel = users["creator"].video_accounts.order_by("pk").first()
    promoter = alliance.join_alliance(
        user=users["creator"], kind="creator", name="阿梅探店", video_account_id=channel.pk
    )
    for product in listed:
        alliance.add_showcase_item(promoter=promoter, product_id=product.pk)
    link = alliance.make_link(promoter=promoter, plan_id=plans[0].pk)
    # 小李 bought through her link and paid (小王, `buyer`, starts with no orders): a commission order
    # waiting for its after-sale period
    placed = orders.place_order(
        buyer=users["buyer2"],
        items=[orders.LineRequest(sku_id=listed[0].skus.order_by("pk").first().pk, quantity=1)],
        address=HISTORY_ADDRESSES[0],
        scene=Scene.PRODUCT_SHARE,
        source_type="alliance",
        source_id=link.token,
        idempotency_key="demo-alliance-1",
    )
    payment = orders.pay_checkout(buyer=users["buyer2"], order_id=placed.orders[0].pk)
    sandbox.pay_for(payment.out_trade_no)
    # her next live room shows the first of them beside its (empty) shelf, at the store's price
    room = live.schedule_live_room(
        owner=users["creator"],
        account_id=channel.pk,
        title="阿梅好物直播",
        scheduled_at=clock.now() + timedelta(days=2),
    )
    alliance.add_live_promotion(user=users["creator"], room_id=room.pk, product_id=listed[0].pk)
    say(
        f"  alliance: {store.name} enabled, {len(plans)} open plans; creator 阿梅探店 has a link, a sale "
        "through it and a live room"
    )


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
# The demo's short video ships in the package (4 s, VP9 WebM, ~32 KB; demo_media/make_sunrise.py made
# it once with Pillow and ffmpeg) and is uploaded like a merchant's, so the demo plays it from this
# site's media, offline too.
DEMO_VIDEO = Path(__file__).parent / "demo_media" / "sunrise.webm"


def _seed_touchpoints(demo_stores: dict, users: dict, say, rooms: dict) -> dict[str, dict[str, int]]:
    """Each store's touchpoints; answers, per store, the ids of the article, the video and the
    mini program a purchase can name as its source (`orders.sources`). Fills `rooms` with each
    store's live room."""
    merchant = users["merchant"]
    sources: dict[str, dict[str, int]] = {}
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
            file=SimpleUploadedFile(DEMO_VIDEO.name, DEMO_VIDEO.read_bytes(), content_type="video/webm"),
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
        rooms[store_name] = room.pk
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
        sources[store_name] = {"article": article.pk, "video": video.pk, "homepage": store.pk}
        if program is not None:
            sources[store_name]["mini_program"] = program.pk
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
    return sources


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


# ------------------------------------------------------------------------------ order history

# The data center's charts and the store score need orders (docs/scoring.md: a score needs 30
# orders paid in the 90 days before). store -> (orders paid, orders left unpaid, shipped after
# 48 hours, after-sale refunds): the flagship gets a score; 拾光服饰 stays under 30, "no score yet".
HISTORY = {"山野官方旗舰店": (45, 3, 4, True), "拾光服饰": (12, 1, 1, False)}
HISTORY_DAYS = 60
HISTORY_SEED = 20261122  # the same history on every machine (relative to the day it is seeded)
# Where the purchases started (core.scenes), and how often. No live-room orders: those are placed
# only through a live room (orders.sources.HELD_SOURCES), and the demo's rooms have not gone live.
# Every scene drawn here has a source the checkout verifies (or needs none: search, other); the
# discovery feed (8) and business contacts (13) have no source yet, so they are left out rather
# than claimed without one (which would record scene 1).
HISTORY_SCENES = {
    Scene.SEARCH: 8,
    Scene.ARTICLE: 4,
    Scene.SHORT_VIDEO: 4,
    Scene.STORE_HOMEPAGE: 3,
    Scene.PRODUCT_SHARE: 3,
    Scene.OTHER: 2,
    Scene.CHAT: 3,
    Scene.GROUP_CHAT: 3,
    Scene.MOMENTS: 2,
    Scene.MINI_PROGRAM: 2,
}
# The source a purchase of a scene names (orders.sources.SCENE_SOURCES); the other scenes name none.
SCENE_SOURCES = {
    Scene.SHORT_VIDEO: "video",
    Scene.ARTICLE: "article",
    Scene.STORE_HOMEPAGE: "homepage",
    Scene.MINI_PROGRAM: "mini_program",
    Scene.PRODUCT_SHARE: "share",
    Scene.SEARCH: "search",
    **SHARED_IN,
}
HISTORY_ADDRESSES = (
    {
        "recipient": "李小雨",
        "phone": "13912345678",
        "region": "浙江省杭州市西湖区",
        "detail": "文三路 90 号 2 幢 301 室",
    },
    {
        "recipient": "李小雨",
        "phone": "13912345678",
        "region": "浙江省杭州市滨江区",
        "detail": "网商路 699 号公司前台",
    },
)
# A listed carrier's code (orders.rules.CARRIERS), and the start of its numbers: the order number's
# last digits make up the rest, to the length the carrier's pattern asks.
CARRIERS = (("SF", "SF", 13), ("ZTO", "73", 10), ("JD", "JDVA", 11))
PRAISE = (
    "品质很好，会回购。",
    "发货快，包装很仔细。",
    "和描述一致，很满意。",
    "性价比高，推荐给朋友了。",
    "",
)
SLOW_SHIPPING = "等了三天才发货，东西倒是不错。"
DAMAGED = ("收到时罐子压扁了，茶叶受潮结块。", "非常抱歉！已为您办理退货退款，我们会加固包装。")


@dataclass
class _Purchase:
    """One order of the history as planned (what, where from, when) and, once placed, the order."""

    store: Store
    placed_at: datetime
    lines: list[tuple[int, int]]  # (sku id, quantity)
    scene: int
    address: dict
    source_type: str = ""
    source_id: int | None = None
    order: Order | None = None
    review: Review | None = None
    aftersales: list[AfterSale] = field(default_factory=list)


class _Timeline:
    """Steps at moments; `run` plays the past ones in order, each with the platform clock at its
    moment, so every timestamp the services write (paid, shipped, received...) is that moment."""

    def __init__(self) -> None:
        self.steps: list[tuple[datetime, int, Callable[[], object]]] = []

    def at(self, moment: datetime, step: Callable[[], object]) -> datetime:
        self.steps.append((moment, len(self.steps), step))
        return moment

    def run(self, until: datetime) -> None:
        for moment, _n, step in sorted(self.steps, key=lambda s: s[:2]):
            if moment < until:  # what lies in the future has not happened yet
                with clock.travel_to(moment):
                    step()


def _seed_history(demo_stores: dict, users: dict, sources: dict, shares: dict, say) -> None:
    """Two months of orders of 小李 (buyer2), through the services: placed, paid in the payment
    sandbox, shipped (a few late), received, reviewed, a few left unpaid and two refunded; then
    every store's score. `buyer` keeps no history: the demo (and its browser tests) start with
    that buyer's first order."""
    now = clock.now()
    rng = random.Random(HISTORY_SEED)
    timeline = _Timeline()
    for store_name, (paid, unpaid, late, refunds) in HISTORY.items():
        store = demo_stores[store_name]
        # 小王 shares with 小李: a product link (4), and cards in their chat, group and Moments (9–11)
        named = {**sources[store_name], "share": users["buyer"].pk, "search": None, **shares[store_name]}
        purchases = _plan_purchases(store, paid + unpaid, named, rng, now)
        _tell_stories(timeline, purchases, users, rng, unpaid=unpaid, late=late, refunds=refunds)
    _daily_scores(timeline, now)
    timeline.run(until=now)
    scoring.recompute_all()
    for store_name in HISTORY:
        store = demo_stores[store_name]
        paid_orders = Order.objects.filter(store=store, paid_at__isnull=False).count()
        score = scores.latest(store)
        shown = f"score {score.score}" if score is not None and score.score is not None else "no score yet"
        say(f"  store #{store.pk}: {paid_orders} paid orders over {HISTORY_DAYS} days, {shown}")


def _daily_scores(timeline: _Timeline, now: datetime) -> None:
    """The daily recompute at 03:00 of each day of the history (scoring.tasks: it scores the day
    before), so the data center's score chart has a point per day, not one dot."""
    today = timezone.localtime(now, SHANGHAI).replace(hour=3, minute=0, second=0, microsecond=0)
    for back in range(HISTORY_DAYS, -1, -1):  # today's 03:00 too, once it has passed
        moment = today - timedelta(days=back)
        timeline.at(moment, partial(scoring.recompute_all, as_of=moment.date() - timedelta(days=1)))


def _plan_purchases(store: Store, count: int, named: dict, rng: random.Random, now: datetime) -> list:
    """`count` purchases, more of them lately, by day between 08:00 and 23:00, oldest first. Half
    of each SKU's stock is left for the demo's own buyers."""
    skus = list(
        SKU.objects.filter(
            product__store=store, product__state=ProductState.LISTED, is_active=True, stock__gt=1
        ).order_by("pk")
    )
    spare = {sku.pk: sku.stock // 2 for sku in skus}
    scenes, weights = zip(*HISTORY_SCENES.items(), strict=True)
    purchases = []
    for _ in range(count):
        lines: dict[int, int] = {}
        for _line in range(rng.choices((1, 2), (4, 1))[0]):
            left = [sku.pk for sku in skus if spare[sku.pk] > 0 and sku.pk not in lines]
            if left:
                sku_id = rng.choice(left)
                lines[sku_id] = min(spare[sku_id], rng.choices((1, 2), (5, 1))[0])
                spare[sku_id] -= lines[sku_id]
        if not lines:
            break
        day = timezone.localtime(now - timedelta(days=rng.triangular(0, HISTORY_DAYS, 0)))
        placed_at = day.replace(hour=rng.randint(8, 22), minute=rng.randint(0, 59), second=rng.randint(0, 59))
        if placed_at > now - timedelta(hours=2):
            placed_at -= timedelta(days=1)
        scene = rng.choices(scenes, weights)[0]
        source_type = SCENE_SOURCES.get(scene, "")
        if source_type not in named:  # e.g. a store without a mini program
            source_type = ""
        purchases.append(
            _Purchase(
                store=store,
                placed_at=placed_at,
                lines=sorted(lines.items()),
                scene=scene,
                address=rng.choice(HISTORY_ADDRESSES),
                source_type=share_rules.SOURCE_TYPE if source_type in SHARED_IN.values() else source_type,
                source_id=named.get(source_type),
            )
        )
    return sorted(purchases, key=lambda p: p.placed_at)


def _tell_stories(timeline, purchases, users, rng, *, unpaid: int, late: int, refunds: bool) -> None:
    """What happens to each purchase, as steps on the timeline. With `refunds`, an early order is
    refunded before it ships and another, received damaged, is reviewed with one star and returned."""
    buyer, agent = users["buyer2"], users["agent"]
    special = {2: "refund", 5: "return"} if refunds else {}
    rest = [i for i in range(len(purchases)) if i not in special]
    for i in rng.sample(rest, unpaid):
        special[i] = "unpaid"
    settled = [i for i in range(len(purchases) - 6) if i not in special]  # old enough to be received
    late_ones = sorted(rng.sample(settled, late))
    for i, p in enumerate(purchases):
        story = special.get(i, "late" if i in late_ones else "")
        timeline.at(p.placed_at, partial(_place, p, buyer, key=f"demo-history-{p.store.pk}-{i}"))
        if story == "unpaid":
            if rng.random() < 0.5:
                timeline.at(p.placed_at + timedelta(minutes=4), partial(_cancel, p, buyer))
            else:  # the 15-minute timeout, as the worker would run it
                timeline.at(p.placed_at + PAY_WITHIN + timedelta(minutes=1), partial(_close_unpaid, p))
            continue
        paid = timeline.at(p.placed_at + timedelta(minutes=rng.randint(1, 9)), partial(_pay, p, buyer))
        if story == "refund":
            asked = timeline.at(paid + timedelta(minutes=35), partial(_ask_refund, p, buyer))
            timeline.at(asked + timedelta(hours=rng.uniform(2, 6)), partial(_approve_refund, p))
            continue
        hours = rng.uniform(52, 80) if story == "late" else rng.uniform(2, 36)
        shipped = timeline.at(paid + timedelta(hours=hours), partial(_ship, p, carrier=rng.choice(CARRIERS)))
        received = timeline.at(shipped + timedelta(hours=rng.uniform(30, 90)), partial(_receive, p, buyer))
        if story == "return":
            text, reply = DAMAGED
            reviewed = timeline.at(received + timedelta(hours=2), partial(_review, p, buyer, 1, text))
            timeline.at(reviewed + timedelta(hours=1), partial(_reply, p, agent, reply))
            _return_steps(timeline, p, buyer, start=reviewed + timedelta(hours=2))
        elif story == "late" and i == late_ones[0]:
            timeline.at(received + timedelta(hours=5), partial(_review, p, buyer, 2, SLOW_SHIPPING))
        elif rng.random() < 0.5:
            rating = rng.choices((5, 4, 3), (14, 5, 1))[0]
            moment = received + timedelta(hours=rng.uniform(1, 48))
            timeline.at(moment, partial(_review, p, buyer, rating, rng.choice(PRAISE)))


def _return_steps(timeline, p: _Purchase, buyer: User, *, start: datetime) -> None:
    """A return for damage: asked, approved, sent back, received by the store and refunded."""
    asked = timeline.at(start, partial(_ask_return, p, buyer))
    approved = timeline.at(asked + timedelta(hours=4), partial(_approve_return, p))
    sent = timeline.at(approved + timedelta(hours=20), partial(_send_back, p, buyer))
    timeline.at(sent + timedelta(days=2), partial(_receive_return, p))


def _place(p: _Purchase, buyer: User, *, key: str) -> None:
    items = [orders.LineRequest(sku_id=sku_id, quantity=quantity) for sku_id, quantity in p.lines]
    checkout = orders.place_order(
        buyer=buyer,
        items=items,
        address=p.address,
        scene=p.scene,
        source_type=p.source_type,
        source_id=p.source_id,
        idempotency_key=key,
    )
    (p.order,) = checkout.orders


def _pay(p: _Purchase, buyer: User) -> None:
    payment = orders.pay_checkout(buyer=buyer, order_id=p.order.pk)
    sandbox.pay_for(payment.out_trade_no)  # 小李 pays in the sandbox; its notification pays the order


def _cancel(p: _Purchase, buyer: User) -> None:
    orders.cancel_order(buyer=buyer, order_id=p.order.pk)


def _close_unpaid(p: _Purchase) -> None:
    orders.close_unpaid_checkout(p.order.checkout_id)


def _ship(p: _Purchase, *, carrier: tuple[str, str, int]) -> None:
    code, prefix, digits = carrier
    tracking_no = prefix + p.order.number[-digits:]
    orders.ship_order(store=p.store, order_id=p.order.pk, carrier=code, tracking_no=tracking_no)


def _receive(p: _Purchase, buyer: User) -> None:
    orders.confirm_receipt(buyer=buyer, order_id=p.order.pk)


def _first_line(p: _Purchase) -> OrderLine:
    return p.order.lines.all()[0]


def _review(p: _Purchase, buyer: User, rating: int, text: str) -> None:
    p.review = reviews.create_review(
        buyer=buyer, order_id=p.order.pk, line_id=_first_line(p).pk, rating=rating, text=text
    )


def _reply(p: _Purchase, agent: User, text: str) -> None:
    reviews.reply_to_review(staff=agent, review_id=p.review.pk, text=text)


def _ask_refund(p: _Purchase, buyer: User) -> None:
    """Every line, so that the whole order is refunded (200) and nothing is left to ship."""
    p.aftersales = [
        aftersales.request_aftersale(
            buyer=buyer,
            order_id=p.order.pk,
            line_id=line.pk,
            kind=Kind.REFUND,
            quantity=line.quantity,
            reason_code=Reason.NOT_WANTED,
            reason="拍错了规格",
        )
        for line in p.order.lines.all()
    ]


def _approve_refund(p: _Purchase) -> None:
    for aftersale in p.aftersales:
        aftersales.approve_aftersale(store=p.store, aftersale_id=aftersale.pk)
        # Approving hands the refund to the payments app on commit; the whole seed is one
        # transaction, so hand it over now, at this moment, as the commit would have.
        aftersales.submit_refund(aftersale.pk)


def _ask_return(p: _Purchase, buyer: User) -> None:
    line = _first_line(p)
    p.aftersales = [
        aftersales.request_aftersale(
            buyer=buyer,
            order_id=p.order.pk,
            line_id=line.pk,
            kind=Kind.RETURN,
            quantity=line.quantity,
            reason_code=Reason.DAMAGED,
            reason="罐子压扁，茶叶受潮",
        )
    ]


def _approve_return(p: _Purchase) -> None:
    aftersales.approve_aftersale(store=p.store, aftersale_id=p.aftersales[0].pk)


def _send_back(p: _Purchase, buyer: User) -> None:
    aftersales.ship_return(
        buyer=buyer, aftersale_id=p.aftersales[0].pk, carrier="顺丰速运", tracking_no=f"SFR{p.order.number}"
    )


def _receive_return(p: _Purchase) -> None:
    aftersales.receive_return(store=p.store, aftersale_id=p.aftersales[0].pk)
    aftersales.submit_refund(p.aftersales[0].pk)  # as in _approve_refund
