"""The pricing pipeline of docs/specs/campaigns.md §1, on plain values."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkmall.campaigns.pricing import LineIn, Offer, Scope, coupon_discount, price_order, unit_share
from linkmall.core.errors import Conflict


def line(key: int, list_fen: int, *, quantity: int = 1, product: int | None = None, category: int | None = None,
         activity_fen: int | None = None) -> LineIn:
    return LineIn(key=key, quantity=quantity, list_fen=list_fen, product_id=product or key, category_id=category,
                  activity_fen=activity_fen)


def test_without_offers_every_line_pays_its_list_amount():
    priced = price_order([line(1, 9900, quantity=2), line(2, 500)])

    assert [(p.list_fen, p.activity_fen, p.paid_fen) for p in priced.lines] == [(9900, 9900, 9900), (500, 500, 500)]
    assert (priced.paid_fen, priced.promotion_ref, priced.coupon_ref, priced.points_used) == (10400, None, None, 0)


def test_full_reduction_splits_fifty_over_the_lines_in_proportion_and_adds_up():
    full_299_minus_50 = Offer(ref=7, kind="amount", value=5000, threshold_fen=29900)

    priced = price_order([line(1, 20000), line(2, 10000), line(3, 100)], promotions=[full_299_minus_50])

    assert [p.promotion_fen for p in priced.lines] == [3322, 1661, 17]
    assert priced.promotion_fen == 5000
    assert priced.paid_fen == 30100 - 5000
    assert priced.promotion_ref == 7


def test_a_threshold_not_reached_applies_no_promotion():
    priced = price_order([line(1, 29899)], promotions=[Offer(ref=1, kind="amount", value=5000, threshold_fen=29900)])

    assert (priced.promotion_fen, priced.promotion_ref) == (0, None)


def test_the_best_promotion_wins_and_a_quantity_threshold_counts_units():
    two_for_ten_off = Offer(ref=1, kind="percent", value=Decimal(10), threshold_quantity=2)
    minus_20 = Offer(ref=2, kind="amount", value=2000)

    priced = price_order([line(1, 30000, quantity=2)], promotions=[two_for_ten_off, minus_20])

    assert (priced.promotion_ref, priced.promotion_fen) == (1, 3000)


def test_the_coupon_works_on_what_the_promotion_left_and_its_funder_is_recorded():
    coupon = Offer(ref=9, kind="amount", value=500, funder="platform")

    priced = price_order([line(1, 10000)], promotions=[Offer(ref=1, kind="amount", value=2000)], coupon=coupon)

    (only,) = priced.lines
    assert (only.promotion_fen, only.coupon_fen, only.paid_fen) == (2000, 500, 7500)
    assert only.platform_funded_fen == 500


def test_a_percent_coupon_is_cut_to_its_maximum():
    coupon = Offer(ref=9, kind="percent", value=Decimal(20), max_discount_fen=3000)

    assert price_order([line(1, 50000)], coupon=coupon).coupon_fen == 3000


def test_a_coupon_out_of_scope_or_below_its_threshold_is_refused_with_its_own_code():
    shoes_only = Offer(ref=9, kind="amount", value=500, scope=Scope("products", frozenset({99})))
    over_100 = Offer(ref=9, kind="amount", value=500, threshold_fen=10000)

    with pytest.raises(Conflict) as out_of_scope:
        price_order([line(1, 20000)], coupon=shoes_only)
    with pytest.raises(Conflict) as below:
        price_order([line(1, 9999)], coupon=over_100)

    assert (out_of_scope.value.code, below.value.code) == ("coupon_not_applicable", "coupon_threshold_not_met")


def test_activity_lines_take_no_coupon_unless_it_stacks():
    lines = [line(1, 10000, activity_fen=5000), line(2, 10000)]
    coupon = Offer(ref=9, kind="amount", value=1000)

    plain = price_order(lines, coupon=coupon)
    stacking = price_order(lines, coupon=Offer(ref=9, kind="amount", value=1000, stacks_with_activity=True))

    assert [p.coupon_fen for p in plain.lines] == [0, 1000]
    assert [p.coupon_fen for p in stacking.lines] == [333, 667]


def test_the_member_level_discount_applies_before_promotions_and_not_to_activity_lines():
    priced = price_order([line(1, 10000), line(2, 10000, activity_fen=8000)], level_percent_off=5)

    assert [(p.level_fen, p.paid_fen) for p in priced.lines] == [(500, 9500), (0, 8000)]


def test_points_pay_at_most_half_of_what_is_left_and_never_more_than_held():
    lines = [line(1, 1000)]

    assert price_order(lines, points=500, points_held=500).paid_fen == 500
    with pytest.raises(Conflict) as over:
        price_order(lines, points=501, points_held=900)
    with pytest.raises(Conflict) as short:
        price_order(lines, points=300, points_held=299)

    assert (over.value.code, short.value.code) == ("points_over_limit", "points_insufficient")


def test_coupon_discount_tells_what_a_coupon_would_save_without_refusing():
    lines = [line(1, 9000)]

    assert coupon_discount(lines, Offer(ref=1, kind="amount", value=500, threshold_fen=10000)) == 0
    assert coupon_discount(lines, Offer(ref=2, kind="amount", value=500)) == 500


def test_unit_share_gives_the_first_units_the_odd_fen_and_adds_up():
    assert [unit_share(1000, 3, n) for n in range(4)] == [0, 334, 667, 1000]


amounts = st.integers(min_value=0, max_value=10_000_000)


@st.composite
def orders(draw):
    count = draw(st.integers(min_value=1, max_value=6))
    lines = []
    for key in range(1, count + 1):
        quantity = draw(st.integers(min_value=1, max_value=5))
        list_fen = draw(amounts)
        activity = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=list_fen)))
        lines.append(line(key, list_fen, quantity=quantity, category=draw(st.sampled_from([1, 2])),
                          activity_fen=activity))
    return lines


offers = st.builds(
    Offer,
    ref=st.integers(min_value=1, max_value=100),
    kind=st.sampled_from(["amount", "percent"]),
    value=st.integers(min_value=0, max_value=100),
    funder=st.sampled_from(["merchant", "platform"]),
    scope=st.sampled_from([Scope(), Scope("categories", frozenset({1}))]),
    threshold_fen=st.integers(min_value=0, max_value=50_000),
    stacks_with_activity=st.booleans(),
)


@given(orders(), st.lists(offers, max_size=3), st.one_of(st.none(), offers), st.integers(min_value=0, max_value=5),
       st.integers(min_value=0, max_value=1_000_000))
def test_every_step_adds_up_and_no_line_goes_below_zero(lines, promotions, coupon, level, points):
    try:
        priced = price_order(lines, level_percent_off=level, promotions=promotions, coupon=coupon,
                             points=points, points_held=points)
    except Conflict:
        return  # a refused coupon or too many points: nothing to add up
    for p in priced.lines:
        parts = (p.activity_fen - p.level_fen - p.promotion_fen - p.coupon_fen - p.points_fen)
        assert p.paid_fen == parts >= 0
        assert min(p.level_fen, p.promotion_fen, p.coupon_fen, p.points_fen) >= 0
        assert p.activity_fen <= p.list_fen
    assert priced.points_fen == priced.points_used == points
    assert sum(p.discount_fen for p in priced.lines) == priced.list_fen - priced.paid_fen
