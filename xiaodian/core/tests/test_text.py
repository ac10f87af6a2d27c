import pytest

from xiaodian.core.text import contains_contact_details, normalize, squash


def test_normalize_folds_width_case_and_spaces():
    assert normalize("ＡＢＣ 小 店\u3000") == "abc小店"


def test_squash_also_drops_separators():
    assert squash("旗·舰-店_ O.F") == "旗舰店of"


@pytest.mark.parametrize(
    "text",
    [
        "电话13812345678",
        "电话 138 1234 5678",
        "一三八一二三四五六七八",
        "加微信 abc_123456",
        "vx：shop2024a",
        "QQ 12345678",
        "mail me: a.b@example.com",
        "www.example.com",
        "https://x.y/z",
    ],
)
def test_contact_details_are_found_in_their_disguises(text):
    assert contains_contact_details(text)


@pytest.mark.parametrize("text", ["拾光服饰", "2024新款连衣裙", "100% 纯棉", "Moon Shop"])
def test_ordinary_text_is_not_a_contact(text):
    assert not contains_contact_details(text)
