"""The index follows every change made through the services (issue 15, deliverable 1): each one
records a durable event in its own transaction, handled right after the commit and by the worker
if that run was lost; a nightly check repairs whatever drifted anyway."""

import time
from datetime import datetime

import pytest
from django.core.management import call_command
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from xiaodian.accounts import services as accounts
from xiaodian.accounts.rules import Verification
from xiaodian.catalog import events as catalog_events
from xiaodian.catalog import services as catalog
from xiaodian.catalog.models import Product
from xiaodian.core import clock, events, schedule
from xiaodian.core.clock import SHANGHAI
from xiaodian.search import selectors, services
from xiaodian.search.models import ProductDocument, StoreDocument
from xiaodian.stores import services as stores

from .conftest import photo


def titles(q: str, **kwargs) -> list[str]:
    return [r.title for r in selectors.search(q, **kwargs).items]


def found_within(seconds: float, q: str, **kwargs) -> list[str]:
    """Poll the search until it answers something, at most `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        found = titles(q, **kwargs)
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(0.02)


# ------------------------------------------------------------------ real commits (no test transaction)


@pytest.mark.django_db(transaction=True)
def test_a_product_listed_through_the_service_is_found_within_a_second_of_the_commit(open_store, listed):
    shop = open_store("山野茶庄", category="茶叶")
    made = listed(shop, "山野凤凰单丛 乌龙茶", category="茶叶")
    assert titles("乌龙", tab="products") == ["山野凤凰单丛 乌龙茶"]
    committed = time.monotonic()
    catalog.delist_product(product=made)
    assert titles("乌龙", tab="products") == []  # gone as soon as the delist committed
    catalog.list_product(product=Product.objects.get(pk=made.pk))
    assert found_within(1.0, "乌龙", tab="products") == ["山野凤凰单丛 乌龙茶"]
    assert time.monotonic() - committed < 1.0


@pytest.mark.django_db(transaction=True)
def test_a_banned_product_never_appears_after_the_ban_commits(open_store, listed, operator):
    product = listed(open_store("拾光服饰"), "亚麻宽松衬衫")
    assert titles("衬衫", tab="products") == ["亚麻宽松衬衫"]
    catalog.ban_product(operator=operator, product=product, reason="违规")
    assert titles("衬衫", tab="products") == []  # the very next read after the commit
    assert not ProductDocument.objects.filter(object_id=product.pk).exists()


# ------------------------------------------------------------------ every service, through its event


def test_delist_ban_unban_and_list_again(open_store, listed, indexed, operator):
    product = listed(open_store("拾光服饰"), "亚麻宽松衬衫")
    indexed(catalog.delist_product, product=product)
    assert titles("衬衫", tab="products") == []
    indexed(catalog.list_product, product=product)
    assert titles("衬衫", tab="products") == ["亚麻宽松衬衫"]
    indexed(catalog.ban_product, operator=operator, product=product)
    assert titles("衬衫", tab="products") == []
    indexed(catalog.unban_product, operator=operator, product=product)
    assert product.state == "delisted"
    assert titles("衬衫", tab="products") == []  # unbanned is delisted: the merchant lists it again
    indexed(catalog.list_product, product=product)
    assert titles("衬衫", tab="products") == ["亚麻宽松衬衫"]


def test_an_edit_of_title_category_and_price_is_searchable_at_once(open_store, listed, indexed, categories):
    product = listed(open_store("拾光服饰"), "亚麻宽松衬衫", price_fen=15_900)
    indexed(catalog.update_product, product=product, title="真丝印花连衣裙")
    assert titles("连衣裙", tab="products") == ["真丝印花连衣裙"]
    assert titles("衬衫", tab="products") == []
    sku = product.skus.get()
    new_skus = [{"id": sku.pk, "specs": {}, "price_fen": 9_900}]
    indexed(catalog.update_product, product=product, skus=new_skus)
    (found,) = selectors.search("连衣裙", tab="products").items
    assert found.price_min_fen == 9_900
    assert titles("连衣裙", tab="products", max_price_fen=10_000) == ["真丝印花连衣裙"]
    indexed(catalog.update_product, product=product, category_id=categories["男装"].pk)
    assert titles("连衣裙", tab="products", category=categories["男装"].pk) == ["真丝印花连衣裙"]
    assert titles("连衣裙", tab="products", category=categories["女装"].pk) == []


def test_a_store_rename_category_change_and_close_reach_its_products(open_store, listed, indexed, categories):
    shop = open_store("拾光服饰")
    listed(shop, "亚麻宽松衬衫")
    indexed(stores.update_store, store=shop, name="晨曦服饰")
    assert titles("晨曦", tab="products") == ["亚麻宽松衬衫"]  # its products carry the new name
    assert titles("拾光") == []
    indexed(stores.update_store, store=shop, main_category_id=categories["图书"].pk)
    assert titles("图书") == ["晨曦服饰"]
    indexed(stores.close_store, store=shop)
    assert titles("晨曦") == []
    assert titles("衬衫", tab="products") == []


def test_a_store_that_opens_when_its_subject_is_verified_is_found(
    indexed, make_user, make_subject, operator, categories
):
    owner = make_user()
    subject = make_subject(owner, verified=False)
    indexed(
        stores.create_store,
        user=owner,
        subject_id=subject.pk,
        name="晚来的果园",
        main_category_id=categories["水果"].pk,
    )
    assert titles("果园") == []  # opening: waiting for the subject's review
    indexed(
        accounts.set_subject_verification,
        operator=operator,
        subject=subject,
        verification=Verification.VERIFIED,
    )
    assert titles("果园") == ["晚来的果园"]


def test_a_lost_run_after_the_commit_is_left_to_the_worker(open_store, listed, indexed, monkeypatch):
    """The process dies between the commit and the index update: the event's row, written in the
    listing's transaction, is still there, and the worker's run indexes the product."""
    shop = open_store("拾光服饰")
    product = catalog.create_product(
        store=shop,
        category_id=shop.main_category_id,
        title="亚麻宽松衬衫",
        skus=[{"specs": {}, "price_fen": 1_000, "stock": 5}],
        images=[photo()],
    )
    listed(shop, "别的商品")  # pays the deposit of the category
    monkeypatch.setattr(events, "_run_eagerly", lambda *args: None)  # the crash
    indexed(catalog.list_product, product=product)
    assert titles("衬衫", tab="products") == []
    # one row per handler of the event (the index's, and the alliance library's)
    handlers = len(catalog_events.product_changed.handlers)
    assert handlers >= 1
    assert events.pending(catalog_events.product_changed).count() == handlers
    monkeypatch.undo()
    assert events.run_pending(catalog_events.product_changed) == handlers
    assert titles("衬衫", tab="products") == ["亚麻宽松衬衫"]


# ---------------------------------------------------------------------------------- drift check


def test_the_drift_check_finds_and_repairs_what_changed_behind_the_services(open_store, listed, capsys):
    shop = open_store("拾光服饰")
    kept = listed(shop, "亚麻宽松衬衫")
    renamed = listed(shop, "高腰直筒牛仔裤")
    hidden = listed(shop, "纯棉T恤")
    other = open_store("好物书房", category="图书")
    assert services.check_index(repair=False)["repaired"] == 0
    assert set(services.check_index(repair=False).values()) == {0, 2, 3}  # checked 2 stores, 3 products

    # Writes that bypass the services (a restore, a hand-edit, a lost event):
    Product.objects.filter(pk=renamed.pk).update(title="阔腿西装裤")
    Product.objects.filter(pk=hidden.pk).update(state="banned")
    ProductDocument.objects.filter(object_id=kept.pk).delete()
    StoreDocument.objects.filter(object_id=other.pk).delete()

    found = services.check_index(repair=False)
    assert (found["products_missing"], found["products_stale"], found["products_changed"]) == (1, 1, 1)
    assert (found["stores_missing"], found["stores_stale"], found["stores_changed"]) == (1, 0, 0)
    assert titles("西装裤", tab="products") == []

    call_command("check_search_index")
    out = capsys.readouterr().out
    assert "products_missing=1" in out and "products_stale=1" in out and "repaired=4" in out
    assert titles("西装裤", tab="products") == ["阔腿西装裤"]
    assert titles("T恤", tab="products") == []
    assert titles("衬衫", tab="products") == ["亚麻宽松衬衫"]
    assert titles("书房") == ["好物书房"]
    again = services.check_index(repair=False)
    assert again["products_checked"] == 2 and again["stores_checked"] == 2
    assert sum(v for k, v in again.items() if not k.endswith("checked")) == 0


@pytest.mark.django_db
def test_the_drift_check_runs_nightly():
    with clock.travel_to(datetime(2026, 6, 1, 12, 0, tzinfo=SHANGHAI)):
        schedule.ensure_scheduled()
    waiting = DBTaskResult.objects.get(task_path="xiaodian.search.tasks.check_search_index")
    assert waiting.status == TaskResultStatus.READY
    assert waiting.run_after == datetime(2026, 6, 2, 4, 30, tzinfo=SHANGHAI)


# ------------------------------------------------------------------ the handlers are idempotent

DOCUMENT = ("object_id", "store_id", "category_id", "title", "name_terms", "context_terms", "price_min_fen")


def test_index_products_is_idempotent(open_store, listed, indexed):
    product = listed(open_store("拾光服饰"), "亚麻宽松衬衫")
    services.index_products(product_ids=[product.pk])
    once = list(ProductDocument.objects.values_list(*DOCUMENT))
    services.index_products(product_ids=[product.pk])
    assert list(ProductDocument.objects.values_list(*DOCUMENT)) == once
    assert titles("衬衫", tab="products") == ["亚麻宽松衬衫"]


def test_index_stores_is_idempotent(open_store, listed):
    shop = open_store("拾光服饰")
    listed(shop, "亚麻宽松衬衫")
    services.index_stores(store_ids=[shop.pk])
    once = (
        list(StoreDocument.objects.values_list("object_id", "title", "name_terms", "product_count")),
        list(ProductDocument.objects.values_list(*DOCUMENT)),
    )
    services.index_stores(store_ids=[shop.pk])
    again = (
        list(StoreDocument.objects.values_list("object_id", "title", "name_terms", "product_count")),
        list(ProductDocument.objects.values_list(*DOCUMENT)),
    )
    assert again == once
    assert once[0][0][3] == 1
