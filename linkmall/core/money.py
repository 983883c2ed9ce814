"""Money is integer fen everywhere inside LinkMall; yuan strings ("499.00") only at the edges."""

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from linkmall.core.errors import InvalidInput

FEN_PER_YUAN = 100


def yuan_to_fen(value: str | int | Decimal, *, field: str = "amount") -> int:
    """Parse a yuan amount with at most two decimals ("12.5", "499.00", 3) into fen.

    Floats are refused: they cannot represent most fen amounts exactly.
    """
    if isinstance(value, bool | float):
        raise InvalidInput(f"{field} must be a decimal string, not a float", detail={"field": field})
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{field} is not a valid amount: {value!r}", detail={"field": field}) from None
    if not amount.is_finite():
        raise InvalidInput(f"{field} is not a valid amount: {value!r}", detail={"field": field})
    fen = amount * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise InvalidInput(f"{field} has more than two decimals: {value!r}", detail={"field": field})
    return int(fen)


def fen_to_yuan(fen: int) -> str:
    """499_00 → "499.00"; -5 → "-0.05"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), FEN_PER_YUAN)
    return f"{sign}{whole}.{cents:02d}"


def percent_of(fen: int, percent: Decimal | str | int) -> int:
    """`percent`% of an amount, rounded half up to the fen."""
    share = Decimal(fen) * Decimal(str(percent)) / Decimal(100)
    return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def allocate(total_fen: int, weights: Sequence[int]) -> list[int]:
    """Split `total_fen` in proportion to `weights` so the parts add up exactly.

    Largest-remainder: everyone gets the floor of their exact share; the fen left over go to
    the largest remainders (ties to the earlier part). Parts are never negative for a
    non-negative total.
    """
    if not weights:
        raise ValueError("allocate needs at least one weight")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        parts = [0] * len(weights)
        parts[0] = total_fen
        return parts
    floors = [total_fen * w // weight_sum for w in weights]
    remainders = [(total_fen * w % weight_sum, -i) for i, w in enumerate(weights)]
    left = total_fen - sum(floors)
    for _, neg_index in sorted(remainders, reverse=True)[:left]:
        floors[-neg_index] += 1
    return floors
