"""The drawn cut sequence of a bargain (砍价): exactly start − floor in positive whole fen."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from linkmall.campaigns.services.bargain import draw_cuts


@settings(max_examples=500, deadline=None)
@given(count=st.integers(min_value=1, max_value=100), extra=st.integers(min_value=0, max_value=10_000_000),
       seed=st.integers(min_value=0, max_value=2**32))
def test_the_cuts_add_up_exactly_to_start_minus_floor_and_each_is_at_least_one_fen(count, extra, seed):
    total = count + extra

    cuts = draw_cuts(total, count, random.Random(seed))

    assert len(cuts) == count
    assert sum(cuts) == total
    assert min(cuts) >= 1
    assert cuts == sorted(cuts, reverse=True)


def test_the_system_random_draw_also_adds_up():
    for _ in range(200):
        cuts = draw_cuts(4100, 5)
        assert sum(cuts) == 4100 and min(cuts) >= 1


def test_exactly_one_fen_each_when_there_is_no_room_for_more():
    assert draw_cuts(3, 3) == [1, 1, 1]
