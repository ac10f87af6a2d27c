"""Conversations, messages, assignment, transfer, close, rating, replies and the mode switch."""

from datetime import timedelta

import pytest

from xiaodian.accounts.rules import Role
from xiaodian.catalog.models import SKU, Product
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.scoring.tests.facts import Facts
from xiaodian.service import services
from xiaodian.service.models import Conversation, Message
from xiaodian.stores.models import StoreStaff

pytestmark = pytest.mark.django_db


def texts(conversation):
    return list(Message.objects.filter(conversation=conversation).values_list("sender", "text"))


def refused(code, call, *args, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code
    return caught.value


def test_a_buyer_opens_a_session_greeted_and_given_to_an_online_agent(shop, buyer, agent, at_noon):
    services.update_settings(user=shop_owner(shop), store=shop, welcome_message="您好，有什么可以帮您？")
    conversation, created = services.open_conversation(buyer=buyer, store_id=shop.pk)
    assert created and conversation.agent_id == agent.pk
    assert texts(conversation) == [("bot", "您好，有什么可以帮您？")]
    again, created_again = services.open_conversation(buyer=buyer, store_id=shop.pk)
    assert (again.pk, created_again) == (conversation.pk, False)


def shop_owner(shop):
    return StoreStaff.objects.get(store=shop, role=Role.OWNER).user


def test_a_closed_or_unknown_store_cannot_be_consulted(store, buyer):
    from xiaodian.stores.models import Store

    Store.objects.filter(pk=store.pk).update(state="closed")
    refused("not_found", services.open_conversation, buyer=buyer, store_id=store.pk)
    refused("not_found", services.open_conversation, buyer=buyer, store_id=10**9)


def test_least_loaded_assignment_respects_the_session_limit(shop, make_agent, make_user, at_noon):
    services.update_settings(user=shop_owner(shop), store=shop, max_sessions=2)
    first, second = make_agent("a1"), make_agent("a2")
    got = [services.open_conversation(buyer=make_user(), store_id=shop.pk)[0].agent_id for _ in range(5)]
    assert got == [first.pk, second.pk, first.pk, second.pk, None]  # the fifth waits
    third = make_agent("a3")  # going online takes the waiting session
    assert Conversation.objects.filter(agent=third).count() == 1


def test_an_away_agent_gets_no_new_sessions(shop, make_agent, make_user, at_noon):
    agent = make_agent("away_one")
    services.set_presence(user=agent, store=shop, status="away")
    conversation, _ = services.open_conversation(buyer=make_user(), store_id=shop.pk)
    assert conversation.agent_id is None


def test_transfer_to_another_agent_of_the_store(conversation, make_agent, make_user, agent):
    other = make_agent("agent_b")
    moved = services.transfer(agent=agent, conversation_id=conversation.pk, to_user_id=other.pk)
    assert moved.agent_id == other.pk
    assert ("system", "会话已转接") in texts(conversation)
    stranger = make_user()
    refused(
        "validation_error",
        services.transfer,
        agent=other,
        conversation_id=conversation.pk,
        to_user_id=stranger.pk,
    )
    refused(
        "not_found", services.transfer, agent=stranger, conversation_id=conversation.pk, to_user_id=other.pk
    )


def test_messages_text_product_and_order_cards(conversation, buyer, agent, shop):
    message, created = services.send_message(user=buyer, conversation_id=conversation.pk, text="  在吗？ ")
    assert created and (message.sender, message.text) == ("buyer", "在吗？")
    product = Product.objects.create(
        store=shop, category=shop.main_category, title="云雾绿茶", state="listed"
    )
    SKU.objects.create(product=product, price_fen=6800, stock=1)
    card, _ = services.send_message(
        user=agent, conversation_id=conversation.pk, kind="product", product_id=product.pk
    )
    assert card.card == {"product_id": product.pk, "title": "云雾绿茶", "price_min_fen": 6800}
    order = Facts(buyer).order(shop)
    order_card, _ = services.send_message(
        user=buyer, conversation_id=conversation.pk, kind="order", order_id=order.pk
    )
    assert order_card.card["number"] == order.number
    other_store_order = Facts(buyer).order(_other_store(shop))
    refused(
        "validation_error",
        services.send_message,
        user=buyer,
        conversation_id=conversation.pk,
        kind="order",
        order_id=other_store_order.pk,
    )


def _other_store(shop):
    from xiaodian.stores.models import Store

    twin = Store.objects.get(pk=shop.pk)
    twin.pk, twin.name, twin.name_key = None, "另一家店", "另一家店"
    twin.save()
    return twin


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "a\x00b"}, "text"),
        ({"text": "字" * 1001}, "text"),
        ({"kind": "video", "text": "x"}, "kind"),
        ({"kind": "product", "product_id": 0}, "product_id"),
        ({"kind": "image"}, "image"),
    ],
)
def test_bad_messages_are_refused_and_save_nothing(conversation, buyer, kwargs, field):
    before = Message.objects.count()
    error = refused(
        "validation_error", services.send_message, user=buyer, conversation_id=conversation.pk, **kwargs
    )
    assert error.field == field
    assert Message.objects.count() == before


