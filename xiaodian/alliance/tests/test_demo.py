"""The demo data: 拾光服饰 is in the alliance with open plans, and the demo creator 阿梅 is a promoter
with its products in her showcase and a link (CONTRACT.md: `creator`, a video account in the
alliance)."""

import pytest
from django.core.management import call_command

from xiaodian.alliance import selectors
from xiaodian.alliance.models import (
    LivePromotion,
    Plan,
    Promoter,
    PromotionLink,
    ShowcaseItem,
    StoreAlliance,
)


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
