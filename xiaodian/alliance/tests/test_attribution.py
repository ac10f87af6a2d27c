"""Attribution: a line bought through a valid promotion link records the promoter and channel,
and the alliance keeps its plan and ratios; a stopped plan, a promoter no longer allowed, a
forged code attribute nothing, and the sale still goes through."""

import secrets

import pytest

from xiaodian.alliance import services
from xiaodian.alliance.models import AttributedLine
from xiaodian.alliance.rules import PlanKind
from xiaodian.core.errors import DomainError
from xiaodian.orders import services as orders
from xiaodian.orders.models import OrderLine
from xiaodian.orders.rules import SalesChannel, Scene
from xiaodian.orders.tests.conftest import ADDRESS, succeed


def _buy(buyer, *lines, token: int | None, key: str):
    placed = orders.place_order(
        buyer=buyer,
        items=[orders.LineRequest(sku_id=sku.pk, quantity=q) for sku, q in lines],
        address=ADDRESS,
        scene=Scene.PRODUCT_SHARE,
        source_type="alliance",
        source_id=token,
        idempotency_key=key,
    )
    return {line.sku_id: line for group in placed.lines.values() for line in group}


def test_a_line_bought_through_a_link_is_the_promoters(open_plan, product, creator, buyer, make_sku, enabled):
    sku = product.skus.get()
    other = make_sku(enabled, title="不在计划里")
    link = services.make_link(promoter=creator, plan_id=open_plan.pk)
    lines = _buy(buyer, (sku, 2), (other, 1), token=link.token, key="k1")
    line = OrderLine.objects.get(pk=lines[sku.pk].pk)
    assert (line.promoter_id, line.sales_channel, line.scene) == (
        creator.user_id,
        SalesChannel.CREATOR,
        Scene.PRODUCT_SHARE,
    )
    assert (line.source_type, line.source_id) == ("alliance", link.token)
    kept = AttributedLine.objects.get(line=line)
    assert (kept.plan_id, kept.link_id, kept.promoter_id, kept.agency_id) == (
        open_plan.pk,
        link.pk,
        creator.pk,
        None,
    )
    assert (kept.commission_ratio_ppm, kept.service_ratio_ppm) == (100_000, 0)
    # the other product's line is nobody's
    unattributed = OrderLine.objects.get(pk=lines[other.pk].pk)
    assert unattributed.promoter_id is None and unattributed.sales_channel is None
    assert AttributedLine.objects.count() == 1


def test_the_ratio_stays_the_one_paid_at(open_plan, product, creator, buyer):
    """Plans never change their ratios (stop and create another), so the ratio kept at checkout is
    the ratio in force at payment; a plan stopped after checkout keeps the lines it sold."""
    link = services.make_link(promoter=creator, plan_id=open_plan.pk)
    lines = _buy(buyer, (product.skus.get(), 1), token=link.token, key="k1")
    services.stop_plan(plan_id=open_plan.pk, by=open_plan.created_by)
    order = OrderLine.objects.get(pk=next(iter(lines.values())).pk).order
    succeed(order.checkout)
    kept = AttributedLine.objects.select_related("line__order").get()
    assert kept.line.order.paid_at is not None and kept.commission_ratio_ppm == 100_000


def test_a_stopped_plan_attributes_nothing_and_the_sale_goes_through(open_plan, product, creator, buyer):
    link = services.make_link(promoter=creator, plan_id=open_plan.pk)
    services.stop_plan(plan_id=open_plan.pk, by=open_plan.created_by)
    (line,) = _buy(buyer, (product.skus.get(), 1), token=link.token, key="k1").values()
    line = OrderLine.objects.get(pk=line.pk)
    assert line.promoter_id is None and not AttributedLine.objects.exists()


def test_a_forged_code_is_no_source(open_plan, product, creator, buyer):
    """The orders' source check refuses a link that does not exist (the checkout page drops it
    and sells unattributed, as for any unknown source)."""
    services.make_link(promoter=creator, plan_id=open_plan.pk)
    forged = secrets.randbits(62)
    with pytest.raises(DomainError) as refused:
        _buy(buyer, (product.skus.get(), 1), token=forged, key="k1")
    assert (refused.value.code, refused.value.field) == ("validation_error", "source_type")
    assert not OrderLine.objects.exists()


def test_a_promoter_no_longer_allowed_attributes_nothing(
    make_plan, open_plan, enabled, product, make_promoter, buyer
):
    agency, elsewhere, member = make_promoter(kind="agency"), make_promoter(kind="agency"), make_promoter()
    services.join_agency(promoter=member, agency_id=agency.pk)
    (targeted,) = make_plan(enabled, product, kind=PlanKind.TARGETED, promoter_ids=[agency.pk])
    link = services.make_link(promoter=member, plan_id=targeted.pk)
    services.join_agency(promoter=member, agency_id=elsewhere.pk)  # left the listed agency
    (line,) = _buy(buyer, (product.skus.get(), 1), token=link.token, key="k1").values()
    assert OrderLine.objects.get(pk=line.pk).promoter_id is None


def test_through_an_agency_the_channel_is_101_with_the_service_ratio(
    make_plan, open_plan, enabled, product, make_promoter, buyer
):
    agency, member = make_promoter(kind="agency"), make_promoter()
    services.join_agency(promoter=member, agency_id=agency.pk)
    (targeted,) = make_plan(
        enabled,
        product,
        kind=PlanKind.TARGETED,
        ratio=200_000,
        service_ratio_ppm=50_000,
        promoter_ids=[agency.pk],
    )
    link = services.make_link(promoter=member, plan_id=targeted.pk)
    (line,) = _buy(buyer, (product.skus.get(), 1), token=link.token, key="k1").values()
    line = OrderLine.objects.get(pk=line.pk)
    assert (line.promoter_id, line.sales_channel) == (member.user_id, SalesChannel.AGENCY)
    kept = AttributedLine.objects.get(line=line)
    assert (kept.plan_id, kept.agency_id, kept.commission_ratio_ppm, kept.service_ratio_ppm) == (
        targeted.pk,
        agency.pk,
        200_000,
        50_000,
    )


def test_a_sharer_sells_as_channel_100(open_plan, product, make_promoter, buyer):
    sharer = make_promoter(kind="sharer")
    link = services.make_link(promoter=sharer, plan_id=open_plan.pk)
    (line,) = _buy(buyer, (product.skus.get(), 1), token=link.token, key="k1").values()
    assert OrderLine.objects.get(pk=line.pk).sales_channel == SalesChannel.CREATOR


def test_buying_through_ones_own_link_attributes_nothing(open_plan, product, creator):
    link = services.make_link(promoter=creator, plan_id=open_plan.pk)
    (line,) = _buy(creator.user, (product.skus.get(), 1), token=link.token, key="k1").values()
    assert OrderLine.objects.get(pk=line.pk).promoter_id is None


def test_a_replayed_checkout_writes_no_second_attribution(open_plan, product, creator, buyer):
    link = services.make_link(promoter=creator, plan_id=open_plan.pk)
    first = _buy(buyer, (product.skus.get(), 1), token=link.token, key="same")
    again = _buy(buyer, (product.skus.get(), 1), token=link.token, key="same")
    assert [line.pk for line in first.values()] == [line.pk for line in again.values()]
    assert AttributedLine.objects.count() == 1
