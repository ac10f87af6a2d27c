"""The review rules (docs/reviews.md), one test per rule, at the service level."""

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st

from xiaodian.core.errors import DomainError
from xiaodian.orders.models import Order
from xiaodian.orders.rules import Status
from xiaodian.reviews import rules, services, signals
from xiaodian.reviews.models import FollowUp, Reply, Review, ReviewImage

from .conftest import not_an_image, png, ship, succeed


def review(buyer, line, **kwargs):
    kwargs.setdefault("rating", 5)
    return services.create_review(buyer=buyer, order_id=line.order_id, line_id=line.pk, **kwargs)


def refused(code: str, call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value
    return caught.value


# --------------------------------------------------------------------------------------- review


def test_the_buyer_rates_a_received_line_with_text_and_images(
    buyer, line, store, django_capture_on_commit_callbacks
):
    heard = []

    def listen(sender, review, **kwargs):
        heard.append(review.pk)

    signals.review_posted.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            made = review(buyer, line, rating=4, text="  很好穿，颜色正  ", images=[png(), png(size=(8, 6))])
    finally:
        signals.review_posted.disconnect(listen)
    made.refresh_from_db()
    assert (made.rating, made.text, made.product_id, made.store_id, made.order_id) == (
        4,
        "很好穿，颜色正",
        line.product_id,
        store.pk,
        line.order_id,
    )
    images = list(made.images.all())
    assert [(i.part, i.width, i.height, i.position) for i in images] == [
        ("review", 4, 3, 0),
        ("review", 8, 6, 1),
    ]
    assert all(default_storage.exists(i.image.name) for i in images)
    assert heard == [made.pk]


def test_the_text_may_be_left_empty(buyer, line):
    assert review(buyer, line, rating=3).text == ""


@pytest.mark.parametrize(
    "status",
    [Status.UNPAID, Status.TO_SHIP, Status.SHIPPED, Status.CANCELLED_UNPAID, Status.CANCELLED_REFUNDED],
)
def test_only_a_received_line_can_be_reviewed(buyer, line, status):
    Order.objects.filter(pk=line.order_id).update(status=status)
    refused("review_not_allowed", review, buyer, line)
    assert not Review.objects.exists()


def test_a_line_on_its_way_is_refused_then_accepted_once_received(buyer, store, make_sku, place):
    checkout = place(make_sku(store), 1)
    succeed(checkout)
    order = checkout.orders.get()
    ship(store, order)
    refused("review_not_allowed", review, buyer, order.lines.get())
    from xiaodian.orders import services as orders

    orders.confirm_receipt(buyer=buyer, order_id=order.pk)
    assert review(buyer, order.lines.get()).pk


def test_someone_else_gets_not_found(line, make_user, merchant):
    for who in (make_user(), merchant):  # another buyer, even the store's owner
        refused("not_found", review, who, line)


def test_a_line_of_another_order_is_not_found(buyer, received):
    first, second = received(), received()
    line = first.lines.get()
    refused("not_found", services.create_review, buyer=buyer, order_id=second.pk, line_id=line.pk, rating=5)


def test_a_line_is_reviewed_once(buyer, line):
    review(buyer, line)
    refused("review_exists", review, buyer, line, rating=1)
    assert Review.objects.count() == 1


def test_once_per_line_is_a_database_constraint(buyer, line):
    first = review(buyer, line)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            line=line,
            order_id=first.order_id,
            product_id=first.product_id,
            store_id=first.store_id,
            buyer=buyer,
            rating=1,
            created_at=first.created_at,
        )


def test_each_line_of_an_order_has_its_own_review(buyer, store, make_sku, received):
    order = received(make_sku(store, title="T恤"), make_sku(store, title="衬衫"))
    lines = list(order.lines.all())
    assert [review(buyer, line_, rating=r).rating for line_, r in zip(lines, (5, 2), strict=True)] == [5, 2]


@pytest.mark.parametrize("rating", [0, 6, -1, 10**20, True, "5", 4.5, None])
def test_the_rating_is_a_whole_number_of_stars_from_1_to_5(buyer, line, rating):
    error = refused("validation_error", review, buyer, line, rating=rating)
    assert error.field == "rating"


@given(st.integers())
def test_check_rating_accepts_exactly_1_to_5(rating):
    if rules.RATING_MIN <= rating <= rules.RATING_MAX:
        assert services.check_rating(rating) == rating
    else:
        with pytest.raises(DomainError):
            services.check_rating(rating)


def test_the_rating_range_is_a_database_constraint(buyer, line):
    made = review(buyer, line)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.filter(pk=made.pk).update(rating=6)


def test_the_text_is_at_most_500_characters(buyer, line):
    error = refused("validation_error", review, buyer, line, text="好" * (rules.TEXT_MAX + 1))
    assert error.field == "text"
    assert len(review(buyer, line, text="好" * rules.TEXT_MAX).text) == rules.TEXT_MAX


@pytest.mark.parametrize(
    "text",
    [
        "有问题打我电话 13800138000",
        "加微信 shop_owner88 返现",
        "加v：abc12345",
        "qq 12345678",
        "联系 me@example.com",
        "去 www.example.com 买更便宜",
        "电话 1 3 8 0 0 1 3 8 0 0 0",
        "手机一三八零零一三八零零零",
    ],
)
def test_contact_details_in_the_text_are_refused(buyer, line, text):
    error = refused("contact_details_not_allowed", review, buyer, line, text=text)
    assert error.field == "text"
    assert not Review.objects.exists()


def test_unstorable_text_is_refused(buyer, line):
    assert refused("validation_error", review, buyer, line, text="a\x00b").field == "text"


