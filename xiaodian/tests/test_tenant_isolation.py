"""Every API route that takes an object id answers 404 to another merchant.

The routes come from the URL conf, so a route added later is covered without anyone
remembering; its id parameter must be registered in OWNED_OBJECTS below (the test fails and
says so otherwise). Bodies are the smallest instances of each operation's OpenAPI schema, so
validation passes and the ownership check is what answers.
"""

import io
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from PIL import Image

from xiaodian.accounts import services as accounts
from xiaodian.accounts.rules import Role
from xiaodian.aftersales import services as aftersales
from xiaodian.alliance import services as alliance
from xiaodian.api import api
from xiaodian.catalog import services as catalog
from xiaodian.catalog.models import SKU, Product
from xiaodian.chats import services as chats
from xiaodian.complaints import services as complaints
from xiaodian.content import services as content
from xiaodian.coupons import services as coupons
from xiaodian.gifts import services as gifts
from xiaodian.live import services as live
from xiaodian.orders import services as orders
from xiaodian.orders.models import Order
from xiaodian.orders.rules import Status
from xiaodian.reviews import services as reviews
from xiaodian.service import services as service
from xiaodian.shares import services as shares
from xiaodian.social import services as social
from xiaodian.stores import access
from xiaodian.stores import services as stores
from xiaodian.stores.models import StoreLink

METHODS = ("get", "post", "put", "patch", "delete")


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1)).save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class World:
    """What merchant A owns: the objects merchant B must not reach."""

    store: object
    subject: object
    staff: object
    token: object
    brand_authorization: object
    product: object
    product_image: object
    order: object  # placed at A's store by A's customer
    cart_item: object  # A's own cart
    address: object  # A's own address
    review: object  # A's customer's review of a line of A's store, its product since delisted
    aftersale: object  # A's customer's after-sale request at A's store
    dispute: object  # on that request (operators only)
    return_address: object  # where A's store takes returns
    complaint: object  # A's customer's complaint about A's store
    official_account: object  # A's official account (its profile is public: see PUBLIC_ROUTES)
    article: object  # a draft in it
    video_account: object  # A's video account
    video: object  # a draft in it
    mini_program: object  # A's mini program (public)
    live_room: object  # A's video account's live room, selling A's store (public to watch and buy in)
    shelf_item: object  # on its shelf
    link: object  # A's store bound to A's official account
    conversation: object  # A's customer consulting A's store
    quick_reply: object  # A's store's quick reply
    auto_reply: object  # A's store's keyword reply
    plan: object  # A's store's open alliance plan
    promoter: object  # A as an alliance creator (its profile is public: see PUBLIC_ROUTES)
    coupon: object = None  # A's store's issued coupon (claimable by anyone: see OPEN_WRITES)
    campaign: object = None  # A's store's full-reduction campaign
    share: object = None  # A's share of its product into a chat (its sharer's alone)
    chat: object = None  # A's 1:1 chat with its customer (a contact)
    group: object = None  # A's group, its customer a member
    invitation: object = None  # A's invitation of a second contact into it
    gift: object = None  # A's gift to a friend (the giver, the recipient and nobody else see it)
    contact: object = None  # A's contact (mutual): B has no edge to them, nor sees their Moments
    contact_request: object = None  # a contact request to A
    moment: object = None  # A's Moments post (seen by A's mutual contacts only)
    moment_comment: object = None  # A's comment on it


