"""Guides earn (docs/o2o.md, "Guides earn"): the merchant's terms and their compliance review, who
is paid on an order (the order's guide, the guide who sent its coupon, the guide who hands a pick-up
over; the guide who invited the promoter that bound the buyer, one level only), and the money: out
of the merchant's share into the guide's ledger account, pending until settlement, clawed back on
refunds. Orders are placed, paid at the sandbox cashier and refunded through the real services."""

from datetime import timedelta
from decimal import Decimal

import pytest

from linkmall import testing as t
from linkmall.aftersales.services.redemption import pickup_parcel_received, redeem_code
from linkmall.campaigns.models import CouponSource, GuideCoupon
from linkmall.campaigns.services import coupon_issue
from linkmall.campaigns.tests.factories import make_template
from linkmall.core import clock
from linkmall.core.errors import DomainError
from linkmall.customers.models import Profile
from linkmall.ledger.models import LedgerAccount, OwnerKind
from linkmall.ledger.selectors import ledger_verify
from linkmall.orders.services import fulfilment_ship, order_place
from linkmall.payments.services import refund_create
from linkmall.payments.tests.helpers import pay
from linkmall.referral.graph import referral_bind
from linkmall.referral.guide_pay import earnings_of, merchant_guide_totals, terms_of, terms_set
from linkmall.referral.models import GuidePay, OrderSettlement
from linkmall.referral.services import rewards_pause
from linkmall.referral.settlement import order_settle

pytestmark = pytest.mark.django_db

PRICE, COST = 10000, 4000


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(clock.now())


@pytest.fixture
def mall():
    supplier, merchant = t.make_supplier(), t.make_merchant()
    product = t.make_product(supplier, cost_fen=COST, price_fen=PRICE, stock=100)
    listing = t.make_listing(merchant, product.skus.get(), price_fen=PRICE)
    store = t.make_store(merchant, name="南京西路店")
    buyer = t.make_consumer()
    return {"merchant": merchant, "supplier": supplier, "listing": listing, "store": store,
            "guide": t.make_guide(store), "other_guide": t.make_guide(store),
            "owner": t.make_merchant_owner(merchant), "supplier_staff": t.make_supplier_staff(supplier),
            "operator": t.make_platform_user(), "buyer": buyer, "address": t.make_address(buyer)}


def terms(mall, commission="5", team="0", **kw):
    return terms_set(actor=mall["owner"], merchant_id=mall["merchant"].pk, commission_percent=commission,
                     team_percent=team, acknowledge=kw.get("acknowledge", team != "0"))


def buy(mall, quantity=2, *, token="t-1", guide=None, coupon=None, **kw):
    order = order_place(buyer=mall["buyer"], merchant=mall["merchant"], lines=[(mall["listing"].pk, quantity)],
                        address=mall["address"], client_token=token, guide=guide,
                        coupon_id=coupon.pk if coupon else None, **kw)
    pay(order)
    return order


def guide_money(guide):
    """The guide's balances by bucket, zero ones left out."""
    return {a.bucket: a.balance_fen for a in LedgerAccount.objects.filter(owner_kind=OwnerKind.GUIDE, owner_id=guide.pk)
            if a.balance_fen}


def merchant_pending(mall):
    return LedgerAccount.objects.get(owner_kind=OwnerKind.MERCHANT, owner_id=mall["merchant"].pk,
                                     bucket="pending").balance_fen


def code_of(exc):
    return exc.value.code


# --- the terms -------------------------------------------------------------------------------------

def test_a_commission_alone_carries_no_risk_and_is_saved(mall):
    saved = terms(mall, commission="6.5")
    assert (saved.commission_percent, saved.team_percent, saved.compliance) == (Decimal("6.5"), 0, [])
    assert saved.acknowledged_at is None


def test_a_management_reward_is_team_pay_and_must_be_acknowledged(mall):
    with pytest.raises(DomainError) as exc:
        terms(mall, commission="5", team="5", acknowledge=False)
    assert code_of(exc) == "compliance_ack_required"
    assert [r["code"] for r in exc.value.detail["risks"]] == ["team_pay"]
    assert exc.value.detail["risks"][0]["article"] == "Art. 7(3)"
    assert "团队计酬" in exc.value.detail["risks"][0]["explanation"]
    assert not GuidePay.objects.exists()

    saved = terms(mall, commission="5", team="5", acknowledge=True)
    assert [r["code"] for r in saved.compliance] == ["team_pay"]
    assert saved.acknowledged_by == mall["owner"] and saved.acknowledged_at == clock.now()


