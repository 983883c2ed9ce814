"""Layer actions that deliver: the merchant's settings, the delivery run (once per outreach, with
the reason when nothing is given), 新品抢先 (early access) for core customers only, and guides'
coupons for their own customers; their API and pages."""

import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command

from linkmall import testing
from linkmall.accounts.services.tokens import api_token_issue
from linkmall.campaigns.models import Coupon, CouponTemplate, GuideCoupon, LayerOfferDelivery, LayerOfferSettings
from linkmall.campaigns.services.guide_coupons import guide_coupon_issue
from linkmall.campaigns.services.layer_offers import layer_offer_settings_update, layer_offers_deliver
from linkmall.campaigns.tasks import layer_offers_deliver_schedule
from linkmall.campaigns.tests.factories import make_template
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotFound
from linkmall.customers.models import Layer, Outreach, Profile, Reminder
from linkmall.orders.models import Order
from linkmall.orders.services import cart_add, order_place
from linkmall.stores.models import Listing
from linkmall.stores.selectors.shop import store_home, store_product_detail
from linkmall.stores.services import listing_set_early_access

pytestmark = pytest.mark.django_db
API = "/api/v1/campaigns"


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user)}"}


def profile_of(shop, user=None, *, layer=Layer.CORE, guide=None) -> Profile:
    return Profile.objects.create(merchant=shop.merchant, user=user or shop.buyer, layer=layer, guide=guide)


def outreach(profile, kind, period="2026-11") -> Outreach:
    return Outreach.objects.create(profile=profile, kind=kind, period=period, detail="")


def layer_template(shop, **fields) -> CouponTemplate:
    return make_template(shop.merchant, sources=["layer"], **fields)


def settings_of(shop, **templates) -> LayerOfferSettings:
    ids = {f"{name}_id": t.pk for name, t in templates.items()}
    return layer_offer_settings_update(actor=shop.owner, merchant=shop.merchant,
                                       birthday_template_id=ids.get("birthday_template_id"),
                                       exclusive_template_id=ids.get("exclusive_template_id"),
                                       first_purchase_template_id=ids.get("first_purchase_template_id"))


# --- delivery ---------------------------------------------------------------------------------------------


def test_delivering_twice_issues_each_outreach_one_coupon(shop, frozen):
    template = layer_template(shop, name="核心客户专属券", per_user_limit=5)
    settings_of(shop, exclusive_template=template)
    given = outreach(profile_of(shop), Outreach.Kind.EXCLUSIVE_OFFER)

    first = layer_offers_deliver()
    again = layer_offers_deliver(merchant_id=shop.merchant.pk)

    assert first == {"issued": 1, "notified": 0, "refused": 0}
    assert again == {"issued": 0, "notified": 0, "refused": 0}
    coupon = Coupon.objects.get()
    assert (coupon.user_id, coupon.source, coupon.key, coupon.template_id) == (
        shop.buyer.pk, "layer", f"layer:{given.pk}", template.pk)
    delivery = LayerOfferDelivery.objects.get()
    assert (delivery.outreach_id, delivery.status, delivery.coupon_id, delivery.reason) == (
        given.pk, "issued", coupon.pk, "")
    assert CouponTemplate.objects.get(pk=template.pk).issued == 1


def test_no_template_and_sold_out_are_recorded_and_issue_nothing(shop, frozen):
    sold_out = layer_template(shop, name="首单券", total=1, issued=1)
    settings_of(shop, first_purchase_template=sold_out)
    potential = profile_of(shop, layer=Layer.POTENTIAL)
    core = profile_of(shop, testing.make_consumer())
    first_purchase = outreach(potential, Outreach.Kind.FIRST_PURCHASE)
    birthday = outreach(core, Outreach.Kind.BIRTHDAY_OFFER, period="2026")
    early = outreach(core, Outreach.Kind.EARLY_ACCESS, period="2026-W44")

    counts = layer_offers_deliver()

    assert counts == {"issued": 0, "notified": 0, "refused": 3}
    assert dict(LayerOfferDelivery.objects.values_list("outreach_id", "reason")) == {
        first_purchase.pk: "coupon_sold_out", birthday.pk: "no_template", early.pk: "no_listing"}
    assert Coupon.objects.count() == 0
    assert CouponTemplate.objects.get(pk=sold_out.pk).issued == 1
    assert layer_offers_deliver() == {"issued": 0, "notified": 0, "refused": 0}


