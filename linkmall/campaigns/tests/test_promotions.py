"""Store promotions: the owner creates, changes and moves them; bad terms name their field; a
promotion that could sell a listing below cost needs the owner to accept the loss."""

from datetime import timedelta
from decimal import Decimal

import pytest

from linkmall import testing
from linkmall.campaigns.models import Promotion
from linkmall.campaigns.services import promotion_create, promotion_set_status, promotion_update
from linkmall.campaigns.services._common import Terms, lowest_unit_price
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


def create(shop, **fields):
    values = {"name": "满299减50", "kind": "amount", "value": 5000, "threshold_fen": 29900}
    values.update(fields)
    return promotion_create(actor=shop.owner, merchant=shop.merchant, **values)


def test_the_owner_creates_a_draft_promotion_that_starts_now(shop, frozen):
    promotion = create(shop)

    promotion.refresh_from_db()
    assert (promotion.merchant_id, promotion.name, promotion.kind, promotion.value, promotion.threshold_fen) == (
        shop.merchant.pk, "满299减50", "amount", Decimal(5000), 29900)
    assert (promotion.status, promotion.starts_at, promotion.ends_at, promotion.funder) == ("draft", frozen, None,
                                                                                           "merchant")


def test_a_percent_promotion_keeps_its_decimal_and_its_cap(shop):
    promotion = create(shop, name="满2件9折", kind="percent", value=Decimal("10"), threshold_fen=0,
                       threshold_quantity=2, max_discount_fen=3000)

    promotion.refresh_from_db()
    assert (promotion.value, promotion.offer_value, promotion.threshold_quantity, promotion.max_discount_fen) == (
        Decimal("10.00"), Decimal("10.00"), 2, 3000)


@pytest.mark.parametrize(("fields", "field"), [
    ({"name": ""}, "name"),
    ({"name": "长" * 61}, "name"),
    ({"kind": "gift"}, "kind"),
    ({"value": 0}, "value"),
    ({"value": Decimal("12.5")}, "value"),
    ({"kind": "percent", "value": Decimal(100)}, "value"),
    ({"kind": "percent", "value": Decimal("9.999")}, "value"),
    ({"threshold_fen": -1}, "threshold_fen"),
    ({"max_discount_fen": 100}, "max_discount_fen"),
    ({"scope_kind": "brands"}, "scope_kind"),
    ({"scope_kind": "products", "scope_ids": []}, "scope_ids"),
    ({"scope_kind": "products", "scope_ids": [999999]}, "scope_ids"),
    ({"scope_kind": "categories", "scope_ids": [999999]}, "scope_ids"),
    ({"funder": "platform"}, "funder"),
    ({"ends_at": "tomorrow"}, "ends_at"),
    ({"threshold_quantity": -2}, "threshold_quantity"),
])
def test_bad_terms_are_refused_naming_the_field_and_nothing_is_created(shop, fields, field):
    with pytest.raises(InvalidInput) as refused:
        create(shop, **fields)

    assert refused.value.code == "invalid_input"
    assert list(refused.value.detail["fields"]) == [field]
    assert Promotion.objects.count() == 0


def test_a_promotion_must_end_after_it_starts(shop):
    start = clock.now()
    with pytest.raises(InvalidInput) as refused:
        create(shop, starts_at=start, ends_at=start)

    assert list(refused.value.detail["fields"]) == ["ends_at"]


def test_another_merchants_owner_and_a_consumer_may_not_create_one(shop):
    other = testing.make_merchant_owner(testing.make_merchant())

    with pytest.raises(NotFound):
        promotion_create(actor=other, merchant=shop.merchant, name="x", kind="amount", value=100)
    with pytest.raises(PermissionDenied):
        promotion_create(actor=shop.buyer, merchant=shop.merchant, name="x", kind="amount", value=100)
    assert Promotion.objects.count() == 0


def test_platform_staff_may_fund_a_promotion_from_the_platform(shop):
    promotion = promotion_create(actor=testing.make_platform_user(), merchant=shop.merchant, name="平台补贴",
                                 kind="amount", value=9000, funder="platform")

    assert (promotion.funder, promotion.value) == ("platform", Decimal(9000))


def test_a_discount_that_could_sell_below_cost_is_refused_unless_the_loss_is_accepted(shop):
    # 99.00 − 50.00 off (no threshold) = 49.00 < cost 50.00
    with pytest.raises(InvalidInput) as refused:
        create(shop, value=5000, threshold_fen=0)

    assert refused.value.code == "campaign_below_cost"
    assert refused.value.detail == {"listing_id": shop.listings[0].pk, "price_fen": 4900, "cost_fen": 5000,
                                    "listings": 2}
    assert Promotion.objects.count() == 0

    accepted = create(shop, value=5000, threshold_fen=0, accept_loss=True)
    assert accepted.pk is not None


