"""Complaints end to end through the services: a buyer files, the store answers with evidence,
an operator rules; both sides see the timeline; an upheld complaint counts in the store score."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from xiaodian.complaints import selectors, services
from xiaodian.complaints.rules import Reason, State
from xiaodian.core.errors import DomainError

pytestmark = pytest.mark.django_db


def photo(name="p.png"):
    out = BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def test_the_main_path_and_the_timeline(paid_order, buyer, merchant, operator, store):
    order = paid_order()
    complaint = services.file_complaint(
        buyer=buyer, order_id=order.pk, reason=Reason.LATE_SHIPPING, text="五天还没发货", images=[photo()]
    )
    assert (complaint.store_id, complaint.state) == (store.pk, State.OPEN)
    services.answer_complaint(staff=merchant, complaint_id=complaint.pk, text="仓库已发出", images=[photo()])
    ruled = services.rule_complaint(
        operator=operator, complaint_id=complaint.pk, at_fault=True, note="超时发货"
    )
    assert ruled.state == State.UPHELD
    for user, side in ((buyer, "buyer"), (merchant, "merchant"), (operator, "operator")):
        seen, got_side = selectors.complaint_for(user, complaint.pk)
        assert got_side == side
        steps = selectors.timeline(seen)
        assert [s.who for s in steps] == ["buyer", "merchant", "platform"]
        assert [len(s.images) for s in steps] == [1, 1, 0]
        assert steps[2].text == "超时发货"


def test_one_complaint_per_order(paid_order, buyer):
    order = paid_order()
    services.file_complaint(buyer=buyer, order_id=order.pk, reason=Reason.OTHER, text="一")
    with pytest.raises(DomainError) as refused:
        services.file_complaint(buyer=buyer, order_id=order.pk, reason=Reason.OTHER, text="二")
    assert refused.value.code == "complaint_exists"


def test_a_complaint_about_a_store_without_an_order(open_store, buyer, operator):
    complaint = services.file_complaint(
        buyer=buyer, store_id=open_store.pk, reason=Reason.CONTACT_DIVERSION, text="客服让我加微信私下交易"
    )
    assert complaint.order_id is None
    with pytest.raises(DomainError) as refused:  # one waiting at a time
        services.file_complaint(buyer=buyer, store_id=open_store.pk, reason=Reason.OTHER, text="又一次")
    assert refused.value.code == "complaint_exists"
    services.rule_complaint(operator=operator, complaint_id=complaint.pk, at_fault=False)
    services.file_complaint(buyer=buyer, store_id=open_store.pk, reason=Reason.OTHER, text="又一次")


def test_who_may_do_what(paid_order, buyer, make_user, merchant, operator):
    order = paid_order()
    stranger = make_user()
    with pytest.raises(DomainError) as refused:
        services.file_complaint(buyer=stranger, order_id=order.pk, reason=Reason.OTHER, text="不是我的")
    assert refused.value.code == "not_found"
    complaint = services.file_complaint(buyer=buyer, order_id=order.pk, reason=Reason.OTHER, text="问题")
    for user in (stranger, buyer):
        with pytest.raises(DomainError) as refused:
            services.answer_complaint(staff=user, complaint_id=complaint.pk, text="回应")
        assert refused.value.code == "not_found"
    with pytest.raises(DomainError) as refused:
        services.rule_complaint(operator=merchant, complaint_id=complaint.pk, at_fault=True)
    assert refused.value.code == "permission_denied"
    with pytest.raises(DomainError):
        selectors.complaint_for(stranger, complaint.pk)
    services.answer_complaint(staff=merchant, complaint_id=complaint.pk, text="回应")
    with pytest.raises(DomainError) as refused:
        services.answer_complaint(staff=merchant, complaint_id=complaint.pk, text="再回应")
    assert refused.value.code == "invalid_transition"
    services.rule_complaint(operator=operator, complaint_id=complaint.pk, at_fault=False)
    with pytest.raises(DomainError) as refused:
        services.rule_complaint(operator=operator, complaint_id=complaint.pk, at_fault=True)
    assert refused.value.code == "invalid_transition"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"reason": "bad_mood"}, "reason"),
        ({"text": "  "}, "text"),
        ({"text": "长" * 501}, "text"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(paid_order, buyer, fields, field):
    order = paid_order()
    kwargs = {"reason": Reason.OTHER, "text": "问题", **fields}
    with pytest.raises(DomainError) as refused:
        services.file_complaint(buyer=buyer, order_id=order.pk, **kwargs)
    assert (refused.value.code, refused.value.field) == ("validation_error", field)
    assert not selectors.for_buyer(buyer).exists()
