"""After-sales in a real browser (Debian's Chromium driven by Playwright): a buyer asks for a
refund on a paid demo order and the merchant approves it; a rejected refund goes to the platform,
the merchant answers the dispute with a photo, the operator decides, and both sides see it."""

import io
import re

import pytest
from django.core.management import call_command

from xiaodian.aftersales.models import AfterSale
from xiaodian.aftersales.rules import State
from xiaodian.catalog.models import Product
from xiaodian.catalog.rules import ProductState
from xiaodian.core.browser import sign_in
from xiaodian.core.money import format_fen
from xiaodian.orders import services as orders
from xiaodian.orders.rules import Status
from xiaodian.orders.tests.conftest import ADDRESS, DEMO_PASSWORD
from xiaodian.stores.rules import StoreState
from xiaodian.wechatpay_sandbox import services as sandbox

# Approving starts the refund; the refund notification then finishes it (when it has arrived).
REFUNDING_OR_REFUNDED = re.compile(r"^(平台退款中|退款完成)$")
REFUNDING_OR_REFUNDED_RETURN = re.compile(r"^(平台退款中|退货退款完成)$")


def _until_refunded(aftersale, page, within_s: float = 15.0) -> None:
    """Wait for the refund notification (the sandbox delivers it to the live server) to finish the
    request: polls the request's state, failing after `within_s`."""
    import time

    deadline = time.monotonic() + within_s
    while AfterSale.objects.get(pk=aftersale.pk).state not in (
        State.MERCHANT_REFUND_SUCCESS,
        State.MERCHANT_RETURN_SUCCESS,
    ):
        assert time.monotonic() < deadline, "the refund notification never arrived"
        page.wait_for_timeout(100)


pytestmark = pytest.mark.browser


def _paid_demo_order(key="aftersales-browser"):
    """The demo buyer's order of one listed demo product, paid in the WeChat Pay sandbox."""
    from xiaodian.accounts.models import User

    product = (
        Product.objects.filter(
            state=ProductState.LISTED, store__state=StoreState.OPEN, store__staff__user__username="merchant"
        )
        .order_by("pk")
        .first()
    )
    sku = product.skus.filter(is_active=True, stock__gt=0).order_by("pk").first()
    buyer = User.objects.get(username="buyer")
    items = [orders.LineRequest(sku_id=sku.pk, quantity=2)]
    checkout = orders.place_order(
        buyer=buyer,
        items=items,
        address=ADDRESS,
        scene=1,
        idempotency_key=key,
    ).checkout
    order = checkout.orders.get()
    payment = orders.pay_checkout(buyer=buyer, order_id=order.pk)
    sandbox.pay_for(payment.out_trade_no)  # the buyer pays on the sandbox; its notification marks it paid
    order.refresh_from_db()
    assert order.status == Status.TO_SHIP
    return order


def test_a_buyer_asks_for_a_refund_and_the_merchant_approves_it(browser, live_server):
    from playwright.sync_api import expect

    # the demo data (`xiaodian.web.demo.seed_demo`, through its command: aftersales may not import web)
    call_command("demo", no_serve=True, stdout=io.StringIO())
    order = _paid_demo_order()
    line = order.lines.get()

    # the buyer opens the order and asks for a refund of both units
    buyer = sign_in(browser, live_server, "buyer", DEMO_PASSWORD)
    buyer.goto(f"{live_server.url}/orders/{order.pk}/")
    expect(buyer.locator("#order-status")).to_have_text("待发货")
    buyer.click(f"#aftersale-line-{line.pk}")
    expect(buyer.locator("h1")).to_have_text("申请售后")
    expect(buyer.locator("#line")).to_contain_text(line.title)
    expect(buyer.locator("input[name=type][value=refund]")).to_be_checked()
    expect(buyer.locator("#id_quantity")).to_have_value("2")
    buyer.select_option("#id_reason_code", "not_wanted")
    buyer.fill("#id_reason", "拍错了规格")
    buyer.click("#submit-request")

    expect(buyer.locator("h1")).to_have_text("售后详情")
    expect(buyer.locator("#aftersale-state")).to_have_text("待商家处理")
    aftersale = AfterSale.objects.get(order=order)
    amount = format_fen(aftersale.amount_fen)
    assert aftersale.amount_fen == order.total_fen  # every unit of the only line: what was paid
    expect(buyer.locator("#aftersale-amount")).to_have_text(amount)
    expect(buyer.locator("#deadlines")).to_contain_text("商家处理期限")

    # the merchant, in another browser context, finds it in the store's after-sales and approves it
    merchant = sign_in(browser, live_server, "merchant", DEMO_PASSWORD)
    merchant.goto(f"{live_server.url}/stores/{order.store_id}/settings/")
    merchant.click("#store-aftersales-link")
    expect(merchant.locator("h1")).to_have_text("售后处理")
    card = merchant.locator(f"#aftersale-{aftersale.pk}")
    expect(card.locator(".state")).to_have_text("待商家处理")
    expect(card).to_contain_text(amount)
    expect(card).to_contain_text("拍错了规格")
    card.locator("button[value=approve]").click()  # 同意退款
    expect(merchant.locator(".messages")).to_contain_text("已同意售后申请")
    card = merchant.locator(f"#aftersale-{aftersale.pk}")
    expect(card.locator(".state")).to_have_text(REFUNDING_OR_REFUNDED)
    expect(card.locator("button[value=approve]")).to_have_count(0)

    # the buyer sees the refund under way (or done), for the same amount
    buyer.reload()
    expect(buyer.locator("#aftersale-state")).to_have_text(REFUNDING_OR_REFUNDED)
    expect(buyer.locator("#aftersale-amount")).to_have_text(amount)
    expect(buyer.locator("#history")).to_contain_text("平台退款中")
    aftersale.refresh_from_db()
    assert aftersale.state in (State.PLATFORM_REFUNDING, State.MERCHANT_REFUND_SUCCESS)
    assert aftersale.out_refund_no == f"AS{aftersale.pk}"

    # and the buyer's after-sales list agrees
    buyer.click("nav >> text=售后")
    expect(buyer.locator(f"#aftersale-{aftersale.pk} .state")).to_have_text(REFUNDING_OR_REFUNDED)