# id parameter -> how to find A's object of that kind. New routes with new ids add a line here.
OWNED_OBJECTS = {
    "store_id": lambda w: w.store.pk,
    "subject_id": lambda w: w.subject.pk,
    "staff_id": lambda w: w.staff.pk,
    "token_id": lambda w: w.token.pk,
    "product_id": lambda w: w.product.pk,  # a draft: public reads of listed products are not isolation
    "image_id": lambda w: w.product_image.pk,
    "order_id": lambda w: w.order.pk,
    "item_id": lambda w: w.cart_item.pk,
    # Delivery and return addresses share the parameter name: the route says which one is meant.
    "address_id": lambda w, route: (w.return_address if "return-addresses" in route else w.address).pk,
    "complaint_id": lambda w: w.complaint.pk,
    "line_id": lambda w: w.order.lines.get().pk,
    "review_id": lambda w: w.review.pk,  # not public: its product is delisted
    # a feed item's explanation (feed/items/<type>/<id>/explain): A's draft is no feed item (404);
    # a listed one of another store answers 403 by design (distribution's own tests)
    "id": lambda w: w.product.pk,
    "aftersale_id": lambda w: w.aftersale.pk,
    "dispute_id": lambda w: w.dispute.pk,
    # Official and video accounts share the parameter name: the route says which one is meant.
    "account_id": lambda w, route: (w.video_account if "video-accounts" in route else w.official_account).pk,
    "article_id": lambda w: w.article.pk,  # a draft
    "video_id": lambda w: w.video.pk,  # a draft
    "program_id": lambda w: w.mini_program.pk,
    "room_id": lambda w: w.live_room.pk,
    "shelf_item_id": lambda w: w.shelf_item.pk,
    "link_id": lambda w: w.link.pk,
    "plan_id": lambda w: w.plan.pk,
    "promoter_id": lambda w: w.promoter.pk,
    "coupon_id": lambda w: w.coupon.pk,
    "campaign_id": lambda w: w.campaign.pk,
    "share_id": lambda w: w.share.pk,
    "gift_id": lambda w: w.gift.pk,
    "conversation_id": lambda w: w.conversation.pk,
    "chat_id": lambda w: w.chat.pk,
    "group_id": lambda w: w.group.pk,
    "invitation_id": lambda w: w.invitation.pk,
    # Quick and keyword replies share the parameter name: the route says which one is meant.
    "reply_id": lambda w, route: (w.auto_reply if "auto-replies" in route else w.quick_reply).pk,
    # A group's members (the customer or A) and A's contacts share the parameter name: the route
    # says which one is meant. B may not remove A's group members, nor delete, rename or read A's
    # contact's Moments.
    "user_id": lambda w, route: w.chat.user_high_id if "groups" in route else w.contact.pk,
    "request_id": lambda w: w.contact_request.pk,
    "post_id": lambda w: w.moment.pk,
    "comment_id": lambda w: w.moment_comment.pk,
}

# Route parameters that name no object of anyone's (a bill's day): only the route's other ids are
# checked, and the route is not also called on the intruder's own store.
NOT_OBJECTS = {"date": lambda w: "2026-01-01", "type": lambda w: "product"}

# Routes open to everyone by design: they must answer another merchant without an error and
# without the owner-only fields (follower counts are the owner's: DOMAIN.md "Not only for the top").
PUBLIC_ROUTES = {
    ("get", "api/v1/official-accounts/<account_id>"),
    ("get", "api/v1/official-accounts/<account_id>/articles"),  # published ones only
    ("post", "api/v1/official-accounts/<account_id>/follow"),
    ("delete", "api/v1/official-accounts/<account_id>/follow"),
    ("get", "api/v1/video-accounts/<account_id>"),
    ("get", "api/v1/video-accounts/<account_id>/videos"),  # published ones only
    ("post", "api/v1/video-accounts/<account_id>/follow"),
    ("delete", "api/v1/video-accounts/<account_id>/follow"),
    ("get", "api/v1/mini-programs/<program_id>"),
    ("get", "api/v1/video-accounts/<account_id>/live-rooms"),
    ("get", "api/v1/live-rooms/<room_id>"),
    ("get", "api/v1/live-rooms/<room_id>/comments"),
    ("get", "api/v1/shops/<store_id>/homepage"),  # an open store's published homepage
    ("get", "api/v1/alliance/promoters/<promoter_id>"),  # a promoter's profile
    ("get", "api/v1/alliance/promoters/<promoter_id>/showcase"),  # a promoter's public showcase
    ("get", "api/v1/alliance/live-rooms/<room_id>/promotions"),  # the alliance products a room shows
    (
        "get",
        "api/v1/stores/<store_id>/coupons",
    ),  # an open store's claimable coupons (the report: manage=true)
    ("get", "api/v1/stores/<store_id>/campaigns"),  # an open store's running campaigns
}


