"""A store's return addresses (issue 17, point 6): one default, a copy kept on each approved
return, shown to the buyer; approving a return needs one."""

import pytest
from django.db import IntegrityError, transaction

from xiaodian.accounts.rules import Perm
from xiaodian.aftersales import rules, services
from xiaodian.aftersales.models import ReturnAddress
from xiaodian.aftersales.rules import Kind, State
from xiaodian.core.errors import DomainError
from xiaodian.stores.access import store_for

from .test_aftersales import ask, code_of

HOME = {"recipient": "售后部", "phone": "13800138000", "region": "浙江省杭州市", "detail": "仓前街道 1 号"}


@pytest.fixture
def buyer_api(api_for, buyer):
    return api_for(buyer)


@pytest.fixture
def bare_store(merchant, store):
    """The store as its owner sees it, with no return address yet."""
    return store_for(merchant, store.pk, Perm.MANAGE_ORDERS)


def add(store, **changes):
    return services.add_return_address(store=store, **{**HOME, **changes})


def defaults(store) -> list[str]:
    return list(ReturnAddress.objects.filter(store=store, is_default=True).values_list("detail", flat=True))


def test_the_first_address_is_the_default_and_one_marked_so_takes_over(bare_store):
    add(bare_store, detail="一号仓")
    add(bare_store, detail="二号仓")
    assert defaults(bare_store) == ["一号仓"]
    third = add(bare_store, detail="三号仓", is_default=True)
    assert defaults(bare_store) == ["三号仓"]
    services.set_default_return_address(store=bare_store, address_id=third.pk - 2)
    assert defaults(bare_store) == ["一号仓"]


def test_deleting_the_default_makes_the_newest_other_one_the_default(bare_store):
    first, _second, _third = (
        add(bare_store, detail="一号仓"),
        add(bare_store, detail="二号仓"),
        add(bare_store, detail="三号仓"),
    )
    services.delete_return_address(store=bare_store, address_id=first.pk)
    assert defaults(bare_store) == ["三号仓"]


def test_the_database_holds_one_default_per_store(bare_store):
    add(bare_store)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReturnAddress.objects.create(
            store=bare_store, is_default=True, created_at=bare_store.created_at, **HOME
        )


def test_the_fields_are_checked_and_the_list_is_limited(bare_store):
    with pytest.raises(DomainError) as exc:
        add(bare_store, phone="12345")
    assert (exc.value.code, exc.value.field) == ("validation_error", "phone")
    with pytest.raises(DomainError) as exc:
        add(bare_store, detail="   ")
    assert exc.value.field == "detail"
    for n in range(rules.RETURN_ADDRESSES_MAX):
        add(bare_store, detail=f"{n} 号仓")
    assert code_of(lambda: add(bare_store)) == "return_addresses_full"
    assert ReturnAddress.objects.filter(store=bare_store).count() == rules.RETURN_ADDRESSES_MAX


def test_a_return_needs_an_address_and_keeps_a_copy_of_it(buyer, bare_store, shipped_order, other_store):
    aftersale = ask(buyer, shipped_order(), kind=Kind.RETURN)
    assert code_of(lambda: services.approve_aftersale(store=bare_store, aftersale_id=aftersale.pk)) == (
        "return_address_required"
    )
    theirs = add(other_store)
    with pytest.raises(DomainError) as exc:  # another store's address is not ours to name
        services.approve_aftersale(store=bare_store, aftersale_id=aftersale.pk, return_address_id=theirs.pk)
    assert (exc.value.code, exc.value.field) == ("not_found", "return_address_id")

    default, other = add(bare_store, detail="一号仓"), add(bare_store, detail="二号仓")
    services.approve_aftersale(store=bare_store, aftersale_id=aftersale.pk)
    aftersale.refresh_from_db()
    assert aftersale.state == State.USER_WAIT_RETURN
    assert aftersale.return_to == {**HOME, "detail": "一号仓"}  # the default
    services.delete_return_address(store=bare_store, address_id=default.pk)
    aftersale.refresh_from_db()
    assert aftersale.return_to["detail"] == "一号仓"  # the copy stays
    assert defaults(bare_store) == ["二号仓"] and other.pk


def test_a_refund_needs_no_address(buyer, bare_store, paid_order):
    aftersale = ask(buyer, paid_order(), kind=Kind.REFUND)
    services.approve_aftersale(store=bare_store, aftersale_id=aftersale.pk)
    aftersale.refresh_from_db()
    assert aftersale.state == State.PLATFORM_REFUNDING and aftersale.return_to == {}


def test_a_dispute_decided_for_the_buyer_sends_the_goods_to_the_default(
    buyer, bare_store, shipped_order, operator
):
    aftersale = ask(buyer, shipped_order(), kind=Kind.RETURN)
    services.reject_aftersale(store=bare_store, aftersale_id=aftersale.pk, reason="已拆封")
    dispute = services.open_dispute(buyer=buyer, aftersale_id=aftersale.pk, statement="未拆封")
    add(bare_store, detail="一号仓")
    services.decide_dispute(operator=operator, dispute_id=dispute.pk, decision="buyer")
    aftersale.refresh_from_db()
    assert aftersale.state == State.USER_WAIT_RETURN and aftersale.return_to["detail"] == "一号仓"


def test_the_api_lists_adds_sets_the_default_and_deletes(api, store, buyer_api, shipped_order):
    base = f"/stores/{store.pk}/return-addresses"
    assert api.get(base).json() == []
    r = api.post(base, {**HOME, "phone": "1380013800"})
    assert (r.status_code, r.json()["field"]) == (422, "phone")
    first = api.post(base, HOME)
    assert first.status_code == 201 and first.json()["is_default"] is True
    second = api.post(base, {**HOME, "detail": "二号仓"}).json()
    assert api.post(f"{base}/{second['id']}/default").json()["is_default"] is True
    assert [a["detail"] for a in api.get(base).json()] == ["二号仓", HOME["detail"]]  # the default first
    assert api.delete(f"{base}/{first.json()['id']}").status_code == 204
    assert buyer_api.get(base).status_code == 404  # not the buyer's store
    assert api.delete(f"{base}/{first.json()['id']}").status_code == 404

    order = shipped_order()
    line = order.lines.order_by("pk").first()
    aftersale_id = buyer_api.post(
        f"/orders/{order.pk}/aftersales", {"type": "return", "line_id": line.pk, "quantity": 1}
    ).json()["id"]
    assert buyer_api.get(f"/aftersales/{aftersale_id}").json()["return_to"] is None
    r = api.post(f"/aftersales/{aftersale_id}/approve", {"return_address_id": second["id"]})
    assert r.status_code == 200, r.content
    assert buyer_api.get(f"/aftersales/{aftersale_id}").json()["return_to"] == {**HOME, "detail": "二号仓"}
