"""Customer service in two real browsers (Debian's Chromium driven by Playwright): a buyer asks
about a product and an agent answers from the workbench, both live over `/ws/service/`, with the
read receipt; and a buyer whose connection dropped gets what was sent meanwhile on reconnect.

pytest-django's `live_server` speaks WSGI only, so these tests serve the ASGI application (HTTP
and websockets) with uvicorn in a thread of the test process: `asgi_server` (core/tests/asgi.py, through conftest)."""

import os
import re
import threading

import pytest

from xiaodian.catalog.models import SKU, Product
from xiaodian.core import clock
from xiaodian.core.browser import KNOWN_PASSWORD, sign_in
from xiaodian.service import services
from xiaodian.service.models import Conversation, Message, QuickReply, ServiceSettings

pytestmark = pytest.mark.browser


@pytest.fixture
def tea(shop):
    product = Product.objects.create(
        store=shop, category=shop.main_category, title="云雾绿茶", state="listed"
    )
    SKU.objects.create(product=product, specs={"规格": "250g"}, price_fen=6_800, stock=5)
    ServiceSettings.objects.update_or_create(store=shop, defaults={"welcome_message": "您好，欢迎光临拾光"})
    QuickReply.objects.create(store=shop, text="有现货，", created_at=clock.now())
    return product


def known_passwords(*users) -> None:
    """Before any page is open (`sign_in_as` would write while the server is live)."""
    for user in users:
        user.set_password(KNOWN_PASSWORD)
        user.save(update_fields=["password"])


def _screenshots():
    """Screenshots of the pages when XIAODIAN_SCREENSHOTS names a folder (for looking at them)."""
    folder = os.environ.get("XIAODIAN_SCREENSHOTS")

    def shot(page, name: str) -> None:
        if folder:
            page.screenshot(path=f"{folder}/service-{name}.png", full_page=True)

    return shot


