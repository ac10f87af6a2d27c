"""Ship-by (issue 16, point 6): every paid order shows its ship-by time (paid + 48 h) to the buyer
and the merchant; the store's order list filters by it (still to ship, nearly late, late), most
urgent first, and flags the late and nearly late with the workbench's bounds (NEARLY_LATE)."""

from datetime import datetime, timedelta

import pytest
from django.test import Client

from xiaodian.core import clock
from xiaodian.orders.numbers import SHANGHAI
from xiaodian.orders.rules import NEARLY_LATE, SHIP_WITHIN

from .conftest import place, succeed  # noqa: F401

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 6, 1, 12, tzinfo=SHANGHAI)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def three_orders(place, make_sku, store):  # noqa: F811
    """Paid 60 h, 40 h and 10 h before NOON: late, nearly late (8 h left), on time (38 h left)."""
    sku = make_sku(store, price_fen=1000, stock=20)
    made = []
    for hours in (60, 40, 10):
        with clock.travel_to(NOON - timedelta(hours=hours)):
            checkout = place((sku, 1))
            succeed(checkout)
        made.append(checkout.orders.get())
    return made


def test_the_flags_and_the_api(three_orders, buyer, api_for):
    late, _nearly, fine = three_orders
    assert late.ship_by == late.paid_at + SHIP_WITHIN
    assert [o.ship_flag(NOON) for o in three_orders] == ["late", "nearly", ""]
    # the boundary: exactly NEARLY_LATE before the ship-by time is not yet "nearly"
    assert fine.ship_flag(fine.ship_by - NEARLY_LATE) == ""
    body = api_for(buyer).get(f"/orders/{late.pk}").json()
    assert datetime.fromisoformat(body["ship_by"]) == late.paid_at + SHIP_WITHIN


def test_the_store_list_filters_and_sorts_by_ship_by(
    three_orders, merchant, store, django_assert_max_num_queries
):
    late, nearly, fine = three_orders
    page = client_for(merchant)
    with clock.travel_to(NOON):
        waiting = page.get(f"/stores/{store.pk}/orders/", {"ship": "waiting"}).content.decode()
        only_late = page.get(f"/stores/{store.pk}/orders/", {"ship": "late"}).content.decode()
        only_nearly = page.get(f"/stores/{store.pk}/orders/", {"ship": "nearly"}).content.decode()
    # most urgent first
    assert (
        waiting.index(f'id="order-{late.pk}"')
        < waiting.index(f'id="order-{nearly.pk}"')
        < waiting.index(f'id="order-{fine.pk}"')
    )
    assert f'id="order-{late.pk}"' in only_late and f'id="order-{nearly.pk}"' not in only_late
    assert f'id="order-{nearly.pk}"' in only_nearly and f'id="order-{late.pk}"' not in only_nearly
    assert 'data-flag="late"' in waiting and 'data-flag="nearly"' in waiting


def test_buyer_and_merchant_see_the_ship_by_time(three_orders, buyer, merchant):
    late = three_orders[0]
    with clock.travel_to(NOON):
        for user in (buyer, merchant):
            html = client_for(user).get(f"/orders/{late.pk}/").content.decode()
            assert 'id="ship-by" data-flag="late"' in html
            assert late.ship_by.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") in html
