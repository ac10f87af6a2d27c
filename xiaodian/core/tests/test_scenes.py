"""DOMAIN.md "Orders": the scene codes, and which of them are the private domain."""

from xiaodian.core.scenes import PRIVATE_DOMAIN, Scene


def test_scene_codes_are_wechat_stores_and_the_projects_own():
    assert {s.value: s.name for s in Scene} == {
        1: "OTHER",
        2: "LIVE_ROOM",
        3: "SHORT_VIDEO",
        4: "PRODUCT_SHARE",
        5: "STORE_HOMEPAGE",
        6: "ARTICLE",
        7: "SEARCH",
        8: "FEED",
        9: "CHAT",
        10: "GROUP_CHAT",
        11: "MOMENTS",
        12: "MINI_PROGRAM",
        13: "BUSINESS_CONTACT",
    }


def test_scenes_9_to_13_are_the_private_domain():
    assert set(PRIVATE_DOMAIN) == set(range(9, 14))
