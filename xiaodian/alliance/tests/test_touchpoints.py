"""The other touchpoints (issue 19): a promoter's public showcase, a creator's short video with an
alliance product, and alliance products in a creator's live room. A line bought through each is
the promoter's (scene and source, promoter, sales channel on the line; plan, ratios and the
touchpoint beside it), under the same refusals as a link: the plan live, the store enabled and
open, the product listed, the promoter allowed, the buyer not the promoter. Payment pays the
commission like a link's."""

import pytest
from django.urls import reverse

from xiaodian.alliance import selectors, services
from xiaodian.alliance.models import AttributedLine
from xiaodian.alliance.rules import PlanKind, PromoterKind, Touchpoint
from xiaodian.catalog import services as catalog
from xiaodian.content import cards
from xiaodian.content import services as content
from xiaodian.content.tests.conftest import mp4, png
from xiaodian.core.errors import DomainError
from xiaodian.ledger import services as money
from xiaodian.ledger.models import LineCommission
from xiaodian.orders import services as orders
from xiaodian.orders.models import OrderLine
from xiaodian.orders.rules import SalesChannel, Scene
from xiaodian.orders.tests.conftest import ADDRESS, succeed

pytestmark = pytest.mark.django_db

_keys = iter(range(1, 10_000))


def buy(buyer, *lines, scene, source_type, source_id):
    placed = orders.place_order(
        buyer=buyer,
        items=[orders.LineRequest(sku_id=sku.pk, quantity=q) for sku, q in lines],
        address=ADDRESS,
        scene=scene,
        source_type=source_type,
        source_id=source_id,
        idempotency_key=f"t{next(_keys)}",
    )
    return placed, {line.product_id: line for group in placed.lines.values() for line in group}


def promoted(line) -> tuple:
    line = OrderLine.objects.get(pk=line.pk)
    return line.promoter_id, line.sales_channel, line.scene, line.source_type, line.source_id


@pytest.fixture
def sku(product):
    return product.skus.get()


@pytest.fixture
def video_of(make_user):
    def make(promoter, product_id, publish=True):
        account_id = (
            promoter.video_account_id
            or content.create_video_account(owner=promoter.user, name=f"号{promoter.pk}").pk
        )
        video = content.create_video(
            owner=promoter.user,
            account_id=account_id,
            title="开箱",
            cover=png(),
            file=mp4(),
            product_id=product_id,
        )
        if publish:
            content.publish_video(owner=promoter.user, video_id=video.pk)
        return video

    return make


# ------------------------------------------------------------------------------------ showcase


def test_a_line_bought_from_a_showcase_is_the_creators(
    open_plan, product, sku, creator, buyer, make_sku, enabled
):
    other = make_sku(enabled, title="不在橱窗里")
    services.add_showcase_item(promoter=creator, product_id=product.pk)
    _placed, lines = buy(
        buyer, (sku, 2), (other, 1), scene=Scene.SHORT_VIDEO, source_type="showcase", source_id=creator.pk
    )
    assert promoted(lines[product.pk]) == (creator.user_id, SalesChannel.CREATOR, 3, "showcase", creator.pk)
    kept = AttributedLine.objects.get(line_id=lines[product.pk].pk)
    assert (kept.touchpoint, kept.link_id, kept.plan_id, kept.promoter_id) == (
        Touchpoint.SHOWCASE,
        None,
        open_plan.pk,
        creator.pk,
    )
    assert (kept.commission_ratio_ppm, kept.service_ratio_ppm) == (100_000, 0)
    assert promoted(lines[other.product_id])[:2] == (None, None)  # not in the showcase: nobody's
    assert AttributedLine.objects.count() == 1


def test_the_showcase_pays_the_commission_at_payment(open_plan, product, sku, creator, buyer):
    services.add_showcase_item(promoter=creator, product_id=product.pk)
    placed, lines = buy(
        buyer, (sku, 1), scene=Scene.SHORT_VIDEO, source_type="showcase", source_id=creator.pk
    )
    succeed(placed.checkout)
    money.post_paid_orders(order_ids=[o.pk for o in placed.orders])
    claim = LineCommission.objects.get(reference=f"AL{lines[product.pk].pk}")  # the ledger's line
    assert (claim.promoter_id, claim.ratio_ppm, claim.amount_fen) == (creator.user_id, 100_000, 1000)


