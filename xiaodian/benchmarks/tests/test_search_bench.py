"""`bench search` at a tiny scale, in the test database (SQLite or PostgreSQL, as the suite runs):
the seed, the index build and the query mix, and the JSON the command prints."""

import io
import json

from django.core.management import call_command
from pypinyin import lazy_pinyin

from xiaodian.benchmarks import search
from xiaodian.catalog.models import SKU, Product
from xiaodian.search import selectors
from xiaodian.search.models import ProductDocument, StoreDocument
from xiaodian.stores.models import Store


def test_the_seed_builds_unique_stores_and_listed_products_and_is_reused(benchmark_database):
    first = search.run(stores=20, products=200, per_kind=3)
    assert first["seed"]["reused"] is False
    names = list(
        Store.objects.filter(subject__name__startswith=search.SUBJECT_PREFIX).values_list("name", flat=True)
    )
    assert len(names) == len(set(names)) == 20
    assert Product.objects.filter(state="listed").count() == 200
    assert SKU.objects.filter(product__store__name__in=names).count() >= 200
    assert (first["rows"]["store_documents"], first["rows"]["product_documents"]) == (20, 200)
    assert first["index_build"]["products"] == 200

    again = search.run(stores=20, products=200, per_kind=3, reindex=False)
    assert again["seed"]["reused"] is True and again["index_build"] is None
    assert Product.objects.count() == 200  # nothing seeded twice

    bigger = search.run(stores=30, products=300, per_kind=3)  # another size replaces the seed
    assert bigger["seed"]["reused"] is False
    assert (bigger["rows"]["stores"], bigger["rows"]["products"]) == (30, 300)
    assert (StoreDocument.objects.count(), ProductDocument.objects.count()) == (30, 300)


def test_the_mix_covers_every_kind_and_its_queries_behave(benchmark_database):
    result = search.run(stores=20, products=200, per_kind=4)
    rows = {(r["kind"], r["tab"]): r for r in result["kinds"]}
    assert set(rows) == {(kind, str(tab)) for kind, tab in search.KINDS}
    for row in rows.values():
        assert row["queries"] == 4
        assert 0 <= row["p50_ms"] <= row["p99_ms"] <= row["max_ms"]
    assert rows[("store_name", "stores")]["exact_first"] == 4  # the exact name ranks first
    for kind in ("one_char", "two_chars", "pinyin", "initials"):
        assert rows[(kind, "stores")]["with_hits"] == 4, kind
    for kind in ("one_char", "two_chars"):
        assert rows[(kind, "products")]["with_hits"] == 4, kind
    assert rows[("no_hit", "stores")]["with_hits"] == rows[("no_hit", "products")]["with_hits"] == 0
    assert set(result["targets"]) >= {"p99_ms", "index_build_s", "worst_p99_ms", "p99_met", "index_build_met"}


def test_seeded_names_are_searchable_by_name_and_pinyin(benchmark_database):
    search.run(stores=20, products=200, per_kind=1)
    store = Store.objects.filter(subject__name__startswith=search.SUBJECT_PREFIX).order_by("pk").first()
    assert selectors.search(store.name).items[0].title == store.name
    spelled = "".join(lazy_pinyin(store.name))
    assert store.name in [r.title for r in selectors.search(spelled, limit=50).items]
    product = Product.objects.filter(store=store).first() or Product.objects.first()
    found = selectors.search(product.title[:2], tab="products", limit=50)
    assert found.items


def test_the_command_prints_only_json_on_stdout(benchmark_database):
    out = io.StringIO()
    call_command(
        "bench", "search", "--stores", "20", "--products", "200", "--queries", "2", "--json", stdout=out
    )
    result = json.loads(out.getvalue())
    assert result["scenario"] == "search" and result["database"] in ("sqlite", "postgresql")
    assert result["scale"] == {"stores": 20, "products": 200}
    assert len(result["kinds"]) == len(search.KINDS)