def test_a_threshold_spreads_an_amount_over_the_order_so_the_same_amount_may_pass(shop):
    # 满198减50: one unit of 99.00 carries at most 50 × 99 / 198 = 25.00 → 74.00 ≥ 50.00
    assert create(shop, value=5000, threshold_fen=19800).pk is not None


def test_a_scope_only_checks_the_listings_it_covers(shop):
    other_category = testing.make_category("服饰")
    cheap = testing.make_product(testing.make_supplier(), category=other_category, cost_fen=9000, price_fen=9500)
    testing.make_listing(shop.merchant, cheap.skus.get())

    # 20 % off sells the 95.00 listing (cost 90.00) at 76.00, but only the shop's own category is in scope
    create(shop, kind="percent", value=Decimal(20), threshold_fen=0, scope_kind="categories",
           scope_ids=[shop.category.pk])
    with pytest.raises(InvalidInput) as refused:
        create(shop, kind="percent", value=Decimal(20), threshold_fen=0)

    assert (refused.value.code, refused.value.detail["price_fen"]) == ("campaign_below_cost", 7600)


def test_a_platform_funded_discount_never_costs_the_merchant(shop):
    promotion = promotion_create(actor=testing.make_platform_user(), merchant=shop.merchant, name="平台补贴",
                                 kind="amount", value=9000, funder="platform")

    assert promotion.pk is not None


@pytest.mark.parametrize(("kind", "value", "threshold", "cap", "lowest"), [
    ("amount", 1000, 0, None, 8900),
    ("amount", 1000, 19800, None, 9400),  # 10 × 99 / 198 = 5.00
    ("amount", 20000, 0, None, 0),
    ("percent", Decimal(15), 0, None, 8415),
    ("percent", Decimal(15), 0, 1000, 8900),
])
def test_the_lowest_unit_price_of_a_listing_after_an_offer(kind, value, threshold, cap, lowest):
    terms = Terms(kind=kind, value=Decimal(value), threshold_fen=threshold, max_discount_fen=cap, scope_kind="all",
                  scope_ids=[])

    assert lowest_unit_price(9900, terms) == lowest


def test_the_owner_changes_some_fields_and_the_rest_stay(shop):
    promotion = create(shop)
    ends = clock.now() + timedelta(days=3)

    updated = promotion_update(actor=shop.owner, promotion_id=promotion.pk, name="双十一满299减60", value=6000,
                               ends_at=ends)

    updated.refresh_from_db()
    assert (updated.name, updated.value, updated.threshold_fen, updated.ends_at) == (
        "双十一满299减60", Decimal(6000), 29900, ends)


def test_a_change_is_checked_as_a_whole_and_a_refused_one_changes_nothing(shop):
    promotion = create(shop)

    with pytest.raises(InvalidInput) as refused:
        promotion_update(actor=shop.owner, promotion_id=promotion.pk, kind="percent")  # 5000 % is no percent

    assert list(refused.value.detail["fields"]) == ["value"]
    promotion.refresh_from_db()
    assert (promotion.kind, promotion.value) == ("amount", Decimal(5000))


def test_another_merchants_promotion_is_not_found(shop):
    promotion = create(shop)
    other = testing.make_merchant_owner(testing.make_merchant())

    with pytest.raises(NotFound):
        promotion_update(actor=other, promotion_id=promotion.pk, name="偷改")
    with pytest.raises(NotFound):
        promotion_set_status(actor=other, promotion_id=promotion.pk, status="active")
    promotion.refresh_from_db()
    assert (promotion.name, promotion.status) == ("满299减50", "draft")


def test_a_promotion_goes_live_pauses_resumes_and_ends_for_good(shop):
    promotion = create(shop)
    seen = []
    for status in ("active", "active", "paused", "active", "ended"):
        seen.append(promotion_set_status(actor=shop.owner, promotion_id=promotion.pk, status=status).status)

    assert seen == ["active", "active", "paused", "active", "ended"]
    with pytest.raises(Conflict) as refused:
        promotion_set_status(actor=shop.owner, promotion_id=promotion.pk, status="active")
    with pytest.raises(Conflict) as frozen_terms:
        promotion_update(actor=shop.owner, promotion_id=promotion.pk, name="复活")
    assert (refused.value.code, frozen_terms.value.code) == ("campaign_state", "campaign_state")
    assert Promotion.objects.get(pk=promotion.pk).status == "ended"


def test_a_draft_cannot_be_paused(shop):
    promotion = create(shop)

    with pytest.raises(Conflict) as refused:
        promotion_set_status(actor=shop.owner, promotion_id=promotion.pk, status="paused")

    assert (refused.value.code, refused.value.detail) == ("campaign_state", {"status": "draft", "wanted": "paused"})
