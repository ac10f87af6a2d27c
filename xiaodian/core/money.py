"""Money is an integer number of fen; these helpers keep it that way."""

from decimal import ROUND_HALF_UP, Decimal

FEN_PER_YUAN = 100


def yuan_to_fen(yuan: str | int | Decimal) -> int:
    """Parse an amount in yuan ("12.34") into fen, refusing fractions of a fen."""
    amount = Decimal(str(yuan)) * FEN_PER_YUAN
    if amount != amount.to_integral_value():
        raise ValueError(f"{yuan!r} has a fraction of a fen")
    return int(amount)


def format_fen(fen: int) -> str:
    """Show fen as yuan with two decimals: 1234 -> "¥12.34"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), FEN_PER_YUAN)
    return f"{sign}¥{whole:,}.{cents:02d}"


def plain_yuan(fen: int) -> str:
    """Fen as yuan for a spreadsheet: 1234 -> "12.34" (no currency sign or separators)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), FEN_PER_YUAN)
    return f"{sign}{whole}.{cents:02d}"


def allocate(total_fen: int, weights: list[int]) -> list[int]:
    """Share `total_fen` out in proportion to `weights`, exactly: the parts sum to the total.

    Largest-remainder method; ties go to the earlier weight, so the result is deterministic.
    """
    if total_fen < 0:
        raise ValueError("total must not be negative")
    if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
        raise ValueError("weights must be non-negative and not all zero")
    whole = sum(weights)
    shares = [total_fen * w // whole for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(Decimal(total_fen * weights[i]) % whole), i))
    for i in remainders[: total_fen - sum(shares)]:
        shares[i] += 1
    return shares


def percent_of(fen: int, ratio: Decimal | str) -> int:
    """A ratio of an amount, rounded half up to the fen."""
    return int((Decimal(fen) * Decimal(str(ratio))).quantize(Decimal(1), rounding=ROUND_HALF_UP))
