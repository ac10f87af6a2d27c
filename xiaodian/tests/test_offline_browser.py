"""Offline-complete (issue 14): with the demo data seeded, every page a person reaches loads in
Chromium with every request to another host blocked; the test fails on any such request, on any
console error (a Content-Security-Policy violation included), and on any page wider than a 360, 390
or 414 px phone (issue 17). The site runs as `xiaodian serve` runs it (websockets too: the live room, the chat).

"Every page" is held by the URL names: each named page of the site is visited, or listed in
NOT_PAGES with why (a POST action, an htmx fragment, a JSON endpoint)."""

from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import get_resolver, resolve

from xiaodian.accounts import services as accounts
from xiaodian.accounts.models import User
from xiaodian.aftersales.models import AfterSale
from xiaodian.alliance import services as alliance
from xiaodian.alliance.models import LivePromotion, Promoter
from xiaodian.business.models import Contact as BusinessContact
from xiaodian.catalog.models import Product
from xiaodian.chats import services as chats
from xiaodian.complaints import services as complaints
from xiaodian.content.models import Article, MiniProgram, OfficialAccount, Video, VideoAccount
from xiaodian.core import clock
from xiaodian.core.browser import phone
from xiaodian.gifts import services as gifts
from xiaodian.live.models import LiveRoom
from xiaodian.orders import services as orders
from xiaodian.orders.models import Order, OrderLine
from xiaodian.reviews.models import Review
from xiaodian.service import services as service
from xiaodian.social import selectors as social_selectors
from xiaodian.social import services as social
from xiaodian.stores.models import Store
from xiaodian.web.demo import PASSWORD
from xiaodian.wechatpay_sandbox.models import SandboxTransaction

pytestmark = pytest.mark.browser

PHONE_WIDTHS = (360, 390, 414)  # the phones every page must fit without scrolling sideways

# Named URLs that are not pages a person opens, and why.
NOT_PAGES = {
    "web:logout": "POST",
    "web:start": "a redirect to the role's first page",
    "orders:cart_add": "POST",
    "orders:store_orders_export": "a CSV download of the store's order list (its link is on the list)",
    "ledger:bill_csv": "a CSV download of a day's bill (its link is on the bill)",
    "content:create_official_account": "POST (its form is on /content/)",
    "content:create_video_account": "POST (its form is on /content/)",
    "content:create_mini_program": "POST (its form is on /content/)",
    "content:follow_official": "POST",
    "content:follow_video": "POST",
    "content:publish_article": "POST",
    "content:like_article": "POST",
    "content:publish_video": "POST",
    "content:like_video": "POST",
    "live:comment": "POST (the form without the websocket)",
    "coupons:claim": "POST (a coupon card's claim, back to its page)",
    "service:contact": "POST (then the chat page)",
    "service:send": "POST",
    "service:rate": "POST",
    "service:close": "POST",
    "service:presence": "POST",
    "service:transfer": "POST",
    "service:workbench_sessions": "htmx fragment of the workbench",
    "set_language": "POST (the language switch)",
    "stores:homepage_order": "POST, JSON (the homepage editor's drag and drop)",
    "alliance:share": "a redirect to the product page through a promotion link",
    "shares:open": "a redirect to a shared card's page, carrying the share",
    "business:invite": "POST (its button is on the store's business contacts page)",
    "business:send_card": "POST (its form is on the store's business contacts page)",
    "chats:open_direct": "POST (发消息 from a contact, then the chat page)",
    "chats:create_group": "POST (its form is on /chats/)",
    "chats:send": "POST (the composer without the websocket)",
    "chats:invite": "POST (its form is on the group's info page)",
    "chats:leave": "POST",
    "chats:manage": "POST (the owner's and admins' buttons on a member)",
    "chats:answer": "POST (accept or decline a group invitation)",
    "social:recommended": "shown only when the contact list is full (10,000), else a redirect to "
    "通讯录; xiaodian/social/tests/test_pages.py renders it full",
}
# Namespaces that hold no pages of their own beyond the ones visited below: the JSON API (its
# docs page is visited), the admin (its login page is visited) and the sandbox's WeChat Pay v3
# endpoints (its pay page is visited).
OTHER_NAMESPACES = ("api", "admin", "wechatpay_sandbox")