@pytest.mark.parametrize(("commission", "team", "field"), [
    ("abc", "0", "commission_percent"), ("-1", "0", "commission_percent"), ("30.01", "0", "commission_percent"),
    ("5", "10.5", "team_percent"), ("5", "1.234", "team_percent"), ("NaN", "0", "commission_percent"),
])
def test_bad_or_excessive_percentages_are_refused_and_nothing_is_saved(mall, commission, team, field):
    with pytest.raises(DomainError) as exc:
        terms(mall, commission=commission, team=team, acknowledge=True)
    assert code_of(exc) == "invalid_input" and field in exc.value.detail["fields"]
    assert not GuidePay.objects.exists()


def test_only_the_merchants_owner_sets_the_terms(mall):
    other_owner = t.make_merchant_owner(t.make_merchant())
    for actor in (mall["guide"].user, mall["buyer"], other_owner):
        with pytest.raises(DomainError) as exc:
            terms_set(actor=actor, merchant_id=mall["merchant"].pk, commission_percent="5", team_percent="0")
        assert code_of(exc) in ("permission_denied", "not_found")
    assert terms_of(mall["merchant"].pk) is None


# --- commission ------------------------------------------------------------------------------------

def test_the_orders_guide_earns_the_commission_out_of_the_merchants_share_pending_until_settled(mall):
    terms(mall, commission="5")
    before = buy(mall, token="no-guide")  # no guide: no one is paid, the merchant keeps its share
    merchant_alone = merchant_pending(mall)
    order = buy(mall, guide=mall["guide"])

    assert guide_money(mall["guide"]) == {"pending": 1000}  # 5 % of 200.00
    assert merchant_pending(mall) == 2 * merchant_alone - 1000
    settlement = OrderSettlement.objects.get(order=order)
    assert (settlement.guide_id, settlement.guide_percent) == (mall["guide"].pk, Decimal("5.00"))
    assert OrderSettlement.objects.get(order=before).guide_id is None
    assert ledger_verify().ok

    clock.freeze(clock.now() + timedelta(days=30))
    assert order_settle(order_id=order.pk) is True
    assert guide_money(mall["guide"]) == {"available": 1000}
    assert ledger_verify().ok


def test_a_refund_claws_the_commission_back_before_and_after_settlement(mall):
    terms(mall, commission="5")
    order = buy(mall, quantity=3, guide=mall["guide"])
    line = order.lines.get()
    refund_create(actor=mall["operator"], order=order, lines=[(line.pk, 1)], reason="", idempotency_key="r1")
    assert guide_money(mall["guide"]) == {"pending": 1000}  # 5 % of the 200.00 left

    clock.freeze(clock.now() + timedelta(days=30))
    order_settle(order_id=order.pk)
    refund_create(actor=mall["operator"], order=order, lines=[(line.pk, 2)], reason="", idempotency_key="r2")
    assert guide_money(mall["guide"]) == {}  # nothing left of the order, nothing owed
    assert ledger_verify().ok


def test_new_terms_apply_to_orders_paid_from_then_on(mall):
    terms(mall, commission="5")
    first = buy(mall, token="a", guide=mall["guide"])
    terms(mall, commission="10")
    buy(mall, token="b", guide=mall["guide"])
    assert guide_money(mall["guide"]) == {"pending": 1000 + 2000}
    refund_create(actor=mall["operator"], order=first, lines=None, reason="", idempotency_key="r")
    assert guide_money(mall["guide"]) == {"pending": 2000}


def test_the_guide_who_sent_the_coupon_earns_when_the_order_has_no_guide(mall):
    terms(mall, commission="5")
    template = make_template(mall["merchant"], value=Decimal(1000), funder="merchant", sources=["guide"])
    coupon = coupon_issue(template=template, user=mall["buyer"], source=CouponSource.GUIDE, key="g-1")
    profile = Profile.objects.get_or_create(merchant=mall["merchant"], user=mall["buyer"])[0]
    GuideCoupon.objects.create(coupon=coupon, guide=mall["other_guide"], profile=profile)

    buy(mall, coupon=coupon)
    assert guide_money(mall["other_guide"]) == {"pending": 950}  # 5 % of the 190.00 paid
    assert guide_money(mall["guide"]) == {}


def test_no_terms_an_inactive_guide_or_a_guide_of_another_merchant_earn_nothing(mall):
    buy(mall, token="a", guide=mall["guide"])
    assert guide_money(mall["guide"]) == {}
    terms(mall, commission="5")
    mall["guide"].is_active = False
    mall["guide"].save()
    with pytest.raises(DomainError):  # placing refuses an inactive guide; nothing is paid
        buy(mall, token="b", guide=mall["guide"])
    assert not LedgerAccount.objects.filter(owner_kind=OwnerKind.GUIDE).exclude(balance_fen=0).exists()


