"""The demo's touchpoints (issue 5): every demo store has a linked official account with an
article, a linked video account with a short video and a scheduled live room, and a published
homepage; its touchpoint report shows them."""

import io

import pytest
from django.core.management import call_command

from xiaodian.accounts.models import User
from xiaodian.live.models import LiveRoom
from xiaodian.stores import selectors, touchpoints
from xiaodian.stores.models import Homepage, Store


@pytest.mark.django_db
def test_each_demo_store_is_connected_everywhere_the_demo_promises():
    call_command("demo", no_serve=True, stdout=io.StringIO())
    demo_stores = Store.objects.filter(staff__user__username="merchant", staff__role="owner")
    assert demo_stores.count() == 4
    for store in demo_stores:
        (official,) = selectors.links_of(store, kind="official_account", state="bound")
        assert official.official_account.articles.filter(state="published").exists()
        (video,) = selectors.links_of(store, kind="video_account", state="bound")
        assert video.video_account.videos.filter(state="published").exists()
        assert LiveRoom.objects.filter(account=video.video_account, state="scheduled").exists()
        homepage = Homepage.objects.get(store=store)
        assert homepage.version == 1
        assert {"banner", "articles", "videos"} <= {m["type"] for m in homepage.published}
        connected = {line.key for line in touchpoints.report(store).lines if line.connected}
        assert {"search", "official_account", "video_account", "homepage"} <= connected
    # A store with listed products also has them on its live shelf.
    tea = demo_stores.get(name="山野官方旗舰店")
    assert {line.key for line in touchpoints.report(tea).lines if line.connected} == {
        "search",
        "official_account",
        "video_account",
        "homepage",
        "live_shelf",
        "mini_program",
    }
    # The creator has an invitation waiting for her answer.
    creator = User.objects.get(username="creator")
    assert selectors.invitations_for(creator, state="invited").count() == 1