def test_up_to_nine_images(buyer, line):
    error = refused("validation_error", review, buyer, line, images=[png() for _ in range(10)])
    assert error.field == "images"
    made = review(buyer, line, images=[png() for _ in range(rules.IMAGES_MAX)])
    assert made.images.count() == rules.IMAGES_MAX


def test_images_are_checked_like_product_images_and_a_bad_one_stores_nothing(buyer, line, settings):
    error = refused("image_invalid", review, buyer, line, images=[png(), not_an_image()])
    assert error.field == "images.1"
    assert "2" in error.message
    assert not Review.objects.exists() and not ReviewImage.objects.exists()
    assert not (settings.MEDIA_ROOT / "reviews").exists()
    too_wide = refused("image_invalid", review, buyer, line, images=[png(size=(6001, 1))])
    assert too_wide.field == "images.0"
    assert (
        review(buyer, line, images=[png(image_format="JPEG"), png(image_format="WEBP")]).images.count() == 2
    )


# ------------------------------------------------------------------------------------ follow-up


def test_the_buyer_adds_one_follow_up_after_the_review(buyer, line, django_capture_on_commit_callbacks):
    made = review(buyer, line, rating=2)
    with django_capture_on_commit_callbacks() as callbacks:
        follow_up = services.add_follow_up(
            buyer=buyer, review_id=made.pk, text=" 用了一个月，开线了 ", images=[png()]
        )
    assert len(callbacks) == 1
    assert follow_up.text == "用了一个月，开线了"
    made = Review.objects.get(pk=made.pk)
    assert [i.part for i in made.images.all()] == ["follow_up"]
    assert made.rating == 2  # a follow-up carries no rating
    error = refused(
        "follow_up_exists", services.add_follow_up, buyer=buyer, review_id=made.pk, text="再追一次"
    )
    assert error.status == 409
    assert FollowUp.objects.count() == 1


def test_a_follow_up_needs_a_review_of_ones_own(buyer, line, make_user):
    made = review(buyer, line)
    refused("not_found", services.add_follow_up, buyer=make_user(), review_id=made.pk, text="不是我的")
    refused("not_found", services.add_follow_up, buyer=buyer, review_id=made.pk + 1000, text="没有这条")


def test_a_follow_up_has_text_without_contact_details_and_up_to_nine_images(buyer, line):
    made = review(buyer, line)
    assert refused(
        "validation_error", services.add_follow_up, buyer=buyer, review_id=made.pk, text="  "
    ).field == ("text")
    refused(
        "contact_details_not_allowed",
        services.add_follow_up,
        buyer=buyer,
        review_id=made.pk,
        text="vx:abc12345",
    )
    refused(
        "validation_error",
        services.add_follow_up,
        buyer=buyer,
        review_id=made.pk,
        text="好",
        images=[png() for _ in range(10)],
    )
    refused(
        "image_invalid",
        services.add_follow_up,
        buyer=buyer,
        review_id=made.pk,
        text="好",
        images=[not_an_image()],
    )
    assert not FollowUp.objects.exists()


def test_one_follow_up_per_review_is_a_database_constraint(buyer, line):
    made = review(buyer, line)
    services.add_follow_up(buyer=buyer, review_id=made.pk, text="一")
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUp.objects.create(review=made, text="二", created_at=made.created_at)


# ---------------------------------------------------------------------------------------- reply


@pytest.mark.parametrize("who", ["merchant", "agent"])
def test_store_staff_with_customer_service_reply_once(
    request, who, buyer, line, django_capture_on_commit_callbacks
):
    staff = request.getfixturevalue(who)
    made = review(buyer, line, rating=1)
    with django_capture_on_commit_callbacks() as callbacks:
        reply = services.reply_to_review(staff=staff, review_id=made.pk, text=" 抱歉，已为您安排换货。 ")
    assert len(callbacks) == 1
    assert (reply.text, reply.author_id) == ("抱歉，已为您安排换货。", staff.pk)
    refused("reply_exists", services.reply_to_review, staff=staff, review_id=made.pk, text="再回一次")
    assert Reply.objects.count() == 1


def test_staff_without_customer_service_are_refused(buyer, line, store_operator):
    made = review(buyer, line)
    refused(
        "permission_denied", services.reply_to_review, staff=store_operator, review_id=made.pk, text="你好"
    )


def test_anyone_outside_the_store_gets_not_found(buyer, line, stranger):
    made = review(buyer, line)
    for who in (stranger, buyer):
        refused("not_found", services.reply_to_review, staff=who, review_id=made.pk, text="你好")
    refused("not_found", services.reply_to_review, staff=stranger, review_id=made.pk + 1000, text="你好")


def test_a_reply_has_text_without_contact_details(buyer, line, merchant):
    made = review(buyer, line)
    refused("validation_error", services.reply_to_review, staff=merchant, review_id=made.pk, text="")
    refused(
        "contact_details_not_allowed",
        services.reply_to_review,
        staff=merchant,
        review_id=made.pk,
        text="退换货请加微信 store_kefu01",
    )
    assert not Reply.objects.exists()


def test_one_reply_per_review_is_a_database_constraint(buyer, line, merchant):
    made = review(buyer, line)
    services.reply_to_review(staff=merchant, review_id=made.pk, text="谢谢")
    with pytest.raises(IntegrityError), transaction.atomic():
        Reply.objects.create(review=made, author=merchant, text="二", created_at=made.created_at)


def test_signed_out_writers_are_refused(line):
    from django.contrib.auth.models import AnonymousUser

    refused("unauthorized", review, AnonymousUser(), line)
    refused("unauthorized", services.add_follow_up, buyer=AnonymousUser(), review_id=1, text="好")
    refused("unauthorized", services.reply_to_review, staff=None, review_id=1, text="好")
