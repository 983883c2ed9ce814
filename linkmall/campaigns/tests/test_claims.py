"""Claiming and issuing coupons (spec §5): totals, per-user limits, claim windows, idempotent keys,
and the daily expiry. Every refusal has its own code and changes nothing."""

from datetime import timedelta

import pytest

from linkmall import testing
from linkmall.campaigns.models import Coupon, CouponTemplate
from linkmall.campaigns.selectors import claimable_templates
from linkmall.campaigns.services import coupon_claim, coupon_issue, coupons_expire
from linkmall.campaigns.tasks import coupons_expire_schedule, coupons_expire_task
from linkmall.campaigns.tests.factories import make_returning, make_template
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from linkmall.core.tasks import run_due
from linkmall.customers.models import Purchase

pytestmark = pytest.mark.django_db


def issued(template) -> int:
    return CouponTemplate.objects.values_list("issued", flat=True).get(pk=template.pk)


def test_a_claim_puts_a_coupon_valid_for_n_days_in_the_wallet_and_counts_it(shop, frozen):
    template = make_template(shop.merchant, valid_days=7)

    coupon = coupon_claim(user=shop.buyer, template_id=template.pk)

    coupon.refresh_from_db()
    assert (coupon.user_id, coupon.merchant_id, coupon.status, coupon.source, coupon.slot, coupon.key) == (
        shop.buyer.pk, shop.merchant.pk, "available", "claim", 1, f"claim:{shop.buyer.pk}:1")
    assert (coupon.claimed_at, coupon.valid_from, coupon.valid_until, coupon.used_at) == (
        frozen, frozen, frozen + timedelta(days=7), None)
    assert issued(template) == 1


def test_a_fixed_window_coupon_takes_the_templates_window(shop, frozen):
    template = make_template(shop.merchant, valid_from=frozen + timedelta(days=10),
                             valid_until=frozen + timedelta(days=11))

    coupon = coupon_claim(user=shop.buyer, template_id=template.pk)

    assert (coupon.valid_from, coupon.valid_until) == (frozen + timedelta(days=10), frozen + timedelta(days=11))


def test_the_per_user_limit_refuses_the_next_claim_and_changes_nothing(shop):
    template = make_template(shop.merchant, per_user_limit=2)
    coupon_claim(user=shop.buyer, template_id=template.pk)
    second = coupon_claim(user=shop.buyer, template_id=template.pk)

    with pytest.raises(Conflict) as refused:
        coupon_claim(user=shop.buyer, template_id=template.pk)

    assert (second.slot, refused.value.code) == (2, "coupon_limit_reached")
    assert (issued(template), Coupon.objects.count()) == (2, 2)


def test_a_sold_out_template_refuses_and_changes_nothing(shop):
    template = make_template(shop.merchant, total=1)
    coupon_claim(user=shop.buyer, template_id=template.pk)

    with pytest.raises(Conflict) as refused:
        coupon_claim(user=testing.make_consumer(), template_id=template.pk)

    assert refused.value.code == "coupon_sold_out"
    assert (issued(template), Coupon.objects.count()) == (1, 1)


@pytest.mark.parametrize(("fields", "code"), [
    ({"status": "draft"}, "coupon_unavailable"),
    ({"status": "paused"}, "coupon_unavailable"),
    ({"status": "ended"}, "coupon_unavailable"),
    ({"sources": ["guide"]}, "coupon_unavailable"),
    ({"claim_starts_at": clock.now() + timedelta(hours=1)}, "coupon_not_started"),
    ({"claim_ends_at": clock.now() - timedelta(seconds=1)}, "coupon_expired"),
    ({"valid_from": clock.now() - timedelta(days=2), "valid_until": clock.now() - timedelta(days=1)},
     "coupon_expired"),
])
def test_a_template_that_cannot_be_claimed_now_says_why_and_changes_nothing(shop, fields, code):
    template = make_template(shop.merchant, **fields)

    with pytest.raises(Conflict) as refused:
        coupon_claim(user=shop.buyer, template_id=template.pk)

    assert refused.value.code == code
    assert (issued(template), Coupon.objects.count()) == (0, 0)


