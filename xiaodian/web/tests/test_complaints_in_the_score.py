"""The bridge between complaints and the store score (siblings in the layers; the web app
registers one into the other): upheld complaints are the score's complaint rate."""

from datetime import date, datetime, timedelta

import pytest

from xiaodian.aftersales.tests.conftest import paid_order  # noqa: F401
from xiaodian.complaints import services
from xiaodian.complaints.rules import Reason
from xiaodian.core import clock
from xiaodian.orders.tests.conftest import buyer, make_sku, place, succeed  # noqa: F401
from xiaodian.scoring import metrics
from xiaodian.scoring.days import SHANGHAI, window

pytestmark = pytest.mark.django_db


def test_upheld_complaints_feed_the_complaint_rate(paid_order, buyer, operator, store):  # noqa: F811
    """Only complaints ruled against the merchant count, in the window they were ruled in:
    2 orders, 1 upheld → complaint_rate (0.5, 1, 2)."""
    day = datetime(2026, 6, 1, 10, tzinfo=SHANGHAI)
    with clock.travel_to(day):
        upheld, dismissed = paid_order(), paid_order()
        a = services.file_complaint(
            buyer=buyer, order_id=upheld.pk, reason=Reason.NOT_AS_DESCRIBED, text="不符"
        )
        b = services.file_complaint(buyer=buyer, order_id=dismissed.pk, reason=Reason.OTHER, text="不满意")
    with clock.travel_to(day + timedelta(days=1)):
        services.rule_complaint(operator=operator, complaint_id=a.pk, at_fault=True)
        services.rule_complaint(operator=operator, complaint_id=b.pk, at_fault=False)
    start, end = window(date(2026, 6, 30))
    assert metrics.measure(start=start, end=end)[store.pk].metrics["complaint_rate"] == (0.5, 1, 2)
    # a window that ends before the ruling does not count it
    start, end = window(date(2026, 6, 1))
    assert metrics.measure(start=start, end=end)[store.pk].metrics["complaint_rate"] == (0.0, 0, 2)
