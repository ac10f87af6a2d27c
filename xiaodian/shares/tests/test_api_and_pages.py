"""GET /api/v1/shares (my shares with their opens and orders), GET /api/v1/shares/{id}, and the
page 我的分享."""

from django.urls import reverse

from xiaodian.shares.models import Share

from .test_shares import checkout


def test_my_shares_with_their_opens_and_orders(
    client, api_for, sharer, buyer, make_sku, store, share_card, members
):
    sku = make_sku(store, title="山茶花精华")
    link = share_card("product", sku.product_id, channel="group", channel_id=3)
    share_card("store", store.pk, channel="moment", channel_id=8)
    members[("group", 3)].add(buyer.pk)
    client.get(link)
    first = Share.objects.get(code=link[3:])
    checkout(api_for, buyer, sku, 10, "social_share", first.pk)
    r = api_for(sharer).get("/shares")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 2
    newest, oldest = body["items"]
    assert (newest["kind"], newest["channel"], newest["scene"], newest["title"]) == (
        "store",
        "moment",
        11,
        store.name,
    )
    assert oldest == {
        "id": first.pk,
        "kind": "product",
        "card_id": sku.product_id,
        "title": "山茶花精华",
        "channel": "group",
        "channel_id": 3,
        "scene": 10,
        "url": link,
        "opens": 1,
        "orders": 1,
        "created_at": oldest["created_at"],
    }
    assert api_for(sharer).get(f"/shares/{first.pk}").json() == oldest
    assert api_for(sharer).get("/shares", {"limit": 1, "offset": 1}).json()["items"] == [oldest]


def test_another_users_share_answers_404_and_anonymous_401(api_for, buyer, make_sku, store, share_card):
    share_card("product", make_sku(store).product_id)
    share = Share.objects.get()
    assert api_for(buyer).get(f"/shares/{share.pk}").status_code == 404
    assert api_for(buyer).get("/shares").json() == {"items": [], "count": 0}
    assert api_for(None).get("/shares").status_code == 401
    assert api_for(buyer).get(f"/shares/{2**63}").status_code == 422


def test_the_page_lists_my_shares_with_opens_and_orders(
    client, api_for, sharer, buyer, make_sku, store, share_card, members
):
    sku = make_sku(store, title="山茶花精华")
    link = share_card("product", sku.product_id)
    members[("chat", 7)].add(buyer.pk)
    client.get(link)
    checkout(api_for, buyer, sku, 9, "social_share", Share.objects.get().pk)
    client.force_login(sharer)
    html = client.get(reverse("shares:mine")).content.decode()
    share = Share.objects.get()
    assert f'id="share-{share.pk}" data-channel="chat"' in html
    assert "山茶花精华" in html and "单聊" in html
    assert 'class="opens" data-n="1"' in html and 'class="orders" data-n="1"' in html


def test_the_page_needs_a_sign_in_and_shows_only_mine(client, buyer, make_sku, store, share_card):
    assert client.get(reverse("shares:mine")).status_code == 302
    share_card("product", make_sku(store).product_id)
    client.force_login(buyer)
    html = client.get(reverse("shares:mine")).content.decode()
    assert (
        "还没有分享过卡片。" in html and "share-" not in html.split('id="shares"')[1].split("</section>")[0]
    )


def test_the_page_costs_a_fixed_number_of_queries(
    client, sharer, make_sku, store, share_card, django_assert_max_num_queries
):
    for n in range(12):
        share_card("product", make_sku(store, title=f"商品{n}").product_id, channel_id=n + 1)
    share_card("store", store.pk)
    client.force_login(sharer)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("shares:mine")).status_code == 200