# Writes any signed-in user makes in another's public object (commenting in a live room, buying
# from its shelf), with the body each is tried with: the object is reachable, so the answer is
# anything but a 404 or a server error.
OPEN_WRITES = {
    ("post", "api/v1/stores/<store_id>/conversations"): lambda w: {},  # any buyer may consult a store
    ("put", "api/v1/business-contacts/consents/<store_id>"): lambda w: {},  # any buyer may consent to a store
    # ... and withdraw their own consent (given just before, by the PUT above)
    ("delete", "api/v1/business-contacts/consents/<store_id>"): lambda w: {},
    ("post", "api/v1/live-rooms/<room_id>/comments"): lambda w: {"text": "你好"},
    ("post", "api/v1/coupons/<coupon_id>/claim"): lambda w: {},  # any buyer may claim an issued coupon
    ("post", "api/v1/live-rooms/<room_id>/orders"): lambda w: {
        "shelf_item_id": w.shelf_item.pk,
        "address": {"recipient": "乙", "phone": "13900139000", "region": "北京", "detail": "2号"},
    },
}


def owned_id(param: str, route: str, world) -> int:
    find = OWNED_OBJECTS[param]
    return find(world, route) if find.__code__.co_argcount == 2 else find(world)


def api_routes():
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    return sorted({r for r in walk(get_resolver().url_patterns) if r.startswith("api/v1/") and "<" in r})


def minimal_instance(schema: dict, components: dict):
    if "$ref" in schema:
        return minimal_instance(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return minimal_instance(options[0], components)
    if "enum" in schema:
        return schema["enum"][0]
    if "examples" in schema:  # a pattern's example (a phone number, a time of day)
        return schema["examples"][0]
    kind = schema.get("type", "object")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: minimal_instance(props[name], components) for name in schema.get("required", [])}
    if kind == "string" and schema.get("format") == "date-time":
        return "2030-01-01T08:00:00+08:00"
    if kind == "string":
        return "x" * max(schema.get("minLength", 1), 2)
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if kind == "array":
        return [minimal_instance(schema["items"], components) for _ in range(schema.get("minItems", 0))]
    raise AssertionError(f"no minimal instance for {schema}")


def body_for(openapi: dict, path: str, method: str):
    operation = openapi["paths"].get(path, {}).get(method)
    if operation is None:
        return None
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    return minimal_instance(
        content["application/json"]["schema"], openapi.get("components", {}).get("schemas", {})
    )