def test_a_rejected_refund_is_disputed_answered_by_the_merchant_and_decided(browser, live_server, tmp_path):
    from playwright.sync_api import expect

    from xiaodian.catalog.tests.conftest import image_bytes

    call_command("demo", no_serve=True, stdout=io.StringIO())
    order = _paid_demo_order("aftersales-dispute-browser")
    line = order.lines.get()

    buyer = sign_in(browser, live_server, "buyer", DEMO_PASSWORD)
    buyer.goto(f"{live_server.url}/orders/{order.pk}/lines/{line.pk}/aftersale/")
    buyer.select_option("#id_reason_code", "not_wanted")
    buyer.click("#submit-request")
    expect(buyer.locator("#aftersale-state")).to_have_text("待商家处理")
    aftersale = AfterSale.objects.get(order=order)

    # the merchant refuses it, with a reason, on the request's page
    merchant = sign_in(browser, live_server, "merchant", DEMO_PASSWORD)
    merchant.goto(f"{live_server.url}/aftersales/{aftersale.pk}/")
    merchant.click("summary >> text=拒绝")
    merchant.fill(f"#id_as{aftersale.pk}-reason", "商品已打包待发")
    merchant.click("button[value=reject]")
    expect(merchant.locator("#aftersale-state")).to_have_text("商家拒绝退款")

    # the buyer asks the platform to step in
    buyer.reload()
    buyer.fill(f"#id_as{aftersale.pk}-statement", "还没发货，可以退")
    buyer.click("button[value=dispute]")
    expect(buyer.locator(".messages")).to_contain_text("申诉已提交")
    expect(buyer.locator("#dispute-no-answer")).to_have_text("商家尚未答复。")

    # the merchant answers once, with a photo of the packed parcel
    merchant.reload()
    photo = tmp_path / "parcel.png"
    photo.write_bytes(image_bytes((240, 240), colour="orange"))
    merchant.fill(f"#id_as{aftersale.pk}-statement", "已打包交给快递，见照片")
    merchant.set_input_files(f"#id_as{aftersale.pk}-images", str(photo))
    merchant.click("button[value=answer]")
    expect(merchant.locator(".messages")).to_contain_text("答复已提交")
    expect(merchant.locator("#dispute-answer")).to_have_text("已打包交给快递，见照片")
    expect(merchant.locator("#dispute-answer-evidence img")).to_have_count(1)
    expect(merchant.locator("#answer-form")).to_have_count(0)

    # the operator sees both sides and decides for the merchant
    ops = sign_in(browser, live_server, "ops", DEMO_PASSWORD)
    ops.goto(f"{live_server.url}/ops/disputes/")
    card = ops.locator(f"#dispute-{aftersale.dispute.pk}")
    expect(card.locator(".statement")).to_have_text("还没发货，可以退")
    expect(card.locator(".merchant-answer")).to_have_text("已打包交给快递，见照片")
    card.locator("input[value=merchant]").check()
    card.locator("button[type=submit]").click()
    expect(ops.locator(".messages")).to_contain_text("已裁决")

    # both sides see the outcome on the request
    merchant.reload()
    expect(merchant.locator("#dispute-decision")).to_contain_text("支持商家")
    expect(merchant.locator("#aftersale-state")).to_have_text("售后失败")
    buyer.reload()
    expect(buyer.locator("#dispute-decision")).to_contain_text("支持商家")