def test_a_buyer_asks_from_a_product_page_and_an_agent_answers_live(
    asgi_server, browser, shop, make_agent, buyer, tea
):
    from playwright.sync_api import expect

    shot = _screenshots()
    agent = make_agent("agent_a", online=False)
    url = asgi_server.url
    known_passwords(agent, buyer)

    # the agent opens the workbench and goes online
    desk = sign_in(browser, asgi_server, agent.username, KNOWN_PASSWORD)
    desk.goto(f"{url}/stores/{shop.pk}/service/")
    expect(desk.locator("h1")).to_have_text("客服工作台")
    desk.click("#presence-online")
    expect(desk.locator("#presence-online")).to_have_attribute("aria-pressed", "true")
    expect(desk.locator("#no-sessions")).to_be_visible()
    expect(desk.locator("#workbench")).to_have_attribute("data-socket", "open")

    # the buyer asks from the product page: the chat opens with the welcome (a bot's) and the card
    phone = sign_in(browser, asgi_server, buyer.username, KNOWN_PASSWORD)
    phone.goto(f"{url}/products/{tea.pk}/")
    phone.click("#contact-service button")
    expect(phone.locator("#chat")).to_have_attribute("data-socket", "open")
    welcome = phone.locator(".msg.from-bot")
    expect(welcome.locator(".bot-label")).to_have_text("自动回复")
    expect(welcome).to_contain_text("您好，欢迎光临拾光")
    expect(phone.locator(".msg.mine .product-card")).to_contain_text("云雾绿茶")
    expect(phone.locator(".msg.mine .product-card")).to_contain_text("¥68.00")
    with asgi_server.db:
        conversation = Conversation.objects.get(buyer=buyer, store=shop)
    assert conversation.agent_id == agent.pk  # assigned to the online agent

    # the new session appears in the workbench without a reload
    session = desk.locator(f"#session-{conversation.pk}")
    expect(session).to_contain_text("[商品]")
    expect(session).to_have_attribute("data-group", "mine")

    phone.fill("#id_text", "请问有现货吗？")
    phone.click("#send-button")
    asked = phone.locator(".msg.mine", has_text="请问有现货吗？")
    expect(asked).to_have_attribute("data-id", re.compile(r"^\d+$"))  # saved: the `sent` frame came
    expect(asked.locator(".receipt")).to_have_text("未读")
    expect(session).to_contain_text("请问有现货吗？")
    expect(session.locator(".unread-count")).to_have_text("2")  # the card and the question
    shot(desk, "1-workbench-live")

    # the agent opens the session: reading it sends the receipt the buyer sees
    session.locator("a").click()
    expect(desk.locator("#chat")).to_have_attribute("data-socket", "open")
    expect(desk.locator(".msg.from-buyer").last).to_contain_text("请问有现货吗？")
    expect(asked.locator(".receipt")).to_have_text("已读")

    # a message while the agent is in the conversation arrives live there
    phone.fill("#id_text", "能发顺丰吗？")
    phone.keyboard.press("Enter")
    expect(desk.locator(".msg.from-buyer", has_text="能发顺丰吗？")).to_be_visible()

    # the agent answers (a quick reply, then typing); the buyer sees it live, and the agent sees
    # 已读 once the buyer has it
    desk.locator("#quick-replies .quick-reply", has_text="有现货，").click()
    expect(desk.locator("#id_text")).to_have_value("有现货，")
    desk.locator("#id_text").press_sequentially("今天发顺丰")
    desk.click("#send-button")
    expect(phone.locator(".msg.from-agent", has_text="有现货，今天发顺丰")).to_be_visible()
    answer = desk.locator(".msg.mine", has_text="有现货，今天发顺丰")
    expect(answer.locator(".receipt")).to_have_text("已读")
    expect(desk.locator(f"#session-{conversation.pk} .unread-count")).to_have_count(0)
    shot(phone, "2-buyer-chat")
    shot(desk, "3-agent-conversation")

    with asgi_server.db:
        texts = list(Message.objects.filter(conversation=conversation).values_list("sender", "text"))
        newest = Message.objects.filter(conversation=conversation).latest("id").pk
        conversation.refresh_from_db()
    assert texts[-3:] == [
        ("buyer", "请问有现货吗？"),
        ("buyer", "能发顺丰吗？"),
        ("agent", "有现货，今天发顺丰"),
    ]
    assert texts.count(("buyer", "请问有现货吗？")) == 1  # sent once
    assert conversation.buyer_read_id == newest


def test_what_was_sent_while_the_buyer_was_offline_appears_on_reconnect(
    asgi_server, browser, shop, agent, buyer, tea
):
    """The page's socket goes through a route the test can cut (Playwright's WebSocket routing):
    while it is cut the agent answers; on reconnect the page's `sync` brings the answer."""
    from playwright.sync_api import expect

    url = asgi_server.url
    known_passwords(buyer)
    phone = sign_in(browser, asgi_server, buyer.username, KNOWN_PASSWORD)
    offline = threading.Event()
    routes = []

    def route(ws):
        if offline.is_set():
            ws.close()
            return
        ws.connect_to_server()
        routes.append(ws)

    phone.route_web_socket(re.compile(r"/ws/service/$"), route)
    phone.goto(f"{url}/shop/{shop.pk}/")
    phone.click("#contact-service button")
    expect(phone.locator("#chat")).to_have_attribute("data-socket", "open")
    with asgi_server.db:
        conversation = Conversation.objects.get(buyer=buyer, store=shop)

    offline.set()
    routes[-1].close()
    expect(phone.locator("#chat-connection")).to_be_visible()
    with asgi_server.db:
        services.send_message(user=agent, conversation_id=conversation.pk, text="刚才网络断了吗？这是补发的")
    offline.clear()
    expect(phone.locator(".msg.from-agent", has_text="这是补发的")).to_be_visible(timeout=20_000)
    expect(phone.locator("#chat")).to_have_attribute("data-socket", "open")
    expect(phone.locator("#chat-connection")).to_be_hidden()
