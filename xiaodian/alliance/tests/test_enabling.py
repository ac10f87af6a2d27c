"""Enabling the alliance: subject kind, score, violations — a refusal names every unmet condition."""

from datetime import timedelta

import pytest

from xiaodian.accounts.rules import SubjectKind
from xiaodian.alliance import selectors, services
from xiaodian.alliance.models import StoreAlliance
from xiaodian.complaints import services as complaints
from xiaodian.complaints.rules import Reason
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.scoring import services as scoring
from xiaodian.scoring.tests.facts import AS_OF, Facts


def _refusal(store, by) -> DomainError:
    with pytest.raises(DomainError) as refused:
        services.enable_alliance(store=store, by=by)
    assert refused.value.code == "alliance_not_eligible"
    assert not StoreAlliance.objects.filter(store=store).exists()
    return refused.value


def test_an_enterprise_store_without_a_score_enables_once(store, merchant):
    first = services.enable_alliance(store=store, by=merchant)
    again = services.enable_alliance(store=store, by=merchant)
    assert first.pk == again.pk and StoreAlliance.objects.count() == 1
    assert selectors.is_enabled(store)


def test_an_individual_business_may_enable(make_user, make_subject, make_store):
    owner = make_user()
    store = make_store(owner, make_subject(owner, SubjectKind.INDIVIDUAL_BUSINESS))
    assert services.enable_alliance(store=store, by=owner).store_id == store.pk


def test_an_individual_subject_is_refused_with_its_condition(make_user, make_subject, make_store):
    owner = make_user()
    store = make_store(owner, make_subject(owner, SubjectKind.INDIVIDUAL))
    refused = _refusal(store, owner)
    assert [c["code"] for c in refused.extra["conditions"]] == ["subject_kind"]
    assert refused.as_dict()["conditions"][0]["value"] == "individual"
    assert "企业或个体工商户" in refused.message


def test_a_score_below_four_is_refused(store, merchant, make_user):
    facts = Facts(make_user())
    facts.open(store)
    orders = facts.orders(store, 30, shipped_after=timedelta(hours=120))  # every one shipped late
    for order in orders:  # and every one reviewed 1 star, refunded for quality, slowly
        facts.review(order, 1)
        facts.aftersale(order, handled_in=timedelta(days=6))
    score = scoring.recompute_store(store, as_of=AS_OF).score
    assert score is not None and score < 4
    refused = _refusal(store, merchant)
    (condition,) = refused.extra["conditions"]
    assert (condition["code"], condition["value"]) == ("score", str(score))


def test_an_upheld_complaint_in_30_days_is_a_violation_and_an_old_one_is_not(
    store, merchant, buyer, operator
):
    complaint = complaints.file_complaint(
        buyer=buyer, store_id=store.pk, reason=Reason.CONTACT_DIVERSION, text="客服让我加微信私下交易"
    )
    complaints.rule_complaint(operator=operator, complaint_id=complaint.pk, at_fault=True)
    refused = _refusal(store, merchant)
    assert [c["code"] for c in refused.extra["conditions"]] == ["violation"]
    with clock.travel_to(clock.now() + timedelta(days=31)):
        assert services.enable_alliance(store=store, by=merchant)


def test_a_dismissed_complaint_is_no_violation(store, merchant, buyer, operator):
    complaint = complaints.file_complaint(buyer=buyer, store_id=store.pk, reason=Reason.OTHER, text="不满意")
    complaints.rule_complaint(operator=operator, complaint_id=complaint.pk, at_fault=False)
    assert services.enable_alliance(store=store, by=merchant)


def test_every_unmet_condition_is_named_at_once(make_user, make_subject, make_store, buyer, operator):
    owner = make_user()
    store = make_store(owner, make_subject(owner, SubjectKind.INDIVIDUAL))
    complaint = complaints.file_complaint(buyer=buyer, store_id=store.pk, reason=Reason.OTHER, text="假货")
    complaints.rule_complaint(operator=operator, complaint_id=complaint.pk, at_fault=True)
    refused = _refusal(store, owner)
    assert [c["code"] for c in refused.extra["conditions"]] == ["subject_kind", "violation"]
    assert "企业或个体工商户" in refused.message and "违规" in refused.message


def test_a_store_call_before_enabling_is_alliance_not_enabled(store, merchant, make_sku):
    product = make_sku(store).product
    with pytest.raises(DomainError) as refused:
        services.create_plans(
            store=store, by=merchant, product_ids=[product.pk], kind=1, commission_ratio_ppm=100_000
        )
    assert refused.value.code == "alliance_not_enabled"
