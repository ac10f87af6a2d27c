"""`reindex_all` in worker processes writes the same documents as the index-on-commit path."""

import pytest
from django.db import connection

from xiaodian.search import backends, selectors, services, text
from xiaodian.search.models import ProductDocument, StoreDocument

FIELDS = ("object_id", "store_id", "category_id", "title", "name_key", "name_terms", "context_terms")


def documents() -> tuple[list, list]:
    return (
        sorted(StoreDocument.objects.values_list(*FIELDS)),
        sorted(ProductDocument.objects.values_list(*FIELDS, "price_min_fen")),
    )


def test_a_parallel_reindex_matches_what_the_commits_built(open_store, listed):
    shops = [
        open_store("拾光服饰"),
        open_store("山野云雾茶庄", category="茶叶"),
        open_store("好物书房", category="图书"),
    ]
    for n, shop in enumerate(shops):
        listed(shop, f"亚麻宽松衬衫{n}", price_fen=1_000 + n)
        listed(shop, f"高山有机绿茶 {n}号", price_fen=2_000 + n, category="茶叶")
    before = documents()
    counts = sorted(StoreDocument.objects.values_list("object_id", "product_count"))
    assert services.reindex_all(workers=2) == {"stores": 3, "products": 6}
    assert documents() == before
    assert sorted(StoreDocument.objects.values_list("object_id", "product_count")) == counts
    assert {count for _, count in counts} == {2}
    assert [r.title for r in selectors.search("shanye").items] == ["山野云雾茶庄"]
    assert len(selectors.search("绿茶", tab="products").items) == 3


def test_a_reindex_keeps_the_index_in_step_with_later_writes(open_store, rename):
    store = open_store("旧名字小店")
    services.reindex_all(workers=0)
    rename(store, "新招牌小店")  # the full-text side is kept by the backend again after the rebuild
    assert [r.title for r in selectors.search("新招牌").items] == ["新招牌小店"]
    assert selectors.search("旧名字").items == []


def test_a_bulk_row_for_a_document_indexed_meanwhile_keeps_the_fresher_one(open_store):
    store = open_store("拾光服饰")  # indexed on commit
    stale = (store.pk, store.pk, store.main_category_id, "旧的", "旧的", "旧 的 旧的", "", 1.0, None, 0)
    backends.insert_rows(StoreDocument._meta.db_table, services.STORE_COLUMNS, [stale])
    assert list(StoreDocument.objects.values_list("title", flat=True)) == ["拾光服饰"]


def test_common_terms_are_scored_as_bm25_scores_them(open_store, listed, monkeypatch):
    """SQLite keeps the IDF of a common phrase and scores its matches without bm25(): the same
    numbers (here every phrase counts as common)."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's relevance")
    shop = open_store("山野云雾茶庄", category="茶叶")
    for n, title in enumerate(("高山云雾绿茶", "云雾红茶礼盒 云雾", "明前绿茶", "shanye 绿茶 t恤")):
        listed(shop, title, price_fen=1_000 + n, category="茶叶")
    other = open_store("拾光服饰")
    for n in range(8):  # so that the tea words are in fewer than half the rows (a positive IDF)
        listed(other, f"高腰直筒牛仔裤{n}")
    table = ProductDocument._meta.db_table
    for q in ("绿茶", "云雾", "茶", "sh", "t恤", "云雾 茶"):
        monkeypatch.setattr(backends, "DF_CACHE_MIN", 10**9)
        backends._idfs.clear()
        by_bm25 = [(h.id, h.relevance) for h in backends.match(table, text.query(q), limit=3)]
        monkeypatch.setattr(backends, "DF_CACHE_MIN", 1)
        backends._idfs.clear()
        backends.match(table, text.query(q), limit=3)  # learns the IDFs
        assert all(idf is not None for _, idf in backends._idfs.values()), q
        here = [(h.id, h.relevance) for h in backends.match(table, text.query(q), limit=3)]
        assert [i for i, _ in here] == [i for i, _ in by_bm25], q
        assert [r for _, r in here] == pytest.approx([r for _, r in by_bm25], rel=1e-9), q
        assert all(r > 1e-3 for _, r in here), q
    backends._idfs.clear()
