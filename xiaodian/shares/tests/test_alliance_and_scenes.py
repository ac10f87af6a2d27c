"""A sharer who is an alliance promoter earns through the alliance (DOMAIN.md "Social graph and
private domain"), through the alliance's own attribution; a mini-program card records scene 12
with the mini program as its verified source; and the data center's private domain counts only
verified private scenes."""

from xiaodian.alliance import rules as alliance_rules
from xiaodian.alliance import selectors as alliance
from xiaodian.alliance.models import AttributedLine
from xiaodian.alliance.rules import PromoterKind
from xiaodian.content import services as content
from xiaodian.orders.models import OrderLine
from xiaodian.orders.rules import SalesChannel
from xiaodian.shares.models import Share
from xiaodian.stores import services as stores

from .conftest import buy_and_pay
from .test_shares import checkout, opened


def test_a_promoters_share_earns_through_the_alliance(
    open_plan, product, make_promoter, buyer, share_card, members
):
    promoter = make_promoter(PromoterKind.SHARER)
    share_card("product", product.pk, channel="moment", channel_id=11, by=promoter.user)
    share = Share.objects.get()
    members[("moment", 11)].add(buyer.pk)
    order = buy_and_pay(buyer, product.skus.get(), 11, "social_share", share.pk, "a1")
    line = OrderLine.objects.get(order=order)
    assert (line.scene, line.source_type, line.source_id) == (11, "social_share", share.pk)
    assert (line.promoter_id, line.sales_channel) == (promoter.user_id, SalesChannel.CREATOR)
    attributed = AttributedLine.objects.get(line=line)
    assert (attributed.plan, attributed.touchpoint, attributed.link) == (open_plan, "share", None)
    # the commission order, as for a purchase through the promoter's link: ¥100.00 at 10%
    (commission,) = alliance.commission_orders(alliance.promoter_commissions(promoter.user))
    assert (commission.state, commission.commission_fen) == (alliance_rules.COMMISSION_UNSETTLED, 1_000)


def test_an_unverified_share_of_a_promoter_earns_nothing(
    open_plan, product, make_promoter, buyer, share_card
):
    promoter = make_promoter(PromoterKind.SHARER)
    share_card("product", product.pk, by=promoter.user)  # the buyer is in no channel
    order = buy_and_pay(buyer, product.skus.get(), 9, "social_share", Share.objects.get().pk, "a2")
    line = OrderLine.objects.get(order=order)
    assert (line.scene, line.source_type, line.promoter_id) == (1, "", None)
    assert not AttributedLine.objects.exists()


def test_a_share_by_someone_who_is_no_promoter_attributes_to_no_one(
    open_plan, product, buyer, share_card, members
):
    share_card("product", product.pk)
    members[("chat", 7)].add(buyer.pk)
    order = buy_and_pay(buyer, product.skus.get(), 9, "social_share", Share.objects.get().pk, "a3")
    line = OrderLine.objects.get(order=order)
    assert (line.scene, line.promoter_id) == (9, None)
    assert not AttributedLine.objects.exists()


def test_a_mini_program_card_from_a_chat_records_scene_12(
    client, api_for, buyer, merchant, store, make_sku, share_card
):
    sku = make_sku(store)
    program = content.create_mini_program(
        owner=merchant, name="拾光商城", app_id="wx00000000000000ab", mall_path="/m"
    )
    stores.invite_link(
        store=store, user=merchant, kind="mini_program", account_id=program.pk
    )  # bound at once
    _path, query = opened(client, share_card("mini_program", program.pk))
    assert checkout(
        api_for, buyer, sku, int(query["scene"]), query["source_type"], int(query["source_id"])
    ) == (
        12,
        "mini_program",
        program.pk,
    )
    # another store's mini program does not verify for this store's product
    stranger = content.create_mini_program(
        owner=buyer, name="别家商城", app_id="wx00000000000000cd", mall_path="/m"
    )
    assert checkout(api_for, buyer, sku, 12, "mini_program", stranger.pk) == (1, "", None)
