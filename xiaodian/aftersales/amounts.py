"""Refund amounts, exact to the fen.

The order's payable total (goods and shipping, less discounts) is shared out over its lines in
proportion to their goods value, then each line's share over its units; both with the
largest-remainder method (`core.money.allocate`), so the units of an order add up to exactly
what was paid. A request refunds a set of units; requests never share a unit, so no sequence
of partial refunds can pay back more than was paid, per line or per order, and refunding every
unit pays back exactly the total."""

from collections.abc import Iterable

from xiaodian.core.money import allocate


def unit_shares(
    order_total_fen: int, line_totals: list[int], line_index: int, line_quantity: int
) -> list[int]:
    """What each unit of one line cost the buyer, in fen."""
    line_share = allocate(order_total_fen, line_totals)[line_index]
    return allocate(line_share, [1] * line_quantity)


def free_units(quantity: int, taken: Iterable[int], wanted: int) -> list[int] | None:
    """The lowest `wanted` unit indexes of a line not taken by another request, or None."""
    busy = set(taken)
    free = [i for i in range(quantity) if i not in busy]
    return free[:wanted] if len(free) >= wanted else None


def amount_for(shares: list[int], units: Iterable[int]) -> int:
    return sum(shares[i] for i in units)
