"""Search multiplies relevance by the store's traffic weight from the store score (issue 7)."""

import pytest

from xiaodian.scoring import services as scoring
from xiaodian.scoring.tests.facts import AS_OF, Facts
from xiaodian.search import selectors
from xiaodian.search.models import ProductDocument, StoreDocument
from xiaodian.stores.models import Store
from xiaodian.stores.rules import StoreState


@pytest.fixture
def twins(open_store, listed, make_user):
    """Two stores a query matches equally, each with a product; the older has no score."""
    plain = open_store("云雾茶庄东店", category="茶叶")
    scored = open_store("云雾茶庄西店", category="茶叶")
    for store in (plain, scored):
        listed(store, "云雾绿茶", category="茶叶")
    Store.objects.filter(pk__in=[plain.pk, scored.pk]).update(state=StoreState.OPEN)
    return plain, scored


def test_a_scored_stores_weight_lifts_it_and_is_explained(twins, indexed, make_user):
    plain, scored = twins
    before = selectors.search("云雾茶庄").items
    assert {r.factors["traffic_weight"] for r in before} == {1.0}

    Facts(make_user()).orders(scored, 30)  # 30 on-time orders: 5.00, and the service badge
    indexed(scoring.recompute_all, as_of=AS_OF)

    stores = selectors.search("云雾茶庄").items
    assert [r.title for r in stores] == ["云雾茶庄西店", "云雾茶庄东店"]
    assert stores[0].factors["traffic_weight"] == pytest.approx(2.1)  # 2.0 at 5.00, + 0.1 a badge
    # issue 15: the score is relevance × traffic weight × freshness
    factors = stores[0].factors
    assert stores[0].score == pytest.approx(factors["relevance"] * 2.1 * factors["freshness"], rel=1e-3)
    assert stores[1].factors["traffic_weight"] == 1.0
    # what the results page shows of the score (issue 15)
    assert (stores[0].store_score, stores[1].store_score) == ("5.00", "")
    assert [b["code"] for b in stores[0].badges] and stores[1].badges == []
    products = selectors.search("云雾绿茶", tab="products").items
    assert [p.store_id for p in products] == [scored.pk, plain.pk]
    assert products[0].factors["traffic_weight"] == pytest.approx(2.1)


def test_a_reindex_and_a_product_change_keep_the_weight(twins, indexed, listed, make_user):
    from xiaodian.search import services as search

    _plain, scored = twins
    Facts(make_user()).orders(scored, 30)
    indexed(scoring.recompute_all, as_of=AS_OF)
    listed(scored, "云雾红茶", category="茶叶")  # a new document of a scored store
    weights = ProductDocument.objects.filter(store_id=scored.pk).values_list("traffic_weight", flat=True)
    assert sorted(weights) == pytest.approx([2.1, 2.1])
    search.reindex_all(workers=0)
    assert StoreDocument.objects.get(store_id=scored.pk).traffic_weight == pytest.approx(2.1)
    assert ProductDocument.objects.filter(store_id=scored.pk, traffic_weight=1.0).count() == 0
