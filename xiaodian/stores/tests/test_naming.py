"""Store-name rules: reserved words in every disguise, the brand shapes, normalisation."""

import pytest

from xiaodian.core.errors import DomainError
from xiaodian.stores import naming, rules
from xiaodian.stores.rules import StoreKind


def check(name, kind=StoreKind.ORDINARY, brands=(), trade_name="", categories=("茶叶", "女装")):
    return naming.check_store_name(
        name,
        kind=kind,
        reserved_words=rules.RESERVED_WORDS,
        approved_brands=list(brands),
        trade_name=trade_name,
        category_names=categories,
    )


@pytest.mark.parametrize("word", rules.RESERVED_WORDS)
def test_every_reserved_word_is_refused_in_an_ordinary_store_name(word):
    with pytest.raises(DomainError) as exc:
        check(f"小店{word}铺")
    assert exc.value.code == "store_name_reserved_word"
    assert exc.value.field == "name"


@pytest.mark.parametrize(
    "name",
    [
        "小满旗舰店",
        "小满ＯＦＦＩＣＩＡＬ店",
        "小满OfFiCiAl",
        "小满旗 舰店",
        "小满 o f f i c i a l",
        "小满旗·舰店",
        "Flag ship 小满",
    ],
)
def test_reserved_words_are_found_full_width_mixed_case_or_spaced(name):
    with pytest.raises(DomainError) as exc:
        check(name)
    assert exc.value.code == "store_name_reserved_word"


@pytest.mark.parametrize("name", ["x", "一" * 31, "小店13812345678", "加微信abc12345的店"])
def test_length_and_contact_details_make_a_name_invalid(name):
    with pytest.raises(DomainError) as exc:
        check(name)
    assert exc.value.code == "store_name_invalid"


def test_a_plain_name_is_kept_in_display_form():
    assert check("  拾光　 服饰 ") == "拾光 服饰"


def test_the_uniqueness_key_ignores_width_case_and_spaces():
    assert naming.name_key("Ａｂｃ 小店") == naming.name_key("abc小店") == "abc小店"


@pytest.mark.parametrize(
    "name",
    [
        "山野官方旗舰店",
        "山野旗舰店",
        "山野茶叶旗舰店",
        "山野青禾专卖店",
        "山野青禾茶叶专卖店",
        "青禾专营店",
        "青禾女装专营店",
    ],
)
def test_brand_stores_may_use_reserved_words_in_the_four_shapes(name):
    assert check(name, StoreKind.BRAND, brands=["山野"], trade_name="青禾") == name


@pytest.mark.parametrize(
    "name", ["山野专营旗舰店", "别家官方旗舰店", "官方山野店", "山野家电旗舰店", "青禾山野专卖店"]
)
def test_brand_stores_may_not_use_reserved_words_outside_the_shapes(name):
    with pytest.raises(DomainError) as exc:
        check(name, StoreKind.BRAND, brands=["山野"], trade_name="青禾")
    assert exc.value.code == "store_name_reserved_word"


def test_a_brand_store_needs_an_approved_authorisation():
    with pytest.raises(DomainError) as exc:
        check("山野官方旗舰店", StoreKind.BRAND, brands=[])
    assert exc.value.code == "brand_not_authorized"


def test_a_brand_store_without_a_reserved_word_is_fine():
    assert check("山野茶园", StoreKind.BRAND, brands=["山野"]) == "山野茶园"