def _named_urls(resolver=None, prefix="") -> set[str]:
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if hasattr(pattern, "url_patterns"):
            namespace = pattern.namespace
            names |= _named_urls(pattern, f"{prefix}{namespace}:" if namespace else prefix)
        elif pattern.name:
            names.add(prefix + pattern.name)
    return names


def _seeded_pages() -> dict[str, list[str]]:
    """Who opens which paths, with ids from the demo data (and a cart, a chat added to it)."""
    call_command("demo", no_serve=True)
    buyer = User.objects.get(username="buyer2")  # the one with two months of orders
    shop = Store.objects.get(name="山野官方旗舰店")  # the agent's store, with a mini program
    product = Product.objects.filter(store=shop, state="listed").order_by("pk").first()
    orders.add_to_cart(buyer=buyer, sku_id=product.skus.filter(stock__gt=0).order_by("pk").first().pk)
    conversation, _ = service.open_conversation(buyer=buyer, store_id=shop.pk)
    friend = User.objects.get(username="buyer")
    if not social_selectors.has_contact(buyer.pk, friend.pk):
        asked = social.send_contact_request(sender=buyer, recipient_id=friend.pk)
        social.accept_contact_request(user=friend, request_id=asked.pk)
    chat, _ = chats.open_direct(user=buyer, other_id=friend.pk)
    chats.send_message(user=buyer, conversation_id=chat.pk, text="周末一起去爬山吗？")
    group = chats.create_group(owner=buyer, title="周末爬山群")
    chats.accept_invitation(
        user=friend, invitation_id=chats.invite(user=buyer, conversation_id=group.pk, invitee_id=friend.pk).pk
    )
    chats.send_message(user=friend, conversation_id=group.pk, text="我带水和零食")
    complaint = complaints.file_complaint(
        buyer=buyer, reason="rude_service", text="客服态度差", store_id=shop.pk
    )
    order = Order.objects.filter(buyer=buyer, lines__isnull=False).order_by("pk").first()
    to_review = OrderLine.objects.filter(
        order__buyer=buyer, order__received_at__isnull=False, review__isnull=True
    ).first()
    to_ask = OrderLine.objects.filter(order__buyer=buyer, order__paid_at__isnull=False).first()
    review = Review.objects.filter(buyer=buyer).order_by("pk").first()
    aftersale = AfterSale.objects.filter(buyer=buyer).order_by("pk").first()
    article = Article.objects.filter(state="published").order_by("pk").first()
    video = Video.objects.filter(state="published").order_by("pk").first()
    official = OfficialAccount.objects.get(pk=article.account_id)
    channel = VideoAccount.objects.get(pk=video.account_id)
    room = LiveRoom.objects.order_by("pk").first()
    program = MiniProgram.objects.get()
    trade = SandboxTransaction.objects.order_by("pk").first()
    # an agency (the demo has none) with the demo creator 阿梅 under it
    agency = alliance.join_alliance(
        user=accounts.register_user(username="agency1", password=PASSWORD), kind="agency", name="山海机构"
    )
    alliance.join_agency(promoter=Promoter.objects.get(user__username="creator"), agency_id=agency.pk)
    promoter = Promoter.objects.get(user__username="creator")
    creator_room = LivePromotion.objects.get(promoter=promoter).room_id
    # a group gift of buyer2's for 小王 (buyer) to draw (the demo has no gifts)
    gift = gifts.send_group_gift(
        giver=buyer,
        sku_id=product.skus.filter(stock__gt=0).order_by("pk").first().pk,
        count=1,
        member_ids=[User.objects.get(username="buyer").pk],
        idempotency_key="offline-gift",
        sent_from=2,  # from an official account: the members named now may draw
        message="新年快乐",
    )
    s = shop.pk
    orchard = Store.objects.get(name="小满的果园")  # the legacy video store: its business contact
    orchard_chat = BusinessContact.objects.get(store=orchard).conversation_id
    everyone = [
        "/",
        "/signup/",
        "/login/",
        f"/shop/{s}/",
        f"/shop/{s}/coupons/",
        f"/products/{product.pk}/",
        f"/products/{product.pk}/reviews/",
        f"/official-accounts/{official.pk}/",
        f"/articles/{article.pk}/",
        f"/video-accounts/{channel.pk}/",
        f"/videos/{video.pk}/",
        f"/video-accounts/{channel.pk}/live/",
        f"/live-rooms/{room.pk}/",
        f"/live-rooms/{creator_room}/",  # a creator's room with an alliance product
        f"/alliance/showcase/{promoter.pk}/",
        f"/video-accounts/{promoter.video_account_id}/",  # links the showcase
        f"/mini-programs/{program.pk}/",
        "/search/?q=茶",
        "/discover/",
        "/live-square/",
        "/api/v1/docs",
        "/admin/login/",
    ]
    buyer_pages = [
        "/me/",
        "/tokens/",
        "/subjects/",
        "/links/",
        "/cart/",
        "/checkout/",
        "/orders/",
        f"/orders/{order.pk}/",
        f"/orders/{to_review.order_id}/lines/{to_review.pk}/review/",
        f"/orders/{to_ask.order_id}/lines/{to_ask.pk}/aftersale/",
        f"/reviews/{review.pk}/follow-up/",
        "/aftersales/",
        f"/aftersales/{aftersale.pk}/",
        "/complaints/",
        f"/complaints/new/?order={order.pk}",
        f"/complaints/{complaint.pk}/",
        f"/live-rooms/{room.pk}/buy/",
        "/service/",
        f"/service/conversations/{conversation.pk}/",
        f"/sandbox/wechatpay/pay/{trade.prepay_id}/",
        "/alliance/",
        "/me/coupons/",
        "/me/shares/",
        "/chats/",
        f"/chats/{chat.pk}/",
        f"/chats/{group.pk}/",
        f"/chats/groups/{group.pk}/",
        "/gifts/",
        f"/gifts/send/?product={product.pk}",
        f"/gifts/{gift.pk}/",
        f"/gifts/{gift.pk}/verify/",
        "/contacts/",
        "/moments/",
        "/business/",
        f"/business/stores/{orchard.pk}/consent/",
        f"/chats/{orchard_chat}/",
    ]
    merchant_pages = [
        "/workbench/",
        f"/stores/{s}/workbench/",
        "/stores/",
        f"/stores/{s}/settings/",
        f"/stores/{s}/staff/",
        f"/stores/{s}/links/",
        f"/stores/{s}/products/",
        f"/stores/{s}/products/new/",
        f"/products/{product.pk}/edit/",
        f"/stores/{s}/orders/",
        f"/stores/{s}/aftersales/",
        f"/stores/{s}/return-addresses/",
        f"/stores/{s}/complaints/",
        f"/stores/{s}/reviews/",
        f"/reviews/{review.pk}/reply/",
        f"/stores/{s}/data/",
        f"/stores/{s}/money/",
        f"/stores/{s}/alliance/",
        f"/stores/{s}/coupons/",
        f"/stores/{s}/money/orders/{Order.objects.filter(store=shop).order_by('pk').first().pk}/",
        f"/stores/{s}/money/bills/",
        f"/stores/{s}/money/bills/{clock.today().isoformat()}/",
        f"/stores/{s}/homepage/",
        f"/stores/{s}/homepage/preview/",
        f"/stores/{s}/service/",
        f"/stores/{s}/service/conversations/{conversation.pk}/",
        f"/stores/{s}/service/settings/",
        f"/stores/{orchard.pk}/business/",
        f"/stores/{orchard.pk}/service/upgrade/",
        "/content/",
        f"/official-accounts/{official.pk}/articles/new/",
        f"/video-accounts/{channel.pk}/videos/new/",
        f"/live-rooms/{room.pk}/manage/",
    ]
    return {
        "": everyone,
        "buyer2": buyer_pages,
        "merchant": merchant_pages,
        "ops": [
            "/ops/",
            "/ops/disputes/",
            "/ops/complaints/",
            "/ops/money/",
            "/ops/alliance/",
            "/ops/exposure/",
        ],
        "agency1": ["/alliance/", "/alliance/agency/"],
        "creator": ["/alliance/", "/alliance/touchpoints/"],
    }


