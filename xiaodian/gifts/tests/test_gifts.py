"""1:1 gifts through services (DOMAIN.md "Gifts"): to a contact only, not jewellery or education,
at most ¥10,000, the giver cannot cancel, the recipient accepts within a day with an address and
may switch style at the same price, otherwise the gift is cancelled and refunded; only the
recipient may ask for after-sales; no re-gifting. The gift's states follow its order's events."""

from datetime import timedelta

import pytest

from xiaodian.aftersales import services as aftersales
from xiaodian.catalog.models import SKU
from xiaodian.chats import selectors as chat_selectors
from xiaodian.chats.models import Conversation, Message
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.gifts import rules, selectors, services
from xiaodian.gifts.models import Gift, GiftUnit
from xiaodian.gifts.rules import GiftState, SentFrom
from xiaodian.ledger import selectors as ledger
from xiaodian.ledger.models import OrderMoney
from xiaodian.orders import services as orders
from xiaodian.orders.models import Order
from xiaodian.orders.rules import Status
from xiaodian.orders.tests.conftest import ADDRESS
from xiaodian.payments.models import Refund, RefundStatus
from xiaodian.social import services as social

from .conftest import drain

pytestmark = pytest.mark.django_db


def order_of(gift) -> Order:
    return Order.objects.get(gift_unit__gift=gift)


def test_a_paid_gift_waits_for_its_recipient_who_sees_it_only_once_paid(send, pay, friend, giver):
    gift = send(message="生日快乐")
    assert (gift.state, gift.count, gift.unit_fen, gift.sent_from) == (GiftState.CLAIMABLE, 1, 9_900, 0)
    assert order_of(gift).status == Status.UNPAID
    assert list(selectors.received_by(friend)) == []
    assert selectors.visible_gift(friend, gift.pk) is None
    pay(gift)
    assert gift.paid_at is not None
    assert order_of(gift).status == Status.GIFT_PENDING
    assert list(selectors.received_by(friend)) == [gift]
    assert list(selectors.sent_by(giver)) == [gift]
    assert selectors.visible_gift(friend, gift.pk) == gift


def test_a_gift_goes_only_to_one_of_the_giver_s_contacts(send, make_user, giver, friend):
    stranger = make_user("stranger")
    with pytest.raises(DomainError) as refused:
        send(recipient_id=stranger.pk)
    assert (refused.value.code, refused.value.field) == ("gift_recipient_not_contact", "recipient_id")
    # one-way: the friend still has the giver, but the giver deleted the friend
    social.delete_contact(owner=giver, other_id=friend.pk)
    with pytest.raises(DomainError) as removed:
        send()
    assert removed.value.code == "gift_recipient_not_contact"
    assert not Gift.objects.exists() and not Order.objects.exists()


def test_a_gift_cannot_go_to_oneself_nor_to_nobody(send, giver):
    with pytest.raises(DomainError) as self_gift:
        send(recipient_id=giver.pk)
    assert self_gift.value.field == "recipient_id"
    with pytest.raises(DomainError) as nobody:
        send(recipient_id=10**9)
    assert nobody.value.code == "not_found"


@pytest.mark.parametrize("category", ["黄金", "玉石", "在线课程"])
def test_jewellery_and_education_cannot_be_gifts(send, make_sku, store, category):
    sku = make_sku(store, category=category)
    with pytest.raises(DomainError) as refused:
        send(sku_id=sku.pk)
    assert refused.value.code == "gift_category_excluded"
    assert not Order.objects.exists()


def test_the_excluded_categories_are_the_shipped_tree_s_top_level_names(categories):
    for name in rules.EXCLUDED_CATEGORIES:
        assert categories[name].parent_id is None


def test_a_gift_costs_at_most_ten_thousand_yuan(send, make_sku, store):
    at_limit = make_sku(store, price_fen=rules.PRICE_MAX_FEN, category="手机")
    assert send(sku_id=at_limit.pk).unit_fen == 1_000_000
    above = make_sku(store, price_fen=rules.PRICE_MAX_FEN + 1, category="手机")
    with pytest.raises(DomainError) as refused:
        send(sku_id=above.pk)
    assert refused.value.code == "gift_price_too_high"


