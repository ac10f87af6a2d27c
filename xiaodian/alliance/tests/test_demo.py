"""The demo data: 拾光服饰 is in the alliance with open plans, and the demo creator 阿梅 is a promoter
with its products in her showcase, a link and a sale through it (CONTRACT.md: `creator`, a video account in the
alliance)."""

import pytest
from django.core.management import call_command

from xiaodian.alliance import rules, selectors
from xiaodian.alliance.models import (
    LivePromotion,
    Plan,
    Promoter,
    PromotionLink,
    ShowcaseItem,
    StoreAlliance,
)
from xiaodian.core import events
from xiaodian.orders import events as order_events


@pytest.mark.django_db
def test_the_demo_creator_promotes_an_enabled_store():
    call_command("demo", no_serve=True)
    enabled = StoreAlliance.objects.select_related("store").get()
    assert enabled.store.name == "拾光服饰"
    promoter = Promoter.objects.get(user__username="creator")
    assert promoter.kind == "creator" and promoter.video_account.name == "阿梅探店"
    plans = Plan.objects.filter(store=enabled.store)
    assert plans.count() == 2
    assert ShowcaseItem.objects.filter(promoter=promoter).count() == 2
    assert PromotionLink.objects.filter(promoter=promoter).count() == 1
    assert selectors.library(promoter).count() == 2
    # her scheduled room shows one of them; her showcase page lists both
    (shown,) = LivePromotion.objects.filter(promoter=promoter)
    assert shown.video_account_id == promoter.video_account_id
    assert len(selectors.public_showcase(promoter)) == 2
    # 小李 bought through her link and paid: once the payment's handlers ran (right after the
    # commit in `make demo`; here the test's transaction never commits), the commission waits,
    # unsettled, in her pending
    events.run_pending(order_events.order_paid)
    (commission,) = selectors.commission_orders(selectors.promoter_commissions(promoter.user))
    assert commission.state == rules.COMMISSION_UNSETTLED and commission.commission_fen > 0
    assert selectors.earnings(promoter.user).pending_fen == commission.commission_fen
