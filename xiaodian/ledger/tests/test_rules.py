"""The ledger's arithmetic as properties: fees and commissions on a line, and what refunds give
back of them, for any amounts and rates."""

from hypothesis import given
from hypothesis import strategies as st

from xiaodian.ledger import rules

paid = st.integers(1, 10_000_000)
ratio = st.integers(0, rules.MAX_CLAIMS_PPM)


@given(paid, ratio)
def test_a_commission_never_exceeds_ratio_times_paid(paid_fen, ratio_ppm):
    amount = rules.commission_of(paid_fen, ratio_ppm)
    assert 0 <= amount * rules.PPM <= paid_fen * ratio_ppm
    assert paid_fen * ratio_ppm - amount * rules.PPM < rules.PPM  # rounded down, by less than a fen


@given(paid, ratio, st.lists(st.integers(1, 10_000_000), max_size=8))
def test_refunds_lower_a_commission_in_proportion_and_a_full_refund_cancels_it(paid_fen, ratio_ppm, parts):
    amount = rules.commission_of(paid_fen, ratio_ppm)
    refunded, held = 0, amount
    for part in parts:
        refunded = min(paid_fen, refunded + part)
        now = rules.commission_held(amount, paid_fen, refunded)
        assert 0 <= now <= held  # refunds only ever lower it
        assert now * rules.PPM <= (paid_fen - refunded) * ratio_ppm  # never above ratio × what was kept
        held = now
    assert rules.commission_held(amount, paid_fen, paid_fen) == 0
    assert rules.commission_held(amount, paid_fen, 0) == amount


@given(paid, st.integers(0, rules.MAX_FEE_PPM), st.lists(st.integers(1, 10_000_000), max_size=8))
def test_a_fee_goes_back_in_parts_never_beyond_itself(paid_fen, rate_ppm, parts):
    fee = rules.fee_of(paid_fen, rate_ppm)
    refunded, back = 0, 0
    for part in parts:
        refunded = min(paid_fen, refunded + part)
        total_back = rules.fee_share(fee, paid_fen, refunded)
        assert back <= total_back <= fee
        back = total_back
    assert rules.fee_share(fee, paid_fen, paid_fen) == fee