def test_the_message_and_where_it_was_sent_from_are_checked(send):
    assert send(message="x" * rules.MESSAGE_MAX, sent_from=SentFrom.MINI_PROGRAM).sent_from == 6
    with pytest.raises(DomainError) as long:
        send(message="x" * (rules.MESSAGE_MAX + 1))
    assert long.value.field == "message"
    with pytest.raises(DomainError) as unknown:
        send(sent_from=7)
    assert unknown.value.field == "sent_from"


def test_sent_from_codes_and_states_are_the_domain_s():
    assert dict(SentFrom.choices) == {
        0: "单聊",
        1: "群聊",
        2: "公众号",
        3: "视频号",
        4: "企业微信单聊",
        5: "企业微信群聊",
        6: "小程序",
    }
    assert GiftState.values == [10, 20, 180, 181, 250]


def test_sending_again_with_the_same_key_answers_the_same_gift(send):
    first = send(idempotency_key="same")
    assert send(idempotency_key="same") == first
    with pytest.raises(DomainError) as other:
        send(idempotency_key="same", message="另一句")  # the same order, but another gift
    assert other.value.code == "idempotency_conflict"
    assert Gift.objects.count() == 1


def test_the_giver_cannot_cancel_a_paid_gift(send, pay, giver):
    gift = send()
    pay(gift)
    with pytest.raises(DomainError) as refused:
        orders.cancel_order(buyer=giver, order_id=order_of(gift).pk)
    assert refused.value.code == "invalid_transition"
    assert order_of(gift).status == Status.GIFT_PENDING


def test_an_unpaid_gift_that_closes_is_cancelled(send, django_capture_on_commit_callbacks):
    gift = send()
    with clock.travel_to(clock.now() + timedelta(minutes=16)):
        drain(django_capture_on_commit_callbacks, orders.close_expired_orders)
    gift.refresh_from_db()
    assert gift.state == GiftState.CANCELLED
    assert GiftUnit.objects.get(gift=gift).state == GiftState.CANCELLED


def test_the_recipient_accepts_with_an_address_and_the_order_is_to_ship(send, pay, friend, giver):
    gift = send()
    pay(gift)
    with pytest.raises(DomainError) as giver_tries:
        services.accept_gift(user=giver, gift_id=gift.pk, address=ADDRESS)
    assert giver_tries.value.code == "not_found"
    unit = services.accept_gift(user=friend, gift_id=gift.pk, address=ADDRESS)
    gift.refresh_from_db()
    assert (unit.state, gift.state) == (GiftState.CLAIMED, GiftState.CLAIMED)
    order = order_of(gift)
    assert (order.status, order.address["recipient"], order.recipient_id) == (
        Status.TO_SHIP,
        ADDRESS["recipient"],
        friend.pk,
    )
    with pytest.raises(DomainError):
        services.accept_gift(user=friend, gift_id=gift.pk, address=ADDRESS)


def test_the_recipient_may_switch_to_another_style_at_the_same_price(send, pay, friend, sku):
    same = SKU.objects.create(product=sku.product, specs={"颜色": "黑"}, price_fen=sku.price_fen, stock=4)
    dearer = SKU.objects.create(
        product=sku.product, specs={"颜色": "金"}, price_fen=sku.price_fen + 1, stock=4
    )
    gift = send()
    pay(gift)
    unit = selectors.unit_of(gift, friend)
    assert [s.pk for s in selectors.styles(unit)] == [sku.pk, same.pk]
    with pytest.raises(DomainError) as pricier:
        services.accept_gift(user=friend, gift_id=gift.pk, address=ADDRESS, sku_id=dearer.pk)
    assert pricier.value.field == "sku_id"
    other_product = sku.product.__class__.objects.create(
        store=sku.product.store, category=sku.product.category, title="别的", state="listed"
    )
    other = SKU.objects.create(product=other_product, specs={}, price_fen=sku.price_fen, stock=1)
    with pytest.raises(DomainError) as elsewhere:
        services.accept_gift(user=friend, gift_id=gift.pk, address=ADDRESS, sku_id=other.pk)
    assert elsewhere.value.code == "not_found"
    stock_before = SKU.objects.get(pk=sku.pk).stock
    services.accept_gift(user=friend, gift_id=gift.pk, address=ADDRESS, sku_id=same.pk)
    line = order_of(gift).lines.get()
    assert (line.sku_id, line.specs, line.unit_price_fen) == (same.pk, {"颜色": "黑"}, sku.price_fen)
    assert SKU.objects.get(pk=sku.pk).stock == stock_before + 1
    assert SKU.objects.get(pk=same.pk).stock == 3
    assert order_of(gift).total_fen == 9_900  # the money is unchanged