def test_a_showcase_refuses_like_a_link(open_plan, product, sku, creator, buyer, merchant):
    services.add_showcase_item(promoter=creator, product_id=product.pk)
    source = {"scene": Scene.SHORT_VIDEO, "source_type": "showcase", "source_id": creator.pk}
    # the promoter buying from its own showcase: unattributed, the sale goes through
    _placed, lines = buy(creator.user, (sku, 1), **source)
    assert promoted(lines[product.pk])[:2] == (None, None)
    # the plan stopped: the item leaves the public showcase and attributes nothing
    assert [p["product_id"] for p in selectors.public_showcase(creator)] == [product.pk]
    services.stop_plan(plan_id=open_plan.pk, by=merchant)
    assert selectors.public_showcase(creator) == []
    _placed, lines = buy(buyer, (sku, 1), **source)
    assert promoted(lines[product.pk])[:3] == (None, None, Scene.SHORT_VIDEO)
    assert AttributedLine.objects.count() == 0


def test_a_delisted_product_in_a_showcase_attributes_nothing(
    open_plan, product, sku, creator, buyer, merchant
):
    services.add_showcase_item(promoter=creator, product_id=product.pk)
    catalog.delist_product(product=product)
    assert selectors.best_grant(creator, product.pk) is None
    assert selectors.public_showcase(creator) == []


def test_a_targeted_plan_through_an_agency_is_channel_101_with_the_service_ratio(
    make_plan, enabled, product, sku, make_promoter, buyer, open_plan
):
    agency = make_promoter(PromoterKind.AGENCY)
    member = make_promoter()
    services.join_agency(promoter=member, agency_id=agency.pk)
    (targeted,) = make_plan(
        enabled,
        product,
        kind=PlanKind.TARGETED,
        ratio=200_000,
        service_ratio_ppm=50_000,
        promoter_ids=[agency.pk],
    )
    services.add_showcase_item(promoter=member, product_id=product.pk)
    member = selectors.promoter_of(member.user)
    _placed, lines = buy(
        buyer, (sku, 1), scene=Scene.SHORT_VIDEO, source_type="showcase", source_id=member.pk
    )
    assert promoted(lines[product.pk])[:2] == (member.user_id, SalesChannel.AGENCY)
    kept = AttributedLine.objects.get(line_id=lines[product.pk].pk)
    # the targeted plan beats the open one; through the agency, with its service ratio
    assert (kept.plan_id, kept.agency_id, kept.commission_ratio_ppm, kept.service_ratio_ppm) == (
        targeted.pk,
        agency.pk,
        200_000,
        50_000,
    )


def test_a_showcase_source_must_name_a_promoter_and_fit_the_scene(open_plan, sku, buyer):
    with pytest.raises(DomainError) as refused:
        buy(buyer, (sku, 1), scene=Scene.SHORT_VIDEO, source_type="showcase", source_id=999_999)
    assert refused.value.code == "validation_error"
    with pytest.raises(DomainError):
        buy(buyer, (sku, 1), scene=Scene.ARTICLE, source_type="showcase", source_id=1)


def test_the_video_account_profile_links_the_showcase(open_plan, product, creator, client):
    assert cards.showcase(creator.video_account_id) is None  # nothing in it yet
    services.add_showcase_item(promoter=creator, product_id=product.pk)
    assert cards.showcase(creator.video_account_id) == {
        "url": reverse("alliance:showcase", args=[creator.pk]),
        "count": 1,
    }
    html = client.get(reverse("content:video_account", args=[creator.video_account_id])).content.decode()
    assert f'href="/alliance/showcase/{creator.pk}/"' in html and "橱窗 · 1 件商品" in html


def test_the_showcase_page_links_each_product_with_the_showcase_as_source(
    open_plan, product, creator, client, django_assert_max_num_queries
):
    services.add_showcase_item(promoter=creator, product_id=product.pk)
    url = reverse("alliance:showcase", args=[creator.pk])
    with django_assert_max_num_queries(4):  # the promoter, the items, the cards (+ session)
        r = client.get(url)
    html = r.content.decode()
    assert r.status_code == 200 and "山茶花精华" in html
    assert f"/products/{product.pk}/?scene=3&amp;source_type=showcase&amp;source_id={creator.pk}" in html
    assert client.get(reverse("alliance:showcase", args=[999_999])).status_code == 404


