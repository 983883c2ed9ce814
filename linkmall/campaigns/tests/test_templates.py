"""Coupon templates: validity is a window or N days, the total never falls below what was issued,
and the terms are fixed once coupons may be out."""

from datetime import timedelta
from decimal import Decimal

import pytest

from linkmall import testing
from linkmall.campaigns.models import CouponTemplate
from linkmall.campaigns.services import (
    coupon_claim,
    coupon_template_create,
    coupon_template_set_status,
    coupon_template_update,
)
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotFound

pytestmark = pytest.mark.django_db


def create(shop, **fields):
    values = {"name": "满100减10", "kind": "amount", "value": 1000, "threshold_fen": 10000, "total": 50,
              "valid_days": 7}
    values.update(fields)
    return coupon_template_create(actor=shop.owner, merchant=shop.merchant, **values)


def test_the_owner_creates_a_draft_template_given_out_in_the_claim_centre(shop):
    template = create(shop)

    template.refresh_from_db()
    assert (template.status, template.total, template.issued, template.per_user_limit, template.sources) == (
        "draft", 50, 0, 1, ["claim"])
    assert (template.valid_days, template.valid_from, template.valid_until) == (7, None, None)


def test_a_fixed_window_and_several_sources_in_their_canonical_order(shop, frozen):
    template = create(shop, valid_days=None, valid_from=frozen, valid_until=frozen + timedelta(days=11),
                      sources=["share", "claim", "guide"])

    template.refresh_from_db()
    assert (template.valid_from, template.valid_until, template.sources) == (
        frozen, frozen + timedelta(days=11), ["claim", "guide", "share"])


@pytest.mark.parametrize(("fields", "field"), [
    ({"valid_days": None}, "valid_until"),
    ({"valid_days": 0}, "valid_days"),
    ({"valid_from": clock.now()}, "valid_days"),
    ({"valid_days": None, "valid_from": clock.now(), "valid_until": clock.now() - timedelta(days=1)}, "valid_until"),
    ({"total": 0}, "total"),
    ({"per_user_limit": 0}, "per_user_limit"),
    ({"sources": []}, "sources"),
    ({"sources": ["spam"]}, "sources"),
    ({"claim_starts_at": clock.now(), "claim_ends_at": clock.now() - timedelta(hours=1)}, "claim_ends_at"),
])
def test_bad_templates_are_refused_naming_the_field_and_nothing_is_created(shop, fields, field):
    with pytest.raises(InvalidInput) as refused:
        create(shop, **fields)

    assert list(refused.value.detail["fields"]) == [field]
    assert CouponTemplate.objects.count() == 0


def test_a_coupon_that_could_sell_below_cost_needs_the_loss_accepted(shop):
    with pytest.raises(InvalidInput) as refused:
        create(shop, kind="percent", value=Decimal(60), threshold_fen=0)

    assert (refused.value.code, refused.value.detail["price_fen"], refused.value.detail["cost_fen"]) == (
        "campaign_below_cost", 3960, 5000)
    assert create(shop, kind="percent", value=Decimal(60), threshold_fen=0, accept_loss=True).pk is not None


def test_a_draft_may_change_anything(shop):
    template = create(shop)

    coupon_template_update(actor=shop.owner, template_id=template.pk, value=1500, valid_days=30)

    template.refresh_from_db()
    assert (template.value, template.valid_days) == (Decimal(1500), 30)


def test_once_live_only_the_name_total_limit_sources_and_claim_window_change(shop):
    template = create(shop)
    coupon_template_set_status(actor=shop.owner, template_id=template.pk, status="active")

    coupon_template_update(actor=shop.owner, template_id=template.pk, name="改名", total=80, per_user_limit=2,
                           value=1000)  # the same value is no change
    with pytest.raises(Conflict) as refused:
        coupon_template_update(actor=shop.owner, template_id=template.pk, value=2000, valid_days=1)

    assert (refused.value.code, refused.value.detail) == ("campaign_terms_locked", {"changed": ["valid_days", "value"]})
    template.refresh_from_db()
    assert (template.name, template.total, template.per_user_limit, template.value, template.valid_days) == (
        "改名", 80, 2, Decimal(1000), 7)


def test_the_total_never_falls_below_what_was_issued(shop):
    template = create(shop, per_user_limit=3)
    coupon_template_set_status(actor=shop.owner, template_id=template.pk, status="active")
    for _ in range(3):
        coupon_claim(user=shop.buyer, template_id=template.pk)

    with pytest.raises(InvalidInput) as refused:
        coupon_template_update(actor=shop.owner, template_id=template.pk, total=2)
    coupon_template_update(actor=shop.owner, template_id=template.pk, total=3)

    assert list(refused.value.detail["fields"]) == ["total"]
    assert CouponTemplate.objects.values_list("total", "issued").get(pk=template.pk) == (3, 3)


def test_another_merchants_template_is_not_found_and_stays_as_it_was(shop):
    template = create(shop)
    other = testing.make_merchant_owner(testing.make_merchant())

    with pytest.raises(NotFound):
        coupon_template_update(actor=other, template_id=template.pk, total=1)
    with pytest.raises(NotFound):
        coupon_template_set_status(actor=other, template_id=template.pk, status="active")
    with pytest.raises(NotFound):
        coupon_template_set_status(actor=shop.owner, template_id=10**9, status="active")
    template.refresh_from_db()
    assert (template.total, template.status) == (50, "draft")


def test_an_ended_template_is_final(shop):
    template = create(shop)
    coupon_template_set_status(actor=shop.owner, template_id=template.pk, status="ended")

    with pytest.raises(Conflict) as moved:
        coupon_template_set_status(actor=shop.owner, template_id=template.pk, status="active")
    with pytest.raises(Conflict) as changed:
        coupon_template_update(actor=shop.owner, template_id=template.pk, total=99)

    assert (moved.value.code, changed.value.code) == ("campaign_state", "campaign_state")
