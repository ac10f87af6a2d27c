from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xiaodian.accounts import licences
from xiaodian.accounts.rules import SubjectKind

# Published examples of well-formed numbers.
REAL_USCC = "91350100M000100Y43"
REAL_ID = "11010519491231002X"


def test_known_good_numbers_pass():
    assert licences.is_valid_uscc(REAL_USCC)
    assert licences.is_valid_resident_id(REAL_ID)


@given(st.integers(min_value=0, max_value=10**9 - 1), st.booleans())
def test_generated_credit_codes_are_valid_and_any_changed_character_breaks_them(serial, individual_business):
    code = licences.make_uscc(serial, individual_business=individual_business)
    assert licences.is_valid_uscc(code)
    kind = SubjectKind.INDIVIDUAL_BUSINESS if individual_business else SubjectKind.ENTERPRISE
    assert licences.is_valid_licence(kind, code)
    wrong_check = code[:17] + ("0" if code[17] != "0" else "1")
    assert not licences.is_valid_uscc(wrong_check)


@given(st.integers(min_value=0, max_value=999))
def test_generated_id_numbers_are_valid_and_their_check_character_matters(serial):
    number = licences.make_resident_id(serial)
    assert licences.is_valid_resident_id(number)
    assert not licences.is_valid_resident_id(number[:17] + ("X" if number[17] != "X" else "0"))


@pytest.mark.parametrize(
    ("kind", "number"),
    [
        (SubjectKind.ENTERPRISE, "91350100M000100Y4"),  # too short
        (SubjectKind.ENTERPRISE, "91350100M000100Y44"),  # wrong check character
        (SubjectKind.ENTERPRISE, "91350100I000100Y43"),  # I is not in the code alphabet
        (
            SubjectKind.INDIVIDUAL_BUSINESS,
            REAL_USCC,
        ),  # an enterprise code (91…) is not an individual business
        (SubjectKind.ENTERPRISE, licences.make_uscc(5, individual_business=True)),
        (SubjectKind.INDIVIDUAL, "110105194912310021"),  # wrong check character
        (SubjectKind.INDIVIDUAL, licences.make_resident_id(1, born=date(1990, 2, 1))[:10] + "0230" + "0000"),
        (SubjectKind.INDIVIDUAL, REAL_USCC),
    ],
)
def test_malformed_numbers_fail(kind, number):
    assert not licences.is_valid_licence(kind, number)


def test_impossible_birth_dates_fail():
    first17 = "11010520990101002"  # born in 2099
    assert not licences.is_valid_resident_id(
        first17 + licences.id_check_char(first17), today=date(2026, 1, 1)
    )
    first17 = "11010519900230002"  # 30 February
    assert not licences.is_valid_resident_id(first17 + licences.id_check_char(first17))
