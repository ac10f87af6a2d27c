"""The complaints pages: who sees what, the forms' refusals, page query budgets."""

import pytest
from django.test import Client

from xiaodian.complaints import services
from xiaodian.complaints.rules import Reason

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_buyer_files_from_the_form_and_sees_the_timeline(
    paid_order, buyer, django_assert_max_num_queries
):
    order = paid_order()
    page = client_for(buyer)
    form = page.get(f"/complaints/new/?order={order.pk}")
    assert form.status_code == 200 and "complaint-form" in form.content.decode()
    refused = page.post(f"/complaints/new/?order={order.pk}", {"reason": "", "text": "慢"})
    assert refused.status_code == 200 and "refusal" in refused.content.decode()
    filed = page.post(
        f"/complaints/new/?order={order.pk}", {"reason": Reason.LATE_SHIPPING, "text": "一直没发货"}
    )
    assert filed.status_code == 302
    with django_assert_max_num_queries(12):
        detail = page.get(filed["Location"])
    html = detail.content.decode()
    assert "一直没发货" in html and 'data-state="open"' in html and "answer-form" not in html
    with django_assert_max_num_queries(12):
        assert page.get("/complaints/").status_code == 200


def test_the_store_answers_and_the_operator_rules_on_the_page(
    paid_order, buyer, merchant, operator, store, make_user, django_assert_max_num_queries
):
    order = paid_order()
    complaint = services.file_complaint(
        buyer=buyer, order_id=order.pk, reason=Reason.RUDE_SERVICE, text="态度差"
    )
    shop = client_for(merchant)
    with django_assert_max_num_queries(14):
        listed = shop.get(f"/stores/{store.pk}/complaints/")
    assert f"complaint-{complaint.pk}" in listed.content.decode()
    assert "answer-form" in shop.get(f"/complaints/{complaint.pk}/").content.decode()
    assert (
        shop.post(f"/complaints/{complaint.pk}/", {"action": "answer", "text": "已致歉"}).status_code == 302
    )
    ops = client_for(operator)
    with django_assert_max_num_queries(12):
        queue = ops.get("/ops/complaints/")
    assert f"complaint-{complaint.pk}" in queue.content.decode()
    no_verdict = ops.post(f"/complaints/{complaint.pk}/", {"action": "rule", "note": "x"})
    assert "refusal" in no_verdict.content.decode()
    assert ops.post(f"/complaints/{complaint.pk}/", {"action": "rule", "at_fault": "yes"}).status_code == 302
    html = client_for(buyer).get(f"/complaints/{complaint.pk}/").content.decode()
    assert 'data-state="upheld"' in html and "已致歉" in html
    stranger = client_for(make_user())
    assert stranger.get(f"/complaints/{complaint.pk}/").status_code == 404
    assert stranger.get("/ops/complaints/").status_code == 404
    assert stranger.get(f"/stores/{store.pk}/complaints/").status_code == 404
