"""What each line of an order costs the buyer, exact to the fen: the one source of a line's paid
amount for refunds, fees, commissions and the ledger.

An order's goods and shipping are shared over its lines in proportion to their goods value
(`core.money.allocate`); its discount (coupons, campaigns: `Order.discount_fen`) was split over
the same lines when the order was placed (`split_discount`, kept as `OrderLine.discount_fen`), and
each line's paid amount is its share less its discount. Without a discount this is exactly the
share of the order's total, as before discounts existed."""

from collections.abc import Sequence

from xiaodian.core.money import allocate


def max_discount(goods_fen: int, shipping_fen: int = 0) -> int:
    """The most an order's discount may be: never more than its goods, and the order still pays
    at least one fen."""
    return max(0, min(goods_fen, goods_fen + shipping_fen - 1))


def split_discount(discount_fen: int, line_totals: Sequence[int]) -> list[int]:
    """Share a discount over lines in proportion to their amounts: floor shares, the remainder to
    the largest line (the earlier of equal ones), never more than a line's amount (what a line
    cannot take goes to the next largest). The parts sum to the discount."""
    if discount_fen < 0 or not line_totals or any(t < 0 for t in line_totals):
        raise ValueError("a discount and line amounts are not negative, and there is a line")
    whole = sum(line_totals)
    if discount_fen > whole:
        raise ValueError("a discount is never more than the lines' amounts")
    if discount_fen == 0:
        return [0] * len(line_totals)
    shares = [discount_fen * t // whole for t in line_totals]
    left = discount_fen - sum(shares)
    for i in sorted(range(len(line_totals)), key=lambda i: (-line_totals[i], i)):
        if not left:
            break
        take = min(left, line_totals[i] - shares[i])
        shares[i] += take
        left -= take
    return shares


def paid_shares(gross_fen: int, lines: Sequence[tuple[int, int]]) -> list[int]:
    """Each line's paid amount: `gross_fen` (the order's goods + shipping) shared by the lines'
    amounts, less each line's discount. `lines` are `(amount, discount)` in the order's line
    order (by id). They sum to gross − the discounts: the order's total."""
    shares = allocate(gross_fen, [total for total, _discount in lines])
    return [share - discount for share, (_total, discount) in zip(shares, lines, strict=True)]


def line_paid_shares(order, lines) -> list[int]:
    """`paid_shares` of an `Order` and its `OrderLine`s (in id order)."""
    return paid_shares(
        order.goods_fen + order.shipping_fen, [(line.total_fen, line.discount_fen) for line in lines]
    )