@pytest.fixture
def world(make_user, make_subject, make_store, merchant, subject, store):
    member = make_user()
    staff = stores.add_staff(
        store=access.store_for(merchant, store.pk, "manage_staff"), user_id=member.pk, role=Role.AGENT
    )
    token, _ = accounts.issue_token(user=merchant, name="a")
    authorization = stores.request_brand_authorization(
        subject=subject, brand="山野", certificate_number="TM1"
    )
    product = catalog.create_product(
        store=store,
        category_id=store.main_category_id,
        title="A 的商品",
        skus=[{"specs": {}, "price_fen": 100, "stock": 1}],
    )
    image = catalog.add_product_image(product=product, upload=SimpleUploadedFile("a.png", _png()))
    sku = SKU.objects.create(
        product=Product.objects.create(
            store=store, category=store.main_category, title="在售", state="listed"
        ),
        price_fen=100,
        stock=5,
    )
    address = orders.save_address(
        buyer=merchant, recipient="甲", phone="13800138000", region="上海", detail="1号"
    )
    cart_item = orders.add_to_cart(buyer=merchant, sku_id=sku.pk)
    customer = make_user()
    order = orders.place_order(
        buyer=customer,
        items=[orders.LineRequest(sku.pk, 1)],
        address=address.snapshot(),
        idempotency_key="w",
    ).checkout.orders.get()
    reviewed = orders.place_order(
        buyer=customer,
        items=[orders.LineRequest(sku.pk, 1)],
        address=address.snapshot(),
        idempotency_key="r",
    ).checkout.orders.get()
    Order.objects.filter(pk=reviewed.pk).update(status=Status.COMPLETED)
    line = reviewed.lines.get()
    review = reviews.create_review(buyer=customer, order_id=reviewed.pk, line_id=line.pk, rating=1, text="差")
    # An after-sale on the completed order, rejected and disputed: its request and its dispute.
    aftersale = aftersales.request_aftersale(
        buyer=customer,
        order_id=reviewed.pk,
        line_id=line.pk,
        kind="refund",
        quantity=1,
        reason_code="quality",
    )
    aftersales.reject_aftersale(
        store=access.store_for(merchant, store.pk, "manage_orders"),
        aftersale_id=aftersale.pk,
        reason="不同意",
    )
    dispute = aftersales.open_dispute(buyer=customer, aftersale_id=aftersale.pk, statement="质量问题")
    return_address = aftersales.add_return_address(
        store=store, recipient="售后部", phone="13800138000", region="浙江省杭州市", detail="仓前街道 1 号"
    )
    complaint = complaints.file_complaint(
        buyer=customer, reason="rude_service", text="态度差", store_id=store.pk
    )
    Product.objects.filter(pk=sku.product_id).update(state="delisted")
    official_account = content.create_official_account(owner=merchant, name="A 的公众号")
    channel = content.create_video_account(owner=merchant, name="A 的视频号")
    # A's live room selling A's store: the video account bound to the store, one item on the shelf.
    now = timezone.now()
    StoreLink.objects.create(
        store=store,
        kind="video_account",
        video_account=channel,
        state="bound",
        invited_by=merchant,
        invited_at=now,
        expires_at=now,
    )
    room = live.schedule_live_room(owner=merchant, account_id=channel.pk, title="A 的直播", scheduled_at=now)
    live.start_live_room(owner=merchant, room_id=room.pk)
    on_shelf = SKU.objects.create(
        product=Product.objects.create(
            store=store, category=store.main_category, title="直播款", state="listed"
        ),
        price_fen=100,
        stock=5,
    )
    shelf_item = live.add_shelf_item(
        owner=merchant, room_id=room.pk, sku_id=on_shelf.pk, live_price_fen=80, flash_stock=3
    )
    alliance.enable_alliance(store=store, by=merchant)
    (plan,) = alliance.create_plans(
        store=store, by=merchant, product_ids=[on_shelf.product_id], kind=1, commission_ratio_ppm=100_000
    )
    promoter = alliance.join_alliance(user=merchant, kind="creator", name="A", video_account_id=channel.pk)
    friend = make_user()
    for other in (customer, friend):
        asked = social.send_contact_request(sender=merchant, recipient_id=other.pk)
        social.accept_contact_request(user=other, request_id=asked.pk)
    group = chats.create_group(owner=merchant, title="A 的群")
    joining = chats.invite(user=merchant, conversation_id=group.pk, invitee_id=customer.pk)
    chats.accept_invitation(user=customer, invitation_id=joining.pk)
    chat_ = chats.open_direct(user=merchant, other_id=customer.pk)[0]
    invitation_ = chats.invite(user=merchant, conversation_id=group.pk, invitee_id=friend.pk)
    gift = gifts.send_gift(giver=merchant, recipient_id=customer.pk, sku_id=on_shelf.pk, idempotency_key="g")
    contact = make_user()
    social.accept_contact_request(
        user=merchant, request_id=social.send_contact_request(sender=contact, recipient_id=merchant.pk).pk
    )
    moment = social.create_post(author=merchant, text="A 的朋友圈")
    return World(
        store=store,
        subject=subject,
        staff=staff,
        token=token,
        brand_authorization=authorization,
        product=product,
        product_image=image,
        order=order,
        cart_item=cart_item,
        address=address,
        review=review,
        aftersale=aftersale,
        dispute=dispute,
        return_address=return_address,
        complaint=complaint,
        official_account=official_account,
        article=content.create_article(
            owner=merchant, account_id=official_account.pk, title="草稿", body="<p>草稿</p>"
        ),
        video_account=channel,
        video=content.create_video(
            owner=merchant,
            account_id=channel.pk,
            title="草稿",
            url="https://cdn.example.com/a.mp4",
            cover=SimpleUploadedFile("c.png", _png()),
        ),
        mini_program=content.create_mini_program(
            owner=merchant, name="A 的小程序", app_id="wx0123456789abcdef", mall_path="/pages/index"
        ),
        link=stores.invite_link(
            store=store, user=merchant, kind="official_account", account_id=official_account.pk
        ),
        live_room=room,
        shelf_item=shelf_item,
        conversation=service.open_conversation(buyer=customer, store_id=store.pk)[0],
        quick_reply=service.add_quick_reply(user=merchant, store=store, text="稍等"),
        auto_reply=service.add_auto_reply(user=merchant, store=store, keyword="发货", reply="48 小时内"),
        plan=plan,
        promoter=promoter,
        chat=chat_,
        group=group,
        invitation=invitation_,
        coupon=coupons.create_coupon(
            store=store,
            issue=True,
            name="A 的券",
            kind="store",
            discount_type="amount_off",
            amount_fen=10,
            claim_starts_at=now - timedelta(minutes=1),
            claim_ends_at=now + timedelta(days=1),
            valid_days=7,
            total_quantity=10,
        ),
        campaign=coupons.create_campaign(
            store=store,
            name="A 的满减",
            product_ids=[on_shelf.product_id],
            tiers=[[1_000, 100]],
            starts_at=now,
            ends_at=now + timedelta(days=1),
        ),
        share=shares.create_share(
            sharer_id=merchant.pk, kind="product", card_id=on_shelf.product_id, channel="chat", channel_id=1
        ),
        gift=gift,
        contact=contact,
        contact_request=social.send_contact_request(sender=make_user(), recipient_id=merchant.pk),
        moment=moment,
        moment_comment=social.comment_on_post(user=merchant, post_id=moment.pk, text="自己的评论"),
    )