def test_a_gift_not_accepted_within_a_day_is_cancelled_and_refunded_through_the_ledger(
    send, pay, friend, store, django_capture_on_commit_callbacks
):
    gift = send()
    pay(gift)
    order = order_of(gift)
    assert ledger.balance(store).pending_fen > 0
    with clock.travel_to(clock.now() + rules.ACCEPT_WITHIN + timedelta(seconds=1)):
        with pytest.raises(DomainError):
            services.accept_gift(user=friend, gift_id=gift.pk, address=ADDRESS)
        assert drain(django_capture_on_commit_callbacks, orders.cancel_unaccepted_gifts) == 1
    gift.refresh_from_db()
    assert gift.state == GiftState.REFUNDED_AFTER_TIMEOUT
    refund = Refund.objects.get(out_refund_no=orders.gift_refund_no(order))
    assert (refund.status, refund.amount_fen) == (RefundStatus.SUCCEEDED, 9_900)
    money = OrderMoney.objects.get(order_id=order.pk)
    assert (money.refunded_fen, money.pending_fen) == (9_900, 0)
    assert ledger.balance(store).pending_fen == 0


def test_only_the_recipient_may_ask_for_after_sales(send, pay, friend, giver, store):
    gift = send()
    pay(gift)
    services.accept_gift(user=friend, gift_id=gift.pk, address=ADDRESS)
    order = order_of(gift)
    orders.ship_order(store=store, order_id=order.pk, carrier="SF", tracking_no="SF1234567890123")
    ask = {
        "order_id": order.pk,
        "line_id": order.lines.get().pk,
        "kind": "refund",
        "quantity": 1,
        "reason_code": "quality",
    }
    with pytest.raises(DomainError) as refused:
        aftersales.request_aftersale(buyer=giver, **ask)
    assert refused.value.code == "not_found"
    assert aftersales.request_aftersale(buyer=friend, **ask).buyer_id == friend.pk


def test_no_re_gifting_a_received_gift_cannot_be_passed_on(send, pay, friend, make_user, befriend):
    gift = send()
    pay(gift)
    other = make_user("other")
    befriend(friend, other)
    with pytest.raises(DomainError) as refused:  # a 1:1 gift's recipient is fixed
        orders.assign_gift(order_id=order_of(gift).pk, recipient=other)
    assert refused.value.code == "not_found"
    unit = services.accept_gift(user=friend, gift_id=gift.pk, address=ADDRESS)
    with pytest.raises(DomainError):  # and what was accepted is not a gift to accept again
        services.accept_gift(user=other, gift_id=gift.pk, address=ADDRESS)
    assert Order.objects.get(pk=unit.order_id).recipient_id == friend.pk


def test_gift_cards_show_to_the_giver_and_the_recipient_only(send, pay, friend, giver, make_user):
    gift = send(message="一点心意")
    assert selectors.gift_cards([gift.pk], friend.pk) == {}  # not paid yet
    pay(gift)
    card = selectors.gift_cards([gift.pk], friend.pk)[gift.pk]
    assert card["subtitle"] == "一点心意" and card["url"] == f"/gifts/{gift.pk}/"
    assert gift.pk in selectors.gift_cards([gift.pk], giver.pk)
    assert selectors.gift_cards([gift.pk], make_user().pk) == {}
    assert selectors.gift_cards([gift.pk], None) == {}