# -------------------------------------------------------------------------------- short videos


def test_a_line_bought_from_a_creators_video_is_the_creators(
    open_plan, product, sku, creator, buyer, video_of, make_sku, enabled
):
    video = video_of(creator, product.pk)
    other = make_sku(enabled, title="别的")
    _placed, lines = buy(
        buyer, (sku, 1), (other, 1), scene=Scene.SHORT_VIDEO, source_type="video", source_id=video.pk
    )
    assert promoted(lines[product.pk]) == (creator.user_id, SalesChannel.CREATOR, 3, "video", video.pk)
    assert promoted(lines[other.product_id])[:2] == (None, None)  # not the video's card
    kept = AttributedLine.objects.get()
    assert (kept.touchpoint, kept.link_id, kept.plan_id) == (Touchpoint.VIDEO, None, open_plan.pk)
    (row,) = selectors.video_promotions(creator)
    assert (row.video_id, row.published, row.plan) == (video.pk, True, open_plan)


def test_a_video_attributes_only_what_its_owner_may_promote(
    enabled, product, sku, creator, buyer, video_of, make_user, make_plan, make_sku, make_promoter
):
    # no plan for the product: the video sells it unattributed (content accepts any product id)
    video = video_of(creator, product.pk)
    _placed, lines = buy(buyer, (sku, 1), scene=Scene.SHORT_VIDEO, source_type="video", source_id=video.pk)
    assert promoted(lines[product.pk])[:3] == (None, None, Scene.SHORT_VIDEO)
    assert selectors.video_promotions(creator)[0].plan is None
    # an exclusive plan for someone else: still not this creator's
    make_plan(enabled, product, kind=PlanKind.EXCLUSIVE, promoter_ids=[make_promoter().pk])
    _placed, lines = buy(buyer, (sku, 1), scene=Scene.SHORT_VIDEO, source_type="video", source_id=video.pk)
    assert promoted(lines[product.pk])[:2] == (None, None)
    assert AttributedLine.objects.count() == 0


def test_a_video_of_someone_who_is_no_promoter_attributes_nothing(open_plan, product, sku, buyer, make_user):
    owner = make_user("merchant_video")
    account = content.create_video_account(owner=owner, name="店铺号")
    video = content.create_video(
        owner=owner, account_id=account.pk, title="开箱", cover=png(), file=mp4(), product_id=product.pk
    )
    content.publish_video(owner=owner, video_id=video.pk)
    _placed, lines = buy(buyer, (sku, 1), scene=Scene.SHORT_VIDEO, source_type="video", source_id=video.pk)
    assert promoted(lines[product.pk])[:3] == (None, None, Scene.SHORT_VIDEO)


def test_the_creator_buying_from_its_own_video_is_unattributed(open_plan, product, sku, creator, video_of):
    video = video_of(creator, product.pk)
    _placed, lines = buy(
        creator.user, (sku, 1), scene=Scene.SHORT_VIDEO, source_type="video", source_id=video.pk
    )
    assert promoted(lines[product.pk])[:2] == (None, None)


# --------------------------------------------------------------------------------------- pages


def test_the_touchpoints_page_sends_a_non_promoter_to_join(client, buyer):
    client.force_login(buyer)
    r = client.get(reverse("alliance:touchpoints"))
    assert r.status_code == 302 and r.url == reverse("alliance:center")


def test_the_merchant_sees_which_touchpoint_sold_the_line(
    open_plan, product, sku, creator, buyer, merchant, enabled, client
):
    services.add_showcase_item(promoter=creator, product_id=product.pk)
    _placed, lines = buy(
        buyer, (sku, 1), scene=Scene.SHORT_VIDEO, source_type="showcase", source_id=creator.pk
    )
    client.force_login(merchant)
    html = client.get(reverse("alliance:store_alliance", args=[enabled.pk])).content.decode()
    row = html[html.index(f'id="promoted-{lines[product.pk].pk}"') :]
    assert '<span class="touchpoint">橱窗</span>' in row[: row.index("</li>")]
