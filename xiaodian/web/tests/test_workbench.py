"""Navigation by role and the workbenches (issue 17, points 2 and 3): each role lands on its own
page; the merchant's workbench counts the to-dos and the takings against the period before."""

from datetime import datetime, timedelta

import pytest

from xiaodian.accounts.rules import Role
from xiaodian.complaints import services as complaints
from xiaodian.core import clock
from xiaodian.orders import services as orders
from xiaodian.orders.rules import NEARLY_LATE, SHIP_WITHIN
from xiaodian.orders.tests.conftest import succeed
from xiaodian.service import services as service
from xiaodian.stores import services as stores

MONDAY_NOON = datetime(2026, 12, 7, 12, 0, tzinfo=clock.SHANGHAI)


def _landing(client, user) -> str:
    client.force_login(user)
    response = client.get("/start/")
    assert response.status_code == 302
    return response.headers["Location"]


def test_each_role_lands_on_its_own_page(client, db, merchant, store, buyer, make_user, operator):
    agent = make_user("agent1")
    stores.add_staff(store=store, user_id=agent.pk, role=Role.AGENT)
    assert _landing(client, buyer) == "/"
    assert _landing(client, merchant) == "/workbench/"
    assert _landing(client, agent) == f"/stores/{store.pk}/service/"
    assert _landing(client, operator) == "/ops/"


def test_signing_in_leads_to_the_landing(client, db, merchant, store):
    merchant.set_password("pass-for-test-1")
    merchant.save(update_fields=["password"])
    response = client.post("/login/", {"username": merchant.username, "password": "pass-for-test-1"})
    assert response.headers["Location"] == "/start/"


def test_the_menu_shows_what_the_role_uses(client, db, merchant, store, buyer):
    client.force_login(buyer)
    html = client.get("/").content.decode()
    assert 'id="nav-workbench"' not in html and "/tokens/" not in html and "/subjects/" not in html
    client.force_login(merchant)
    html = client.get("/").content.decode()
    assert 'id="nav-workbench"' in html and "/subjects/" in html


def test_a_store_page_has_the_side_menu_of_the_role(client, db, merchant, store, make_user):
    client.force_login(merchant)
    html = client.get(f"/stores/{store.pk}/orders/").content.decode()
    assert 'id="store-menu"' in html
    for path in ("products", "orders", "aftersales", "service", "data", "staff", "settings", "homepage"):
        assert f'href="/stores/{store.pk}/{path}/"' in html, path
    assert f'<a href="/stores/{store.pk}/orders/" class="current"' in html
    agent = make_user("agent1")
    stores.add_staff(store=store, user_id=agent.pk, role=Role.AGENT)
    client.force_login(agent)
    html = client.get(f"/stores/{store.pk}/service/").content.decode()
    assert f'href="/stores/{store.pk}/service/"' in html
    assert (
        f'href="/stores/{store.pk}/orders/"' not in html and f'href="/stores/{store.pk}/staff/"' not in html
    )


def _todo(html: str, store, key: str) -> int:
    marker = f'id="todo-{store.pk}-{key}"'
    assert marker in html, key
    chunk = html[html.index(marker) :]
    return int(chunk[chunk.index('class="count">') + len('class="count">') : chunk.index("</strong>")])


def test_the_workbench_counts_orders_by_ship_by_and_takings_by_period(
    client, db, merchant, store, place, make_sku, buyer
):
    sku = make_sku(store, price_fen=1000, stock=50)
    with clock.travel_to(MONDAY_NOON - timedelta(days=7)):  # last week: ¥10, shipped
        last_week = place(sku, 1)
        succeed(last_week)
        orders.ship_order(
            store=store, order_id=last_week.orders.get().pk, carrier="SF", tracking_no="SF1234567890123"
        )
    with clock.travel_to(MONDAY_NOON - SHIP_WITHIN - timedelta(hours=1)):  # ship-by passed an hour ago
        succeed(place(sku, 2))
    with clock.travel_to(MONDAY_NOON - SHIP_WITHIN + NEARLY_LATE - timedelta(hours=1)):  # due in 11 h
        succeed(place(sku, 3))
    with clock.travel_to(MONDAY_NOON - timedelta(hours=1)):  # today: ¥40, due in 47 h
        succeed(place(sku, 4))
    with clock.travel_to(MONDAY_NOON - timedelta(hours=2)):
        place(sku, 5)  # unpaid: neither a to-do nor takings
    with clock.travel_to(MONDAY_NOON):
        client.force_login(merchant)
        html = client.get(f"/stores/{store.pk}/workbench/").content.decode()
    assert _todo(html, store, "to_ship") == 3
    assert _todo(html, store, "nearly_late") == 1
    assert _todo(html, store, "late") == 1
    takings = html[html.index(f'id="takings-{store.pk}"') :]
    assert "¥40.00" in takings  # today (Monday): one order of 4 × ¥10
    # this week since Monday 00:00: today's ¥40; the orders of Saturday and Sunday were last week's
    week = takings[takings.index("本周") :]
    assert "¥40.00" in week


