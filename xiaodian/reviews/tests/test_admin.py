"""Operators see reviews in the admin, read-only."""

import pytest
from django.urls import reverse

from xiaodian.reviews import services
from xiaodian.reviews.models import Review

from .conftest import png


@pytest.fixture
def ops_client(client, make_user):
    client.force_login(make_user("ops", is_staff=True, is_superuser=True))
    return client


def test_the_review_admin_pages_load_and_change_nothing(ops_client, buyer, merchant, line):
    made = services.create_review(
        buyer=buyer, order_id=line.order_id, line_id=line.pk, rating=2, text="偏小", images=[png()]
    )
    services.add_follow_up(buyer=buyer, review_id=made.pk, text="换了大一码")
    services.reply_to_review(staff=merchant, review_id=made.pk, text="已为您换货")
    assert ops_client.get(reverse("admin:reviews_review_changelist")).status_code == 200
    page = ops_client.get(reverse("admin:reviews_review_change", args=[made.pk]))
    assert page.status_code == 200
    assert "换了大一码" in page.content.decode() and "已为您换货" in page.content.decode()
    ops_client.post(reverse("admin:reviews_review_change", args=[made.pk]), {"rating": 5, "text": "改"})
    assert Review.objects.get(pk=made.pk).rating == 2
    assert ops_client.get(reverse("admin:reviews_review_add")).status_code == 403
