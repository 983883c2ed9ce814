"""到店核销券 (docs/o2o.md, "In-store coupons"): claimed online, shown in the wallet with its code
and QR, never used at online checkout, redeemed by a store of its merchant on an in-store purchase."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from linkmall import testing
from linkmall.accounts.models import User
from linkmall.accounts.services import api_token_issue
from linkmall.aftersales.services.redemption import redeem_code
from linkmall.campaigns.models import Coupon, CouponTemplate
from linkmall.campaigns.selectors import checkout_offers
from linkmall.campaigns.services import coupon_claim
from linkmall.campaigns.services import coupons as coupon_services
from linkmall.core import clock
from linkmall.core.errors import DomainError
from linkmall.orders.models import Order, Redemption
from linkmall.orders.services import order_place
from linkmall.stores.models import Merchant, Store

pytestmark = pytest.mark.django_db


@dataclass
class Shop:
    merchant: Merchant
    store: Store
    guide: User
    other_guide: User
    foreign_guide: User
    owner: User
    buyer: User
    listing_id: int
    template: CouponTemplate


def make_in_store_template(merchant: Merchant, **fields) -> CouponTemplate:
    values = {"name": "到店满100减20", "kind": "amount", "value": Decimal(2000), "threshold_fen": 10000, "total": 100,
              "per_user_limit": 2, "valid_days": 7, "sources": ["claim", "guide"], "status": "active",
              "in_store": True}
    values.update(fields)
    return CouponTemplate.objects.create(merchant=merchant, **values)


@pytest.fixture
def shop(db) -> Shop:
    supplier = testing.make_supplier()
    merchant = testing.make_merchant()
    sku = testing.make_product(supplier, price_fen=19900, cost_fen=5000, stock=50).skus.get()
    listing = testing.make_listing(merchant, sku, price_fen=19900)
    store, other_store = testing.make_store(merchant, name="南京西路店"), testing.make_store(merchant, name="徐汇店")
    foreign = testing.make_store(testing.make_merchant())
    return Shop(
        merchant=merchant, store=store, guide=testing.make_guide(store).user,
        other_guide=testing.make_guide(other_store).user, foreign_guide=testing.make_guide(foreign).user,
        owner=testing.make_merchant_owner(merchant), buyer=testing.make_consumer(), listing_id=listing.pk,
        template=make_in_store_template(merchant),
    )


def refused(call, **kwargs) -> str:
    with pytest.raises(DomainError) as exc:
        call(**kwargs)
    return exc.value.code


def api(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_issue(user=user)}"})


# --- claiming and the wallet -----------------------------------------------------------------


def test_a_claimed_in_store_coupon_has_an_eight_digit_code_and_shows_it_with_a_qr_in_the_wallet(shop, client):
    coupon = coupon_claim(user=shop.buyer, template_id=shop.template.pk)
    online = coupon_claim(user=shop.buyer, template_id=make_in_store_template(shop.merchant, in_store=False).pk)

    assert len(coupon.code) == 8 and coupon.code.isdigit() and online.code == ""
    client.force_login(shop.buyer)
    html = client.get("/me/coupons/").content.decode()
    assert f'id="coupon-code-{coupon.pk}"' in html and f'data-code="{coupon.code}"' in html
    assert html.count('src="data:image/png;base64,') == 1 and html.count('class="badge coupon-in-store"') == 1
    assert f'id="coupon-code-{online.pk}"' not in html
    wallet = api(shop.buyer).get("/api/v1/campaigns/me/coupons").json()["items"]
    assert {(row["id"], row["in_store"], row["code"]) for row in wallet} == {
        (coupon.pk, True, coupon.code), (online.pk, False, None)}


def test_two_available_coupons_never_share_a_code_and_a_collision_draws_again(shop, monkeypatch):
    first = coupon_claim(user=shop.buyer, template_id=shop.template.pk)
    draws = iter([first.code, "12345678"])
    monkeypatch.setattr(coupon_services, "in_store_code", lambda: next(draws))
    second = coupon_claim(user=testing.make_consumer(), template_id=shop.template.pk)
    assert second.code == "12345678"
    with pytest.raises(IntegrityError), transaction.atomic():
        Coupon.objects.filter(pk=second.pk).update(code=first.code)
    # a used coupon frees its code
    Coupon.objects.filter(pk=first.pk).update(status=Coupon.Status.USED, used_at=clock.now())
    Coupon.objects.filter(pk=second.pk).update(code=first.code)
    assert CouponTemplate.objects.get(pk=shop.template.pk).issued == 2


def test_the_console_form_and_the_api_create_an_in_store_template(shop, client):
    client.force_login(shop.owner)
    page = client.post("/console/merchant/campaigns/coupons/new/", {
        "name": "到店券", "kind": "amount", "amount": "5", "scope_kind": "all", "total": "10",
        "per_user_limit": "1", "valid_days": "7", "sources": ["claim"], "in_store": "on"})
    created = api(shop.owner).post("/api/v1/campaigns/merchant/coupon-templates", {
        "name": "到店券2", "kind": "amount", "value": "500", "total": 10, "valid_days": 7, "in_store": True,
    }, content_type="application/json")
    plain = api(shop.owner).post("/api/v1/campaigns/merchant/coupon-templates", {
        "name": "线上券", "kind": "amount", "value": "500", "total": 10, "valid_days": 7,
    }, content_type="application/json")

    assert page.status_code == 302 and CouponTemplate.objects.get(name="到店券").in_store is True
    assert created.status_code == 201 and created.json()["in_store"] is True
    assert plain.status_code == 201 and plain.json()["in_store"] is False


# --- never at online checkout ------------------------------------------------------------------


def test_an_in_store_coupon_is_never_offered_nor_usable_at_online_checkout(shop):
    coupon = coupon_claim(user=shop.buyer, template_id=shop.template.pk)
    online = coupon_claim(user=shop.buyer, template_id=make_in_store_template(shop.merchant, in_store=False).pk)

    offers = checkout_offers(buyer=shop.buyer, merchant=shop.merchant, first_order=True)
    assert [c.pk for c, _ in offers.coupons] == [online.pk]
    assert refused(order_place, buyer=shop.buyer, merchant=shop.merchant, lines=[(shop.listing_id, 1)], address=None,
                   client_token="in-store-1", fulfilment_mode="pickup", pickup_store=shop.store,
                   coupon_id=coupon.pk) == "coupon_in_store_only"
    assert refused(coupon_services.coupon_use, coupon_id=coupon.pk, buyer=shop.buyer) == "coupon_in_store_only"
    assert Order.objects.count() == 0
    assert Coupon.objects.get(pk=coupon.pk).status == Coupon.Status.AVAILABLE


def test_the_checkout_api_refuses_an_in_store_coupon_with_a_clear_code(shop):
    coupon = coupon_claim(user=shop.buyer, template_id=shop.template.pk)
    answer = api(shop.buyer).post("/api/v1/orders/", {
        "merchant_id": shop.merchant.pk, "lines": [{"listing_id": shop.listing_id, "quantity": 1}],
        "client_token": "api-in-store", "fulfilment_mode": "pickup", "pickup_store_id": shop.store.pk,
        "coupon_id": coupon.pk,
    }, content_type="application/json")
    assert (answer.status_code, answer.json()["code"]) == (409, "coupon_in_store_only")
    assert Order.objects.count() == 0


# --- redemption in the store -----------------------------------------------------------------------


def test_the_right_stores_guide_redeems_it_on_an_in_store_purchase_and_a_retry_is_already(shop):
    coupon = coupon_claim(user=shop.buyer, template_id=shop.template.pk)

    result = redeem_code(actor=shop.guide, code=f"{coupon.code[:4]} {coupon.code[4:]}", purchase_fen=12800)

    row = result.redemption
    assert (row.kind, row.outcome, row.store_id, row.actor_id, row.coupon_id, row.purchase_fen, row.order_id) == (
        "coupon", "redeemed", shop.store.pk, shop.guide.pk, coupon.pk, 12800, None)
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.USED and coupon.used_at == row.at
    with pytest.raises(DomainError) as again:
        redeem_code(actor=shop.guide, code=coupon.code, purchase_fen=12800)
    assert again.value.code == "redeem_already"
    assert (again.value.detail["redemption_id"], again.value.detail["coupon_id"]) == (row.pk, coupon.pk)
    assert list(Redemption.objects.order_by("pk").values_list("outcome", "kind", "coupon_id", "purchase_fen")) == [
        ("redeemed", "coupon", coupon.pk, 12800), ("redeem_already", "coupon", coupon.pk, None)]


def test_any_store_of_the_merchant_and_its_owner_may_redeem_it(shop):
    first = coupon_claim(user=shop.buyer, template_id=shop.template.pk)
    second = coupon_claim(user=shop.buyer, template_id=shop.template.pk)
    assert redeem_code(actor=shop.other_guide, code=first.code, purchase_fen=10000).redemption.outcome == "redeemed"
    by_owner = redeem_code(actor=shop.owner, code=second.code, store_id=shop.store.pk, purchase_fen=50000)
    assert (by_owner.redemption.store_id, by_owner.redemption.actor_id) == (shop.store.pk, shop.owner.pk)
    assert refused(redeem_code, actor=shop.guide, code=first.code, purchase_fen=10000) == "redeem_already"


def test_another_merchants_store_is_refused_audited_and_nothing_changes(shop):
    coupon = coupon_claim(user=shop.buyer, template_id=shop.template.pk)

    assert refused(redeem_code, actor=shop.foreign_guide, code=coupon.code, purchase_fen=12800) == "redeem_wrong_store"

    assert Coupon.objects.get(pk=coupon.pk).status == Coupon.Status.AVAILABLE
    row = Redemption.objects.get()
    assert (row.outcome, row.kind, row.coupon_id, row.actor_id) == (
        "redeem_wrong_store", "coupon", coupon.pk, shop.foreign_guide.pk)
    # used elsewhere later, the code still answers wrong store at the other merchant
    redeem_code(actor=shop.guide, code=coupon.code, purchase_fen=12800)
    assert refused(redeem_code, actor=shop.foreign_guide, code=coupon.code, purchase_fen=12800) == "redeem_wrong_store"


@pytest.mark.parametrize(("purchase", "code"), [
    (None, "invalid_input"), (-1, "invalid_input"), (True, "invalid_input"), ("100", "invalid_input"),
    (9999, "redeem_below_threshold"),
])
def test_a_missing_negative_or_too_small_purchase_is_refused_and_audited(shop, purchase, code):
    coupon = coupon_claim(user=shop.buyer, template_id=shop.template.pk)

    assert refused(redeem_code, actor=shop.guide, code=coupon.code, purchase_fen=purchase) == code

    assert Coupon.objects.get(pk=coupon.pk).status == Coupon.Status.AVAILABLE
    row = Redemption.objects.get()
    assert (row.outcome, row.coupon_id, row.purchase_fen) == (
        "redeem_invalid", coupon.pk, 9999 if purchase == 9999 else None)


def test_a_template_without_threshold_takes_a_zero_purchase(shop):
    template = make_in_store_template(shop.merchant, threshold_fen=0)
    coupon = coupon_claim(user=shop.buyer, template_id=template.pk)
    assert redeem_code(actor=shop.guide, code=coupon.code, purchase_fen=0).redemption.purchase_fen == 0


def test_an_expired_coupon_is_already_whether_or_not_the_expiry_task_ran(shop):
    coupon = coupon_claim(user=shop.buyer, template_id=shop.template.pk)
    Coupon.objects.filter(pk=coupon.pk).update(valid_from=clock.now() - timedelta(days=8),
                                               valid_until=clock.now() - timedelta(seconds=1))

    assert refused(redeem_code, actor=shop.guide, code=coupon.code, purchase_fen=12800) == "redeem_already"
    coupon_services.coupons_expire()
    assert refused(redeem_code, actor=shop.guide, code=coupon.code, purchase_fen=12800) == "redeem_already"

    assert Coupon.objects.get(pk=coupon.pk).status == Coupon.Status.EXPIRED
    assert list(Redemption.objects.values_list("outcome", "coupon_id")) == [("redeem_already", coupon.pk)] * 2


def test_a_coupon_not_valid_yet_is_refused(shop):
    template = make_in_store_template(shop.merchant, valid_days=None, valid_from=clock.now() + timedelta(days=1),
                                      valid_until=clock.now() + timedelta(days=5))
    coupon = coupon_claim(user=shop.buyer, template_id=template.pk)
    assert refused(redeem_code, actor=shop.guide, code=coupon.code, purchase_fen=12800) == "coupon_not_started"
    assert Coupon.objects.get(pk=coupon.pk).status == Coupon.Status.AVAILABLE


# --- API and page -----------------------------------------------------------------------------------


def test_the_api_redeems_with_the_purchase_and_the_log_shows_it(shop):
    coupon = coupon_claim(user=shop.buyer, template_id=shop.template.pk)
    guide = api(shop.guide)

    missing = guide.post("/api/v1/redeem", {"code": coupon.code}, content_type="application/json")
    negative = guide.post("/api/v1/redeem", {"code": coupon.code, "purchase_fen": -5}, content_type="application/json")
    wrong = api(shop.foreign_guide).post("/api/v1/redeem", {"code": coupon.code, "purchase_fen": 12800},
                                         content_type="application/json")
    done = guide.post("/api/v1/redeem", {"code": coupon.code, "purchase_fen": 12800}, content_type="application/json")
    again = guide.post("/api/v1/redeem", {"code": coupon.code, "purchase_fen": 12800}, content_type="application/json")

    assert (missing.status_code, missing.json()["code"]) == (400, "invalid_input")
    assert negative.status_code == 422
    assert (wrong.status_code, wrong.json()["code"]) == (409, "redeem_wrong_store")
    assert done.status_code == 200
    body = done.json()["redemption"]
    assert (body["kind"], body["coupon_id"], body["purchase_fen"], body["store_id"], body["order_id"]) == (
        "coupon", coupon.pk, 12800, shop.store.pk, None)
    assert (again.status_code, again.json()["code"]) == (409, "redeem_already")
    log = guide.get("/api/v1/redeem/log").json()["items"]
    assert [(row["outcome"], row["purchase_fen"]) for row in log] == [
        ("redeem_already", None), ("redeemed", 12800), ("redeem_invalid", None)]


def test_the_redeem_page_takes_the_purchase_in_yuan(shop, client):
    coupon = coupon_claim(user=shop.buyer, template_id=shop.template.pk)
    client.force_login(shop.guide)

    missing = client.post("/staff/redeem/", {"code": coupon.code})
    bad = client.post("/staff/redeem/", {"code": coupon.code, "purchase": "12.345"})
    done = client.post("/staff/redeem/", {"code": coupon.code, "purchase": "128.00"})
    again = client.post("/staff/redeem/", {"code": coupon.code, "purchase": "128.00"})

    assert missing.status_code == bad.status_code == 400
    assert 'data-code="invalid_input"' in missing.content.decode()
    html = done.content.decode()
    assert done.status_code == 200 and 'id="redeemed-coupon"' in html and "128.00" in html
    assert again.status_code == 409 and 'data-code="redeem_already"' in again.content.decode()
    assert Redemption.objects.get(outcome="redeemed").purchase_fen == 12800


def test_digits_that_are_both_another_stores_pickup_code_and_this_merchants_coupon_redeem_the_coupon(shop):
    coupon = coupon_claim(user=shop.buyer, template_id=shop.template.pk)
    # an open pick-up order of another merchant's store holding the same eight digits
    foreign_store = Store.objects.exclude(merchant=shop.merchant).get()
    order = order_place(buyer=shop.buyer, merchant=shop.merchant, lines=[(shop.listing_id, 1)],
                        address=testing.make_address(shop.buyer), client_token="same-digits")
    Order.objects.filter(pk=order.pk).update(fulfilment_mode="pickup", pickup_store=foreign_store,
                                             pickup_code=coupon.code)

    row = redeem_code(actor=shop.guide, code=coupon.code, purchase_fen=12800).redemption

    assert (row.kind, row.outcome, row.coupon_id) == ("coupon", "redeemed", coupon.pk)
    # at the other store, the digits are its own order's pick-up code
    assert refused(redeem_code, actor=shop.foreign_guide, code=coupon.code) == "redeem_not_ready"


def test_the_counters_discount_is_booked_as_its_funders_marketing_cost(shop):
    from linkmall.ledger.models import OwnerKind
    from linkmall.ledger.selectors import balance_of, ledger_verify, marketing_cost

    merchant_coupon = coupon_claim(user=shop.buyer, template_id=shop.template.pk)
    redeem_code(actor=shop.guide, code=merchant_coupon.code, purchase_fen=12800)
    assert marketing_cost(owner_kind=OwnerKind.MERCHANT, owner_id=shop.merchant.pk) == 2000

    # a platform-funded 9折 capped at 15.00: the platform's cost, paid back to the merchant
    platform = make_in_store_template(shop.merchant, name="平台到店9折", kind="percent", value=Decimal(10),
                                      max_discount_fen=1500, threshold_fen=0, funder="platform")
    coupon = coupon_claim(user=shop.buyer, template_id=platform.pk)
    redeem_code(actor=shop.guide, code=coupon.code, purchase_fen=12800)  # 12.80 off
    coupon = coupon_claim(user=shop.buyer, template_id=platform.pk)
    redeem_code(actor=shop.guide, code=coupon.code, purchase_fen=30000)  # 30.00, cut to 15.00
    assert marketing_cost(owner_kind=OwnerKind.PLATFORM, owner_id=0) == 1280 + 1500
    assert balance_of(owner_kind=OwnerKind.MERCHANT, owner_id=shop.merchant.pk, bucket="available") == 1280 + 1500
    assert marketing_cost(owner_kind=OwnerKind.MERCHANT, owner_id=shop.merchant.pk) == 2000
    assert ledger_verify().ok
