from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkmall.core.errors import InvalidInput
from linkmall.core.money import allocate, fen_to_yuan, percent_of, yuan_to_fen


@pytest.mark.parametrize(
    ("text", "fen"), [("499.00", 49900), ("12.5", 1250), ("0.01", 1), (3, 300), ("1,000.10", 100010), ("-2.05", -205)]
)
def test_yuan_strings_parse_to_exact_fen(text, fen):
    assert yuan_to_fen(text) == fen


@pytest.mark.parametrize("bad", ["1.001", "abc", "", "NaN", "Infinity", 1.5, True])
def test_amounts_that_are_not_exact_yuan_are_refused(bad):
    with pytest.raises(InvalidInput):
        yuan_to_fen(bad)


def test_fen_format_as_yuan_with_two_decimals():
    assert [fen_to_yuan(f) for f in (0, 5, 49900, -205)] == ["0.00", "0.05", "499.00", "-2.05"]


def test_percent_rounds_half_up_to_the_fen():
    assert percent_of(30000, "60") == 18000
    assert percent_of(5, "50") == 3  # 2.5 fen → 3
    assert percent_of(105, Decimal("10")) == 11  # 10.5 → 11


def test_allocate_gives_the_leftover_fen_to_the_largest_remainders():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(1000, [50, 30, 20]) == [500, 300, 200]
    assert allocate(7, [0, 0]) == [7, 0]


@given(st.integers(0, 10**12), st.lists(st.integers(0, 10**6), min_size=1, max_size=20))
def test_allocated_parts_always_add_up(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    assert all(p >= 0 for p in parts)