def _watched_phone(browser, site: str, outside: list[str], console_errors: list[str]):
    """A phone page whose requests to any host but `site` are recorded in `outside` and aborted
    (websockets, which routes do not see, recorded when opened), and whose console errors and
    uncaught exceptions are recorded in `console_errors`."""
    page = phone(browser)

    def guard(route):
        if urlsplit(route.request.url).netloc == site:
            route.continue_()
        else:
            outside.append(f"{page.url} -> {route.request.url}")
            route.abort("blockedbyclient")

    def on_console(message):
        if message.type == "error":
            console_errors.append(f"{page.url}: {message.text}")

    def on_websocket(websocket):
        if urlsplit(websocket.url).netloc != site:
            outside.append(f"{page.url} -> websocket {websocket.url}")

    page.context.route("**/*", guard)
    page.on("websocket", on_websocket)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: console_errors.append(f"{page.url}: {exc}"))
    return page


def test_every_page_loads_with_the_outside_world_blocked(browser, asgi_server):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    pages = _seeded_pages()
    site = urlsplit(asgi_server.url).netloc
    outside: list[str] = []
    console_errors: list[str] = []
    bad_status: list[str] = []
    not_drawn: list[str] = []
    too_wide: list[str] = []

    for username, paths in pages.items():
        page = _watched_phone(browser, site, outside, console_errors)
        if username:
            page.goto(f"{asgi_server.url}/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", PASSWORD)
            page.click("form.form button[type=submit]")
            page.wait_for_url(lambda url: "/login/" not in url)
        for path in paths:
            response = page.goto(asgi_server.url + path, wait_until="networkidle")
            sent_to_login = "/login/" in page.url and "/login/" not in path
            if response is None or response.status >= 400 or sent_to_login:
                bad_status.append(
                    f"{username or 'anonymous'} {path}: {response and response.status} {page.url}"
                )
            try:
                if path == "/api/v1/docs":  # Swagger UI drew the operations from its own files
                    # (a 190 kB document: drawing it took 20-30 s on a loaded 2-core machine)
                    page.locator(".opblock").first.wait_for(timeout=90_000)
                if path.startswith("/videos/"):  # the shipped video plays from this site
                    page.wait_for_function("document.querySelector('video').readyState >= 1")
            except PlaywrightTimeout:
                not_drawn.append(path)
            for width in PHONE_WIDTHS:  # mobile first: nothing wider than the screen (issue 17)
                page.set_viewport_size({"width": width, "height": 800})
                scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
                if scroll_width > width:
                    too_wide.append(f"{username or 'anonymous'} {path} at {width} px: {scroll_width} px wide")
        page.context.close()

    found = {
        "outside requests": outside,
        "console errors": console_errors,
        "bad status": bad_status,
        "not drawn": not_drawn,
        "too wide": too_wide,
    }
    problems = [f"{kind}: {item}" for kind, items in found.items() for item in items]
    assert not problems, "\n".join(problems)
    visited = {resolve(urlsplit(path).path).view_name for paths in pages.values() for path in paths}
    unvisited = {
        name
        for name in _named_urls() - visited - set(NOT_PAGES)
        if name.split(":")[0] not in OTHER_NAMESPACES
    }
    assert unvisited == set(), "visit these pages here, or say in NOT_PAGES why they are not pages"