def test_an_early_access_outreach_names_the_listing_in_early_access(shop, frozen):
    listing = shop.listings[0]
    listing_set_early_access(actor=shop.owner, listing=listing, until=frozen + timedelta(days=3))
    given = outreach(profile_of(shop), Outreach.Kind.EARLY_ACCESS, period="2026-W44")

    assert layer_offers_deliver() == {"issued": 0, "notified": 1, "refused": 0}
    delivery = LayerOfferDelivery.objects.get(outreach=given)
    assert (delivery.status, delivery.listing_id, delivery.coupon_id) == ("notified", listing.pk, None)


def test_the_layering_run_names_the_listing_in_early_access(shop, frozen):
    from linkmall.customers.scoring.actions import layer_actions_run

    listing = shop.listings[1]
    listing_set_early_access(actor=shop.owner, listing=listing, until=frozen + timedelta(days=3))
    profile_of(shop)

    layer_actions_run(merchant_id=shop.merchant.pk)

    early = Outreach.objects.get(kind=Outreach.Kind.EARLY_ACCESS)
    assert early.detail.startswith(f"新品抢先：{listing.product.name}")


def test_settings_refuse_a_template_that_is_not_for_layers_or_of_another_merchant(shop):
    claim_only = make_template(shop.merchant, sources=["claim"])
    other = make_template(testing.make_merchant(), sources=["layer"])

    with pytest.raises(InvalidInput) as refused:
        layer_offer_settings_update(actor=shop.owner, merchant=shop.merchant, birthday_template_id=claim_only.pk,
                                    exclusive_template_id=other.pk, first_purchase_template_id=None)

    assert set(refused.value.detail["fields"]) == {"birthday_template", "exclusive_template"}
    assert not LayerOfferSettings.objects.exists()


def test_the_command_delivers_and_books_one_daily_run(shop, frozen, capsys):
    settings_of(shop, exclusive_template=layer_template(shop))
    outreach(profile_of(shop), Outreach.Kind.EXCLUSIVE_OFFER)

    call_command("layer_offers", "deliver", "--schedule")

    assert capsys.readouterr().out.strip() == (
        '{"delivered": {"issued": 1, "notified": 0, "refused": 0}, "scheduled": true}')
    assert layer_offers_deliver_schedule() is False


# --- early access ------------------------------------------------------------------------------------------


def _place(shop, buyer, listing):
    return order_place(buyer=buyer, merchant=shop.merchant, lines=[(listing.pk, 1)],
                       address=testing.make_address(buyer), client_token=uuid.uuid4().hex)


def test_early_access_sells_only_to_core_customers_until_its_time(shop, frozen):
    store = testing.make_store(shop.merchant)
    listing = shop.listings[0]
    listing_set_early_access(actor=shop.owner, listing=listing, until=frozen + timedelta(days=1))
    core = testing.make_consumer()
    profile_of(shop, core)
    other = shop.buyer
    profile_of(shop, other, layer=Layer.ACTIVE)

    assert [c.product_id for c in store_home(store=store).products] == [shop.products[1].pk]
    with pytest.raises(NotFound):
        store_product_detail(store=store, product_id=listing.product_id)
    with pytest.raises(Conflict) as refused:
        cart_add(user=other, listing=Listing.objects.select_related("sku", "product").get(pk=listing.pk),
                 quantity=1)
    assert refused.value.code == "listing_early_access"
    with pytest.raises(Conflict) as refused:
        _place(shop, other, listing)
    assert refused.value.code == "listing_early_access"
    assert Order.objects.count() == 0

    order = _place(shop, core, listing)
    assert order.buyer_id == core.pk

    clock.freeze(frozen + timedelta(days=1))
    assert sorted(c.product_id for c in store_home(store=store).products) == sorted(p.pk for p in shop.products)
    assert _place(shop, other, listing).buyer_id == other.pk


def test_early_access_must_end_in_the_future(shop, frozen):
    with pytest.raises(InvalidInput):
        listing_set_early_access(actor=shop.owner, listing=shop.listings[0], until=frozen - timedelta(minutes=1))
    assert Listing.objects.get(pk=shop.listings[0].pk).early_access_until is None


# --- guides' coupons ---------------------------------------------------------------------------------------


