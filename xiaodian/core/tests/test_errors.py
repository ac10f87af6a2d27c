from pathlib import Path

import pytest

from xiaodian.core.errors import CODES, DomainError

DOCS = Path(__file__).resolve().parents[3] / "docs" / "errors.md"


def test_every_error_code_is_documented_with_its_status():
    text = DOCS.read_text()
    for code, (status, _message) in CODES.items():
        assert f"`{code}`" in text, f"{code} missing from docs/errors.md"
        row = next(line for line in text.splitlines() if f"`{code}`" in line)
        assert str(status) in row, f"{code}: docs/errors.md does not give status {status}"


def test_codes_are_4xx_snake_case():
    for code, (status, _message) in CODES.items():
        assert code == code.lower() and " " not in code
        assert 400 <= status < 500


def test_an_unknown_code_is_a_programming_error():
    with pytest.raises(KeyError):
        DomainError("no_such_code")


def test_a_domain_error_carries_code_message_and_field():
    exc = DomainError("store_name_taken", field="name")
    assert exc.status == 409
    assert exc.as_dict() == {"code": "store_name_taken", "message": exc.message, "field": "name"}
