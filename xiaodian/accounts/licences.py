"""Format checks for the numbers that identify a subject.

- Businesses: the 18-character unified social credit code (统一社会信用代码, GB 32100-2015), whose
  last character is a mod-31 check over the first 17. Individual businesses (个体工商户) carry
  registration-management code 9 and organisation-type code 2, so their codes start with "92".
- Persons: the 18-character resident ID number (GB 11643-1999): a birth date at positions 7–14 and
  an ISO 7064 MOD 11-2 check character.
"""

import re
from datetime import date

from .rules import SubjectKind

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"\d{17}[\dX]")


def clean(number: str) -> str:
    return re.sub(r"\s+", "", number).upper()


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def is_valid_uscc(code: str) -> bool:
    return bool(_USCC_SHAPE.fullmatch(code)) and uscc_check_char(code[:17]) == code[17]


def is_valid_resident_id(number: str, *, today: date | None = None) -> bool:
    if not _ID_SHAPE.fullmatch(number) or id_check_char(number[:17]) != number[17]:
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= (today or date.today())


def is_valid_licence(kind: str, number: str) -> bool:
    if kind == SubjectKind.INDIVIDUAL:
        return is_valid_resident_id(number)
    if not is_valid_uscc(number):
        return False
    is_individual_business = number.startswith("92")
    return is_individual_business == (kind == SubjectKind.INDIVIDUAL_BUSINESS)


def make_uscc(serial: int, *, individual_business: bool = False) -> str:
    """A well-formed code for seeds and tests (the body is synthetic)."""
    head = "92" if individual_business else "91"
    first17 = f"{head}110000{serial:09d}"
    return first17 + uscc_check_char(first17)


def make_resident_id(serial: int, born: date = date(1990, 1, 1)) -> str:
    first17 = f"110101{born:%Y%m%d}{serial % 1000:03d}"
    return first17 + id_check_char(first17)