def test_a_return_goes_to_the_return_address_is_refunded_in_part_and_the_dispute_answered(
    browser, live_server, tmp_path
):
    """Issue 17's merchant journey: approve a return with the store's return address, receive the
    goods and refund part of it with a reason, then answer the buyer's dispute of the difference."""
    from playwright.sync_api import expect

    from xiaodian.catalog.tests.conftest import image_bytes

    call_command("demo", no_serve=True, stdout=io.StringIO())
    order = _paid_demo_order("aftersales-return-browser")
    orders.ship_order(store=order.store, order_id=order.pk, carrier="SF", tracking_no="SF1234567890123")
    orders.confirm_receipt(buyer=order.buyer, order_id=order.pk)
    line = order.lines.get()

    buyer = sign_in(browser, live_server, "buyer", DEMO_PASSWORD)
    buyer.goto(f"{live_server.url}/orders/{order.pk}/lines/{line.pk}/aftersale/")
    buyer.check("input[name=type][value=return]")
    buyer.select_option("#id_reason_code", "quality")
    buyer.click("#submit-request")
    expect(buyer.locator("#aftersale-state")).to_have_text("待商家处理")
    aftersale = AfterSale.objects.get(order=order)
    address = order.store.return_addresses.get(is_default=True)

    # the merchant agrees; the goods go back to the store's default return address
    merchant = sign_in(browser, live_server, "merchant", DEMO_PASSWORD)
    merchant.goto(f"{live_server.url}/aftersales/{aftersale.pk}/")
    expect(merchant.locator(f"#id_as{aftersale.pk}-return_address_id")).to_have_value(str(address.pk))
    merchant.click("button[value=approve]")
    expect(merchant.locator("#aftersale-state")).to_have_text("待买家退货")

    # the buyer sees where to send it and sends it
    buyer.reload()
    expect(buyer.locator("#ship-to")).to_contain_text(address.recipient)
    buyer.fill(f"#id_as{aftersale.pk}-carrier", "顺丰速运")
    buyer.fill(f"#id_as{aftersale.pk}-tracking_no", "SF9876543210")
    buyer.click("button[value=ship]")
    expect(buyer.locator("#aftersale-state")).to_have_text("待商家收货")

    # the goods arrive worn: the merchant refunds part of it, in yuan, with the reason
    merchant.reload()
    amount = merchant.locator(f"#id_as{aftersale.pk}-refund_fen")
    expect(amount).to_have_value(f"{aftersale.amount_fen / 100:.2f}")
    amount.fill("10.00")
    merchant.fill(f"#id_as{aftersale.pk}-short_reason", "吊牌已剪，影响二次销售")
    merchant.click("button[value=received]")
    expect(merchant.locator("#aftersale-state")).to_have_text(REFUNDING_OR_REFUNDED_RETURN)
    assert merchant.dialogs[-1].startswith("确认已收到退回的商品")
    aftersale.refresh_from_db()
    assert (aftersale.refund_fen, aftersale.short_reason) == (1000, "吊牌已剪，影响二次销售")

    # the refund arrives; the buyer sees the smaller amount and the reason, and disputes it
    _until_refunded(aftersale, buyer)
    buyer.reload()
    expect(buyer.locator("#aftersale-state")).to_have_text("退货退款完成")
    expect(buyer.locator("#short-refund")).to_contain_text("¥10.00")
    expect(buyer.locator("#short-reason")).to_contain_text("吊牌已剪")
    buyer.fill(f"#id_as{aftersale.pk}-statement", "吊牌是原本就没有的")
    buyer.click("button[value=dispute]")
    expect(buyer.locator(".messages")).to_contain_text("申诉已提交")

    # the merchant answers with a photo
    merchant.reload()
    photo = tmp_path / "tag.png"
    photo.write_bytes(image_bytes((240, 240), colour="teal"))
    merchant.fill(f"#id_as{aftersale.pk}-statement", "发货时吊牌完好，见照片")
    merchant.set_input_files(f"#id_as{aftersale.pk}-images", str(photo))
    merchant.click("button[value=answer]")
    expect(merchant.locator("#dispute-answer")).to_have_text("发货时吊牌完好，见照片")
    expect(merchant.locator("#dispute-answer-evidence img")).to_have_count(1)
