import pytest
from django.test import Client

from xiaodian.accounts.rules import Role
from xiaodian.ledger import services
from xiaodian.stores import services as stores
from xiaodian.stores.access import store_for

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_money_page_shows_balances_entries_and_an_orders_breakdown(merchant, store, paid):
    order = paid()
    line = order.lines.first()
    services.settle_line(order_id=order.pk, line_id=line.pk)  # one of two lines: still pending
    client = signed_in(merchant)
    page = client.get(f"/stores/{store.pk}/money/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "¥34.31" in html  # pending: 3501 − 70
    assert f"/stores/{store.pk}/money/orders/{order.pk}/" in html
    assert f'href="/stores/{store.pk}/money/"' in html  # the store menu links it
    breakdown = client.get(f"/stores/{store.pk}/money/orders/{order.pk}/").content.decode()
    assert "¥35.01" in breakdown and "¥0.70" in breakdown and "(2%)" in breakdown
    assert "¥34.31" in breakdown


def test_the_money_page_in_english(merchant, store, paid):
    paid()
    html = signed_in(merchant).get(f"/stores/{store.pk}/money/", headers={"Accept-Language": "en"}).content
    assert b"Pending settlement" in html and b"Withdrawable" in html


@pytest.mark.parametrize(("role", "status"), [(Role.FINANCE, 200), (Role.AGENT, 403), (Role.OPERATOR, 403)])
def test_only_finance_staff_see_the_money_page(make_user, merchant, store, role, status):
    member = make_user(f"m-{role}")
    stores.add_staff(store=store_for(merchant, store.pk, "manage_staff"), user_id=member.pk, role=role)
    assert signed_in(member).get(f"/stores/{store.pk}/money/").status_code == status


def test_strangers_get_404(make_user, store, paid):
    order = paid()
    client = signed_in(make_user("stranger"))
    assert client.get(f"/stores/{store.pk}/money/").status_code == 404
    assert client.get(f"/stores/{store.pk}/money/orders/{order.pk}/").status_code == 404
    assert client.get(f"/stores/{store.pk}/money/orders/99999999999999999999/").status_code == 404


def test_a_merchant_withdraws_from_the_money_page(merchant, store, paid, django_capture_on_commit_callbacks):
    order = paid()
    for line in order.lines.all():
        services.settle_line(order_id=order.pk, line_id=line.pk)  # ¥34.31 available
    client = signed_in(merchant)
    page = client.get(f"/stores/{store.pk}/money/").content.decode()
    assert 'id="withdraw-button"' in page and "data-confirm" in page
    refused = client.post(f"/stores/{store.pk}/money/", {"amount": "50"})
    assert refused.status_code == 400 and "可提现余额不足" in refused.content.decode()
    below = client.post(f"/stores/{store.pk}/money/", {"amount": "0.99"})
    assert below.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/stores/{store.pk}/money/", {"amount": "10.50"})
    assert done.status_code == 302
    page = client.get(f"/stores/{store.pk}/money/").content.decode()
    assert "¥10.50" in page and "转账中" in page  # the transfer's notification not yet applied
    assert "¥23.81" in page  # available: 34.31 − 10.50
