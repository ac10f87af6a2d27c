"""The gift pages: send from the product page, the received gift with its accept form and style
switch, the group gift's draw with its commitment and (after) its seed, and the verification."""

import re

import pytest

from xiaodian.catalog.models import SKU
from xiaodian.chats import services as chats
from xiaodian.core import clock
from xiaodian.gifts import rules, services
from xiaodian.gifts.models import Gift
from xiaodian.gifts.rules import SentFrom
from xiaodian.orders.models import Order
from xiaodian.orders.rules import Status

pytestmark = pytest.mark.django_db


def test_the_product_page_offers_to_send_it_as_a_gift(client, giver, sku):
    client.force_login(giver)
    page = client.get(f"/products/{sku.product_id}/").content.decode()
    assert f'href="/gifts/send/?product={sku.product_id}"' in page


def test_send_a_gift_to_a_friend_from_its_page_and_go_to_pay(client, giver, friend, sku):
    client.force_login(giver)
    page = client.get(f"/gifts/send/?product={sku.product_id}")
    assert page.status_code == 200
    html = page.content.decode()
    assert str(friend) in html and 'id="send-gift"' in html
    key = re.search(r'name="key" value="([0-9a-f]+)"', html).group(1)
    r = client.post(
        f"/gifts/send/?product={sku.product_id}",
        {
            "key": key,
            "sku_id": sku.pk,
            "mode": "single",
            "recipient_id": friend.pk,
            "count": 1,
            "message": "送你",
            "sent_from": 0,
        },
    )
    assert r.status_code == 302 and "return=/gifts/" in r["Location"]
    gift = Gift.objects.get()
    assert (gift.recipient_id, gift.message) == (friend.pk, "送你")


def test_the_send_page_refuses_in_place(client, giver, friend, make_sku, store):
    client.force_login(giver)
    gold = make_sku(store, category="黄金")
    assert "gift-excluded" in client.get(f"/gifts/send/?product={gold.product_id}").content.decode()
    r = client.post(
        f"/gifts/send/?product={gold.product_id}",
        {
            "key": "k",
            "sku_id": gold.pk,
            "mode": "single",
            "recipient_id": friend.pk,
            "count": 1,
            "sent_from": 0,
        },
    )
    assert r.status_code == 200 and not Gift.objects.exists()
    assert client.get("/gifts/send/?product=abc").status_code == 404
    assert client.get("/gifts/send/?product=99999999").status_code == 404


def test_the_recipient_accepts_on_the_gift_page_with_a_new_address_and_another_style(
    client, send, pay, friend, sku
):
    black = SKU.objects.create(product=sku.product, specs={"颜色": "黑"}, price_fen=sku.price_fen, stock=2)
    gift = send(message="生日快乐")
    pay(gift)
    client.force_login(friend)
    assert f'id="gift-{gift.pk}"' in client.get("/gifts/").content.decode()
    html = client.get(f"/gifts/{gift.pk}/").content.decode()
    assert 'id="accept-gift"' in html and "生日快乐" in html and "黑" in html
    r = client.post(
        f"/gifts/{gift.pk}/",
        {
            "action": "accept",
            "sku_id": black.pk,
            "address_id": "new",
            "recipient": "李小雨",
            "phone": "13900139000",
            "region": "北京市朝阳区",
            "detail": "建国路 1 号",
        },
    )
    assert r.status_code == 302
    order = Order.objects.get(gift_unit__gift=gift)
    assert (order.status, order.address["recipient"], order.lines.get().sku_id) == (
        Status.TO_SHIP,
        "李小雨",
        black.pk,
    )
    assert "已领取" in client.get(f"/gifts/{gift.pk}/").content.decode()
    assert client.get(f"/orders/{order.pk}/").status_code == 200  # the recipient follows the order


def test_a_stranger_does_not_see_a_gift(client, send, pay, make_user):
    gift = send()
    pay(gift)
    client.force_login(make_user("stranger"))
    assert client.get(f"/gifts/{gift.pk}/").status_code == 404
    assert client.get(f"/gifts/{gift.pk}/verify/").status_code == 404


def test_the_group_gift_page_draws_and_shows_the_commitment_then_the_seed(client, send_group, pay, members):
    gift = send_group(count=1)
    pay(gift)
    client.force_login(members[0])
    html = client.get(f"/gifts/{gift.pk}/").content.decode()
    assert gift.commitment in html and gift.seed not in html and 'id="draw-button"' in html
    client.post(f"/gifts/{gift.pk}/", {"action": "draw"})
    for member in members[1:]:
        gift.refresh_from_db()
        if gift.won_count:
            break
        services.draw_gift(user=member, gift_id=gift.pk)
    html = client.get(f"/gifts/{gift.pk}/").content.decode()
    assert gift.seed in html and 'id="verify-link"' in html and 'id="draw-button"' not in html
    verify = client.get(f"/gifts/{gift.pk}/verify/").content.decode()
    assert 'id="commitment-check" class="verdict-ok"' in verify
    assert 'id="assignment-check" class="verdict-ok"' in verify


def test_before_the_draw_closes_the_verify_page_says_so(client, send_group, pay, members):
    gift = send_group(count=2)
    pay(gift)
    client.force_login(members[0])
    assert 'id="not-closed"' in client.get(f"/gifts/{gift.pk}/verify/").content.decode()
    with clock.travel_to(clock.now() + rules.ACCEPT_WITHIN):
        assert 'id="not-closed"' not in client.get(f"/gifts/{gift.pk}/verify/").content.decode()


def test_send_a_group_gift_into_a_group_from_the_send_page(client, giver, sku, group, members, pay):
    client.force_login(giver)
    html = client.get(f"/gifts/send/?product={sku.product_id}&group={group.pk}").content.decode()
    assert f'<option value="{group.pk}" selected>{group.title}</option>' in html
    key = re.search(r'name="key" value="([0-9a-f]+)"', html).group(1)
    form = {"key": key, "sku_id": sku.pk, "mode": "group", "count": 2, "message": "新年快乐", "sent_from": 0}
    r = client.post(f"/gifts/send/?product={sku.product_id}", {**form, "group_id": group.pk})
    assert r.status_code == 302, r.content.decode()[:2000]
    gift = Gift.objects.get()
    assert (gift.conversation_id, gift.sent_from, gift.members_count) == (group.pk, SentFrom.GROUP_CHAT, 5)
    # sent from a group chat without a group: refused in place
    r = client.post(f"/gifts/send/?product={sku.product_id}", {**form, "key": "other", "sent_from": 1})
    assert r.status_code == 200 and "请选择一个群" in r.content.decode()
    assert Gift.objects.count() == 1
    pay(gift)
    client.force_login(members[0])
    html = client.get(f"/gifts/{gift.pk}/").content.decode()
    assert 'id="gift-group"' in html and group.title in html and 'id="draw-button"' in html
    assert f"{giver} 的群礼物 · 2 份" in client.get(f"/chats/{group.pk}/").content.decode()  # the card
    client.post(f"/gifts/{gift.pk}/", {"action": "draw"})
    assert gift.draws.filter(user=members[0]).exists()
    chats.leave_group(user=members[1], conversation_id=group.pk)
    client.force_login(members[1])
    assert client.get(f"/gifts/{gift.pk}/").status_code == 404  # no longer in the group, never drew
