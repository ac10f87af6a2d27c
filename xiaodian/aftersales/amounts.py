"""Refund amounts, exact to the fen.

Each line's paid amount comes from the order (`orders.amounts.line_paid_shares`: the goods and
shipping shared by goods value, less the line's part of the discount); it is shared over the
line's units by the largest-remainder method (`core.money.allocate`), so the units of an order
add up to exactly what was paid. A request refunds a set of units; requests never share a unit, so no sequence
of partial refunds can pay back more than was paid, per line or per order, and refunding every
unit pays back exactly the total."""

from collections.abc import Iterable

from xiaodian.core.money import allocate


def unit_shares(line_paid_fen: int, line_quantity: int) -> list[int]:
    """What each unit of one line cost the buyer, in fen, from what the line cost."""
    return allocate(line_paid_fen, [1] * line_quantity)


def free_units(quantity: int, taken: Iterable[int], wanted: int) -> list[int] | None:
    """The lowest `wanted` unit indexes of a line not taken by another request, or None."""
    busy = set(taken)
    free = [i for i in range(quantity) if i not in busy]
    return free[:wanted] if len(free) >= wanted else None


def amount_for(shares: list[int], units: Iterable[int]) -> int:
    return sum(shares[i] for i in units)
