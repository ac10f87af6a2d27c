import threading

import pytest
from django.db import connection
from django.test import Client

from xiaodian.accounts.rules import SubjectKind
from xiaodian.stores.models import Store


def new_store(api, subject, categories, name, **extra):
    body = {"subject_id": subject.pk, "name": name, "main_category_id": categories["茶叶"].pk, **extra}
    return api.post("/stores", body)


def test_create_read_update_and_list_stores(api, subject, categories):
    r = new_store(api, subject, categories, "山间茶舍")
    assert r.status_code == 201
    store = r.json()
    assert (store["state"], store["kind"], store["my_role"]) == ("open", "ordinary", "owner")
    assert "manage_staff" in store["permissions"]
    r = api.patch(
        f"/stores/{store['id']}", {"description": "高山茶", "main_category_id": categories["休闲零食"].pk}
    )
    assert (r.json()["description"], r.json()["main_category_id"]) == ("高山茶", categories["休闲零食"].pk)
    listed = api.get("/stores").json()
    assert listed["count"] == 1 and listed["items"][0]["my_role"] == "owner"


@pytest.mark.parametrize(
    ("name", "code", "status"),
    [
        ("小满官方店", "store_name_reserved_word", 422),
        ("小满ＦＬＡＧＳＨＩＰ", "store_name_reserved_word", 422),
        ("小满 专 卖 店", "store_name_reserved_word", 422),
        ("拾 光 服 饰", "store_name_taken", 409),
        ("x", "store_name_invalid", 422),
    ],
)
def test_name_rules_through_the_api(api, subject, categories, store, name, code, status):
    r = new_store(api, subject, categories, name)
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (status, code, "name")


def test_the_31st_store_is_refused(api, make_subject, make_store, merchant, categories):
    subject = make_subject(merchant)
    for _ in range(30):
        make_store(merchant, subject)
    r = new_store(api, subject, categories, "第三十一家")
    assert (r.status_code, r.json()["code"]) == (409, "store_limit_reached")


def test_an_individual_opens_one_store(api, make_subject, merchant, categories):
    subject = make_subject(merchant, SubjectKind.INDIVIDUAL)
    assert new_store(api, subject, categories, "个人小铺").status_code == 201
    assert new_store(api, subject, categories, "第二家").json()["code"] == "store_limit_reached"


def test_categories_are_public_and_paginated(api_for, categories):
    anonymous = api_for()
    page = anonymous.get("/categories", {"roots_only": "true", "limit": 3}).json()
    assert page["count"] == 9 and len(page["items"]) == 3
    tea = anonymous.get("/categories", {"parent_id": categories["食品饮料"].pk}).json()
    assert {c["name"] for c in tea["items"]} == {"休闲零食", "茶叶", "酒类"}
    assert anonymous.get("/categories", {"limit": 0}).status_code == 422


def test_upgrade_deposits_staff_and_close(api, store, categories, make_user):
    assert api.post(f"/stores/{store.pk}/upgrade").json()["is_upgraded"] is True
    r = api.post(f"/stores/{store.pk}/deposits", {"category_id": categories["女装"].pk})
    assert r.status_code == 201 and (r.json()["status"], r.json()["amount_fen"]) == ("pending", 200_000)
    pay_url = r.json()["pay_url"]  # the answer says where to pay (issue 17, point 10)
    assert pay_url.startswith("/sandbox/wechatpay/pay/")
    again = api.post(f"/stores/{store.pk}/deposits", {"category_id": categories["女装"].pk}).json()
    assert (again["id"], again["pay_url"]) == (r.json()["id"], pay_url)  # the same pending payment
    assert Client().post(pay_url).status_code == 200  # the merchant pays on that page
    assert api.get(f"/stores/{store.pk}/deposits").json()["items"][0]["status"] == "paid"
    assert api.get(f"/stores/{store.pk}/deposits").json()["items"][0]["pay_url"] == ""
    r = api.post(f"/stores/{store.pk}/deposits", {"category_id": categories["男装"].pk})
    assert (r.status_code, r.json()["code"]) == (409, "deposit_already_paid")
    assert api.get(f"/stores/{store.pk}/deposits").json()["count"] == 1

    member = make_user()
    r = api.post(f"/stores/{store.pk}/staff", {"user_id": member.pk, "role": "finance"})
    assert r.status_code == 201 and r.json()["username"] == member.username
    staff = api.get(f"/stores/{store.pk}/staff").json()
    assert [s["role"] for s in staff["items"]] == ["owner", "finance"]
    r = api.post(f"/stores/{store.pk}/staff", {"user_id": 10**9, "role": "agent"})
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    r = api.post(f"/stores/{store.pk}/staff", {"user_id": member.pk, "role": "owner"})
    assert (r.status_code, r.json()["code"]) == (403, "permission_denied")
    assert api.delete(f"/stores/{store.pk}/staff/{staff['items'][1]['id']}").status_code == 204

    assert api.post(f"/stores/{store.pk}/close").json()["state"] == "closed"
    assert api.get(f"/stores/{store.pk}/deposits").json()["items"][0]["status"] == "refunded"


