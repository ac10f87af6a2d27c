import pytest
from hypothesis import given
from hypothesis import strategies as st

from xiaodian.core.money import allocate, format_fen, percent_of, yuan_to_fen


@given(
    total=st.integers(min_value=0, max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30).filter(any),
)
def test_allocate_shares_exactly_without_losing_or_inventing_a_fen(total, weights):
    shares = allocate(total, weights)
    assert sum(shares) == total
    assert all(s >= 0 for s in shares)
    whole = sum(weights)
    for share, weight in zip(shares, weights, strict=True):
        assert abs(share * whole - total * weight) < whole  # within one fen of the exact proportion
        if weight == 0:
            assert share == 0


def test_allocate_breaks_ties_toward_the_earlier_weight():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1]])
def test_allocate_refuses_meaningless_weights(weights):
    with pytest.raises(ValueError):
        allocate(10, weights)


def test_yuan_and_fen():
    assert yuan_to_fen("12.34") == 1234
    assert yuan_to_fen(5) == 500
    with pytest.raises(ValueError):
        yuan_to_fen("0.001")
    assert format_fen(123456) == "¥1,234.56"
    assert format_fen(-5) == "-¥0.05"
    assert percent_of(999, "0.15") == 150
