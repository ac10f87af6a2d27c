"""Issue 17 point 4, at the service and selector level: photos with a new product, no listing
without a photo, bulk price and stock changes, the merchant list's search and filters, and the
store page's in-store categories."""

import threading

import pytest
from django.core.files.storage import default_storage
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiaodian.catalog import events, rules, selectors, services
from xiaodian.catalog.models import SKU, Product, ProductImage
from xiaodian.catalog.rules import ProductState
from xiaodian.core import events as core_events
from xiaodian.core.errors import DomainError
from xiaodian.stores import selectors as store_selectors

from .conftest import image_bytes, upload


def refused(code: str, call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value
    return caught.value


def prices_and_stock(product) -> list[tuple[int, int]]:
    return list(
        SKU.objects.filter(product=product, is_active=True).order_by("pk").values_list("price_fen", "stock")
    )


# ---------------------------------------------------------------------------------------- photos


def test_a_new_product_keeps_its_photos_in_the_order_given(make_product, paid_store, categories):
    product = services.create_product(
        store=paid_store,
        category_id=categories["女装"].pk,
        title="亚麻衬衫",
        skus=[{"specs": {}, "price_fen": 9900, "stock": 3}],
        images=[upload(image_bytes((40, 30))), upload(image_bytes((20, 50), "JPEG"), "b.jpg", "image/jpeg")],
    )
    images = list(ProductImage.objects.filter(product=product))
    assert [(i.width, i.height, i.position) for i in images] == [(40, 30, 0), (20, 50, 1)]
    assert all(default_storage.exists(i.image.name) for i in images)


def test_a_bad_photo_refuses_the_whole_product_and_leaves_no_file(paid_store, categories):
    before = set(default_storage.listdir("products")[0]) if default_storage.exists("products") else set()
    error = refused(
        "image_invalid",
        services.create_product,
        store=paid_store,
        category_id=categories["女装"].pk,
        title="亚麻衬衫",
        skus=[{"specs": {}, "price_fen": 9900, "stock": 3}],
        images=[upload(), upload(b"not an image")],
    )
    assert error.field == "images.1" and "第 2 张图片" in error.message
    assert not Product.objects.exists() and not ProductImage.objects.exists()
    after = set(default_storage.listdir("products")[0]) if default_storage.exists("products") else set()
    assert after == before


def test_too_many_photos_are_refused(paid_store, categories, monkeypatch):
    monkeypatch.setattr(rules, "IMAGES_MAX", 2)
    refused(
        "validation_error",
        services.create_product,
        store=paid_store,
        category_id=categories["女装"].pk,
        title="亚麻衬衫",
        skus=[{"specs": {}, "price_fen": 9900, "stock": 3}],
        images=[upload() for _ in range(3)],
    )
    assert not Product.objects.exists()


def test_a_product_without_a_photo_cannot_be_listed(bare_product):
    error = refused("listing_needs_image", services.list_product, product=bare_product)
    assert error.field == "images"
    assert Product.objects.get(pk=bare_product.pk).state == ProductState.DRAFT
    services.add_product_image(product=bare_product, upload=upload())
    assert services.list_product(product=bare_product).state == ProductState.LISTED


def test_a_listed_product_keeps_its_last_photo(listed_product):
    image = ProductImage.objects.get(product=listed_product)
    refused("listing_needs_image", services.remove_product_image, product=listed_product, image_id=image.pk)
    assert ProductImage.objects.filter(pk=image.pk).exists()
    second = services.add_product_image(product=listed_product, upload=upload())
    services.remove_product_image(product=listed_product, image_id=image.pk)  # one is left
    refused("listing_needs_image", services.remove_product_image, product=listed_product, image_id=second.pk)
    services.delist_product(product=listed_product)
    services.remove_product_image(product=listed_product, image_id=second.pk)  # delisted: it may go
    assert not ProductImage.objects.filter(product=listed_product).exists()


# ----------------------------------------------------------------------------------- bulk changes


@pytest.fixture
def three(make_product, paid_store):
    """Three products of the paid store: 红/M 99.00 ×5 and 蓝/L 129.00 ×0 each."""
    return [make_product(paid_store, title=f"商品{n}") for n in range(3)]


def test_setting_a_price_changes_every_active_sku_of_the_chosen_products(three):
    first, second, third = three
    SKU.objects.filter(product=first, specs__颜色="蓝").update(is_active=False)  # retired: left alone
    done = services.bulk_change_skus(store=first.store, product_ids=[first.pk, second.pk], price_fen=5900)
    assert (done.products, done.skus) == (2, 3)
    assert prices_and_stock(first) == [(5900, 5)]
    assert prices_and_stock(second) == [(5900, 5), (5900, 0)]
    assert prices_and_stock(third) == [(9900, 5), (12900, 0)]
    assert SKU.objects.get(product=first, specs__颜色="蓝").price_fen == 12900


def test_adjusting_prices_and_stock_adds_to_each(three):
    first, second, _ = three
    services.bulk_change_skus(
        store=first.store, product_ids=[first.pk, second.pk], price_change_fen=-900, stock_change=10
    )
    assert prices_and_stock(first) == prices_and_stock(second) == [(9000, 15), (12000, 10)]
    services.bulk_change_skus(store=first.store, product_ids=[first.pk], stock=7)
    assert prices_and_stock(first) == [(9000, 7), (12000, 7)]


def test_an_adjustment_out_of_range_changes_nothing_and_names_the_product(three):
    first, second, _ = three
    before = [prices_and_stock(p) for p in three]
    error = refused(
        "bulk_change_out_of_range",
        services.bulk_change_skus,
        store=first.store,
        product_ids=[first.pk, second.pk],
        price_change_fen=-1000,  # fine on its own
        stock_change=-3,  # but 蓝/L has 0 units
    )
    assert error.field == "stock_change" and "商品0" in error.message
    assert [prices_and_stock(p) for p in three] == before  # the price change was undone too
    error = refused(
        "bulk_change_out_of_range",
        services.bulk_change_skus,
        store=first.store,
        product_ids=[second.pk],
        price_change_fen=rules.PRICE_MAX_FEN - 10_000,
    )
    assert error.field == "price_change_fen" and "商品1" in error.message
    assert [prices_and_stock(p) for p in three] == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "price_fen"),
        ({"price_fen": 100, "price_change_fen": 100}, "price_change_fen"),
        ({"stock": 1, "stock_change": 1}, "stock_change"),
        ({"price_fen": 0}, "price_fen"),
        ({"price_fen": rules.PRICE_MAX_FEN + 1}, "price_fen"),
        ({"stock": -1}, "stock"),
        ({"stock_change": 0}, "stock_change"),
        ({"price_fen": True}, "price_fen"),
    ],
)
def test_what_a_bulk_change_refuses(three, kwargs, field):
    error = refused(
        "validation_error",
        services.bulk_change_skus,
        store=three[0].store,
        product_ids=[three[0].pk],
        **kwargs,
    )
    assert error.field == field