def test_only_consumers_claim_and_an_unknown_template_is_not_found(shop):
    template = make_template(shop.merchant)

    with pytest.raises(PermissionDenied):
        coupon_claim(user=shop.owner, template_id=template.pk)
    with pytest.raises(NotFound):
        coupon_claim(user=shop.buyer, template_id=10**9)
    assert issued(template) == 0


def test_the_same_key_returns_the_same_coupon_and_issues_nothing_more(shop):
    template = make_template(shop.merchant, per_user_limit=5)

    first = coupon_claim(user=shop.buyer, template_id=template.pk, key="tap-1")
    again = coupon_claim(user=shop.buyer, template_id=template.pk, key="tap-1")

    assert (again.pk, again.key, issued(template)) == (first.pk, "tap-1", 1)


def test_a_key_already_used_by_another_buyer_is_refused(shop):
    template = make_template(shop.merchant)
    coupon_claim(user=shop.buyer, template_id=template.pk, key="k")

    with pytest.raises(Conflict) as refused:
        coupon_claim(user=testing.make_consumer(), template_id=template.pk, key="k")

    assert refused.value.code == "idempotency_key_reused"
    assert issued(template) == 1


def test_a_retried_key_returns_its_coupon_even_after_the_template_sold_out(shop):
    template = make_template(shop.merchant, total=1, sources=["invite"])
    first = coupon_issue(template=template, user=shop.buyer, source="invite", key="invite:tier1:42")

    again = coupon_issue(template=template, user=shop.buyer, source="invite", key="invite:tier1:42")

    assert again.pk == first.pk


def test_issuing_another_way_needs_the_source_on_the_template(shop):
    template = make_template(shop.merchant, sources=["claim", "guide"])

    coupon = coupon_issue(template=template, user=shop.buyer, source="guide", key="guide:7:1")
    with pytest.raises(Conflict) as refused:
        coupon_issue(template=template, user=testing.make_consumer(), source="layer", key="layer:1")
    with pytest.raises(InvalidInput):
        coupon_issue(template=template, user=testing.make_consumer(), source="spam", key="x")

    assert (coupon.source, coupon.key, refused.value.code) == ("guide", "guide:7:1", "coupon_unavailable")
    assert issued(template) == 1


def test_issued_coupons_count_towards_the_per_user_limit(shop):
    template = make_template(shop.merchant, sources=["claim", "guide"])
    coupon_issue(template=template, user=shop.buyer, source="guide", key="g1")

    with pytest.raises(Conflict) as refused:
        coupon_claim(user=shop.buyer, template_id=template.pk)

    assert refused.value.code == "coupon_limit_reached"


def test_the_expiry_marks_unused_coupons_past_their_end(shop, frozen):
    template = make_template(shop.merchant, valid_days=1, per_user_limit=3)
    old = coupon_claim(user=shop.buyer, template_id=template.pk)
    clock.advance(timedelta(hours=12))
    fresh = coupon_claim(user=shop.buyer, template_id=template.pk)
    used = coupon_claim(user=shop.buyer, template_id=template.pk)
    Coupon.objects.filter(pk=used.pk).update(status="used", used_at=clock.now())
    clock.advance(timedelta(hours=12))  # exactly the old coupon's end

    assert coupons_expire() == 1
    assert coupons_expire() == 0
    assert dict(Coupon.objects.values_list("pk", "status")) == {old.pk: "expired", fresh.pk: "available",
                                                                used.pk: "used"}


def test_the_daily_expiry_task_runs_and_books_the_next_run_once(shop, frozen):
    template = make_template(shop.merchant, valid_days=1)
    coupon = coupon_claim(user=shop.buyer, template_id=template.pk)

    assert (coupons_expire_schedule(), coupons_expire_schedule()) == (True, False)
    clock.advance(timedelta(days=1))
    assert run_due() == 1

    coupon.refresh_from_db()
    assert coupon.status == "expired"
    assert coupons_expire_schedule() is False  # the task booked tomorrow's run itself
    assert coupons_expire_task.call() == 0


# --- the new-customer gift (新人专享) -----------------------------------------------------------------


