"""Reads: the rating summary, the lists, who sees a review, the store score's input, query budgets."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from xiaodian.catalog.models import Product
from xiaodian.core.clock import travel_to
from xiaodian.core.errors import DomainError
from xiaodian.reviews import selectors, services

from .conftest import png


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


def rate(buyer, line, rating, **kwargs):
    return services.create_review(
        buyer=buyer, order_id=line.order_id, line_id=line.pk, rating=rating, **kwargs
    )


@pytest.fixture
def product_lines(buyer, store, make_sku, received):
    """Lines of one product, each in its own received order: product_lines(3)."""
    sku = make_sku(store, stock=100)

    def make(n: int):
        return [received(sku).lines.get() for _ in range(n)]

    return make


# -------------------------------------------------------------------------------------- summary


@pytest.mark.parametrize(
    ("ratings", "average"),
    [
        ([5, 4, 4], Decimal("4.33")),
        ([5, 4], Decimal("4.50")),
        ([1, 2, 2], Decimal("1.67")),
        ([3], Decimal("3.00")),
    ],
)
def test_the_summary_counts_and_averages_to_two_decimals(buyer, product_lines, ratings, average):
    lines = product_lines(len(ratings))
    for line, rating in zip(lines, ratings, strict=True):
        rate(buyer, line, rating)
    summary = selectors.rating_summary(lines[0].product_id)
    assert summary.count == len(ratings)
    assert summary.average == average
    assert dict(summary.stars) == {r: ratings.count(r) for r in (1, 2, 3, 4, 5)}
    assert [r for r, _n in summary.stars] == [5, 4, 3, 2, 1]


def test_a_product_without_reviews_has_no_average(store, make_sku):
    summary = selectors.rating_summary(make_sku(store).product_id)
    assert (summary.count, summary.average, dict(summary.stars)) == (0, None, dict.fromkeys(range(1, 6), 0))
    assert [bar["percent"] for bar in summary.bars] == [0] * 5


def test_the_list_is_newest_first_with_follow_up_and_reply(buyer, merchant, product_lines):
    lines = product_lines(3)
    with travel_to(at(1)):
        old = rate(buyer, lines[0], 5, text="第一")
    with travel_to(at(3)):
        new = rate(buyer, lines[1], 3, text="第三")
    with travel_to(at(2)):
        middle = rate(buyer, lines[2], 4, text="第二")
    services.add_follow_up(buyer=buyer, review_id=old.pk, text="追评")
    services.reply_to_review(staff=merchant, review_id=old.pk, text="谢谢")
    reviews = list(selectors.product_reviews(lines[0].product_id))
    assert [r.pk for r in reviews] == [new.pk, middle.pk, old.pk]
    assert reviews[2].follow_up_or_none.text == "追评" and reviews[2].reply_or_none.text == "谢谢"
    assert reviews[0].follow_up_or_none is None and reviews[0].reply_or_none is None
    assert [r.pk for r in selectors.product_reviews(lines[0].product_id, rating=4)] == [middle.pk]


def test_the_product_list_and_summary_cost_a_fixed_number_of_queries(
    buyer, merchant, product_lines, django_assert_num_queries
):
    lines = product_lines(6)
    product_id = lines[0].product_id

    def read():
        selectors.rating_summary(product_id)
        return [
            (r.review_images, r.follow_up_images, r.follow_up_or_none, r.reply_or_none, r.buyer, r.line.specs)
            for r in selectors.product_reviews(product_id)[:10]
        ]

    rate(buyer, lines[0], 5)
    with django_assert_num_queries(3):  # summary, reviews (joined), images
        read()
    for n, line in enumerate(lines[1:], 1):
        made = rate(buyer, line, 1 + n % 5, text="好", images=[png(), png()])
        services.add_follow_up(buyer=buyer, review_id=made.pk, text="追", images=[png()])
        services.reply_to_review(staff=merchant, review_id=made.pk, text="谢谢")
    with django_assert_num_queries(3):
        read()


def test_the_masked_name_shows_one_character(make_user):
    assert selectors.masked_name(make_user("zhangsan")) == "z***"
    assert selectors.masked_name(make_user(display_name="王小明")) == "王***"


# ------------------------------------------------------------------------------- who sees what


def test_a_review_is_public_while_its_product_is(buyer, merchant, agent, line, make_user):
    made = rate(buyer, line, 5)
    for viewer in (None, AnonymousUser(), make_user(), buyer, merchant, agent):
        assert selectors.review_for(viewer, made.pk).pk == made.pk
    Product.objects.filter(pk=line.product_id).update(state="delisted")
    for viewer in (None, AnonymousUser(), make_user()):
        with pytest.raises(DomainError) as caught:
            selectors.review_for(viewer, made.pk)
        assert caught.value.code == "not_found"
    for viewer in (buyer, merchant, agent):  # its buyer and its store's staff still see it
        assert selectors.review_for(viewer, made.pk).pk == made.pk


def test_reviews_of_a_product_are_read_where_the_product_may_be_seen(line, merchant, make_user):
    assert selectors.visible_product(line.product_id, viewer=AnonymousUser()).pk == line.product_id
    Product.objects.filter(pk=line.product_id).update(state="draft")
    with pytest.raises(DomainError):
        selectors.visible_product(line.product_id, viewer=make_user())
    assert selectors.visible_product(line.product_id, viewer=merchant).pk == line.product_id


# -------------------------------------------------------------------------------- store score


def test_first_reviews_are_the_stores_reviewed_lines_in_the_window(
    buyer, store, other_store, make_sku, received
):
    """By hand: the window is [Jan 2, Jan 15). Store A's lines reviewed Jan 1 (before), Jan 5 ★5,
    Jan 6 ★2 (followed up later: still one first review), Jan 7 ★1, Jan 15 (the end: outside);
    store B's line on Jan 6 is another store's. So three reviewed lines, two of them negative."""
    sku = make_sku(store, stock=100)
    a = [received(sku).lines.get() for _ in range(5)]
    b = received(make_sku(other_store)).lines.get()
    for line, day, rating in zip(a, (1, 5, 6, 7, 15), (1, 5, 2, 1, 1), strict=True):
        with travel_to(at(day, hour=0)):
            rate(buyer, line, rating)
    with travel_to(at(6)):
        rate(buyer, b, 1)
    with travel_to(at(9)):
        services.add_follow_up(buyer=buyer, review_id=a[2].review.pk, text="其实还行")

    found = selectors.first_reviews(store.pk, since=at(2, hour=0), until=at(15, hour=0))

    assert [(r.line_id, r.rating, r.created_at) for r in found] == [
        (a[1].pk, 5, at(5, hour=0)),
        (a[2].pk, 2, at(6, hour=0)),
        (a[3].pk, 1, at(7, hour=0)),
    ]
    assert {(r.order_id, r.product_id) for r in found} == {(line.order_id, sku.product_id) for line in a[1:4]}
    assert [r.is_negative for r in found] == [False, True, True]
    assert sum(r.is_negative for r in found) / len(found) == pytest.approx(2 / 3)
    assert selectors.first_reviews(other_store.pk, since=at(2), until=at(15)) == [
        selectors.FirstReview(b.pk, b.order_id, b.product_id, 1, at(6))
    ]


def test_first_reviews_cost_one_query(buyer, store, line, django_assert_num_queries):
    rate(buyer, line, 2)
    with django_assert_num_queries(1):
        assert (
            len(selectors.first_reviews(store.pk, since=at(1), until=datetime(2100, 1, 1, tzinfo=UTC))) == 1
        )
