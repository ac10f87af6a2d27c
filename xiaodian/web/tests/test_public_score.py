"""Buyers see the store score and badges (issue 16, point 5) on the store page, the product page
and search results, or "暂无评分" below 30 qualifying orders, in both languages."""

from datetime import timedelta

import pytest
from django.test import Client

from xiaodian.scoring import services as scoring
from xiaodian.scoring.tests.facts import AS_OF, IN_WINDOW, Facts
from xiaodian.search import services as search
from xiaodian.stores.models import Store
from xiaodian.stores.rules import StoreState

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_stores(make_store, make_subject, make_user):
    facts = Facts(make_user("scored_buyer"))
    made = []
    for name, orders in (("好评小店", 30), ("新开小店", 5)):
        owner = make_user()
        store = make_store(owner, make_subject(owner), name=name)
        Store.objects.filter(pk=store.pk).update(
            state=StoreState.OPEN, opened_at=IN_WINDOW - timedelta(days=400)
        )
        store.refresh_from_db()
        facts.orders(store, orders)
        made.append((store, facts.sku(store).product))
    scoring.recompute_all(as_of=AS_OF)
    return made


@pytest.mark.parametrize(
    ("language", "scored", "none"),
    [("zh-hans", "店铺评分 5.00", "暂无评分"), ("en", "Store score 5.00", "No score yet")],
)
def test_store_and_product_pages_show_the_score_or_none_yet(two_stores, language, scored, none):
    (good, good_product), (new, new_product) = two_stores
    visitor = Client(headers={"Accept-Language": language})
    visitor.cookies["django_language"] = language
    shop = visitor.get(f"/shop/{good.pk}/").content.decode()
    assert scored in shop and 'id="store-score"' in shop
    assert none in visitor.get(f"/shop/{new.pk}/").content.decode()
    product_page = visitor.get(f"/products/{good_product.pk}/").content.decode()
    assert scored in product_page and 'id="product-store-score"' in product_page
    assert none in visitor.get(f"/products/{new_product.pk}/").content.decode()


def test_search_results_show_each_stores_score(two_stores):
    for store, _product in two_stores:
        search.index_store(store.pk)
    html = Client().get("/search/", {"q": "小店", "tab": "stores"}).content.decode()
    assert "店铺评分 5.00" in html and "暂无评分" in html
