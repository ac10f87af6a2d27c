"""Cards on the chat page and in Moments: a product card shows its title, price and photo and
opens the share's short link (/s/<code>: the purchase carries the share); a card the viewer may
not see (someone else's order) shows as unavailable, with no link."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from xiaodian.catalog import services as catalog
from xiaodian.chats import services as chats
from xiaodian.orders.models import Order
from xiaodian.shares.models import Share
from xiaodian.social import services as social

from .conftest import send_card


def _page(user, url: str) -> str:
    client = Client()
    client.force_login(user)
    page = client.get(url)
    assert page.status_code == 200
    return page.content.decode()


def _product(make_sku, store, png_bytes):
    sku = make_sku(store, title="山茶花精华", price_fen=9_900)
    catalog.add_product_image(
        product=sku.product, upload=SimpleUploadedFile("a.png", png_bytes, content_type="image/png")
    )
    return sku.product


def test_a_product_card_in_a_chat_opens_its_share(
    store, make_sku, png_bytes, buyer, sharer, befriend, place, django_assert_max_num_queries
):
    product = _product(make_sku, store, png_bytes)
    befriend(sharer, buyer)
    chat, _created = chats.open_direct(user=sharer, other_id=buyer.pk)
    link = send_card(sharer, chat.pk, product.pk).card_link
    assert re.fullmatch(r"/s/\w+", link) and Share.objects.get().code in link
    place(make_sku(store, title="别的"), 1)  # the buyer's own order, sent by the sharer who may not see it
    order = Order.objects.get(buyer=buyer)
    chats.send_message(user=sharer, conversation_id=chat.pk, kind="card", card_kind="order", card_id=order.pk)
    chats.send_message(user=sharer, conversation_id=chat.pk, kind="card", card_kind="store", card_id=store.pk)

    html = _page(buyer, f"/chats/{chat.pk}/")

    card = re.search(r'<a class="msg-card product-card"[^>]*>.*?</a>', html, re.S).group(0)
    assert f'href="{link}"' in card
    assert "山茶花精华" in card and "¥99.00" in card and 'class="card-image" src="/media/' in card
    # the buyer may see their order: its card is resolved too, and opens the order's share link
    assert re.search(r'<a class="msg-card order-card" href="/s/\w+">', html)
    assert f"订单 {order.number}" in html
    assert re.search(r'<a class="msg-card store-card" href="/s/\w+">', html) and store.name in html

    # the sharer cannot see the buyer's order: an unavailable card, with no link
    mine = _page(sharer, f"/chats/{chat.pk}/")
    assert '<a class="msg-card order-card unavailable">' in mine and order.number not in mine
    assert re.search(r'<a class="msg-card product-card" href="/s/\w+">', mine)

    client = Client()
    client.force_login(buyer)
    client.get(f"/chats/{chat.pk}/")
    with django_assert_max_num_queries(17):  # a text-only page takes 14; one more per card kind
        client.get(f"/chats/{chat.pk}/")


def test_a_product_card_in_moments_opens_its_share(store, make_sku, png_bytes, buyer, sharer, befriend):
    product = _product(make_sku, store, png_bytes)
    befriend(sharer, buyer)
    post = social.create_post(author=sharer, text="好用", card_kind="product", card_id=product.pk)
    assert post.card_link.startswith("/s/")

    html = _page(buyer, "/moments/")

    card = re.search(r'<a class="moment-card product-card"[^>]*>.*?</a>', html, re.S).group(0)
    assert f'href="{post.card_link}"' in card
    assert "山茶花精华" in card and "¥99.00" in card and '<img src="/media/' in card
