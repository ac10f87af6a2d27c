"""The linked-account pages: the store invites from its page, the account's owner answers on theirs."""

from django.urls import reverse

from xiaodian.accounts.rules import Role
from xiaodian.catalog.models import SKU, Product
from xiaodian.content import services as content
from xiaodian.stores import services as store_services
from xiaodian.stores.models import StoreLink, StoreStaff
from xiaodian.stores.rules import LinkState

from .conftest import field_errors


def test_invite_by_name_then_the_owner_accepts_on_their_page(merchant_client, store, make_user, client_for):
    creator = make_user("creator")
    account = content.create_official_account(owner=creator, name="山野日记")
    url = reverse("web:store_links", args=[store.pk])
    # Written another way (full-width, spaces): still the same account.
    sent = merchant_client.post(
        url, {"action": "invite", "kind": "official_account", "account": " 山野 日记 "}
    )
    assert sent.status_code == 302
    link = StoreLink.objects.get(store=store, official_account=account)
    assert link.state == LinkState.INVITED
    assert "待确认" in merchant_client.get(url).content.decode()

    as_creator = client_for(creator)
    page = as_creator.get(reverse("web:my_links")).content.decode()
    assert f'id="link-{link.pk}"' in page and store.name in page
    answered = as_creator.post(reverse("web:my_links"), {"action": "accept", "link_id": link.pk})
    assert answered.status_code == 302
    assert StoreLink.objects.get(pk=link.pk).state == LinkState.BOUND


def test_a_mini_program_is_invited_by_app_id(merchant_client, store, make_user):
    program = content.create_mini_program(
        owner=make_user(), name="山野商城", app_id="wx0123456789abcdef", mall_path="/mall"
    )
    merchant_client.post(
        reverse("web:store_links", args=[store.pk]),
        {"action": "invite", "kind": "mini_program", "account": "WX0123456789ABCDEF"},
    )
    assert StoreLink.objects.get(store=store).mini_program == program


def test_an_unknown_account_is_shown_next_to_the_field(merchant_client, store):
    response = merchant_client.post(
        reverse("web:store_links", args=[store.pk]),
        {"action": "invite", "kind": "video_account", "account": "没有这个号"},
    )
    assert response.status_code == 200
    assert "没有找到这个账号" in field_errors(response, "account")
    assert not StoreLink.objects.exists()


def test_the_merchant_cannot_accept_on_the_account_page(merchant_client, store, merchant, make_user):
    account = content.create_video_account(owner=make_user(), name="别人的视频号")
    link = StoreLink.objects.create(
        store=store,
        kind="video_account",
        video_account=account,
        invited_by=merchant,
        invited_at=store.created_at,
        expires_at=store.created_at.replace(year=2999),
    )
    response = merchant_client.post(reverse("web:my_links"), {"action": "accept", "link_id": link.pk})
    assert response.status_code == 404
    assert StoreLink.objects.get(pk=link.pk).state == LinkState.INVITED


def test_staff_without_store_settings_see_links_but_cannot_invite(store, make_user, client_for):
    helper = make_user("helper")
    StoreStaff.objects.create(store=store, user=helper, role=Role.OPERATOR)
    url = reverse("web:store_links", args=[store.pk])
    page = client_for(helper).get(url)
    assert page.status_code == 200 and 'id="link-form"' not in page.content.decode()
    refused = client_for(helper).post(url, {"action": "invite", "kind": "mini_program", "account": "x"})
    assert refused.status_code == 403


def test_the_store_page_shows_the_touchpoint_report(merchant_client, store):
    page = merchant_client.get(reverse("web:store_settings", args=[store.pk])).content.decode()
    assert 'id="touchpoint-search"' in page
    assert 'id="touchpoint-next"' in page and "公众号主页入口" in page


def test_a_bound_account_profile_shows_the_store_and_its_products(client, store, merchant):
    account = content.create_official_account(owner=merchant, name="拾光日记")
    StoreLink.objects.create(
        store=store,
        kind="official_account",
        official_account=account,
        state=LinkState.BOUND,
        invited_by=merchant,
        invited_at=store.created_at,
        expires_at=store.created_at,
    )
    product = Product.objects.create(
        store=store, category=store.main_category, title="棉麻衬衫", state="listed"
    )
    SKU.objects.create(product=product, price_fen=9900, stock=3)
    page = client.get(reverse("content:official_account", args=[account.pk])).content.decode()
    assert f'id="store-entry-{store.pk}"' in page
    assert "棉麻衬衫" in page
    assert (
        f"/products/{product.pk}/?scene=6&amp;source_type=official_account&amp;source_id={account.pk}" in page
    )


def test_api_a_bound_account_profile_lists_the_store_and_an_invited_one_does_not(
    api, api_for, store, make_user
):
    creator = make_user("creator")
    official = content.create_official_account(owner=creator, name="山野日记")
    product = Product.objects.create(
        store=store, category=store.main_category, title="棉麻衬衫", state="listed"
    )
    SKU.objects.create(product=product, price_fen=9900, stock=3)
    link = api.post(
        f"/stores/{store.pk}/links", {"kind": "official_account", "account_id": official.pk}
    ).json()
    public = api_for()
    assert public.get(f"/official-accounts/{official.pk}").json()["stores"] == []
    api_for(creator).post(f"/links/{link['id']}/accept")
    (entry,) = public.get(f"/official-accounts/{official.pk}").json()["stores"]
    assert (entry["store_id"], entry["name"]) == (store.pk, store.name)
    assert entry["url"] == f"/shop/{store.pk}/"  # the homepage records its own scene (5)
    assert [(p["id"], p["price_fen"]) for p in entry["products"]] == [(product.pk, 9900)]
    assert entry["products"][0]["url"].endswith(
        f"?scene=6&source_type=official_account&source_id={official.pk}"
    )


def test_a_bound_mini_program_page_shows_the_store_with_scene_12_links(client, store, merchant):
    program = content.create_mini_program(
        owner=merchant, name="拾光商城", app_id="wx00000000000000cd", mall_path="/mall"
    )
    store_services.invite_link(store=store, user=merchant, kind="mini_program", account_id=program.pk)
    product = Product.objects.create(
        store=store, category=store.main_category, title="棉麻衬衫", state="listed"
    )
    SKU.objects.create(product=product, price_fen=9900, stock=3)
    html = client.get(reverse("content:mini_program", args=[program.pk])).content.decode()
    body = html.split("<body", 1)[1]
    assert f'id="store-entry-{store.pk}"' in body
    assert f"/products/{product.pk}/?scene=12&amp;source_type=mini_program&amp;source_id={program.pk}" in body
