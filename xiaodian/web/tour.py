"""The main pages of the platform as each demo account sees them: what `xiaodian screenshots`
photographs. Ids come from the demo data (`xiaodian.web.demo`); a page whose object the data does
not hold is left out rather than guessed."""

from dataclasses import dataclass

from xiaodian.aftersales.models import AfterSale
from xiaodian.alliance.models import Promoter
from xiaodian.catalog.models import Product
from xiaodian.chats.models import Member
from xiaodian.content.models import Article, Video
from xiaodian.gifts.models import Gift
from xiaodian.live.models import LiveRoom
from xiaodian.orders.models import Order
from xiaodian.stores.models import Store

FLAGSHIP = "山野官方旗舰店"  # the demo store with a score, a history and every touchpoint


@dataclass(frozen=True)
class Shot:
    account: str  # a demo username, or "" for a visitor who has not signed in
    name: str  # the file's name: <account or guest>-<name>.png
    path: str


def tour() -> list[Shot]:
    """The pages, visitor first, then buyer, merchant, customer service and operator."""
    shop = Store.objects.filter(name=FLAGSHIP).first()
    if shop is None:
        return []
    s = shop.pk
    product = Product.objects.filter(store=shop, state="listed").order_by("pk").first()
    order = Order.objects.filter(buyer__username="buyer2", store=shop).order_by("-pk").first()
    aftersale = AfterSale.objects.filter(store=shop).order_by("pk").first()
    article = Article.objects.filter(state="published").order_by("pk").first()
    video = Video.objects.filter(state="published").order_by("pk").first()
    room = LiveRoom.objects.order_by("pk").first()
    # the demo's group gift (buyer2 sent it into the group), else any gift made for the photos
    gift = Gift.objects.order_by("kind", "pk").first()  # "group" before "single"
    showcase = Promoter.objects.filter(user__username="creator").values_list("pk", flat=True).first()
    chat = Member.objects.filter(user__username="buyer2").order_by("-conversation__last_message_at")
    direct = chat.filter(conversation__kind="direct").values_list("conversation_id", flat=True).first()
    group = chat.filter(conversation__kind="group").values_list("conversation_id", flat=True).first()
    business = chat.filter(conversation__kind="business").values_list("conversation_id", flat=True).first()
    orchard = Store.objects.filter(is_legacy_video=True).values_list("pk", flat=True).first()
    maybe = [
        ("", "home", "/"),
        ("", "login", "/login/"),
        ("", "shop", f"/shop/{s}/"),
        ("", "product", f"/products/{product.pk}/" if product else None),
        ("", "search", "/search/?q=茶"),
        ("buyer2", "discover", "/discover/"),
        ("buyer2", "live-square", "/live-square/"),
        ("", "article", f"/articles/{article.pk}/" if article else None),
        ("", "video", f"/videos/{video.pk}/" if video else None),
        ("", "live-room", f"/live-rooms/{room.pk}/" if room else None),
        ("buyer2", "orders", "/orders/"),
        ("buyer2", "order", f"/orders/{order.pk}/" if order else None),
        ("buyer2", "cart", "/cart/"),
        ("buyer2", "aftersales", "/aftersales/"),
        ("buyer2", "complaints", "/complaints/"),
        ("buyer2", "me", "/me/"),
        ("buyer2", "my-coupons", "/me/coupons/"),
        ("buyer", "my-shares", "/me/shares/"),
        ("buyer2", "shop-coupons", f"/shop/{s}/coupons/"),
        ("buyer2", "chats", "/chats/"),
        ("buyer2", "chat", f"/chats/{direct}/" if direct else None),
        ("buyer2", "group-chat", f"/chats/{group}/" if group else None),
        ("buyer2", "group-info", f"/chats/groups/{group}/" if group else None),
        ("buyer2", "gift-send", f"/gifts/send/?product={product.pk}" if product else None),
        ("buyer2", "gifts", "/gifts/"),
        ("buyer2", "gift", f"/gifts/{gift.pk}/" if gift else None),
        ("buyer2", "gift-verify", f"/gifts/{gift.pk}/verify/" if gift and gift.kind == "group" else None),
        ("buyer2", "contacts", "/contacts/"),
        ("buyer2", "moments", "/moments/"),
        ("buyer2", "business-contacts", "/business/"),
        ("buyer2", "business-chat", f"/chats/{business}/" if business else None),
        ("buyer2", "business-consent", f"/business/stores/{orchard}/consent/" if orchard else None),
        ("", "showcase", f"/alliance/showcase/{showcase}/" if showcase else None),
        ("merchant", "workbench", f"/stores/{s}/workbench/"),
        ("merchant", "products", f"/stores/{s}/products/"),
        ("merchant", "product-new", f"/stores/{s}/products/new/"),
        ("merchant", "store-orders", f"/stores/{s}/orders/"),
        ("merchant", "store-aftersales", f"/stores/{s}/aftersales/"),
        ("merchant", "aftersale", f"/aftersales/{aftersale.pk}/" if aftersale else None),
        ("merchant", "return-addresses", f"/stores/{s}/return-addresses/"),
        ("merchant", "data", f"/stores/{s}/data/"),
        ("merchant", "homepage-editor", f"/stores/{s}/homepage/"),
        ("merchant", "settings", f"/stores/{s}/settings/"),
        ("merchant", "content", "/content/"),
        ("merchant", "store-alliance", f"/stores/{s}/alliance/"),
        ("merchant", "store-coupons", f"/stores/{s}/coupons/"),
        ("merchant", "money", f"/stores/{s}/money/"),
        ("merchant", "store-business", f"/stores/{orchard}/business/" if orchard else None),
        ("merchant", "service-upgrade", f"/stores/{orchard}/service/upgrade/" if orchard else None),
        ("creator", "alliance-center", "/alliance/"),
        ("creator", "alliance-touchpoints", "/alliance/touchpoints/"),
        ("agent", "service-workbench", f"/stores/{s}/service/"),
        ("ops", "operations", "/ops/"),
        ("ops", "disputes", "/ops/disputes/"),
        ("ops", "complaints", "/ops/complaints/"),
        ("ops", "ops-money", "/ops/money/"),
        ("ops", "ops-alliance", "/ops/alliance/"),
        ("ops", "ops-exposure", "/ops/exposure/"),
    ]
    return [Shot(account, name, path) for account, name, path in maybe if path is not None]
