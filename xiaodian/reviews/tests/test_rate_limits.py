"""Posting reviews, follow-ups and store replies is rate-limited per user, one count for the three
(rules.REVIEW_POST_PER_USER), over the API and the pages: past it, 429 `rate_limited` with
`Retry-After`, and nothing is saved."""

from django.urls import reverse

from xiaodian.reviews import rules, services
from xiaodian.reviews.models import Review


def _assert_rate_limited(r) -> None:
    assert r.status_code == 429 and 1 <= int(r["Retry-After"]) <= 3600


def _review(buyer, line) -> Review:
    return services.create_review(buyer=buyer, order_id=line.order_id, line_id=line.pk, rating=4, text="不错")


def test_api_review_over_the_limit(api_for, buyer, line, use_up):
    use_up(rules.REVIEW_POST_PER_USER, buyer.pk)
    r = api_for(buyer).post(f"/orders/{line.order_id}/lines/{line.pk}/review", {"rating": 5, "text": "很好"})
    _assert_rate_limited(r)
    assert r.json()["code"] == "rate_limited" and not Review.objects.exists()


def test_api_follow_up_and_reply_over_the_limit(api_for, buyer, agent, line, use_up):
    review = _review(buyer, line)
    use_up(rules.REVIEW_POST_PER_USER, buyer.pk)
    use_up(rules.REVIEW_POST_PER_USER, agent.pk)
    _assert_rate_limited(api_for(buyer).post(f"/reviews/{review.pk}/follow-up", {"text": "用了一周还不错"}))
    _assert_rate_limited(api_for(agent).post(f"/reviews/{review.pk}/reply", {"text": "谢谢支持"}))
    review = Review.objects.get(pk=review.pk)
    assert review.follow_up_or_none is None and review.reply_or_none is None


def test_pages_over_the_limit(signed_in, buyer, agent, line, use_up):
    use_up(rules.REVIEW_POST_PER_USER, buyer.pk)
    use_up(rules.REVIEW_POST_PER_USER, agent.pk)
    url = reverse("reviews:review_form", args=[line.order_id, line.pk])
    _assert_rate_limited(signed_in(buyer).post(url, {"rating": "5", "text": "很好"}))
    assert not Review.objects.exists()
    review = _review(buyer, line)
    follow_up = reverse("reviews:follow_up_form", args=[review.pk])
    _assert_rate_limited(signed_in(buyer).post(follow_up, {"text": "用了一周还不错"}))
    reply = reverse("reviews:reply_form", args=[review.pk])
    _assert_rate_limited(signed_in(agent).post(reply, {"text": "谢谢支持"}))
