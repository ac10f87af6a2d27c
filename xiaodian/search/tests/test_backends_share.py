"""The PostgreSQL dense-query estimate (`backends._expected_share`), which decides whether the
first pages are read without the GIN index: by hand, from made-up term shares."""

import pytest

from xiaodian.search import backends, text


@pytest.mark.parametrize(
    ("q", "shares", "expected"),
    [
        # one run's overlapping bigrams match together: as often as the rarest
        ("休闲零食", {"休闲": 0.05, "闲零": 0.04, "零食": 0.2}, 0.04),
        # two words are independent
        ("红茶 礼盒", {"红茶": 0.1, "礼盒": 0.2}, 0.1 * 0.2),
        # adjacent single characters hold at least their pair's share (件装: "3件装")
        ("件装", {"件": 0.06, "装": 0.25, "件装": 0.05}, 0.05),
        # ... and never less than independence would say
        ("件装", {"件": 0.5, "装": 0.5, "件装": 0.01}, 0.25),
        # single characters apart in the query are independent
        ("件 装", {"件": 0.06, "装": 0.25, "件装": 0.05}, 0.06 * 0.25),
        # an unknown term: no estimate (the index is used)
        ("件装", {"件": 0.06}, 0.0),
    ],
)
def test_expected_share(q, shares, expected):
    query = text.query(q)
    assert backends._expected_share(query, shares) == pytest.approx(expected)