def test_bulk_changes_touch_only_the_stores_own_editable_products(
    three, make_product, make_user, make_subject, make_store, operator, monkeypatch
):
    store = three[0].store
    other = make_user("other")
    theirs = make_product(make_store(other, make_subject(other), name="别人的店"), category="图书")
    error = refused(
        "not_found", services.bulk_change_skus, store=store, product_ids=[three[0].pk, theirs.pk], stock=1
    )
    assert error.field == "product_ids.1"
    services.ban_product(operator=operator, product=three[1])
    error = refused(
        "invalid_transition", services.bulk_change_skus, store=store, product_ids=[three[1].pk], stock=1
    )
    assert "商品1" in error.message
    refused("validation_error", services.bulk_change_skus, store=store, product_ids=[], stock=1)
    monkeypatch.setattr(rules, "BULK_PRODUCTS_MAX", 2)
    refused(
        "validation_error", services.bulk_change_skus, store=store, product_ids=[p.pk for p in three], stock=1
    )
    assert prices_and_stock(three[0]) == [(9900, 5), (12900, 0)]
    assert prices_and_stock(theirs) == [(9900, 5), (12900, 0)]


def test_a_bulk_change_tells_search_once_for_all_its_products(three):
    """The durable event the search index follows, recorded in the change's transaction."""
    before = set(core_events.pending(events.product_changed).values_list("pk", flat=True))
    services.bulk_change_skus(store=three[0].store, product_ids=[three[2].pk, three[0].pk], price_fen=100)
    new = core_events.pending(events.product_changed).exclude(pk__in=before)
    payloads = [row.args_kwargs["args"][2] for row in new]
    assert payloads and all(p == {"product_ids": [three[2].pk, three[0].pk]} for p in payloads)


# --------------------------------------------------------------------------- the merchant's list


def titles(store, **filters) -> list[str]:
    return [p.title for p in selectors.products_of_store(store, filters=selectors.ProductFilters(**filters))]


def test_the_list_searches_titles_and_filters_by_state_category_and_low_stock(
    make_product, paid_store, store
):
    make_product(paid_store, title="亚麻衬衫", rows=(("红", "M", 9900, 50),))
    make_product(paid_store, title="棉麻衬衫", rows=(("红", "M", 9900, 4), ("蓝", "M", 9900, 6)), listed=True)
    make_product(paid_store, title="设计之书", category="图书", rows=(("红", "M", 9900, 0),))
    assert titles(paid_store, q="衬衫") == ["棉麻衬衫", "亚麻衬衫"]
    assert titles(paid_store, q="  ") == titles(paid_store)
    assert titles(paid_store, state="listed") == ["棉麻衬衫"]
    book = Product.objects.get(title="设计之书").category_id
    assert titles(paid_store, category_id=book) == ["设计之书"]
    assert titles(paid_store, low_stock=True) == ["设计之书", "棉麻衬衫"]  # 0 and 10 units: at most LOW_STOCK
    assert titles(paid_store, q="衬衫", low_stock=True, state="listed") == ["棉麻衬衫"]
    counts = selectors.state_counts(paid_store, selectors.ProductFilters(q="衬衫"))
    assert (counts["draft"], counts["listed"]) == (1, 1)
    assert [name for _id, name in selectors.store_product_categories(paid_store)] == ["图书", "女装"]