@pytest.fixture
def guided(shop):
    store = testing.make_store(shop.merchant)
    guide = testing.make_guide(store)
    profile = profile_of(shop, layer=Layer.ACTIVE, guide=guide)
    return guide, profile


def test_a_guide_sends_their_customer_a_coupon_once_per_key_and_the_reminder_is_done(shop, frozen, guided):
    guide, profile = guided
    template = make_template(shop.merchant, sources=["guide"], per_user_limit=1)
    reminder = Reminder.objects.create(profile=profile, guide=guide, body="跟进", due_at=frozen, source="layer_active")

    grant = guide_coupon_issue(actor=guide.user, profile_id=profile.pk, template_id=template.pk, key="k1",
                               reminder_id=reminder.pk)
    again = guide_coupon_issue(actor=guide.user, profile_id=profile.pk, template_id=template.pk, key="k1")

    assert grant.pk == again.pk
    assert (grant.coupon.user_id, grant.coupon.source, grant.guide_id, grant.reminder_id) == (
        shop.buyer.pk, "guide", guide.pk, reminder.pk)
    assert Reminder.objects.get(pk=reminder.pk).done_at == frozen
    with pytest.raises(Conflict) as refused:
        guide_coupon_issue(actor=guide.user, profile_id=profile.pk, template_id=template.pk, key="k2")
    assert refused.value.code == "coupon_limit_reached"
    assert Coupon.objects.count() == 1


def test_another_merchants_guide_or_another_guides_customer_is_not_found(shop, guided):
    guide, profile = guided
    template = make_template(shop.merchant, sources=["guide"])
    stranger = testing.make_guide(testing.make_store(testing.make_merchant()))
    colleague = testing.make_guide(guide.store)

    for actor in (stranger.user, colleague.user):
        with pytest.raises(NotFound):
            guide_coupon_issue(actor=actor, profile_id=profile.pk, template_id=template.pk, key="x")
    claim_only = make_template(shop.merchant, sources=["claim"])
    with pytest.raises(Conflict) as refused:
        guide_coupon_issue(actor=guide.user, profile_id=profile.pk, template_id=claim_only.pk, key="y")
    assert refused.value.code == "coupon_unavailable"
    assert not Coupon.objects.exists() and not GuideCoupon.objects.exists()


# --- API ---------------------------------------------------------------------------------------------------


def test_the_guide_api_issues_once_and_answers_refusals_with_codes(client, shop, guided):
    guide, profile = guided
    template = make_template(shop.merchant, sources=["guide"])
    url = f"{API}/guide/customers/{profile.pk}/coupons"
    headers = bearer(guide.user)

    listed = client.get(f"{API}/guide/customers/{profile.pk}/coupon-templates", **headers)
    first = client.post(url, {"template_id": template.pk, "key": "a"}, content_type="application/json", **headers)
    again = client.post(url, {"template_id": template.pk, "key": "a"}, content_type="application/json", **headers)
    limit = client.post(url, {"template_id": template.pk, "key": "b"}, content_type="application/json", **headers)
    stranger = testing.make_guide(testing.make_store(testing.make_merchant()))
    foreign = client.post(url, {"template_id": template.pk, "key": "c"}, content_type="application/json",
                          **bearer(stranger.user))
    buyer = client.post(url, {"template_id": template.pk, "key": "d"}, content_type="application/json",
                        **bearer(shop.buyer))

    assert [t["id"] for t in listed.json()] == [template.pk]
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"] and first.json()["source"] == "guide"
    assert (limit.status_code, limit.json()["code"]) == (409, "coupon_limit_reached")
    assert (foreign.status_code, foreign.json()["code"]) == (404, "not_found")
    assert (buyer.status_code, buyer.json()["code"]) == (403, "permission_denied")
    assert Coupon.objects.count() == 1