def test_a_new_customer_claims_a_new_customer_only_coupon_as_a_new_customer_gift(shop):
    template = make_template(shop.merchant, sources=["new_customer"])

    coupon = coupon_claim(user=shop.buyer, template_id=template.pk)

    assert (coupon.source, coupon.key, issued(template)) == ("new_customer", f"new_customer:{shop.buyer.pk}:1", 1)
    assert [(c.source, c.state) for c in claimable_templates(merchant_id=shop.merchant.pk, user=shop.buyer)] == [
        ("new_customer", "limit_reached")]


def test_a_customer_who_bought_before_is_refused_the_new_customer_coupon_and_nothing_changes(shop):
    template = make_template(shop.merchant, sources=["new_customer"], per_user_limit=2)
    coupon_claim(user=shop.buyer, template_id=template.pk)
    make_returning(shop.merchant, shop.buyer)

    with pytest.raises(Conflict) as refused:
        coupon_claim(user=shop.buyer, template_id=template.pk)
    with pytest.raises(Conflict) as named:
        coupon_claim(user=shop.buyer, template_id=template.pk, source="new_customer", key="tap-2")

    assert refused.value.code == named.value.code == "coupon_new_customers_only"
    assert (refused.value.status, refused.value.detail) == (409, {"template_id": template.pk})
    assert (issued(template), Coupon.objects.count()) == (1, 1)
    assert [c.state for c in claimable_templates(merchant_id=shop.merchant.pk, user=shop.buyer)] == [
        "not_new_customer"]


def test_a_purchase_at_another_merchant_keeps_the_customer_new_here(shop):
    template = make_template(shop.merchant, sources=["new_customer"])
    Purchase.objects.create(merchant=testing.make_merchant(), user=shop.buyer, source="mall", reference="LM9",
                            amount_fen=9900, occurred_at=clock.now())

    assert claimable_templates(merchant_id=shop.merchant.pk, user=shop.buyer)[0].state == "open"
    assert coupon_claim(user=shop.buyer, template_id=template.pk).source == "new_customer"


def test_a_template_offered_to_anyone_and_to_new_customers_claims_as_claim_for_anyone(shop):
    template = make_template(shop.merchant, sources=["claim", "new_customer"], per_user_limit=2)
    returning = make_returning(shop.merchant)

    theirs = coupon_claim(user=returning, template_id=template.pk)
    mine = coupon_claim(user=shop.buyer, template_id=template.pk)
    with pytest.raises(Conflict) as refused:  # naming the new-customer source is a new-customer claim
        coupon_claim(user=returning, template_id=template.pk, source="new_customer")

    assert (theirs.source, mine.source, refused.value.code) == ("claim", "claim", "coupon_new_customers_only")
    assert [(c.source, c.state) for c in claimable_templates(merchant_id=shop.merchant.pk, user=returning)] == [
        ("claim", "open")]
    assert issued(template) == 2


def test_the_claim_centre_lists_new_customer_templates_for_visitors_and_new_customers(shop):
    both = make_template(shop.merchant, name="都可领", sources=["claim", "new_customer"])
    new_only = make_template(shop.merchant, name="新人专享", sources=["new_customer"])
    make_template(shop.merchant, name="导购专享", sources=["guide"])
    returning = make_returning(shop.merchant)

    def states(user):
        return [(c.template.pk, c.source, c.state) for c in claimable_templates(merchant_id=shop.merchant.pk,
                                                                                 user=user)]

    assert states(None) == states(shop.buyer) == [(new_only.pk, "new_customer", "open"), (both.pk, "claim", "open")]
    assert states(returning) == [(new_only.pk, "new_customer", "not_new_customer"), (both.pk, "claim", "open")]


def test_the_new_customer_gift_issued_another_way_is_not_checked_by_the_claim_rule(shop):
    template = make_template(shop.merchant, sources=["new_customer"])
    make_returning(shop.merchant, shop.buyer)

    coupon = coupon_issue(template=template, user=shop.buyer, source="new_customer", key="gift:1")

    assert (coupon.source, issued(template)) == ("new_customer", 1)
