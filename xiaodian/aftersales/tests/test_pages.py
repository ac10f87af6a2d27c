"""The after-sales pages: the buyer's request form, list and progress page; the store's queue; the
operators' dispute queue. Who may see each, the whole flows through the pages, refusals shown in
place, and what each list costs in queries."""

import io
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from xiaodian.accounts.rules import Role
from xiaodian.aftersales import rules, services
from xiaodian.aftersales.models import AfterSale, Dispute, ReturnAddress
from xiaodian.aftersales.rules import Kind, State
from xiaodian.core import clock
from xiaodian.stores.models import StoreStaff


@pytest.fixture
def signed_in(db):
    def make(user) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return make


@pytest.fixture
def buyer_client(signed_in, buyer):
    return signed_in(buyer)


@pytest.fixture
def merchant_client(signed_in, merchant):
    return signed_in(merchant)


@pytest.fixture
def operator_client(signed_in, operator):
    return signed_in(operator)


@pytest.fixture
def stranger_client(signed_in, make_user):
    return signed_in(make_user("stranger"))


def text(response) -> str:
    """The page's visible text, tags removed and spaces collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def block(response, element_id: str) -> str:
    """The text of the element with this id, up to the first closing tag of the same name."""
    html = response.content.decode()
    match = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no #{element_id} on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(2))).strip()


def card(response, element_id: str) -> str:
    """The text of one card of a list page, up to the next card or the end of the list."""
    html = response.content.decode()
    start = html.find(f'id="{element_id}"')
    assert start >= 0, f"#{element_id} is not on the page"
    end = min(i for i in (html.find('<li class="card', start + 1), html.find("</main>", start)) if i > 0)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:end]))


def field_errors(response, name: str) -> str:
    """The errors web/_field.html shows under one field ('' when none)."""
    html = response.content.decode()
    start = html.find(f'id="field-{name}"')
    assert start >= 0, f"no field {name!r} on the page"
    end = min(i for i in (html.find('class="field', start + 1), html.find("</form>", start)) if i > 0)
    errors = re.search(r'<ul class="errors"[^>]*>(.*?)</ul>', html[start:end], re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", errors.group(1))).strip() if errors else ""


def png(name: str = "photo.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(data, "PNG")
    return SimpleUploadedFile(name, data.getvalue(), content_type="image/png")


def lines_of(order):
    return list(order.lines.order_by("pk"))


def ask(buyer, order, *, line: int = 0, kind: str = Kind.REFUND, quantity: int = 1) -> AfterSale:
    return services.request_aftersale(
        buyer=buyer,
        order_id=order.pk,
        line_id=lines_of(order)[line].pk,
        kind=kind,
        quantity=quantity,
        reason_code="quality",
    )


def request_url(order, line: int = 0) -> str:
    return reverse("aftersales:request", args=[order.pk, lines_of(order)[line].pk])


def detail_url(aftersale) -> str:
    return reverse("aftersales:detail", args=[aftersale.pk])


def queue_url(store) -> str:
    return reverse("aftersales:store_aftersales", args=[store.pk])


def dispute_on(buyer, merchant_view, shipped_order, *, kind=Kind.RETURN) -> Dispute:
    order = shipped_order()
    aftersale = ask(buyer, order, kind=kind)
    services.reject_aftersale(store=merchant_view, aftersale_id=aftersale.pk, reason="影响二次销售")
    return services.open_dispute(buyer=buyer, aftersale_id=aftersale.pk, statement="包装完好，未拆封")


# ------------------------------------------------------------------------------------- rendering


def test_each_page_renders_for_its_people(
    buyer_client, merchant_client, operator_client, buyer, store, paid_order, merchant_view, shipped_order
):
    order = paid_order()
    page = buyer_client.get(request_url(order))
    assert page.status_code == 200 and "提交申请" in text(page) and order.number in text(page)
    aftersale = ask(buyer, order, quantity=2)

    page = buyer_client.get(reverse("aftersales:my_aftersales"))
    assert page.status_code == 200 and "待商家处理" in card(page, f"aftersale-{aftersale.pk}")
    assert "全部 1 待商家处理 1" in block(page, "state-tabs")
    assert f'href="{reverse("aftersales:my_aftersales")}">售后</a>' in page.content.decode()  # the nav
    page = buyer_client.get(detail_url(aftersale))
    assert page.status_code == 200 and block(page, "aftersale-state") == "待商家处理"
    assert block(page, "aftersale-amount") == "¥20.00"
    assert "商家处理期限（逾期自动同意退款）" in block(page, "deadlines")
    assert 'value="cancel"' in page.content.decode() and 'value="approve"' not in page.content.decode()

    page = merchant_client.get(queue_url(store))
    assert page.status_code == 200 and "¥20.00" in card(page, f"aftersale-{aftersale.pk}")
    page = merchant_client.get(detail_url(aftersale))
    assert page.status_code == 200 and 'value="approve"' in page.content.decode()
    assert 'value="cancel"' not in page.content.decode()

    dispute = dispute_on(buyer, merchant_view, shipped_order)
    page = operator_client.get(reverse("aftersales:disputes"))
    assert page.status_code == 200 and "包装完好，未拆封" in card(page, f"dispute-{dispute.pk}")


def test_strangers_get_404_and_visitors_sign_in(
    stranger_client, merchant_client, buyer_client, client, buyer, store, paid_order, other_store
):
    order = paid_order()
    aftersale = ask(buyer, order)
    for url in (request_url(order), detail_url(aftersale), queue_url(store), reverse("aftersales:disputes")):
        assert stranger_client.get(url).status_code == 404, url
    assert merchant_client.get(request_url(order)).status_code == 404  # staff do not ask for the buyer
    assert buyer_client.get(queue_url(store)).status_code == 404
    assert merchant_client.get(queue_url(other_store)).status_code == 404
    for c in (buyer_client, merchant_client, client):
        assert c.get(reverse("aftersales:disputes")).status_code == 404  # operators only
        assert (
            c.post(reverse("aftersales:disputes"), {"dispute_id": 1, "d1-decision": "buyer"}).status_code
            == 404
        )
    for url in (request_url(order), detail_url(aftersale), reverse("aftersales:my_aftersales")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("web:login"))
    assert buyer_client.get(reverse("aftersales:detail", args=[2**63])).status_code == 404


def test_staff_without_the_order_permission_get_403_and_with_it_see_the_request(
    signed_in, make_user, buyer, store, paid_order
):
    aftersale = ask(buyer, paid_order())
    agent, operator_role = make_user("agent"), make_user("store_operator")
    StoreStaff.objects.create(store=store, user=agent, role=Role.AGENT)  # customer service only
    StoreStaff.objects.create(store=store, user=operator_role, role=Role.OPERATOR)  # handles orders
    assert signed_in(agent).get(queue_url(store)).status_code == 403
    assert signed_in(agent).get(detail_url(aftersale)).status_code == 403
    assert signed_in(operator_role).get(detail_url(aftersale)).status_code == 200


def test_the_order_page_links_each_paid_line_and_the_store_pages_link_the_queue(
    buyer_client, merchant_client, place, make_sku, store, paid_order
):
    order = paid_order()
    html = buyer_client.get(reverse("orders:order_detail", args=[order.pk])).content.decode()
    for line in lines_of(order):
        assert reverse("aftersales:request", args=[order.pk, line.pk]) in html
    unpaid = place(make_sku(store), 1).orders.get()
    html = buyer_client.get(reverse("orders:order_detail", args=[unpaid.pk])).content.decode()
    assert 'id="aftersale-links"' not in html
    html = merchant_client.get(reverse("orders:order_detail", args=[order.pk])).content.decode()
    assert 'id="aftersale-links"' not in html  # only the buyer asks
    for name in ("orders:store_orders", "web:store_settings"):
        html = merchant_client.get(reverse(name, args=[store.pk])).content.decode()
        assert queue_url(store) in html, name
    assert (
        reverse("aftersales:my_aftersales") in buyer_client.get(reverse("orders:my_orders")).content.decode()
    )


# ----------------------------------------------------------------------------------- the flows


def test_refund_request_approved_and_refunded(buyer_client, merchant_client, store, paid_order):
    order = paid_order()
    r = buyer_client.post(
        request_url(order),
        {
            "type": "refund",
            "quantity": 2,
            "reason_code": "quality",
            "reason": "线头多",
            "images": [png(), png("b.png")],
        },
    )
    aftersale = AfterSale.objects.get()
    assert r.status_code == 302 and r.url == detail_url(aftersale)
    assert (aftersale.kind, aftersale.quantity, aftersale.amount_fen) == (Kind.REFUND, 2, 2000)
    assert aftersale.images.count() == 2
    page = buyer_client.get(r.url)
    assert "售后申请已提交" in text(page) and block(page, "aftersale-state") == "待商家处理"
    assert page.content.decode().count("<img ") == 2

    r = merchant_client.post(queue_url(store), {"action": "approve", "aftersale_id": aftersale.pk})
    assert r.status_code == 302
    page = merchant_client.get(r.url)
    assert "已同意售后申请" in text(page) and "平台退款中" in card(page, f"aftersale-{aftersale.pk}")
    assert 'value="approve"' not in card(page, f"aftersale-{aftersale.pk}")
    assert block(buyer_client.get(detail_url(aftersale)), "aftersale-state") == "平台退款中"

    services.refund_succeeded(f"AS{aftersale.pk}")  # what the refund notification does
    page = buyer_client.get(detail_url(aftersale))
    assert block(page, "aftersale-state") == "退款完成" and block(page, "aftersale-amount") == "¥20.00"
    history = block(page, "history-list")
    assert [s in history for s in ("待商家处理 · 买家", "平台退款中 · 商家", "退款完成 · 微信支付")] == [
        True
    ] * 3
    assert "退款完成" in card(
        buyer_client.get(reverse("aftersales:my_aftersales") + "?tab=done"), f"aftersale-{aftersale.pk}"
    )


def test_the_merchant_refunds_less_with_a_reason_and_the_buyer_may_dispute_it(
    buyer_client, merchant_client, buyer, store, paid_order
):
    aftersale = ask(buyer, paid_order(), quantity=2)  # ¥20.00 asked
    page = merchant_client.get(queue_url(store))
    assert f'name="as{aftersale.pk}-refund_fen" value="20.00"' in page.content.decode()  # what was asked
    prefix = f"as{aftersale.pk}"
    r = merchant_client.post(
        queue_url(store), {"action": "approve", "aftersale_id": aftersale.pk, f"{prefix}-refund_fen": "12.5"}
    )
    assert r.status_code == 422 and "少退款时请写明原因" in card(r, f"aftersale-{aftersale.pk}")
    r = merchant_client.post(
        queue_url(store),
        {
            "action": "approve",
            "aftersale_id": aftersale.pk,
            f"{prefix}-refund_fen": "20.01",
            f"{prefix}-short_reason": "x",
        },
    )
    assert r.status_code == 422 and "¥20.00" in card(r, f"aftersale-{aftersale.pk}")
    assert AfterSale.objects.get(pk=aftersale.pk).state == "MERCHANT_PROCESSING"
    r = merchant_client.post(
        queue_url(store),
        {
            "action": "approve",
            "aftersale_id": aftersale.pk,
            f"{prefix}-refund_fen": "12.50",
            f"{prefix}-short_reason": "一件已拆封",
        },
    )
    assert r.status_code == 302
    assert AfterSale.objects.get(pk=aftersale.pk).refund_due_fen == 1250
    services.refund_succeeded(f"AS{aftersale.pk}")
    page = buyer_client.get(detail_url(aftersale))
    assert "¥12.50" in block(page, "short-refund") and "¥20.00" in block(page, "short-refund")
    assert "一件已拆封" in block(page, "short-reason")
    assert "少退的金额有异议" in block(page, "dispute-form")
    assert "申诉期限" in block(page, "deadlines")
    r = buyer_client.post(detail_url(aftersale), {"action": "dispute", f"{prefix}-statement": "没有拆封"})
    assert r.status_code == 302 and AfterSale.objects.get(pk=aftersale.pk).dispute.statement == "没有拆封"


def test_asking_twice_is_refused_in_place(buyer_client, buyer, paid_order):
    order = paid_order()
    first = ask(buyer, order)
    r = buyer_client.post(request_url(order), {"type": "refund", "quantity": 1, "reason_code": "quality"})
    assert r.status_code == 422
    assert "这件商品已有进行中的售后申请。" in block(r, "request-form")
    assert AfterSale.objects.count() == 1
    assert f'href="{detail_url(first)}"' in r.content.decode()  # and the page links the open one


def test_form_errors_are_shown_next_to_their_fields(buyer_client, paid_order):
    order = paid_order()
    r = buyer_client.post(request_url(order), {"type": "return", "quantity": 9, "reason_code": ""})
    assert r.status_code == 422
    assert "3" in field_errors(r, "quantity")  # at most the line's 3 units
    assert field_errors(r, "reason_code")
    # a return before the goods shipped: the service's refusal, next to the type
    r = buyer_client.post(request_url(order), {"type": "return", "quantity": 1, "reason_code": "quality"})
    assert r.status_code == 422 and "商品发货后才能退货或换货" in field_errors(r, "type")
    r = buyer_client.post(
        request_url(order),
        {"type": "refund", "quantity": 1, "reason_code": "other", "reason": "加我微信 wxid_abc12345"},
    )
    assert r.status_code == 422 and field_errors(r, "reason")
    r = buyer_client.post(
        request_url(order),
        {"type": "refund", "quantity": 1, "reason_code": "other", "images": [io.BytesIO(b"no")]},
    )
    assert r.status_code == 422 and field_errors(r, "images")
    assert AfterSale.objects.count() == 0


def test_the_buyer_cancels(buyer_client, buyer, paid_order):
    aftersale = ask(buyer, paid_order())
    r = buyer_client.post(detail_url(aftersale), {"action": "cancel"})
    assert r.status_code == 302
    page = buyer_client.get(detail_url(aftersale))
    assert block(page, "aftersale-state") == "用户已取消" and 'value="cancel"' not in page.content.decode()
    r = buyer_client.post(detail_url(aftersale), {"action": "cancel"})  # from a stale page
    assert r.status_code == 409 and block(r, "action-error") == "当前状态下不能执行此操作。"


def test_reject_dispute_and_the_operator_decides_for_the_buyer(
    buyer_client, merchant_client, operator_client, buyer, store, shipped_order
):
    order = shipped_order()
    aftersale = ask(buyer, order, kind=Kind.RETURN, quantity=3)
    prefix = f"as{aftersale.pk}"

    # a rejection needs a reason; refused in place on the card
    r = merchant_client.post(
        queue_url(store), {"action": "reject", "aftersale_id": aftersale.pk, f"{prefix}-reason": ""}
    )
    assert r.status_code == 422 and field_errors(r, f"{prefix}-reason")
    r = merchant_client.post(
        queue_url(store),
        {"action": "reject", "aftersale_id": aftersale.pk, f"{prefix}-reason": "影响二次销售"},
    )
    assert r.status_code == 302

    page = buyer_client.get(detail_url(aftersale))
    assert block(page, "aftersale-state") == "商家拒绝退货" and "影响二次销售" in block(page, "reject-reason")
    assert "申诉期限" in block(page, "deadlines") and 'id="dispute-form"' in page.content.decode()
    r = buyer_client.post(
        detail_url(aftersale), {"action": "dispute", f"{prefix}-statement": "", f"{prefix}-images": [png()]}
    )
    assert r.status_code == 422 and field_errors(r, f"{prefix}-statement")
    r = buyer_client.post(
        detail_url(aftersale),
        {
            "action": "dispute",
            f"{prefix}-statement": "包装完好，未拆封",
            f"{prefix}-images": [png(), png("c.png")],
        },
    )
    assert r.status_code == 302
    page = buyer_client.get(detail_url(aftersale))
    assert (
        "包装完好，未拆封" in block(page, "dispute-statement")
        and 'id="dispute-form"' not in page.content.decode()
    )
    assert "平台正在处理申诉" in text(page)
    dispute = Dispute.objects.get()
    assert dispute.evidence.count() == 2

    # the store answers with its side and a photo, once; the operator sees both sides
    page = merchant_client.get(detail_url(aftersale))
    assert 'id="answer-form"' in page.content.decode() and 'id="dispute-form"' not in page.content.decode()
    r = merchant_client.post(detail_url(aftersale), {"action": "answer", f"{prefix}-statement": ""})
    assert r.status_code == 422 and field_errors(r, f"{prefix}-statement")
    r = merchant_client.post(
        detail_url(aftersale),
        {
            "action": "answer",
            f"{prefix}-statement": "发货前已拍照，吊牌已剪",
            f"{prefix}-images": [png("d.png")],
        },
    )
    assert r.status_code == 302
    page = merchant_client.get(detail_url(aftersale))
    assert "发货前已拍照，吊牌已剪" in block(page, "dispute-answer")
    assert 'id="answer-form"' not in page.content.decode()
    assert "发货前已拍照，吊牌已剪" in block(buyer_client.get(detail_url(aftersale)), "dispute-answer")
    assert dispute.evidence.filter(side="merchant").count() == 1

    page = operator_client.get(reverse("aftersales:disputes"))
    shown = card(page, f"dispute-{dispute.pk}")
    assert "发货前已拍照，吊牌已剪" in shown
    for expected in (
        "包装完好，未拆封",
        "影响二次销售",
        "退货退款",
        order.number,
        "buyer",
        "商家拒绝退货 · 商家",
    ):
        assert expected in shown, expected
    assert page.content.decode().count("<img ") == 3  # the buyer's two, the store's one
    r = operator_client.post(
        reverse("aftersales:disputes"), {"dispute_id": dispute.pk, f"d{dispute.pk}-note": "x"}
    )
    assert r.status_code == 422 and field_errors(r, f"d{dispute.pk}-decision")  # no decision picked
    r = operator_client.post(
        reverse("aftersales:disputes"),
        {
            "dispute_id": dispute.pk,
            f"d{dispute.pk}-decision": "buyer",
            f"d{dispute.pk}-note": "商品无问题，支持退货",
        },
    )
    assert r.status_code == 302
    assert f"dispute-{dispute.pk}" not in operator_client.get(reverse("aftersales:disputes")).content.decode()
    decided = operator_client.get(reverse("aftersales:disputes") + "?status=decided")
    assert "支持买家" in card(decided, f"dispute-{dispute.pk}")

    # the return goes ahead: the buyer ships it back, the merchant receives it, the refund starts
    page = buyer_client.get(detail_url(aftersale))
    assert block(page, "aftersale-state") == "待买家退货" and "支持买家" in block(page, "dispute-decision")
    assert "退货寄出期限" in block(page, "deadlines")
    r = buyer_client.post(
        detail_url(aftersale),
        {"action": "ship", f"{prefix}-carrier": "顺丰速运", f"{prefix}-tracking_no": "!"},
    )
    assert r.status_code == 422 and "运单号" in field_errors(r, f"{prefix}-tracking_no")
    r = buyer_client.post(
        detail_url(aftersale),
        {"action": "ship", f"{prefix}-carrier": "顺丰速运", f"{prefix}-tracking_no": "SF9988776"},
    )
    assert r.status_code == 302
    page = merchant_client.get(queue_url(store) + "?tab=merchant")
    assert "SF9988776" in card(page, f"aftersale-{aftersale.pk}")
    r = merchant_client.post(queue_url(store), {"action": "received", "aftersale_id": aftersale.pk})
    assert r.status_code == 302
    page = buyer_client.get(detail_url(aftersale))
    assert block(page, "aftersale-state") == "平台退款中" and block(page, "aftersale-amount") == "¥30.00"
    services.refund_succeeded(f"AS{aftersale.pk}")
    assert block(buyer_client.get(detail_url(aftersale)), "aftersale-state") == "退货退款完成"


def test_the_operator_decides_for_the_merchant(
    buyer_client, operator_client, buyer, merchant_view, shipped_order
):
    dispute = dispute_on(buyer, merchant_view, shipped_order, kind=Kind.REFUND)
    r = operator_client.post(
        reverse("aftersales:disputes"), {"dispute_id": dispute.pk, f"d{dispute.pk}-decision": "merchant"}
    )
    assert r.status_code == 302
    page = buyer_client.get(reverse("aftersales:detail", args=[dispute.aftersale_id]))
    assert block(page, "aftersale-state") == "售后失败" and "支持商家" in block(page, "dispute-decision")


def test_the_dispute_window_closes_after_seven_days(buyer_client, buyer, merchant_view, shipped_order):
    order = shipped_order()
    aftersale = ask(buyer, order, kind=Kind.RETURN)
    services.reject_aftersale(store=merchant_view, aftersale_id=aftersale.pk, reason="影响二次销售")
    aftersale.refresh_from_db()
    with clock.travel_to(aftersale.rejected_at + rules.DISPUTE_WITHIN + timedelta(seconds=1)):
        page = buyer_client.get(detail_url(aftersale))
        assert 'id="dispute-form"' not in page.content.decode()
        r = buyer_client.post(
            detail_url(aftersale), {"action": "dispute", f"as{aftersale.pk}-statement": "晚了"}
        )
    assert r.status_code == 422 and "已超过申诉期限" in block(r, "dispute-form")


def test_an_exchange_ships_its_replacement_and_the_buyer_confirms(
    buyer_client, merchant_client, buyer, store, shipped_order
):
    aftersale = ask(buyer, shipped_order(), kind=Kind.EXCHANGE)
    prefix = f"as{aftersale.pk}"
    # no return address yet: agreeing is refused, with the way to add one
    addresses = reverse("aftersales:return_addresses", args=[store.pk])
    page = merchant_client.get(detail_url(aftersale))
    assert "先告诉买家寄回哪里" in block(page, f"merchant-actions-{aftersale.pk}")
    assert f'href="{addresses}"' in page.content.decode()
    r = merchant_client.post(detail_url(aftersale), {"action": "approve"})
    assert r.status_code == 422 and "请先添加退货地址" in text(r)  # refused in place, as every form is
    assert "还没有退货地址" in block(merchant_client.get(addresses), "return-addresses-empty")
    r = merchant_client.post(
        addresses,
        {
            "action": "add",
            "new-recipient": "售后部",
            "new-phone": "12",
            "new-region": "杭州",
            "new-detail": "1 号",
        },
    )
    assert r.status_code == 422 and "11 位手机号" in field_errors(r, "new-phone")
    for recipient, detail in (("售后部", "仓前街道 1 号"), ("退货组", "良渚街道 8 号")):
        r = merchant_client.post(
            addresses,
            {
                "action": "add",
                "new-recipient": recipient,
                "new-phone": "13800138000",
                "new-region": "浙江省杭州市",
                "new-detail": detail,
            },
        )
        assert r.status_code == 302
    first, second = ReturnAddress.objects.filter(store=store).order_by("pk")
    assert (first.is_default, second.is_default) == (True, False)  # the first one is the default
    page = merchant_client.get(detail_url(aftersale))
    assert f'<option value="{first.pk}" selected>' in page.content.decode()

    # the merchant picks the second one; the buyer is told where to send it
    r = merchant_client.post(
        detail_url(aftersale), {"action": "approve", f"{prefix}-return_address_id": second.pk}
    )
    assert r.status_code == 302
    merchant_client.post(addresses, {"action": "delete", "address_id": second.pk})  # the copy stays
    page = buyer_client.get(detail_url(aftersale))
    assert "退货组" in block(page, "ship-to") and "良渚街道 8 号" in block(page, "return-to")
    assert ReturnAddress.objects.get(store=store).is_default
    buyer_client.post(
        detail_url(aftersale),
        {"action": "ship", f"{prefix}-carrier": "顺丰", f"{prefix}-tracking_no": "SF1111"},
    )
    page = merchant_client.get(detail_url(aftersale))
    assert block(page, "aftersale-state") == "待商家收货" and f"{prefix}-tracking_no" in page.content.decode()
    r = merchant_client.post(detail_url(aftersale), {"action": "received"})
    assert r.status_code == 422  # the replacement's carrier and tracking number are needed
    r = merchant_client.post(
        detail_url(aftersale),
        {"action": "received", f"{prefix}-carrier": "京东物流", f"{prefix}-tracking_no": "JD2222"},
    )
    assert r.status_code == 302
    page = buyer_client.get(detail_url(aftersale))
    assert block(page, "aftersale-state") == "待买家确认换货" and "JD2222" in text(page)
    assert "自动确认换货" in block(page, "deadlines") and 'id="aftersale-amount"' not in page.content.decode()
    assert buyer_client.post(detail_url(aftersale), {"action": "confirm"}).status_code == 302
    page = buyer_client.get(detail_url(aftersale))
    assert block(page, "aftersale-state") == "换货完成" and "换货完成 · 买家" in block(page, "history-list")


def test_buyers_cannot_post_merchant_actions_nor_merchants_buyer_ones(
    buyer_client, merchant_client, buyer, paid_order
):
    aftersale = ask(buyer, paid_order())
    assert buyer_client.post(detail_url(aftersale), {"action": "approve"}).status_code == 404
    assert merchant_client.post(detail_url(aftersale), {"action": "cancel"}).status_code == 404
    assert buyer_client.post(detail_url(aftersale), {"action": "nonsense"}).status_code == 404
    assert AfterSale.objects.get().state == State.MERCHANT_PROCESSING


def test_the_queue_refuses_requests_of_other_stores(
    merchant_client, signed_in, make_user, store, other_store, make_sku, place
):
    other_buyer = make_user()
    from xiaodian.orders.tests.conftest import succeed

    checkout = place(make_sku(other_store), 1, who=other_buyer)
    succeed(checkout)
    aftersale = ask(other_buyer, checkout.orders.get())
    r = merchant_client.post(queue_url(store), {"action": "approve", "aftersale_id": aftersale.pk})
    assert r.status_code == 404
    r = merchant_client.post(queue_url(store), {"action": "cancel", "aftersale_id": aftersale.pk})
    assert r.status_code == 404


def test_the_queue_shows_the_waiting_requests_first(merchant_client, buyer, store, merchant_view, paid_order):
    order = paid_order()
    waiting = ask(buyer, order)
    done = ask(buyer, order, line=1)
    services.reject_aftersale(store=merchant_view, aftersale_id=done.pk, reason="不符合")
    html = merchant_client.get(queue_url(store)).content.decode()
    assert html.index(f'id="aftersale-{waiting.pk}"') < html.index(f'id="aftersale-{done.pk}"')
    tabs = merchant_client.get(queue_url(store))
    assert "待商家处理 1" in block(tabs, "state-tabs") and "商家已拒绝 1" in block(tabs, "state-tabs")
    page = merchant_client.get(queue_url(store) + "?tab=rejected")
    assert f'id="aftersale-{waiting.pk}"' not in page.content.decode()


# ---------------------------------------------------------------------------------- query budgets


def _requests(buyer, paid_order, n: int) -> None:
    """`n` refund requests, on the two lines of paid orders (a third line's order for an odd `n`)."""
    for i in range(n):
        if i % 2 == 0:
            order = paid_order()
        ask(buyer, order, line=i % 2)


def test_the_lists_cost_a_fixed_number_of_queries(
    buyer_client, merchant_client, buyer, store, paid_order, django_assert_max_num_queries
):
    pages = [(buyer_client, reverse("aftersales:my_aftersales")), (merchant_client, queue_url(store))]
    _requests(buyer, paid_order, 3)
    budgets = []
    for c, url in pages:
        with django_assert_max_num_queries(15) as counted:
            c.get(url)
        budgets.append(len(counted.captured_queries))
    _requests(buyer, paid_order, 7)
    assert AfterSale.objects.count() == 10
    for (c, url), budget in zip(pages, budgets, strict=True):
        with django_assert_max_num_queries(budget):
            page = c.get(url)
        assert page.content.decode().count('class="card aftersale-card"') == 10


def test_the_dispute_queue_costs_a_fixed_number_of_queries(
    operator_client, buyer, merchant_view, shipped_order, django_assert_max_num_queries
):
    url = reverse("aftersales:disputes")
    for _ in range(3):
        dispute_on(buyer, merchant_view, shipped_order)
    with django_assert_max_num_queries(15) as counted:
        operator_client.get(url)
    for _ in range(7):
        dispute_on(buyer, merchant_view, shipped_order)
    with django_assert_max_num_queries(len(counted.captured_queries)):
        page = operator_client.get(url)
    assert page.content.decode().count('class="card aftersale-card"') == 10


# ------------------------------------------------------------------------------------- english


def test_the_pages_speak_english_too(buyer_client, buyer, paid_order):
    aftersale = ask(buyer, paid_order())
    buyer_client.post(reverse("set_language"), {"language": "en"})
    page = buyer_client.get(detail_url(aftersale))
    assert not re.search(r"[\u4e00-\u9fff]", block(page, "status") + block(page, "history-list"))
    assert "Refund only" in block(page, "request") and "Quality problem" in block(page, "request")
    page = buyer_client.get(reverse("aftersales:my_aftersales"))
    assert not re.search(r"[\u4e00-\u9fff]", block(page, "state-tabs"))


def test_every_state_is_in_exactly_one_tab():
    from xiaodian.aftersales.forms import TABS

    grouped = [state for _key, _label, states in TABS if states for state in states]
    assert sorted(grouped) == sorted(State.values)


def test_no_two_fields_on_a_card_share_an_id(merchant_client, buyer, store, paid_order):
    """The approve form's 少退原因 and the reject form's 拒绝理由 sit on one card: each has its own id
    (a label or a browser filling `#id_...-reason` must find the one it means)."""
    import re
    from collections import Counter

    aftersale = ask(buyer, paid_order())
    for url in (detail_url(aftersale), queue_url(store)):
        html = merchant_client.get(url).content.decode()
        ids = Counter(re.findall(r'\bid="([^"]+)"', html))
        assert [i for i, n in ids.items() if n > 1] == [], url
        assert f'id="id_as{aftersale.pk}-short_reason"' in html and f'id="id_as{aftersale.pk}-reason"' in html