# --- management reward -----------------------------------------------------------------------------

def test_the_guide_who_invited_the_buyers_promoter_earns_the_management_reward_one_level_only(mall):
    terms(mall, commission="5", team="3")
    guide = mall["guide"]
    promoter, deeper = t.make_consumer(), t.make_consumer()
    referral_bind(user=promoter, referrer=guide.user, via="link")
    referral_bind(user=mall["buyer"], referrer=promoter, via="link")

    buy(mall, token="a")
    assert guide_money(guide) == {"pending": 600}  # 3 % of 200.00: the promoter's customer bought

    # the promoter's customer's own customer is two levels below the guide: no reward
    referral_bind(user=deeper, referrer=mall["buyer"], via="link")
    order_place(buyer=deeper, merchant=mall["merchant"], lines=[(mall["listing"].pk, 1)],
                address=t.make_address(deeper), client_token="deep")
    pay(deeper.orders.get())
    assert guide_money(guide) == {"pending": 600}
    assert ledger_verify().ok


def test_a_guide_gets_commission_and_team_reward_on_one_order_and_both_show_in_its_earnings(mall):
    terms(mall, commission="5", team="3")
    guide = mall["guide"]
    promoter = t.make_consumer()
    referral_bind(user=promoter, referrer=guide.user, via="link")
    referral_bind(user=mall["buyer"], referrer=promoter, via="link")
    order = buy(mall, guide=guide)

    assert guide_money(guide) == {"pending": 1600}
    (earning,) = earnings_of(guide)
    assert (earning.order_id, earning.roles, earning.percent, earning.amount_fen, earning.settled) == (
        order.pk, ("commission", "team"), "5.00% + 3.00%", 1600, False)
    totals = {g.guide.pk: (g.pending_fen, g.available_fen, g.orders) for g in
              merchant_guide_totals(actor=mall["owner"], merchant_id=mall["merchant"].pk)}
    assert totals == {guide.pk: (1600, 0, 2), mall["other_guide"].pk: (0, 0, 0)}


def test_the_kill_switch_stops_the_management_reward_for_orders_paid_meanwhile(mall):
    terms(mall, commission="0", team="3")
    promoter = t.make_consumer()
    referral_bind(user=promoter, referrer=mall["guide"].user, via="link")
    referral_bind(user=mall["buyer"], referrer=promoter, via="link")
    rewards_pause(actor=mall["operator"], paused=True, reason="review")
    buy(mall)
    assert guide_money(mall["guide"]) == {}


# --- pick-up at the counter ------------------------------------------------------------------------

def test_the_guide_who_hands_a_pickup_over_earns_its_commission(mall):
    terms(mall, commission="5")
    order = order_place(buyer=mall["buyer"], merchant=mall["merchant"], lines=[(mall["listing"].pk, 2)],
                        address=None, client_token="p", fulfilment_mode="pickup", pickup_store=mall["store"])
    pay(order)
    assert guide_money(mall["other_guide"]) == {}
    fulfilment_ship(actor=mall["supplier_staff"], fulfilment=order.fulfilments.get(), carrier="SF",
                    tracking_number="SF1234567890")
    pickup_parcel_received(actor=mall["guide"].user, order_id=order.pk)
    order.refresh_from_db()
    redeem_code(actor=mall["other_guide"].user, code=order.pickup_code)

    assert guide_money(mall["other_guide"]) == {"pending": 1000}
    assert OrderSettlement.objects.get(order=order).guide_id == mall["other_guide"].pk
    assert ledger_verify().ok


def test_a_pickup_the_owner_hands_over_or_one_with_a_guide_already_pays_no_second_commission(mall):
    terms(mall, commission="5")
    order = order_place(buyer=mall["buyer"], merchant=mall["merchant"], lines=[(mall["listing"].pk, 2)],
                        address=None, client_token="p", fulfilment_mode="pickup", pickup_store=mall["store"],
                        guide=mall["guide"])
    pay(order)
    fulfilment_ship(actor=mall["supplier_staff"], fulfilment=order.fulfilments.get(), carrier="SF",
                    tracking_number="SF1234567890")
    pickup_parcel_received(actor=mall["owner"], order_id=order.pk)
    order.refresh_from_db()
    redeem_code(actor=mall["other_guide"].user, code=order.pickup_code)
    assert guide_money(mall["guide"]) == {"pending": 1000}
    assert guide_money(mall["other_guide"]) == {}


# --- pages and API ---------------------------------------------------------------------------------

def api(user):
    from django.test import Client

    from linkmall.accounts.services import api_token_issue

    return Client(headers={"Authorization": f"Bearer {api_token_issue(user=user)}"})


