"""The reports' endpoints: shapes, windows, permissions (the store's finance roles; agencies only;
operators only), refusals as {code, message}, and their query budgets."""

import pytest

from xiaodian.accounts import services as accounts
from xiaodian.accounts.rules import Role
from xiaodian.stores import services as stores
from xiaodian.stores.access import store_for

pytestmark = pytest.mark.django_db


def test_my_earnings_per_day(api_for, sales, today, django_assert_max_num_queries):
    client = api_for(sales.creator.user)
    with django_assert_max_num_queries(3):  # the token, its last use, the entries by day
        r = client.get("/alliance/earnings/daily?days=3")
    assert r.status_code == 200
    body = r.json()
    assert (body["days"], body["from"], body["to"]) == (3, "2026-03-08", "2026-03-10")
    assert body["items"] == [
        {"date": "2026-03-08", "earned_fen": 2000, "settled_fen": 0, "clawed_back_fen": 0},
        {"date": "2026-03-09", "earned_fen": 1000, "settled_fen": 0, "clawed_back_fen": 0},
        {"date": "2026-03-10", "earned_fen": 0, "settled_fen": 1000, "clawed_back_fen": 500},
    ]
    assert body["totals"] == {"earned_fen": 3000, "settled_fen": 1000, "clawed_back_fen": 500}
    assert len(client.get("/alliance/earnings/daily").json()["items"]) == 30  # the default


@pytest.mark.parametrize("days", ["0", "367", "abc", "-1"])
def test_a_window_out_of_range_is_a_422(api_for, make_user, days):
    r = api_for(make_user()).get(f"/alliance/earnings/daily?days={days}")
    assert r.status_code == 422 and r.json()["code"] == "validation_error"


def test_earnings_need_a_signed_in_user(api_for):
    assert api_for().get("/alliance/earnings/daily").status_code == 401


def test_the_stores_performance_by_promoter_and_product(api, sales, today, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        r = api.get(f"/stores/{sales.store.pk}/alliance/performance?by=promoter&days=30&limit=1")
    assert r.status_code == 200
    body = r.json()
    assert (body["by"], body["days"], body["count"], body["from"]) == ("promoter", 30, 2, "2026-02-09")
    assert body["items"] == [
        {
            "id": sales.creator.pk,
            "name": sales.creator.name,
            "kind": "creator",
            "orders": 2,
            "units": 3,
            "paid_fen": 30_000,
            "refunded_fen": 5_000,
            "commission_fen": 2500,
            "service_fen": 500,
        }
    ]
    assert body["totals"]["paid_fen"] == 40_000 and body["totals"]["orders"] == 3
    second = api.get(f"/stores/{sales.store.pk}/alliance/performance?limit=1&offset=1").json()
    assert [i["id"] for i in second["items"]] == [sales.sharer.pk] and second["by"] == "promoter"
    products = api.get(f"/stores/{sales.store.pk}/alliance/performance?by=product").json()
    assert [(i["id"], i["paid_fen"]) for i in products["items"]] == [
        (sales.p1.pk, 30_000),
        (sales.p2.pk, 10_000),
    ]
    r = api.get(f"/stores/{sales.store.pk}/alliance/performance?by=plan")
    assert r.status_code == 422 and r.json()["code"] == "validation_error"


def test_performance_is_for_the_owner_admins_and_finance(api_for, sales, today, merchant, make_user):
    by_role = {}
    for role in (Role.ADMIN, Role.FINANCE, Role.OPERATOR, Role.AGENT):
        person = make_user()
        stores.add_staff(store=store_for(merchant, sales.store.pk), user_id=person.pk, role=role)
        by_role[role] = api_for(person).get(f"/stores/{sales.store.pk}/alliance/performance").status_code
    assert by_role == {Role.ADMIN: 200, Role.FINANCE: 200, Role.OPERATOR: 403, Role.AGENT: 403}
    assert api_for(make_user()).get(f"/stores/{sales.store.pk}/alliance/performance").status_code == 404
    assert (
        api_for(sales.creator.user).get(f"/stores/{sales.store.pk}/alliance/performance").status_code == 404
    )


def test_the_agency_sees_its_creators(api_for, sales, today, make_promoter, django_assert_max_num_queries):
    from xiaodian.alliance import services

    idle = make_promoter()
    services.join_agency(promoter=idle, agency_id=sales.agency.pk)
    client = api_for(sales.agency.user)
    with django_assert_max_num_queries(5):  # the token, its last use, the agency, members, lines
        r = client.get("/alliance/agency/creators?days=30")
    assert r.status_code == 200
    body = r.json()
    assert body["agency_id"] == sales.agency.pk and body["count"] == 2
    first = body["items"][0]
    assert (first["promoter_id"], first["paid_fen"], first["commission_fen"], first["service_fen"]) == (
        sales.creator.pk,
        10_000,
        1000,
        500,
    )
    assert first["video_account_name"] and first["joined_at"]
    assert body["items"][1]["promoter_id"] == idle.pk and body["items"][1]["orders"] == 0
    assert body["totals"]["service_fen"] == 500 and body["others"]["paid_fen"] == 0
    page = client.get("/alliance/agency/creators?limit=1&offset=1").json()
    assert [i["promoter_id"] for i in page["items"]] == [idle.pk] and page["count"] == 2


def test_a_non_agency_gets_a_clear_refusal(api_for, sales, make_user):
    r = api_for(sales.creator.user).get("/alliance/agency/creators")
    assert r.status_code == 403 and r.json()["code"] == "alliance_agency_required"
    r = api_for(sales.sharer.user).get("/alliance/agency/creators")
    assert r.status_code == 403 and r.json()["code"] == "alliance_agency_required"
    r = api_for(make_user()).get("/alliance/agency/creators")
    assert r.status_code == 409 and r.json()["code"] == "alliance_promoter_required"


def test_the_operators_overview(api_for, sales, today, make_user, django_assert_max_num_queries):
    ops = make_user()
    accounts.make_platform_operator(user=ops)
    client = api_for(ops)
    with django_assert_max_num_queries(9):  # the token, its last use, the overview's six
        r = client.get("/operations/alliance?days=7")
    assert r.status_code == 200
    body = r.json()
    assert (body["days"], body["stores_enabled"]) == (7, 1)
    assert body["live_plans"] == {"1": 1, "2": 0, "3": 1}
    assert body["promoters"] == {"creator": 1, "agency": 1, "sharer": 1}
    assert [d["paid_fen"] for d in body["items"]][-3:] == [20_000, 10_000, 10_000]
    assert body["totals"]["commission_fen"] == 3500
    assert [p["promoter_id"] for p in body["top_promoters"]] == [sales.creator.pk, sales.sharer.pk]
    assert body["top_stores"][0]["store_id"] == sales.store.pk and body["top_stores"][0]["name"] == "拾光服饰"


def test_the_overview_is_for_operators_only(api, api_for, sales):
    assert api.get("/operations/alliance").status_code == 403  # a merchant
    assert api_for(sales.agency.user).get("/operations/alliance").json()["code"] == "permission_denied"