def test_the_merchant_api_sets_the_templates_and_delivers(client, shop, frozen):
    template = layer_template(shop)
    headers = bearer(shop.owner)
    outreach(profile_of(shop), Outreach.Kind.BIRTHDAY_OFFER, period="2026")

    bad = client.put(f"{API}/merchant/layer-offers", {"birthday_template_id": 999999},
                     content_type="application/json", **headers)
    put = client.put(f"{API}/merchant/layer-offers", {"birthday_template_id": template.pk},
                     content_type="application/json", **headers)
    delivered = client.post(f"{API}/merchant/layer-offers/deliver", {}, content_type="application/json", **headers)
    log = client.get(f"{API}/merchant/layer-offers/deliveries", **headers)
    early = client.put(f"{API}/merchant/listings/{shop.listings[0].pk}/early-access",
                       {"until": (frozen + timedelta(days=2)).isoformat()}, content_type="application/json",
                       **headers)
    foreign = client.get(f"{API}/merchant/layer-offers", **bearer(testing.make_consumer()))

    assert (bad.status_code, bad.json()["code"], list(bad.json()["detail"]["fields"])) == (
        400, "invalid_input", ["birthday_template"])
    assert put.json() == {"merchant_id": shop.merchant.pk, "birthday_template_id": template.pk,
                          "exclusive_template_id": None, "first_purchase_template_id": None}
    assert delivered.json() == {"issued": 1, "notified": 0, "refused": 0}
    assert [(d["kind"], d["status"]) for d in log.json()["items"]] == [("birthday_offer", "issued")]
    assert early.status_code == 200 and early.json()["listing_id"] == shop.listings[0].pk
    assert foreign.status_code == 403


# --- pages -------------------------------------------------------------------------------------------------


def test_the_console_page_saves_settings_delivers_and_exports(client, shop, frozen):
    template = layer_template(shop, name="生日券")
    outreach(profile_of(shop), Outreach.Kind.BIRTHDAY_OFFER, period="2026")
    client.force_login(shop.owner)

    page = client.get("/console/merchant/campaigns/layer-offers/")
    saved = client.post("/console/merchant/campaigns/layer-offers/settings/", {"birthday_template": template.pk})
    delivered = client.post("/console/merchant/campaigns/layer-offers/deliver/")
    after = client.get("/console/merchant/campaigns/layer-offers/")
    export = client.get("/console/merchant/campaigns/layer-offers/deliveries.csv")
    console = client.get("/console/merchant/campaigns/")

    assert page.status_code == 200 and "生日券" in page.content.decode()
    assert saved.status_code == delivered.status_code == 302
    assert LayerOfferSettings.objects.get(merchant=shop.merchant).birthday_template_id == template.pk
    assert 'id="layer-deliveries"' in after.content.decode()
    assert export.status_code == 200 and "生日券" in export.content.decode("utf-8-sig")
    assert "/console/merchant/campaigns/layer-offers/" in console.content.decode()


def test_the_guide_page_sends_a_coupon_and_the_wallet_and_card_show_it(client, shop, frozen, guided):
    guide, profile = guided
    template = make_template(shop.merchant, name="导购券", sources=["guide"])
    client.force_login(guide.user)

    detail = client.get(f"/console/customers/{profile.pk}/")
    page = client.get(f"/console/guide/customers/{profile.pk}/coupon/")
    sent = client.post(f"/console/guide/customers/{profile.pk}/coupon/", {"template": template.pk, "key": "p1"})
    stranger = testing.make_guide(testing.make_store(testing.make_merchant()))
    client.force_login(stranger.user)
    foreign = client.get(f"/console/guide/customers/{profile.pk}/coupon/")

    assert f"/console/guide/customers/{profile.pk}/coupon/" in detail.content.decode()
    assert page.status_code == 200 and "导购券" in page.content.decode()
    assert sent.status_code == 302 and Coupon.objects.get().source == "guide"
    assert foreign.status_code == 404

    client.force_login(shop.buyer)
    wallet = client.get("/me/coupons/").content.decode()
    block = client.get(f"/shop/{shop.merchant.pk}/my-offers/")
    assert "导购发券" in wallet
    assert block.status_code == 200 and "专属优惠" in block.content.decode() and "导购券" in block.content.decode()
    assert "no-cache" in block["Cache-Control"] or "max-age=0" in block["Cache-Control"]


def test_the_early_access_page_sells_only_to_core_customers(client, shop, frozen):
    listing = shop.listings[0]
    listing_set_early_access(actor=shop.owner, listing=listing, until=frozen + timedelta(days=1))
    core = testing.make_consumer()
    profile_of(shop, core)
    url = f"/shop/{shop.merchant.pk}/early-access/"

    visitor = client.get(url).content.decode()
    client.force_login(core)
    member = client.get(url).content.decode()
    block = client.get(f"/shop/{shop.merchant.pk}/my-offers/").content.decode()

    assert "即将开售" in visitor and f"listing={listing.pk}" not in visitor
    assert f"listing={listing.pk}" in member
    assert "新品抢先" in block
