import pytest

from xiaodian.accounts.rules import Role
from xiaodian.ledger import services
from xiaodian.ledger.models import LineMoney
from xiaodian.stores import services as stores
from xiaodian.stores.access import store_for

pytestmark = pytest.mark.django_db


def staff(make_user, api_for, merchant, store, role):
    member = make_user(f"staff-{role}")
    stores.add_staff(store=store_for(merchant, store.pk, "manage_staff"), user_id=member.pk, role=role)
    return api_for(member)


def test_the_owner_reads_the_balance_entries_and_an_orders_money(api, paid, store):
    order = paid()
    line = LineMoney.objects.get(line_id=order.lines.first().pk)
    services.post_line_refund(line_id=line.line_id, amount_fen=1000, quantity=1, out_refund_no="AS1")

    r = api.get(f"/stores/{store.pk}/balance")
    assert r.status_code == 200, r.content
    assert r.json() == {
        "store_id": store.pk,
        "available_fen": 0,
        "pending_fen": 3431 - 980,
        "owed_fen": 0,
        "pending_orders": 1,
        "withdrawing_fen": 0,
        "deposit_fen": 0,
    }

    r = api.get(f"/stores/{store.pk}/ledger")
    body = r.json()
    assert body["count"] == 2
    assert [(e["source_type"], e["account"], e["amount_fen"]) for e in body["items"]] == [
        ("refund", "pending", -980),
        ("payment", "pending", 3431),
    ]
    assert api.get(f"/stores/{store.pk}/ledger", {"account": "available"}).json()["count"] == 0
    assert api.get(f"/stores/{store.pk}/ledger", {"since": "2999-01-01"}).json()["count"] == 0

    money = api.get(f"/orders/{order.pk}/money").json()
    assert (money["paid_fen"], money["fee_fen"], money["refunded_fen"], money["fee_returned_fen"]) == (
        3501,
        70,
        1000,
        20,
    )
    assert money["net_fen"] == 3501 - 1000 - 50
    assert money["settles"] == "after_period" and money["settled"] is False
    assert money["fee_rates_ppm"] == [20_000]


@pytest.mark.parametrize(
    ("role", "status"), [(Role.FINANCE, 200), (Role.ADMIN, 200), (Role.OPERATOR, 403), (Role.AGENT, 403)]
)
def test_finance_staff_may_read_money_and_others_may_not(
    make_user, api_for, merchant, store, paid, role, status
):
    order = paid()
    client = staff(make_user, api_for, merchant, store, role)
    assert client.get(f"/stores/{store.pk}/balance").status_code == status
    assert client.get(f"/stores/{store.pk}/ledger").status_code == status
    assert client.get(f"/orders/{order.pk}/money").status_code == status


def test_strangers_get_404(api_for, make_user, store, paid):
    order = paid()
    stranger = api_for(make_user("stranger"))
    for path in (f"/stores/{store.pk}/balance", f"/stores/{store.pk}/ledger", f"/orders/{order.pk}/money"):
        r = stranger.get(path)
        assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_bad_filters_are_422(api, store):
    assert api.get(f"/stores/{store.pk}/ledger", {"account": "nope"}).status_code == 422
    assert api.get(f"/stores/{store.pk}/ledger", {"since": "yesterday"}).status_code == 422
    assert api.get("/orders/99999999/money").status_code == 404


def test_the_balance_read_costs_a_fixed_number_of_queries(api, paid, store, django_assert_max_num_queries):
    for _ in range(3):
        paid()
    with django_assert_max_num_queries(6):
        assert api.get(f"/stores/{store.pk}/balance").status_code == 200


def test_the_ledger_list_and_the_money_page_cost_a_fixed_number_of_queries(
    api, paid, store, merchant, client
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    paid()
    client.force_login(merchant)

    def cost(path, get):
        with CaptureQueriesContext(connection) as queries:
            assert get(path).status_code == 200
        return len(queries)

    cost(f"/stores/{store.pk}/ledger", api.get)  # warm: the token's first use is recorded once
    few = (cost(f"/stores/{store.pk}/ledger", api.get), cost(f"/stores/{store.pk}/money/", client.get))
    for _ in range(4):
        paid()
    many = (cost(f"/stores/{store.pk}/ledger", api.get), cost(f"/stores/{store.pk}/money/", client.get))
    assert many == few