def test_the_gift_card_resolver_is_registered_with_social():
    from xiaodian.social import cards

    assert cards.resolvers["gift"].provider is selectors.gift_cards


# ------------------------------------------------------------------------- idempotent handlers


def test_record_gift_paid_is_idempotent(send, pay):
    gift = send()
    pay(gift)
    paid_at = gift.paid_at
    order_ids = [order_of(gift).pk]
    assert services.record_gift_paid(order_ids=order_ids) == 0
    assert services.record_gift_paid(order_ids=order_ids) == 0
    gift.refresh_from_db()
    assert gift.paid_at == paid_at
    # its card went into the 1:1 chat once, however often the handler ran
    assert Message.objects.filter(card_kind="gift", card_id=gift.pk).count() == 1


def test_a_1_1_gift_s_card_goes_into_the_1_1_chat_once_paid(send, pay, giver, friend):
    gift = send(message="生日快乐")
    chat = Conversation.objects.get(kind="direct", user_low_id=min(giver.pk, friend.pk))
    assert (gift.sent_from, gift.conversation_id) == (SentFrom.CHAT, chat.pk)
    assert not Message.objects.filter(conversation=chat).exists()  # not before it is paid
    pay(gift)
    card = Message.objects.get(conversation=chat)
    assert (card.sender_id, card.kind, card.card_kind, card.card_id) == (giver.pk, "card", "gift", gift.pk)
    (frame,) = chat_selectors.frames([card], friend.pk)
    assert frame["card"]["view"]["url"] == f"/gifts/{gift.pk}/"
    # sent from elsewhere (an official account): no chat, no card; and a 1:1 gift is not a group's
    other = send(sent_from=SentFrom.OFFICIAL_ACCOUNT)
    pay(other)
    assert other.conversation_id is None
    assert not Message.objects.filter(card_kind="gift", card_id=other.pk).exists()
    with pytest.raises(DomainError) as group:
        send(sent_from=SentFrom.GROUP_CHAT)
    assert group.value.field == "sent_from"


def test_no_card_when_the_friend_deleted_the_giver_but_the_gift_stands(send, pay, giver, friend):
    gift = send()
    social.delete_contact(owner=friend, other_id=giver.pk)  # one-way: the giver still has the friend
    pay(gift)
    assert gift.state == GiftState.CLAIMABLE and gift.paid_at is not None
    assert not Message.objects.filter(card_kind="gift", card_id=gift.pk).exists()
    assert services.post_gift_card(gift_id=gift.pk) is False


def test_record_gift_cancelled_is_idempotent(send, pay):
    gift = send()
    pay(gift)
    order = order_of(gift)
    with clock.travel_to(clock.now() + rules.ACCEPT_WITHIN + timedelta(seconds=1)):
        orders.cancel_gift(order_id=order.pk)  # its handlers left to run here
    assert services.record_gift_cancelled(order_ids=[order.pk]) == 1
    assert services.record_gift_cancelled(order_ids=[order.pk]) == 0
    gift.refresh_from_db()
    assert gift.state == GiftState.NOT_CLAIMED_IN_TIME


def test_record_gift_refunded_is_idempotent(send, pay):
    gift = send()
    pay(gift)
    order = order_of(gift)
    orders.cancel_gift(order_id=order.pk)
    number = f"{orders.gift_refund_no(order)}-{order.lines.get().pk}"
    line_id = order.lines.get().pk
    assert services.record_gift_refunded(line_id=line_id, out_refund_no=number) is True
    assert services.record_gift_refunded(line_id=line_id, out_refund_no=number) is False
    assert services.record_gift_refunded(line_id=line_id, out_refund_no="AS1") is False
    gift.refresh_from_db()
    assert gift.state == GiftState.REFUNDED_AFTER_TIMEOUT