# --------------------------------------------------------------------------- in-store categories


def test_the_store_page_shows_its_categories_and_each_ones_products(make_product, paid_store):
    shirt = make_product(paid_store, title="亚麻衬衫", listed=True)
    make_product(paid_store, title="棉麻衬衫", listed=True)
    book = make_product(paid_store, title="设计之书", category="图书", listed=True)
    make_product(paid_store, title="草稿之书", category="图书")  # a draft is not on the page
    page = store_selectors.shop_page(paid_store.pk)
    assert [(c["name"], c["count"]) for c in page.categories] == [("女装", 2), ("图书", 1)]
    assert page.category is None
    page = store_selectors.shop_page(paid_store.pk, category_id=book.category_id)
    assert page.category["name"] == "图书"
    assert [[p.title for p in m.products] for m in page.modules] == [["设计之书"]]
    page = store_selectors.shop_page(paid_store.pk, category_id=987654)  # not one of the store's
    assert page.category is None and shirt.title in [p.title for m in page.modules for p in m.products]


# --------------------------------------------------------------------- bulk changes: properties


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    changes=st.lists(
        st.tuples(
            st.lists(st.integers(0, 2), min_size=1, max_size=3, unique=True),
            st.sampled_from(["stock_change", "price_change_fen"]),
            st.integers(-8, 8).filter(bool),
        ),
        max_size=12,
    )
)
def test_bulk_adjustments_are_all_or_nothing_and_never_leave_the_range(three, changes):
    """Random adjustments of random products: each either changes every active SKU of its products
    by exactly its amount or, when any SKU would leave its range, changes nothing at all."""
    ids = [p.pk for p in three]
    for n, product in enumerate(three):  # every example starts from the same prices and stock
        SKU.objects.filter(product=product).update(stock=n, price_fen=5 + n)
    expected = {pk: (5 + n, n) for n, pk in enumerate(ids)}  # product → (price, stock) of each SKU
    for chosen, field, amount in changes:
        product_ids = [ids[i] for i in chosen]
        slot = 0 if field == "price_change_fen" else 1
        fits = all(expected[pk][slot] + amount >= (1 if slot == 0 else 0) for pk in product_ids)
        if fits:
            services.bulk_change_skus(store=three[0].store, product_ids=product_ids, **{field: amount})
            for pk in product_ids:
                values = list(expected[pk])
                values[slot] += amount
                expected[pk] = (values[0], values[1])
        else:
            refused(
                "bulk_change_out_of_range",
                services.bulk_change_skus,
                store=three[0].store,
                product_ids=product_ids,
                **{field: amount},
            )
        for pk in ids:
            assert set(SKU.objects.filter(product_id=pk).values_list("price_fen", "stock")) == {expected[pk]}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bulk_stock_changes_racing_checkouts_neither_deadlock_nor_lose_units(make_product, paid_store):
    """4 bulk "−1 on every SKU of three products" and 4 checkouts taking one unit of a SKU of each
    product (in primary-key order, as orders do) race: no deadlock, no negative stock, and every
    unit is accounted for."""
    if connection.vendor != "postgresql":
        pytest.skip("the threaded race needs PostgreSQL (SQLite serialises every writer)")
    products = [
        make_product(paid_store, title=f"商品{n}", rows=(("红", "M", 9900, 20), ("蓝", "L", 9900, 20)))
        for n in range(3)
    ]
    ids = [p.pk for p in products]
    reds = sorted(SKU.objects.filter(product__in=products, specs__颜色="红").values_list("pk", flat=True))
    barrier = threading.Barrier(8)
    results: list[str] = []

    def bulk() -> None:
        services.bulk_change_skus(store=paid_store, product_ids=ids, stock_change=-1)

    def checkout() -> None:
        with transaction.atomic():
            services.take_stock([(pk, 1) for pk in reds])

    def race(work) -> None:
        barrier.wait()
        try:
            work()
            results.append(work.__name__)
        except Exception as exc:  # a deadlock would land here
            results.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(work,)) for work in [bulk, checkout] * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["bulk"] * 4 + ["checkout"] * 4
    stock = dict(SKU.objects.filter(product__in=products).values_list("pk", "stock"))
    assert all(stock[pk] == 20 - 4 - 4 for pk in reds)
    assert all(n == 20 - 4 for pk, n in stock.items() if pk not in reds)
