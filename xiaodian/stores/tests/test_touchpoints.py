"""The touchpoint report: each touchpoint flips to connected when its condition holds."""

import pytest

from xiaodian.content import services as content
from xiaodian.stores import services, touchpoints
from xiaodian.stores.models import Homepage
from xiaodian.stores.rules import LinkKind


def connected(store) -> dict[str, bool]:
    return {line.key: line.connected for line in touchpoints.report(store).lines}


def test_a_new_store_is_only_findable_and_is_told_what_to_connect_next(store):
    report = touchpoints.report(store)
    assert [line.key for line in report.lines] == [
        "search",
        "official_account",
        "video_account",
        "homepage",
        "live_shelf",
        "mini_program",
    ]
    assert connected(store)["search"] is True
    assert report.connected_count == 1
    assert report.next.key == "official_account"
    assert report.next.advice  # says what to do
    assert [line.advice for line in report.lines if line.connected] == [""]


def test_bound_accounts_connect_their_touchpoints_and_invitations_do_not(store, merchant, make_user):
    stranger = make_user()
    invited = content.create_official_account(owner=stranger, name="别人的号")
    services.invite_link(store=store, user=merchant, kind=LinkKind.OFFICIAL_ACCOUNT, account_id=invited.pk)
    assert connected(store)["official_account"] is False

    own_video = content.create_video_account(owner=merchant, name="店铺视频号")
    own_program = content.create_mini_program(
        owner=merchant, name="店铺小程序", app_id="wx00000000000000aa", mall_path="/mall"
    )
    services.invite_link(store=store, user=merchant, kind=LinkKind.VIDEO_ACCOUNT, account_id=own_video.pk)
    services.invite_link(store=store, user=merchant, kind=LinkKind.MINI_PROGRAM, account_id=own_program.pk)
    now = connected(store)
    assert (now["video_account"], now["mini_program"], now["official_account"]) == (True, True, False)
    assert touchpoints.report(store).next.key == "official_account"


def test_the_homepage_counts_only_published_content_modules(store):
    Homepage.objects.create(store=store, draft=[{"type": "articles", "article_ids": [1]}], published=[])
    assert connected(store)["homepage"] is False
    Homepage.objects.filter(store=store).update(published=[{"type": "banner"}, {"type": "products"}])
    assert connected(store)["homepage"] is False
    Homepage.objects.filter(store=store).update(published=[{"type": "banner"}, {"type": "videos"}])
    assert connected(store)["homepage"] is True


def test_a_closed_store_is_not_findable(store):
    store.state = "closed"
    store.save()
    assert connected(store)["search"] is False


def test_probes_from_higher_apps_answer_their_touchpoint(store, monkeypatch):
    monkeypatch.setattr(touchpoints, "_probes", {})
    assert connected(store)["live_shelf"] is False
    touchpoints.register_probe("live_shelf", lambda s: s.pk == store.pk)
    assert connected(store)["live_shelf"] is True
    with pytest.raises(KeyError):
        touchpoints.register_probe("moments", lambda s: True)


def test_the_report_costs_a_fixed_number_of_queries(store, django_assert_max_num_queries):
    with django_assert_max_num_queries(2 + len(touchpoints._probes)):
        touchpoints.report(store)


def test_api_report(api, api_for, store, make_user):
    body = api.get(f"/stores/{store.pk}/touchpoints").json()
    assert body["connected_count"] == 1
    assert body["next"] == "official_account"
    assert body["items"][0] == {"key": "search", "name": "搜索可见", "connected": True, "advice": ""}
    assert api_for(make_user()).get(f"/stores/{store.pk}/touchpoints").status_code == 404