@pytest.fixture
def intruder(make_user, make_subject, make_store):
    """Merchant B: a real merchant with a store, subject and staff of its own."""
    user = make_user("intruder")
    subject = make_subject(user)
    own_store = make_store(user, subject, name="别人的店")
    return user, own_store


def test_the_walk_finds_the_routes_it_must_cover():
    routes = api_routes()
    assert "api/v1/stores/<store_id>" in routes
    assert "api/v1/stores/<store_id>/staff/<staff_id>" in routes
    assert len(routes) >= 8


def test_every_id_route_answers_404_to_another_merchant(world, intruder, api_for):
    openapi = api.get_openapi_schema()
    user, own_store = intruder
    client = api_for(user)
    checked = 0
    for route in api_routes():
        params = re.findall(r"<(?:\w+:)?(\w+)>", route)
        missing = [p for p in params if p not in OWNED_OBJECTS and p not in NOT_OBJECTS]
        assert not missing, f"{route}: register {missing} in OWNED_OBJECTS so isolation covers it"
        ids = {p: NOT_OBJECTS[p](world) if p in NOT_OBJECTS else owned_id(p, route, world) for p in params}
        variants = [ids]
        objects = [p for p in params if p not in NOT_OBJECTS]
        if objects[0] == "store_id" and len(objects) > 1:  # B's own store, A's child object
            variants.append({**ids, "store_id": own_store.pk})
        openapi_path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
        for values in variants:
            url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m, v=values: str(v[m.group(1)]), route)[len("api/v1") :]
            for method in METHODS:
                if method not in openapi["paths"].get(openapi_path, {}):
                    continue
                body = body_for(openapi, openapi_path, method)
                call = getattr(client, method)
                if (method, route) in OPEN_WRITES:
                    args = () if method == "delete" else (OPEN_WRITES[method, route](world),)
                    response = call(url, *args, **{"Idempotency-Key": "b"})
                    assert response.status_code != 404 and response.status_code < 500, (
                        f"{method.upper()} {url}: {response.status_code} {response.content[:200]}"
                    )
                    continue
                response = call(url) if method in ("get", "delete") else call(url, body)
                if (method, route) in PUBLIC_ROUTES:
                    assert response.status_code == 200, f"{method.upper()} {url}: {response.status_code}"
                    assert response.json().get("follower_count") is None, f"{url} shows a follower count"
                    continue
                assert response.status_code == 404, (
                    f"{method.upper()} {url}: {response.status_code} {response.content[:200]}"
                )
                assert response.json()["code"] == "not_found"
                checked += 1
    assert checked >= 15