def test_a_resent_client_id_is_the_same_message(conversation, buyer):
    first, created = services.send_message(
        user=buyer, conversation_id=conversation.pk, text="你好", client_id="c-1"
    )
    again, created_again = services.send_message(
        user=buyer, conversation_id=conversation.pk, text="你好", client_id="c-1"
    )
    assert created and not created_again and again.pk == first.pk
    assert Message.objects.filter(client_id="c-1").count() == 1


def test_strangers_cannot_read_or_write(conversation, make_user):
    stranger = make_user()
    refused("not_found", services.send_message, user=stranger, conversation_id=conversation.pk, text="hi")
    refused("not_found", services.conversation_for, stranger, conversation.pk)


def test_keyword_replies_are_bot_messages(conversation, buyer, shop):
    services.add_auto_reply(user=shop_owner(shop), store=shop, keyword="发货", reply="付款后 48 小时内发货。")
    services.send_message(user=buyer, conversation_id=conversation.pk, text="什么时候发货？")
    assert texts(conversation)[-1] == ("bot", "付款后 48 小时内发货。")
    refused(
        "auto_reply_keyword_exists",
        services.add_auto_reply,
        user=shop_owner(shop),
        store=shop,
        keyword="发货",
        reply="x",
    )


def test_the_offline_message_comes_once_when_no_agent_is_online(shop, buyer, make_user, at_noon):
    services.update_settings(user=shop_owner(shop), store=shop, offline_message="客服不在线，请留言。")
    conversation, _ = services.open_conversation(buyer=buyer, store_id=shop.pk)
    for text in ("在吗", "还在吗"):
        services.send_message(user=buyer, conversation_id=conversation.pk, text=text)
    assert texts(conversation) == [("buyer", "在吗"), ("bot", "客服不在线，请留言。"), ("buyer", "还在吗")]


def test_outside_service_hours_the_offline_message_answers(shop, buyer, agent):
    services.update_settings(user=shop_owner(shop), store=shop, offline_message="已下班，明早回复。")
    with clock.travel_to(
        clock.now().replace(year=2026, month=6, day=1, hour=15, minute=30)
    ):  # 23:30 Shanghai
        conversation, _ = services.open_conversation(buyer=buyer, store_id=shop.pk)
        services.send_message(user=buyer, conversation_id=conversation.pk, text="在吗")
    assert texts(conversation)[-1] == ("bot", "已下班，明早回复。")


def test_close_and_rate_once(conversation, buyer, agent):
    refused(
        "invalid_transition",
        services.rate_conversation,
        buyer=buyer,
        conversation_id=conversation.pk,
        rating=5,
    )
    services.close_conversation(user=agent, conversation_id=conversation.pk)
    refused(
        "conversation_closed", services.send_message, user=buyer, conversation_id=conversation.pk, text="?"
    )
    refused(
        "validation_error", services.rate_conversation, buyer=buyer, conversation_id=conversation.pk, rating=6
    )
    refused("not_found", services.rate_conversation, buyer=agent, conversation_id=conversation.pk, rating=5)
    rated = services.rate_conversation(buyer=buyer, conversation_id=conversation.pk, rating=4, comment="还行")
    assert (rated.rating, rated.rating_comment) == (4, "还行")
    refused(
        "already_rated", services.rate_conversation, buyer=buyer, conversation_id=conversation.pk, rating=5
    )


