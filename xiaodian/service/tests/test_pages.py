"""The customer-service pages: the buyer's chat (history paging, cards, bot and system messages,
the form fallbacks for sending, closing and rating), the 联系客服 entries of the product, order and
store pages, the workbench (presence, sessions, transfer, the data panel) and the settings page
(replies, hours, the owner-only mode switch and its one-time secret). Each page is for the right
people only: strangers and other stores' staff get 404, anonymous visitors the login page."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from xiaodian.accounts.rules import Role
from xiaodian.catalog.models import SKU, Product
from xiaodian.core import clock
from xiaodian.scoring.tests.facts import Facts
from xiaodian.service import services
from xiaodian.service.models import (
    AgentPresence,
    AutoReply,
    Conversation,
    Message,
    QuickReply,
    ServiceSettings,
)
from xiaodian.stores.models import Store, StoreStaff

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(db):
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def text(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def element(response, element_id: str) -> str:
    """The opening tag of the element with that id and the rest of its line (enough to check a
    block's own markup)."""
    html = response.content.decode()
    start = html.index(f'id="{element_id}"')
    return html[html.rfind("<", 0, start) : html.find("\n", html.index(">", start))]


@pytest.fixture
def product(shop):
    product = Product.objects.create(
        store=shop, category=shop.main_category, title="云雾绿茶", state="listed"
    )
    SKU.objects.create(product=product, specs={"规格": "250g"}, price_fen=6_800, stock=5)
    return product


@pytest.fixture
def other_shop(make_user, make_subject, make_store):
    owner = make_user("other_owner")
    other = make_store(owner, make_subject(owner), name="隔壁茶庄")
    Store.objects.filter(pk=other.pk).update(state="open")
    other.refresh_from_db()
    return other


@pytest.fixture
def other_agent(make_agent, other_shop):
    return make_agent("other_agent", store=other_shop)


def chat_url(conversation) -> str:
    return reverse("service:chat", args=[conversation.pk])


def workbench_url(store, conversation=None) -> str:
    if conversation is None:
        return reverse("service:workbench", args=[store.pk])
    return reverse("service:workbench_conversation", args=[store.pk, conversation.pk])


def say(user, conversation, words: str, **extra) -> Message:
    return services.send_message(user=user, conversation_id=conversation.pk, text=words, **extra)[0]


# ---------------------------------------------------------------------------------- the entries


def test_contact_from_a_product_page_opens_a_chat_with_the_product_card(
    signed_in, buyer, shop, agent, product, at_noon
):
    client = signed_in(buyer)
    page = client.get(reverse("catalog:product", args=[product.pk]))
    form = element(page, "contact-service")
    assert reverse("service:contact") in form
    r = client.post(reverse("service:contact"), {"store_id": shop.pk, "product_id": product.pk})
    conversation = Conversation.objects.get(buyer=buyer, store=shop)
    assert r.status_code == 302 and r.url == chat_url(conversation)
    card = Message.objects.get(conversation=conversation, kind="product")
    assert (card.sender, card.card["title"], card.card["price_min_fen"]) == ("buyer", "云雾绿茶", 6_800)
    # a second click returns to the same session without a second card
    again = client.post(reverse("service:contact"), {"store_id": shop.pk, "product_id": product.pk})
    assert again.url == chat_url(conversation)
    assert Message.objects.filter(conversation=conversation, kind="product").count() == 1

    chat = client.get(chat_url(conversation))
    assert chat.status_code == 200
    assert 'class="msg-card product-card"' in chat.content.decode()
    assert "云雾绿茶" in text(chat) and "¥68.00" in text(chat)


def test_contact_from_an_order_page_sends_the_order_card(signed_in, buyer, shop, agent, at_noon):
    order = Facts(buyer).order(shop, total_fen=12_300)
    client = signed_in(buyer)
    page = client.get(reverse("orders:order_detail", args=[order.pk]))
    assert f'name="order_id" value="{order.pk}"' in element(page, "contact-service") + page.content.decode()
    r = client.post(reverse("service:contact"), {"store_id": shop.pk, "order_id": order.pk})
    conversation = Conversation.objects.get(buyer=buyer, store=shop)
    assert r.url == chat_url(conversation)
    card = Message.objects.get(conversation=conversation, kind="order")
    assert card.card["number"] == order.number
    chat = text(signed_in(buyer).get(chat_url(conversation)))
    assert order.number in chat and "¥123.00" in chat


def test_contact_from_the_store_page_and_the_refusals(signed_in, buyer, make_user, shop, other_shop, at_noon):
    client = signed_in(buyer)
    page = client.get(reverse("stores:shop", args=[shop.pk]))
    assert f'name="store_id" value="{shop.pk}"' in page.content.decode()
    assert 'id="contact-service"' in page.content.decode()
    r = client.post(reverse("service:contact"), {"store_id": shop.pk})
    conversation = Conversation.objects.get(buyer=buyer, store=shop)
    assert r.url == chat_url(conversation)
    assert not Message.objects.filter(conversation=conversation, sender="buyer").exists()

    # someone else's order: the chat opens, without a card
    stranger_order = Facts(make_user("stranger")).order(shop)
    client.post(reverse("service:contact"), {"store_id": shop.pk, "order_id": stranger_order.pk})
    assert not Message.objects.filter(conversation=conversation, kind="order").exists()
    # a store that is not open, or nonsense: 404, never a 500
    Store.objects.filter(pk=other_shop.pk).update(state="closed")
    assert client.post(reverse("service:contact"), {"store_id": other_shop.pk}).status_code == 404
    assert client.post(reverse("service:contact"), {"store_id": "x"}).status_code == 404
    assert client.post(reverse("service:contact"), {"store_id": 2**70}).status_code == 404
    assert client.get(reverse("service:contact")).status_code == 405


def test_anonymous_visitors_are_sent_to_log_in(shop, product, conversation):
    anonymous = Client()
    back = reverse("catalog:product", args=[product.pk])
    r = anonymous.post(
        reverse("service:contact"), {"store_id": shop.pk, "product_id": product.pk, "next": back}
    )
    assert r.status_code == 302 and r.url.startswith(reverse("web:login")) and "next=/products/" in r.url
    r = anonymous.post(reverse("service:contact"), {"store_id": shop.pk, "next": "https://evil.example/"})
    assert r.status_code == 302 and "evil" not in r.url
    for url in (
        reverse("service:conversations"),
        chat_url(conversation),
        workbench_url(shop),
        workbench_url(shop, conversation),
        reverse("service:settings", args=[shop.pk]),
    ):
        r = anonymous.get(url)
        assert r.status_code == 302 and r.url.startswith(reverse("web:login")), url
    assert Conversation.objects.count() == 1


# --------------------------------------------------------------------------------- the buyer chat


def test_the_chat_page_shows_the_newest_page_and_loads_earlier_ones(
    signed_in, buyer, agent, conversation, django_assert_max_num_queries
):
    for n in range(40):
        say(buyer if n % 2 else agent, conversation, f"第{n}条")
    client = signed_in(buyer)
    with django_assert_max_num_queries(5):  # session, user, conversation, messages (+1 slack)
        page = client.get(chat_url(conversation))
    assert page.status_code == 200
    shown = re.findall(r'id="msg-(\d+)"', page.content.decode())
    newest = list(
        Message.objects.filter(conversation=conversation).order_by("-id").values_list("id", flat=True)[:30]
    )
    assert [int(i) for i in shown] == sorted(newest)
    assert "第39条" in text(page) and "第9条" not in text(page)
    chat = element(page, "chat")
    assert 'data-side="buyer"' in chat and f'data-last-id="{newest[0]}"' in chat and 'data-live="1"' in chat
    assert 'id="composer"' in page.content.decode()

    earlier = f"?before={min(newest)}"
    assert earlier in element(page, "load-earlier")
    older = client.get(chat_url(conversation) + earlier)
    assert "第9条" in text(older) and "第39条" not in text(older)
    assert 'data-live="0"' in older.content.decode() and 'id="composer"' not in older.content.decode()
    assert 'id="back-to-latest"' in older.content.decode()
    # htmx asks for the older messages alone, to put above the others
    partial = client.get(chat_url(conversation) + earlier, headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode() and "第0条" in text(partial)
    assert 'id="load-earlier"' not in partial.content.decode()  # the oldest page: nothing before it


def test_bot_system_and_receipts_are_drawn_apart(signed_in, buyer, agent, make_agent, shop, conversation):
    AutoReply.objects.create(store=shop, keyword="发货", reply="下单后 48 小时内发货", created_at=clock.now())
    asked = say(buyer, conversation, "什么时候发货？")
    services.transfer(agent=agent, conversation_id=conversation.pk, to_user_id=make_agent("agent_b").pk)
    answer = say(agent, conversation, "今天就发")
    services.acknowledge(user=agent, conversation_id=conversation.pk, up_to=asked.pk, read=True)

    page = signed_in(buyer).get(chat_url(conversation))
    html = page.content.decode()
    bot = Message.objects.get(conversation=conversation, sender="bot")
    assert re.search(rf'<li class="msg from-bot kind-text" id="msg-{bot.pk}"', html)
    assert "自动回复" in html[html.index(f'id="msg-{bot.pk}"') :].split("</li>")[0]
    system = Message.objects.get(conversation=conversation, sender="system")
    assert f'<li class="msg from-system kind-text" id="msg-{system.pk}"' in html
    mine = html[html.index(f'id="msg-{asked.pk}"') :].split("</li>")[0]
    assert 'class="receipt read"' in mine and "已读" in mine  # the store read it
    theirs = html[html.index(f'id="msg-{answer.pk}"') :].split("</li>")[0]
    assert "receipt" not in theirs  # receipts are shown on one's own messages only


def test_the_chat_is_the_participants_alone(
    signed_in, make_user, buyer, agent, other_agent, shop, conversation, django_assert_max_num_queries
):
    assert signed_in(make_user("nosy")).get(chat_url(conversation)).status_code == 404
    assert signed_in(other_agent).get(chat_url(conversation)).status_code == 404
    assert signed_in(buyer).get(reverse("service:chat", args=[2**70])).status_code == 404
    # the store's agent sees it in the workbench
    r = signed_in(agent).get(chat_url(conversation))
    assert r.status_code == 302 and r.url == workbench_url(shop, conversation)
    for url in ("send", "rate", "close"):
        r = signed_in(other_agent).post(
            reverse(f"service:{url}", args=[conversation.pk]), {"text": "x", "rating": 5}
        )
        assert r.status_code == 404, url
    assert not Message.objects.filter(conversation=conversation, text="x").exists()


def test_sending_without_scripts(signed_in, buyer, agent, shop, conversation):
    client = signed_in(buyer)
    page = client.get(chat_url(conversation)).content.decode()
    client_id = re.search(r'name="client_id" value="([^"]+)"', page).group(1)
    send = reverse("service:send", args=[conversation.pk])
    r = client.post(send, {"text": "请问有现货吗？", "client_id": client_id})
    assert r.status_code == 302 and r.url == chat_url(conversation) + "#composer"
    assert client.post(send, {"text": "请问有现货吗？", "client_id": client_id}).status_code == 302
    assert Message.objects.filter(conversation=conversation, sender="buyer").count() == 1  # a double click

    empty = client.post(send, {"text": "   ", "client_id": ""})
    assert empty.status_code == 422 and "必填" in text(empty)
    assert client.post(send, {"text": "x" * 1001}).status_code == 422
    assert client.post(send, {"text": "a\x00b"}).status_code == 422

    # the agent answers from the workbench; answering means the buyer's message was read
    refused = signed_in(agent).post(send, {"text": ""})
    assert refused.status_code == 422 and 'data-side="agent"' in refused.content.decode()
    r = signed_in(agent).post(send, {"text": "有的，今天发货"})
    assert r.status_code == 302 and r.url == workbench_url(shop, conversation) + "#composer"
    conversation.refresh_from_db()
    assert conversation.store_read_id == Message.objects.filter(conversation=conversation).latest("id").pk

    services.close_conversation(user=agent, conversation_id=conversation.pk)
    closed = client.post(send, {"text": "还在吗"})
    assert closed.status_code == 422 and "会话已结束，请重新发起咨询" in text(closed)


def test_closing_rating_and_a_new_consultation(signed_in, buyer, agent, shop, conversation):
    client = signed_in(buyer)
    rate = reverse("service:rate", args=[conversation.pk])
    early = client.post(rate, {"rating": 5})
    assert early.status_code == 422 and "会话结束后才能评价" in text(early)
    assert 'id="rate-form"' not in client.get(chat_url(conversation)).content.decode()

    r = client.post(reverse("service:close", args=[conversation.pk]))
    assert r.status_code == 302 and r.url == chat_url(conversation)
    page = client.get(chat_url(conversation))
    html = page.content.decode()
    assert 'id="rate-form"' in html and 'id="new-consultation"' in html and 'id="composer"' not in html
    assert html.count('name="rating"') == 5
    assert "会话已结束" in text(client.post(reverse("service:close", args=[conversation.pk]), follow=True))

    assert client.post(rate, {"rating": 9}).status_code == 422
    assert client.post(rate, {"rating": "x"}).status_code == 422
    assert signed_in(agent).post(rate, {"rating": 1}).status_code == 404
    r = client.post(rate, {"rating": 4, "comment": "回复很快"})
    assert r.status_code == 302
    conversation.refresh_from_db()
    assert (conversation.rating, conversation.rating_comment) == (4, "回复很快")
    page = client.get(chat_url(conversation))
    assert "★★★★" in element(page, "rated") and 'id="rate-form"' not in page.content.decode()
    again = client.post(rate, {"rating": 5})
    assert again.status_code == 422 and "已评价过该会话" in text(again)

    r = client.post(reverse("service:contact"), {"store_id": shop.pk})
    fresh = Conversation.objects.get(buyer=buyer, store=shop, status="open")
    assert fresh.pk != conversation.pk and r.url == chat_url(fresh)


def test_the_rating_window_closes_after_seven_days(signed_in, buyer, agent, conversation):
    services.close_conversation(user=agent, conversation_id=conversation.pk)
    with clock.travel_to(clock.now() + timedelta(days=8)):
        page = signed_in(buyer).get(chat_url(conversation))
    assert 'id="rate-form"' not in page.content.decode() and "评价期已过" in text(page)


def test_the_buyers_list_counts_what_is_unread(signed_in, buyer, agent, shop, conversation, product):
    say(buyer, conversation, "在吗")
    say(agent, conversation, "在的")
    services.send_message(user=agent, conversation_id=conversation.pk, kind="product", product_id=product.pk)
    client = signed_in(buyer)
    page = client.get(reverse("service:conversations"))
    row = page.content.decode().split(f'id="conversation-{conversation.pk}"')[1].split("</li>")[0]
    assert shop.name in row and '<span class="unread-count"' in row and ">2<" in row and "[商品]" in row
    last = Message.objects.filter(conversation=conversation).latest("id")
    services.acknowledge(user=buyer, conversation_id=conversation.pk, up_to=last.pk, read=True)
    row = (
        client.get(reverse("service:conversations"))
        .content.decode()
        .split(f'id="conversation-{conversation.pk}"')[1]
    )
    assert "unread-count" not in row.split("</li>")[0]
    assert "还没有咨询过店铺" in text(signed_in(agent).get(reverse("service:conversations")))


# ---------------------------------------------------------------------------------- workbench


def test_the_workbench_lists_mine_then_waiting_then_others(
    signed_in, make_user, make_agent, agent, shop, at_noon, django_assert_max_num_queries
):
    colleague = make_agent("agent_b", online=False)
    buyers = [make_user(f"shopper{n}") for n in range(3)]
    mine = services.open_conversation(buyer=buyers[0], store_id=shop.pk)[0]  # agent is the only one online
    services.set_presence(user=agent, store=shop, status="away")
    waiting = services.open_conversation(buyer=buyers[1], store_id=shop.pk)[0]
    others = services.open_conversation(buyer=buyers[2], store_id=shop.pk)[0]
    Conversation.objects.filter(pk=others.pk).update(agent=colleague)
    for conversation, words in ((mine, "一"), (waiting, "二"), (others, "三")):
        say(conversation.buyer, conversation, words)
    say(buyers[0], mine, "还在吗")

    client = signed_in(agent)
    with django_assert_max_num_queries(11):  # 10 whatever the number of sessions, +1 slack
        page = client.get(workbench_url(shop))
    assert page.status_code == 200
    html = page.content.decode()
    order = [int(i) for i in re.findall(r'id="session-(\d+)"', html)]
    assert order == [mine.pk, waiting.pk, others.pk]
    assert 'data-unread="2"' in element(page, f"session-{mine.pk}")
    assert "还在吗" in text(page)
    assert 'aria-pressed="true"' in element(page, "presence-away")
    assert 'id="service-stats"' in html and 'id="stat-sessions">3<' in html

    with django_assert_max_num_queries(15):  # 14 + the menu's store roles (issue 17)
        view = client.get(workbench_url(shop, mine))
    assert view.status_code == 200
    chat = element(view, "chat")
    assert 'data-side="agent"' in chat and 'data-live="1"' in chat
    assert f'value="{colleague.pk}"' in view.content.decode()  # transfer to the colleague
    partial = client.get(reverse("service:workbench_sessions", args=[shop.pk]), {"open": mine.pk})
    assert "<html" not in partial.content.decode() and 'class="session current"' in partial.content.decode()


def test_the_workbench_is_the_stores_agents_alone(
    signed_in, make_user, agent, other_agent, shop, other_shop, conversation
):
    for user, status in ((other_agent, 404), (make_user("nosy"), 404)):
        client = signed_in(user)
        assert client.get(workbench_url(shop)).status_code == status
        assert client.get(workbench_url(shop, conversation)).status_code == status
        assert client.get(reverse("service:workbench_sessions", args=[shop.pk])).status_code == status
        assert (
            client.post(reverse("service:presence", args=[shop.pk]), {"status": "online"}).status_code
            == status
        )
    operator = make_user("operator_staff")
    StoreStaff.objects.create(store=shop, user=operator, role=Role.OPERATOR)
    assert signed_in(operator).get(workbench_url(shop)).status_code == 403
    # the other store's agent may not open this store's conversation through their own workbench
    assert signed_in(other_agent).get(workbench_url(other_shop, conversation)).status_code == 404
    assert signed_in(agent).get(reverse("service:workbench", args=[2**70])).status_code == 404
    # the store settings page links the workbench for those who may use it
    assert (
        'id="store-service-link"'
        in signed_in(agent).get(reverse("web:store_settings", args=[shop.pk])).content.decode()
    )
    assert (
        'id="store-service-link"'
        not in signed_in(operator).get(reverse("web:store_settings", args=[shop.pk])).content.decode()
    )


def test_presence_and_transfer_forms(signed_in, agent, make_agent, shop, conversation):
    colleague = make_agent("agent_b", online=False)
    client = signed_in(agent)
    presence = reverse("service:presence", args=[shop.pk])
    back = workbench_url(shop, conversation)
    r = client.post(presence, {"status": "offline", "next": back})
    assert r.status_code == 302 and r.url == back
    assert AgentPresence.objects.get(store=shop, user=agent).status == "offline"
    r = client.post(presence, {"status": "busy", "next": "https://evil.example/"})
    assert r.status_code == 302 and r.url == workbench_url(shop)
    assert AgentPresence.objects.get(store=shop, user=agent).status == "offline"

    transfer = reverse("service:transfer", args=[shop.pk, conversation.pk])
    bad = client.post(transfer, {"to_user_id": agent.pk})
    assert bad.status_code == 422 and 'id="field-to_user_id"' in bad.content.decode()
    assert client.post(transfer, {"to_user_id": "x"}).status_code == 422
    r = client.post(transfer, {"to_user_id": colleague.pk})
    assert r.status_code == 302
    conversation.refresh_from_db()
    assert conversation.agent_id == colleague.pk
    assert Message.objects.filter(conversation=conversation, sender="system").exists()

    r = client.post(reverse("service:close", args=[conversation.pk]))
    assert r.status_code == 302 and r.url == back
    page = client.get(back)
    assert 'id="composer"' not in page.content.decode() and 'id="transfer-form"' not in page.content.decode()


# ----------------------------------------------------------------------------------- settings


@pytest.fixture
def admin(make_user, shop):
    user = make_user("store_admin")
    StoreStaff.objects.create(store=shop, user=user, role=Role.ADMIN)
    return user


def test_settings_page_is_for_store_managers(signed_in, merchant, admin, agent, other_agent, shop):
    url = reverse("service:settings", args=[shop.pk])
    assert signed_in(merchant).get(url).status_code == 200
    assert signed_in(admin).get(url).status_code == 200
    assert signed_in(agent).get(url).status_code == 403
    assert signed_in(other_agent).get(url).status_code == 404
    assert 'id="service-settings-link"' in signed_in(merchant).get(workbench_url(shop)).content.decode()
    assert 'id="service-settings-link"' not in signed_in(agent).get(workbench_url(shop)).content.decode()


def test_settings_hours_messages_and_replies(signed_in, merchant, shop):
    client = signed_in(merchant)
    url = reverse("service:settings", args=[shop.pk])
    r = client.post(
        url,
        {
            "action": "settings",
            "welcome_message": "您好，有什么可以帮您？",
            "offline_message": "客服已下班，明早回复",
            "opens_at": "09:00",
            "closes_at": "21:30",
            "max_sessions": "8",
        },
    )
    assert r.status_code == 302
    saved = ServiceSettings.objects.get(store=shop)
    assert (saved.welcome_message, str(saved.closes_at), saved.max_sessions) == (
        "您好，有什么可以帮您？",
        "21:30:00",
        8,
    )

    refused = client.post(
        url, {"action": "settings", "opens_at": "22:00", "closes_at": "08:00", "max_sessions": "8"}
    )
    assert refused.status_code == 422
    assert "服务开始时间须早于结束时间" in element(refused, "field-opens_at") + text(refused)
    assert 'class="field has-error" id="field-opens_at"' in refused.content.decode()
    assert client.post(url, {"action": "settings", "opens_at": "9", "max_sessions": "500"}).status_code == 422

    assert (
        client.post(url, {"action": "auto_add", "keyword": "发货", "reply": "48 小时内发货"}).status_code
        == 302
    )
    duplicate = client.post(url, {"action": "auto_add", "keyword": "发货", "reply": "再说一次"})
    assert duplicate.status_code == 422
    assert 'class="field has-error" id="field-keyword"' in duplicate.content.decode()
    assert "该关键词已存在" in text(duplicate)
    rule = AutoReply.objects.get(store=shop)
    assert client.post(url, {"action": "quick_add", "text": "亲，在的"}).status_code == 302
    quick = QuickReply.objects.get(store=shop)
    page = client.get(url)
    assert (
        f'id="auto-reply-{rule.pk}"' in page.content.decode()
        and f'id="quick-reply-{quick.pk}"' in page.content.decode()
    )

    assert client.post(url, {"action": "auto_delete", "reply_id": rule.pk}).status_code == 302
    assert client.post(url, {"action": "quick_delete", "reply_id": quick.pk}).status_code == 302
    assert not AutoReply.objects.exists() and not QuickReply.objects.exists()
    gone = client.post(url, {"action": "quick_delete", "reply_id": quick.pk}, follow=True)
    assert "未找到" in text(gone)
    assert client.post(url, {"action": "quick_delete", "reply_id": "x"}).status_code == 404
    assert client.post(url, {"action": "explode"}).status_code == 404


def test_only_the_owner_switches_the_mode_and_sees_the_secret_once(
    signed_in, merchant, admin, shop, conversation
):
    url = reverse("service:settings", args=[shop.pk])
    refused = signed_in(admin).post(
        url, {"action": "mode", "mode": "self_built", "webhook_url": "https://cs.example.com/events"}
    )
    assert refused.status_code == 422
    assert 'class="field has-error" id="field-mode"' in refused.content.decode()
    assert "只有店主可以切换客服模式" in text(refused)
    assert ServiceSettings.objects.get(store=shop).mode == "workbench"

    owner = signed_in(merchant)
    no_url = owner.post(url, {"action": "mode", "mode": "self_built", "webhook_url": ""})
    assert no_url.status_code == 422 and "自建客服需要消息推送地址" in text(no_url)
    assert 'class="field has-error" id="field-webhook_url"' in no_url.content.decode()
    plain = owner.post(url, {"action": "mode", "mode": "self_built", "webhook_url": "http://cs.example.com/"})
    assert plain.status_code == 422 and "消息推送地址须为 HTTPS" in text(plain)

    switched = owner.post(
        url, {"action": "mode", "mode": "self_built", "webhook_url": "https://cs.example.com/events"}
    )
    assert switched.status_code == 200
    saved = ServiceSettings.objects.get(store=shop)
    assert saved.mode == "self_built" and len(saved.webhook_secret) == 64
    assert saved.webhook_secret in element(switched, "webhook-secret")
    assert "只显示这一次" in text(switched)
    assert saved.webhook_secret not in owner.get(url).content.decode()  # never again
    conversation.refresh_from_db()
    assert conversation.status == "closed"  # histories do not carry over
    assert 'id="self-built-notice"' in owner.get(workbench_url(shop)).content.decode()

    back = owner.post(
        url, {"action": "mode", "mode": "workbench", "webhook_url": "https://cs.example.com/events"}
    )
    assert back.status_code == 302 and ServiceSettings.objects.get(store=shop).mode == "workbench"


def test_contact_with_a_store_on_another_customer_service_goes_where_it_says(signed_in, buyer, shop, at_noon):
    from xiaodian.service import extensions

    client = signed_in(buyer)
    with (
        extensions.legacy_mode.override(lambda store: True),
        extensions.legacy_entry.override(lambda who, store: f"/elsewhere/{store.pk}/{who.pk}/"),
    ):
        r = client.post(reverse("service:contact"), {"store_id": shop.pk})
    assert r.status_code == 302 and r.url == f"/elsewhere/{shop.pk}/{buyer.pk}/"
    assert not Conversation.objects.exists()
