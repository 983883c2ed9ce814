"""/api/v1/campaigns/layer-offers: a merchant's layer-offer settings (which coupon each layer action
gives), the delivery log and "deliver now", 新品抢先 of a listing; /guide/: a guide's coupons for
one of their customers (导购发券). Mounted in config/api.py beside the campaigns router."""

from datetime import datetime

from ninja import Query, Router, Schema, Status
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.campaigns.models import Coupon, CouponTemplate, LayerOfferDelivery, LayerOfferSettings
from linkmall.campaigns.schemas import CouponOut, CouponTemplateOut, MerchantQuery
from linkmall.campaigns.selectors import layer_offers as layer_selectors
from linkmall.campaigns.services._common import require_console
from linkmall.campaigns.services.guide_coupons import MAX_GUIDE_KEY, guide_coupon_issue
from linkmall.campaigns.services.layer_offers import layer_offer_settings_update, layer_offers_deliver
from linkmall.core.errors import NotFound
from linkmall.core.paging import Page, PageOut, paginate
from linkmall.customers.crm.access import crm_scope
from linkmall.stores.models import Listing, Merchant
from linkmall.stores.selectors.merchant import merchant_id_of
from linkmall.stores.services import listing_set_early_access

router = Router(tags=["campaigns: layer offers"])

MAX_ID = 2**31 - 1


class DeliveryQuery(MerchantQuery):
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=50)


class LayerOfferSettingsIn(Schema):
    merchant_id: int | None = Field(None, ge=1, le=MAX_ID)
    birthday_template_id: int | None = Field(None, ge=1, le=MAX_ID)
    exclusive_template_id: int | None = Field(None, ge=1, le=MAX_ID)
    first_purchase_template_id: int | None = Field(None, ge=1, le=MAX_ID)


class LayerOfferSettingsOut(Schema):
    merchant_id: int
    birthday_template_id: int | None
    exclusive_template_id: int | None
    first_purchase_template_id: int | None


class LayerDeliveryOut(Schema):
    id: int
    outreach_id: int
    kind: str
    status: str
    profile_id: int = Field(alias="outreach.profile_id")
    coupon_id: int | None
    listing_id: int | None
    reason: str
    delivered_at: datetime


class LayerDeliveryPage(PageOut[LayerDeliveryOut]):
    pass


class DeliveryCountsOut(Schema):
    issued: int
    notified: int
    refused: int


class EarlyAccessIn(Schema):
    #: until then only core customers see and buy the listing; null opens it to everyone now
    until: datetime | None = None


class EarlyAccessOut(Schema):
    listing_id: int = Field(alias="id")
    early_access_until: datetime | None


class GuideCouponIn(Schema):
    template_id: int = Field(ge=1, le=MAX_ID)
    #: the client's idempotency key: a retry with it returns the same coupon
    key: str = Field(min_length=1, max_length=MAX_GUIDE_KEY)
    reminder_id: int | None = Field(None, ge=1, le=MAX_ID)


def _merchant(request: ApiRequest, merchant_id: int | None) -> Merchant:
    require_console(request.auth)
    merchant = Merchant.objects.filter(pk=merchant_id_of(actor=request.auth, merchant_id=merchant_id)).first()
    if merchant is None:
        raise NotFound("No such merchant.")
    return merchant


# --- merchant owners -----------------------------------------------------------------------------


@router.get("/merchant/layer-offers", response=LayerOfferSettingsOut, auth=api_auth)
def layer_offers_get(request: ApiRequest, query: Query[MerchantQuery]) -> LayerOfferSettings:
    return layer_selectors.layer_offer_settings(actor=request.auth, merchant_id=query.merchant_id)


@router.put("/merchant/layer-offers", response=LayerOfferSettingsOut, auth=api_auth)
def layer_offers_put(request: ApiRequest, payload: LayerOfferSettingsIn) -> LayerOfferSettings:
    return layer_offer_settings_update(
        actor=request.auth, merchant=_merchant(request, payload.merchant_id),
        birthday_template_id=payload.birthday_template_id, exclusive_template_id=payload.exclusive_template_id,
        first_purchase_template_id=payload.first_purchase_template_id)


@router.get("/merchant/layer-offers/deliveries", response=LayerDeliveryPage, auth=api_auth)
def layer_offer_deliveries(request: ApiRequest, query: Query[DeliveryQuery]) -> Page[LayerOfferDelivery]:
    rows = layer_selectors.layer_deliveries(actor=request.auth, merchant_id=query.merchant_id)
    return paginate(rows, page=query.page, page_size=query.page_size)


@router.post("/merchant/layer-offers/deliver", response=DeliveryCountsOut, auth=api_auth)
def layer_offers_deliver_now(request: ApiRequest, payload: MerchantQuery) -> dict[str, int]:
    """Deliver the merchant's layer actions not delivered yet, now (the daily run does it too)."""
    return layer_offers_deliver(merchant_id=_merchant(request, payload.merchant_id).pk)


@router.put("/merchant/listings/{int:listing_id}/early-access", response=EarlyAccessOut, auth=api_auth)
def listing_early_access(request: ApiRequest, listing_id: int, payload: EarlyAccessIn) -> Listing:
    require_console(request.auth)
    listing = Listing.objects.filter(pk=listing_id).first()
    if listing is None:
        raise NotFound("No such listing.")
    return listing_set_early_access(actor=request.auth, listing=listing, until=payload.until)


# --- guides ----------------------------------------------------------------------------------------------


@router.get("/guide/customers/{int:profile_id}/coupon-templates", response=list[CouponTemplateOut], auth=api_auth)
def guide_templates(request: ApiRequest, profile_id: int) -> list[CouponTemplate]:
    """The active coupons the guide may send this customer of theirs."""
    view = layer_selectors.guide_issue_view(actor=request.auth, profile_id=profile_id)
    return view.templates


@router.post("/guide/customers/{int:profile_id}/coupons", response={201: CouponOut}, auth=api_auth)
def guide_coupon_create(request: ApiRequest, profile_id: int, payload: GuideCouponIn) -> Status[Coupon]:
    """Send the customer a coupon (source `guide`); the same key again returns the same coupon."""
    crm_scope(request.auth)
    grant = guide_coupon_issue(actor=request.auth, profile_id=profile_id, template_id=payload.template_id,
                               key=payload.key, reminder_id=payload.reminder_id)
    return Status(201, Coupon.objects.select_related("template", "merchant").get(pk=grant.coupon_id))