def test_rating_closes_after_seven_days(conversation, buyer, agent):
    services.close_conversation(user=buyer, conversation_id=conversation.pk)
    clock.advance(timedelta(days=7, seconds=1))
    refused(
        "invalid_transition",
        services.rate_conversation,
        buyer=buyer,
        conversation_id=conversation.pk,
        rating=5,
    )


def test_an_idle_session_gives_way_to_a_new_one(conversation, buyer, shop):
    clock.advance(timedelta(minutes=31))
    fresh, created = services.open_conversation(buyer=buyer, store_id=shop.pk)
    assert created and fresh.pk != conversation.pk
    conversation.refresh_from_db()
    assert conversation.status == "closed"


def test_no_cold_outreach(shop, agent, make_user, at_noon):
    stranger = make_user()
    refused("cold_outreach", services.start_conversation, agent=agent, store=shop, buyer_id=stranger.pk)
    customer = make_user()
    Facts(customer).order(shop)
    conversation, created = services.start_conversation(agent=agent, store=shop, buyer_id=customer.pk)
    assert created and conversation.opened_by == "agent" and conversation.agent_id == agent.pk
    consulted = make_user()
    first, _ = services.open_conversation(buyer=consulted, store_id=shop.pk)
    services.close_conversation(user=consulted, conversation_id=first.pk)
    again, created = services.start_conversation(agent=agent, store=shop, buyer_id=consulted.pk)
    assert created and again.pk != first.pk


def test_only_the_owner_switches_modes_and_history_stays_behind(
    conversation, shop, make_user, buyer, settings
):
    settings.XIAODIAN_WEBHOOK_ALLOW_LOOPBACK_HTTP = False
    admin = make_user()
    StoreStaff.objects.create(store=shop, user=admin, role=Role.ADMIN)
    refused(
        "permission_denied",
        services.update_settings,
        user=admin,
        store=shop,
        mode="self_built",
        webhook_url="https://cs.example.com/hook",
    )
    refused(
        "validation_error", services.update_settings, user=shop_owner(shop), store=shop, mode="self_built"
    )
    refused(
        "validation_error",
        services.update_settings,
        user=shop_owner(shop),
        store=shop,
        webhook_url="http://cs.example.com/hook",
    )
    current, secret = services.update_settings(
        user=shop_owner(shop), store=shop, mode="self_built", webhook_url="https://cs.example.com/hook"
    )
    assert current.mode == "self_built" and len(secret) == 64
    conversation.refresh_from_db()
    assert conversation.status == "closed"
    fresh, created = services.open_conversation(buyer=buyer, store_id=shop.pk)
    assert created and fresh.mode == "self_built"


def test_receipts_only_move_forward(conversation, buyer, agent):
    first, _ = services.send_message(user=buyer, conversation_id=conversation.pk, text="一")
    second, _ = services.send_message(user=buyer, conversation_id=conversation.pk, text="二")
    seen = services.acknowledge(user=agent, conversation_id=conversation.pk, up_to=second.pk, read=True)
    assert (seen.store_delivered_id, seen.store_read_id) == (second.pk, second.pk)
    back = services.acknowledge(user=agent, conversation_id=conversation.pk, up_to=first.pk, read=True)
    assert back.store_read_id == second.pk
    beyond = services.acknowledge(user=buyer, conversation_id=conversation.pk, up_to=10**12, read=False)
    assert (beyond.buyer_delivered_id, beyond.buyer_read_id) == (second.pk, 0)


def test_an_image_message_is_checked_and_renamed(conversation, buyer):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "orange").save(buffer, "PNG")
    message, _ = services.send_message(
        user=buyer,
        conversation_id=conversation.pk,
        kind="image",
        image=SimpleUploadedFile("../../etc/evil.png", buffer.getvalue()),
    )
    assert message.image.name.startswith("service/") and message.image.name.endswith(".png")
    assert "evil" not in message.image.name
    fake = SimpleUploadedFile("a.png", b"not an image")
    refused(
        "image_invalid",
        services.send_message,
        user=buyer,
        conversation_id=conversation.pk,
        kind="image",
        image=fake,
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.0.0.5/hook",
        "https://169.254.169.254/latest",
        "https://localhost/x",
        "http://cs.example.com/hook",
    ],
)
def test_the_endpoint_must_be_public_https(shop, url, settings):
    settings.XIAODIAN_WEBHOOK_ALLOW_LOOPBACK_HTTP = False
    refused(
        "validation_error",
        services.update_settings,
        user=shop_owner(shop),
        store=shop,
        mode="self_built",
        webhook_url=url,
    )


