"""The reviews pages: they render, submit, show refusals in place, and cost a fixed number of queries."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from xiaodian.catalog.models import Product
from xiaodian.orders.models import Order
from xiaodian.reviews import services
from xiaodian.reviews.models import FollowUp, Reply, Review

from .conftest import not_an_image, png

HTMX = {"HX-Request": "true"}


def text(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def block(response, element_id: str) -> str:
    """The text of the element with this id, up to the first closing tag of the same name."""
    html = response.content.decode()
    match = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no #{element_id} on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(2))).strip()


def form_url(line) -> str:
    return reverse("reviews:review_form", args=[line.order_id, line.pk])


def post_review(buyer, line, rating=5, **kwargs):
    return services.create_review(
        buyer=buyer, order_id=line.order_id, line_id=line.pk, rating=rating, **kwargs
    )


@pytest.fixture
def buyer_client(signed_in, buyer):
    return signed_in(buyer)


@pytest.fixture
def merchant_client(signed_in, merchant):
    return signed_in(merchant)


# ------------------------------------------------------------------------------ the order page


def test_the_order_page_links_each_received_line_to_its_review_form(
    buyer_client, merchant_client, store, make_sku, received
):
    order = received(make_sku(store, title="T恤"), make_sku(store, title="衬衫"))
    html = buyer_client.get(reverse("orders:order_detail", args=[order.pk])).content.decode()
    for line in order.lines.all():
        assert f'href="{form_url(line)}"' in html
    staff_html = merchant_client.get(reverse("orders:order_detail", args=[order.pk])).content.decode()
    assert "/review/" not in staff_html  # the store's staff do not review


def test_an_order_not_received_has_no_review_link(buyer_client, store, make_sku, place):
    order = place(make_sku(store), 1).orders.get()
    assert (
        "/review/" not in buyer_client.get(reverse("orders:order_detail", args=[order.pk])).content.decode()
    )


# --------------------------------------------------------------------------------- review form


def test_the_review_form_renders_stars_text_and_images(buyer_client, line):
    r = buyer_client.get(form_url(line))
    assert r.status_code == 200
    html = r.content.decode()
    assert html.count('type="radio" name="rating"') == 5
    assert (
        'enctype="multipart/form-data"' in html
        and 'type="file" name="images"' in html
        and " multiple" in html
    )
    assert "纯棉T恤" in block(r, f"line-{line.pk}")


def test_submitting_a_review_goes_back_to_the_order(buyer_client, line):
    r = buyer_client.post(form_url(line), {"rating": "4", "text": "很舒服", "images": [png(), png()]})
    assert r.status_code == 302
    assert r["Location"] == reverse("orders:order_detail", args=[line.order_id]) + f"#line-{line.pk}"
    made = Review.objects.get()
    assert (made.rating, made.text, made.images.count()) == (4, "很舒服", 2)
    page = buyer_client.get(r["Location"])
    assert "评价已发布" in text(page)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"text": "没选星"}, "rating", "请选择评分"),
        ({"rating": "5", "text": "加微信 abc_12345 领红包"}, "text", "不能包含手机号"),
        ({"rating": "5", "images": [png() for _ in range(10)]}, "images", "最多上传 9 张图片"),
        ({"rating": "5", "images": [png(), not_an_image()]}, "images", "第 2 张图片"),
        ({"rating": "9"}, "rating", ""),
    ],
)
def test_refusals_are_shown_next_to_their_field(buyer_client, line, data, field, message):
    r = buyer_client.post(form_url(line), data)
    assert r.status_code == 422
    assert message in block(r, f"field-{field}")
    assert 'class="errors"' in r.content.decode()
    assert not Review.objects.exists()


def test_the_typed_text_is_kept_after_a_refusal(buyer_client, line):
    r = buyer_client.post(form_url(line), {"text": "写了一半"})
    assert "写了一半" in r.content.decode()


def test_a_line_not_received_says_so_instead_of_the_form(buyer_client, line):
    Order.objects.filter(pk=line.order_id).update(status=30)
    r = buyer_client.get(form_url(line))
    assert r.status_code == 200
    assert "确认收货后才能评价" in block(r, "refusal")
    assert 'id="review-form"' not in r.content.decode()
    r = buyer_client.post(form_url(line), {"rating": "5"})
    assert r.status_code == 409 and not Review.objects.exists()


def test_a_reviewed_line_goes_to_its_follow_up_page(buyer_client, buyer, line):
    made = post_review(buyer, line)
    r = buyer_client.get(form_url(line))
    assert r.status_code == 302 and r["Location"] == reverse("reviews:follow_up_form", args=[made.pk])


def test_strangers_get_404_and_signed_out_visitors_sign_in(signed_in, make_user, merchant, line):
    for who in (make_user(), merchant):
        assert signed_in(who).get(form_url(line)).status_code == 404
        assert signed_in(who).post(form_url(line), {"rating": "5"}).status_code == 404
    assert Client().get(form_url(line)).status_code == 302
    assert signed_in(make_user()).get(f"/orders/{2**63}/lines/1/review/").status_code == 404


# ------------------------------------------------------------------------------- follow-up page


def test_the_follow_up_page_shows_the_review_and_takes_one_follow_up(buyer_client, buyer, line):
    made = post_review(buyer, line, rating=3, text="一般般", images=[png()])
    url = reverse("reviews:follow_up_form", args=[made.pk])
    r = buyer_client.get(url)
    assert r.status_code == 200
    assert "一般般" in block(r, "my-review") and 'id="follow-up-form"' in r.content.decode()
    r = buyer_client.post(url, {"text": "洗了两次没褪色", "images": [png()]})
    assert r.status_code == 302 and r["Location"] == url
    r = buyer_client.get(url)
    assert "洗了两次没褪色" in block(r, f"review-{made.pk}")
    assert 'id="follow-up-form"' not in r.content.decode()
    assert FollowUp.objects.get().review_id == made.pk
    r = buyer_client.post(url, {"text": "第二次"})
    assert r.status_code == 409 and "已经追评过" in block(r, "refusal")


def test_follow_up_refusals_are_shown_in_place(buyer_client, buyer, line):
    made = post_review(buyer, line)
    url = reverse("reviews:follow_up_form", args=[made.pk])
    r = buyer_client.post(url, {"text": "电话 13912345678"})
    assert r.status_code == 422 and "不能包含手机号" in block(r, "field-text")
    r = buyer_client.post(url, {"text": ""})
    assert r.status_code == 422 and block(r, "field-text")
    assert not FollowUp.objects.exists()


def test_someone_elses_review_has_no_follow_up_page(signed_in, make_user, buyer, line):
    made = post_review(buyer, line)
    assert signed_in(make_user()).get(reverse("reviews:follow_up_form", args=[made.pk])).status_code == 404


# ------------------------------------------------------------------------------------ the store


def test_the_store_lists_its_reviews_filtered_by_rating(merchant_client, buyer, store, make_sku, received):
    sku = make_sku(store, stock=100, title="帆布包")
    five, one = (received(sku).lines.get() for _ in range(2))
    good = post_review(buyer, five, rating=5, text="很能装")
    bad = post_review(buyer, one, rating=1, text="拉链坏了")
    url = reverse("reviews:store_reviews", args=[store.pk])
    r = merchant_client.get(url)
    assert r.status_code == 200
    assert "全部 2" in block(r, "rating-tabs") and "非常不满意 1" in block(r, "rating-tabs")
    assert "很能装" in text(r) and "拉链坏了" in text(r) and "帆布包" in block(r, f"review-{bad.pk}")
    r = merchant_client.get(url, {"rating": 1})
    assert "拉链坏了" in text(r) and f'id="review-{good.pk}"' not in r.content.decode()
    assert f'action="{reverse("reviews:reply_form", args=[bad.pk])}"' in r.content.decode()


def test_staff_without_customer_service_see_the_list_without_reply_forms(
    signed_in, store_operator, buyer, store, line
):
    post_review(buyer, line)
    r = signed_in(store_operator).get(reverse("reviews:store_reviews", args=[store.pk]))
    assert r.status_code == 200 and "/reply/" not in r.content.decode()


def test_the_store_list_is_for_the_stores_staff(signed_in, stranger, store):
    assert signed_in(stranger).get(reverse("reviews:store_reviews", args=[store.pk])).status_code == 404


def test_reply_from_the_reply_page(merchant_client, buyer, store, line):
    made = post_review(buyer, line, rating=2, text="偏小")
    url = reverse("reviews:reply_form", args=[made.pk])
    r = merchant_client.get(url)
    assert (
        r.status_code == 200 and "偏小" in block(r, "the-review") and 'id="reply-form"' in r.content.decode()
    )
    r = merchant_client.post(url, {"text": "可以联系客服换大一码"})
    assert r.status_code == 302
    assert r["Location"] == reverse("reviews:store_reviews", args=[store.pk]) + f"#review-{made.pk}"
    assert Reply.objects.get().text == "可以联系客服换大一码"
    page = merchant_client.get(r["Location"])
    assert "可以联系客服换大一码" in block(page, f"review-{made.pk}")
    r = merchant_client.post(url, {"text": "再回一次"})
    assert r.status_code == 409 and "已经回复过" in block(r, "refusal")


def test_reply_refusals_in_place_and_who_may_reply(
    signed_in, merchant_client, store_operator, stranger, buyer, line
):
    made = post_review(buyer, line)
    url = reverse("reviews:reply_form", args=[made.pk])
    r = merchant_client.post(url, {"text": "加我 QQ 12345678"})
    assert r.status_code == 422 and "不能包含手机号" in block(r, "field-text")
    assert signed_in(store_operator).get(url).status_code == 403
    assert signed_in(stranger).get(url).status_code == 404
    assert signed_in(buyer).post(url, {"text": "我也回"}).status_code == 404
    assert not Reply.objects.exists()


# ---------------------------------------------------------------------------- the product page


def test_the_product_page_loads_the_reviews_block_with_htmx(client, line):
    html = client.get(reverse("catalog:product", args=[line.product_id])).content.decode()
    url = reverse("reviews:product_reviews", args=[line.product_id])
    assert re.search(rf'<section[^>]*id="reviews"[^>]*hx-get="{url}"[^>]*hx-trigger="load"', html)


def test_the_reviews_block_shows_the_summary_and_the_reviews(client, buyer, merchant, line):
    made = post_review(buyer, line, rating=4, text="料子厚实", images=[png()])
    services.add_follow_up(buyer=buyer, review_id=made.pk, text="越穿越软")
    services.reply_to_review(staff=merchant, review_id=made.pk, text="感谢认可")
    r = client.get(reverse("reviews:product_reviews", args=[line.product_id]), headers=HTMX)
    assert r.status_code == 200
    html = r.content.decode()
    assert html.lstrip().startswith('<div id="reviews-block">') and "<html" not in html
    assert "4.00" in block(r, "rating-summary") and "1 条评价" in block(r, "rating-summary")
    review = block(r, f"review-{made.pk}")
    for part in ("b***", "★★★★☆", "料子厚实", "颜色：白", "越穿越软", "感谢认可"):
        assert part in review
    assert "/media/reviews/" in html


def test_a_product_without_reviews_says_so(client, store, make_sku):
    r = client.get(reverse("reviews:product_reviews", args=[make_sku(store).product_id]), headers=HTMX)
    assert "还没有评价" in block(r, "no-reviews")


def test_more_reviews_load_in_batches(client, buyer, store, make_sku, received):
    sku = make_sku(store, stock=100)
    for n in range(12):
        post_review(buyer, received(sku).lines.get(), rating=5, text=f"第{n}条")
    url = reverse("reviews:product_reviews", args=[sku.product_id])
    first = client.get(url, headers=HTMX).content.decode()
    assert first.count('class="review"') == 10 and f'hx-get="{url}?offset=10"' in first
    more = client.get(url, {"offset": 10}, headers=HTMX).content.decode()
    assert more.count('class="review"') == 2 and "offset=" not in more and 'id="reviews-block"' not in more
    page = client.get(url)  # without htmx: a page of its own
    assert page.status_code == 200 and "<html" in page.content.decode() and "下一页" in text(page)


def test_the_rating_filter_of_the_block(client, buyer, store, make_sku, received):
    sku = make_sku(store, stock=100)
    post_review(buyer, received(sku).lines.get(), rating=5, text="五星")
    post_review(buyer, received(sku).lines.get(), rating=1, text="一星")
    url = reverse("reviews:product_reviews", args=[sku.product_id])
    r = client.get(url, {"rating": 1}, headers=HTMX)
    assert "一星" in text(r) and "五星" not in text(r)
    assert client.get(url, {"rating": "x"}, headers=HTMX).status_code == 200


def test_reviews_of_a_hidden_product_are_not_found(client, signed_in, merchant, line):
    Product.objects.filter(pk=line.product_id).update(state="draft")
    url = reverse("reviews:product_reviews", args=[line.product_id])
    assert client.get(url, headers=HTMX).status_code == 404
    assert signed_in(merchant).get(url, headers=HTMX).status_code == 200


# ---------------------------------------------------------------------------------- query budgets


def test_the_reviews_block_costs_a_fixed_number_of_queries(
    client, buyer, merchant, store, make_sku, received, django_assert_max_num_queries
):
    sku = make_sku(store, stock=100)
    url = reverse("reviews:product_reviews", args=[sku.product_id])
    post_review(buyer, received(sku).lines.get(), rating=5, images=[png()])
    with django_assert_max_num_queries(4) as first:  # product, summary, reviews (joined), images
        client.get(url, headers=HTMX)
    for _ in range(6):
        made = post_review(buyer, received(sku).lines.get(), rating=2, images=[png(), png()])
        services.add_follow_up(buyer=buyer, review_id=made.pk, text="追评", images=[png()])
        services.reply_to_review(staff=merchant, review_id=made.pk, text="谢谢")
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(url, headers=HTMX).content.decode().count('class="review"') == 7


def test_the_store_list_costs_a_fixed_number_of_queries(
    merchant_client, buyer, merchant, store, make_sku, received, django_assert_max_num_queries
):
    sku = make_sku(store, stock=100)
    url = reverse("reviews:store_reviews", args=[store.pk])
    post_review(buyer, received(sku).lines.get(), rating=5, images=[png()])
    # session, user, role, the menu's store roles (issue 17), summary, reviews, images
    with django_assert_max_num_queries(7) as first:
        merchant_client.get(url)
    for _ in range(5):
        made = post_review(buyer, received(make_sku(store)).lines.get(), rating=3, images=[png()])
        services.add_follow_up(buyer=buyer, review_id=made.pk, text="追评")
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert merchant_client.get(url).status_code == 200


# ------------------------------------------------------------------------------------- language


def test_the_pages_come_in_english_too(buyer_client, buyer, line):
    buyer_client.post(reverse("set_language"), {"language": "en"})
    r = buyer_client.get(form_url(line))
    assert "Post review" in text(r) and "Excellent" in text(r)
    r = buyer_client.post(form_url(line), {"rating": "5", "text": "call 13800138000"})
    assert "phone numbers" in block(r, "field-text")