def test_the_workbench_counts_unanswered_chats_for_an_agent_only_what_it_may_see(
    client, db, store, buyer, make_user
):
    agent = make_user("agent1")
    stores.add_staff(store=store, user_id=agent.pk, role=Role.AGENT)
    conversation, _ = service.open_conversation(buyer=buyer, store_id=store.pk)
    service.send_message(user=buyer, conversation_id=conversation.pk, text="在吗？")
    client.force_login(agent)
    html = client.get(f"/stores/{store.pk}/workbench/").content.decode()
    assert _todo(html, store, "chats") == 1
    assert f'id="todo-{store.pk}-to_ship"' not in html and f'id="takings-{store.pk}"' not in html


def test_the_workbench_counts_complaints_waiting_for_the_stores_answer(
    client, db, merchant, store, place, make_sku, buyer, make_user
):
    sku = make_sku(store, price_fen=1000, stock=10)
    orders_ = []
    for _ in range(2):
        checkout = place(sku, 1)
        succeed(checkout)
        orders_.append(checkout.orders.get())
    filed = [
        complaints.file_complaint(buyer=buyer, reason="late_shipping", text="三天了还没发货", order_id=o.pk)
        for o in orders_
    ]
    client.force_login(merchant)
    html = client.get(f"/stores/{store.pk}/workbench/").content.decode()
    assert _todo(html, store, "complaints") == 2
    assert f'href="/stores/{store.pk}/complaints/?state=open"' in html

    # answered: it waits for the platform now, not for the store
    complaints.answer_complaint(staff=merchant, complaint_id=filed[0].pk, text="已补发，抱歉")
    html = client.get(f"/stores/{store.pk}/workbench/").content.decode()
    assert _todo(html, store, "complaints") == 1

    # an agent answers complaints too (customer service); an operations role does not see them
    agent, packer = make_user("agent1"), make_user("packer1")
    stores.add_staff(store=store, user_id=agent.pk, role=Role.AGENT)
    stores.add_staff(store=store, user_id=packer.pk, role=Role.OPERATOR)
    client.force_login(agent)
    assert _todo(client.get(f"/stores/{store.pk}/workbench/").content.decode(), store, "complaints") == 1
    client.force_login(packer)
    html = client.get(f"/stores/{store.pk}/workbench/").content.decode()
    assert f'id="todo-{store.pk}-complaints"' not in html


def test_the_workbench_across_stores_and_its_query_budget(
    client, db, merchant, store, make_store, subject, django_assert_max_num_queries
):
    second = make_store(merchant, subject, name="第二家小店")
    client.force_login(merchant)
    with django_assert_max_num_queries(40):
        html = client.get("/workbench/").content.decode()
    assert f'id="desk-{store.pk}"' in html and f'id="desk-{second.pk}"' in html


def test_one_store_goes_straight_to_its_workbench(client, db, merchant, store):
    client.force_login(merchant)
    assert client.get("/workbench/").headers["Location"] == f"/stores/{store.pk}/workbench/"


def test_the_ops_page_is_for_operators_only(client, db, operator, buyer):
    client.force_login(buyer)
    assert client.get("/ops/").status_code == 404
    client.force_login(operator)
    html = client.get("/ops/").content.decode()
    assert 'id="queue-disputes"' in html and 'id="queue-subjects"' in html


@pytest.mark.parametrize("who", ["buyer", "merchant"])
def test_the_home_page_shows_new_products_and_stores(client, db, who, request, store, make_sku):
    make_sku(store, price_fen=1999, title="山野红茶")
    client.force_login(request.getfixturevalue(who))
    html = client.get("/").content.decode()
    assert "山野红茶" in html and "¥19.99" in html and f'href="/shop/{store.pk}/"' in html