def test_only_the_owner_repoints_a_self_built_endpoint(shop, make_user):
    owner = shop_owner(shop)
    services.update_settings(
        user=owner, store=shop, mode="self_built", webhook_url="https://cs.example.com/a"
    )
    admin = make_user()
    StoreStaff.objects.create(store=shop, user=admin, role=Role.ADMIN)
    refused(
        "permission_denied",
        services.update_settings,
        user=admin,
        store=shop,
        webhook_url="https://evil.example.com/",
    )
    same, _ = services.update_settings(
        user=admin, store=shop, webhook_url="https://cs.example.com/a", welcome_message="hi"
    )
    assert same.welcome_message == "hi"  # saving the unchanged address with other settings is fine


def test_a_reply_takes_whole_seconds_rounded_up(shop, buyer, agent):
    from xiaodian.scoring.models import ServiceSessionFact

    start = clock.now().replace(year=2026, month=6, day=1, hour=2, minute=0, second=0, microsecond=0)
    with clock.travel_to(start):
        conversation, _ = services.open_conversation(buyer=buyer, store_id=shop.pk)
        services.send_message(user=buyer, conversation_id=conversation.pk, text="在吗")
    with clock.travel_to(start + timedelta(seconds=180, milliseconds=400)):
        services.send_message(user=agent, conversation_id=conversation.pk, text="在")
    assert ServiceSessionFact.objects.get().first_human_reply_seconds == 181  # not within 3 minutes


def test_two_agents_may_use_the_same_client_id(conversation, agent, make_agent):
    other = make_agent("agent_d")
    first, _ = services.send_message(user=agent, conversation_id=conversation.pk, text="一", client_id="1")
    second, created = services.send_message(
        user=other, conversation_id=conversation.pk, text="二", client_id="1"
    )
    assert created and second.pk != first.pk


def test_an_idle_session_holds_no_place(shop, make_agent, make_user, at_noon):
    services.update_settings(user=shop_owner(shop), store=shop, max_sessions=1)
    agent = make_agent("solo")
    first, _ = services.open_conversation(buyer=make_user(), store_id=shop.pk)
    assert first.agent_id == agent.pk
    clock.advance(timedelta(minutes=31))
    second, _ = services.open_conversation(buyer=make_user(), store_id=shop.pk)
    assert second.agent_id == agent.pk  # the first session has been quiet for 31 minutes


def test_reply_limits(shop, agent):
    for n in range(50):
        services.add_quick_reply(user=agent, store=shop, text=f"回复{n}")
    refused("service_limit_reached", services.add_quick_reply, user=agent, store=shop, text="再来一条")


def test_a_message_costs_a_fixed_number_of_queries(conversation, buyer, agent, django_assert_max_num_queries):
    services.send_message(user=buyer, conversation_id=conversation.pk, text="第一条")  # the session's first
    with django_assert_max_num_queries(10):
        services.send_message(user=buyer, conversation_id=conversation.pk, text="第二条")
    with django_assert_max_num_queries(9):
        services.send_message(user=agent, conversation_id=conversation.pk, text="回复")


def test_a_store_on_another_customer_service_opens_no_session(shop, buyer, agent, at_noon):
    """extensions.legacy_mode (business contacts register it: a legacy video store before its
    customer-service upgrade): neither the buyer nor an agent opens a session there."""
    from xiaodian.service import extensions

    Facts(buyer).order(shop)
    with extensions.legacy_mode.override(lambda store: store.pk == shop.pk):
        error = refused("service_legacy_mode", services.open_conversation, buyer=buyer, store_id=shop.pk)
        assert error.status == 409
        refused(
            "service_legacy_mode", services.start_conversation, agent=agent, store=shop, buyer_id=buyer.pk
        )
        assert not Conversation.objects.exists()
    assert services.open_conversation(buyer=buyer, store_id=shop.pk)[1]