def test_staff_see_the_store_but_act_only_within_their_role(api, api_for, store, make_user):
    agent = make_user()
    api.post(f"/stores/{store.pk}/staff", {"user_id": agent.pk, "role": "agent"})
    as_agent = api_for(agent)
    assert as_agent.get(f"/stores/{store.pk}").json()["my_role"] == "agent"
    r = as_agent.patch(f"/stores/{store.pk}", {"description": "改一下"})
    assert (r.status_code, r.json()["code"]) == (403, "permission_denied")
    assert as_agent.get(f"/stores/{store.pk}/deposits").status_code == 403


@pytest.mark.parametrize(
    "raw",
    ['{"subject_id": 1, "name": ', "[]", '"just a string"', "null", '{"subject_id": "1; drop table"}'],
)
def test_malformed_bodies_are_4xx(api, raw):
    r = api.post("/stores", raw)
    assert 400 <= r.status_code < 500
    assert set(r.json()) >= {"code", "message"}


def test_oversized_strings_and_ids_are_4xx(api, subject, categories):
    r = new_store(api, subject, categories, "名" * 5000)
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")
    assert api.get(f"/stores/{2**70}").status_code == 422
    assert api.get("/stores/abc").status_code == 422


def test_listing_my_stores_costs_a_fixed_number_of_queries(
    api, make_store, merchant, subject, django_assert_max_num_queries
):
    for _ in range(3):
        make_store(merchant, subject)
    with django_assert_max_num_queries(5):
        small = api.get("/stores")
    for _ in range(12):
        make_store(merchant, subject)
    with django_assert_max_num_queries(5):
        large = api.get("/stores")
    assert (small.json()["count"], large.json()["count"]) == (3, 15)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_for_the_last_two_slots_cannot_both_succeed(make_subject, make_store, merchant, categories):
    """29 stores exist; 8 threads race for slots 30 and 31: exactly one wins."""
    if connection.vendor != "postgresql":
        pytest.skip("the threaded race needs PostgreSQL (SQLite serialises every writer)")
    from xiaodian.core.errors import DomainError
    from xiaodian.stores import services

    subject = make_subject(merchant)
    for _ in range(29):
        make_store(merchant, subject)
    barrier = threading.Barrier(8)
    results: list[str] = []

    def race(i: int) -> None:
        barrier.wait()
        try:
            services.create_store(
                user=merchant,
                subject_id=subject.pk,
                name=f"并发店{i}",
                main_category_id=categories["女装"].pk,
            )
            results.append("ok")
        except DomainError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1
    assert results.count("store_limit_reached") == 7
    assert Store.objects.filter(subject=subject).count() == 30


@pytest.mark.parametrize("text", ["a\x00b", "\ud800x"])
def test_text_no_database_can_store_is_refused(api, subject, categories, text):
    r = api.post(
        "/stores", {"subject_id": subject.pk, "name": text, "main_category_id": categories["女装"].pk}
    )
    assert (r.status_code, r.json()["code"]) == (400, "malformed_request")
    assert "NUL" in r.json()["message"]
    assert Store.objects.count() == 0