def test_the_console_asks_to_acknowledge_team_pay_then_saves_and_lists_the_guides(mall, client):
    client.force_login(mall["owner"])
    page = client.get("/console/merchant/guide-pay/")
    assert page.status_code == 200 and 'id="guide-pay-form"' in page.content.decode()

    refused = client.post("/console/merchant/guide-pay/save/", {"commission_percent": "5", "team_percent": "3"})
    body = refused.content.decode()
    assert refused.status_code == 400 and "团队计酬" in body and 'id="guide-pay-risks"' in body
    assert 'value="3"' in body  # what was typed is kept
    assert terms_of(mall["merchant"].pk) is None

    saved = client.post("/console/merchant/guide-pay/save/",
                        {"commission_percent": "5", "team_percent": "3", "acknowledge": "1"})
    assert saved.status_code == 302 and saved["Location"] == "/console/merchant/guide-pay/"
    assert (terms_of(mall["merchant"].pk).commission_percent, terms_of(mall["merchant"].pk).team_percent) == (5, 3)

    bad = client.post("/console/merchant/guide-pay/save/", {"commission_percent": "50", "team_percent": "0"})
    assert bad.status_code == 400 and terms_of(mall["merchant"].pk).commission_percent == 5

    buy(mall, guide=mall["guide"])
    listed = client.get("/console/merchant/guide-pay/").content.decode()
    assert f'id="guide-pay-{mall["guide"].pk}"' in listed and "¥10.00" in listed
    export = client.get("/console/merchant/guide-pay/export/")
    rows = export.content.decode("utf-8-sig").splitlines()
    assert export["Content-Type"].startswith("text/csv") and len(rows) == 3
    assert rows[1].split(",")[-3:] == ["1", "10.00", "0.00"] or rows[2].split(",")[-3:] == ["1", "10.00", "0.00"]
    xlsx = client.get("/console/merchant/guide-pay/export/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_the_merchant_statement_shows_what_the_guides_were_booked(mall, client):
    terms(mall, commission="5")
    buy(mall, guide=mall["guide"])
    client.force_login(mall["owner"])
    page = client.get("/console/merchant/statement/").content.decode()
    assert 'id="statement-guide-pay"' in page and "¥10.00" in page.split('id="statement-guide-pay"')[1][:200]


def test_the_guide_sees_its_earnings_on_the_workbench_and_its_own_page(mall, client):
    terms(mall, commission="5")
    order = buy(mall, guide=mall["guide"])
    client.force_login(mall["guide"].user)
    home = client.get("/guide/").content.decode()
    assert "¥10.00" in home.split('id="gw-earnings"')[1] and "/guide/earnings/" in home
    page = client.get("/guide/earnings/").content.decode()
    assert f'id="ge-order-{order.pk}"' in page and order.number in page and 'id="ge-pending">10.00' in page
    client.force_login(mall["buyer"])
    assert client.get("/guide/earnings/").status_code in (302, 403)


def test_the_api_sets_the_terms_with_the_acknowledgement_and_shows_the_guides_money(mall):
    owner = api(mall["owner"])
    refused = owner.put("/api/v1/referral/guide-pay", {"commission_percent": "5", "team_percent": "3"},
                        content_type="application/json")
    assert refused.status_code == 409 and refused.json()["code"] == "compliance_ack_required"
    assert refused.json()["detail"]["risks"][0]["code"] == "team_pay"
    too_much = owner.put("/api/v1/referral/guide-pay", {"commission_percent": "31"}, content_type="application/json")
    assert too_much.status_code in (400, 422) and terms_of(mall["merchant"].pk) is None

    saved = owner.put("/api/v1/referral/guide-pay", {"commission_percent": "5", "team_percent": "3",
                                                     "acknowledge": True}, content_type="application/json")
    assert saved.status_code == 200
    assert (saved.json()["commission_percent"], saved.json()["team_percent"]) == ("5.00", "3.00")
    order = buy(mall, guide=mall["guide"])
    guides = {g["guide_id"]: g for g in owner.get("/api/v1/referral/guide-pay").json()["guides"]}
    assert (guides[mall["guide"].pk]["pending_fen"], guides[mall["guide"].pk]["orders"]) == (1000, 1)

    mine = api(mall["guide"].user).get("/api/v1/referral/guide-pay/earnings").json()
    assert (mine["pending_fen"], [o["order_id"] for o in mine["orders"]], mine["orders"][0]["roles"]) == (
        1000, [order.pk], ["commission"])
    assert api(mall["buyer"]).get("/api/v1/referral/guide-pay/earnings").status_code == 404
    assert api(mall["guide"].user).put("/api/v1/referral/guide-pay", {"commission_percent": "1"},
                                       content_type="application/json").status_code == 403
