"""/api/v1/campaigns: the claim centre (领券中心), claiming, my coupons and points; the merchant owner's
promotions and coupon templates under /merchant/."""

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.accounts.models import User
from linkmall.campaigns import selectors, services
from linkmall.campaigns.models import Coupon, CouponTemplate, PointsAccount, PointsEntry, Promotion
from linkmall.campaigns.schemas import (
    CampaignStatusIn,
    ClaimableOut,
    ClaimIn,
    CouponOut,
    CouponPage,
    CouponTemplateIn,
    CouponTemplateOut,
    CouponTemplatePage,
    CouponTemplatePatch,
    PointsAccountOut,
    PointsEntryPage,
    StorePromotionIn,
    StorePromotionOut,
    StorePromotionPage,
    StorePromotionPatch,
)
from linkmall.campaigns.selectors import Claimable
from linkmall.campaigns.selectors.nearby import claim_point
from linkmall.core.errors import NotFound
from linkmall.core.paging import Page, paginate
from linkmall.stores.models import Merchant
from linkmall.stores.selectors.merchant import merchant_id_of

router = Router(tags=["campaigns"])


class CampaignPageQuery(Schema):
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=50)


class MyCouponQuery(CampaignPageQuery):
    status: str = Field("usable", pattern="^(usable|used|expired)$")
    merchant_id: int | None = Field(None, ge=1, le=2**31 - 1)


class PointsEntryQuery(CampaignPageQuery):
    merchant_id: int = Field(ge=1, le=2**31 - 1)


class CampaignConsoleQuery(CampaignPageQuery):
    merchant_id: int | None = Field(None, ge=1, le=2**31 - 1)
    status: str | None = Field(None, pattern="^(draft|active|paused|ended)$")


def _optional_user(request: HttpRequest) -> User | None:
    """The caller when they sent a valid token or session, else None: the claim centre is public."""
    if request.headers.get("Authorization") or request.user.is_authenticated:
        user = api_auth(request)
        return user if isinstance(user, User) else None
    return None


def _merchant(actor: User, merchant_id: int | None) -> Merchant:
    merchant = Merchant.objects.filter(pk=merchant_id_of(actor=actor, merchant_id=merchant_id)).first()
    if merchant is None:
        raise NotFound("No such merchant.")
    return merchant


# --- consumers ---------------------------------------------------------------------------------------


@router.get("/merchants/{int:merchant_id}/coupons", response=list[ClaimableOut])
def claim_centre(request: HttpRequest, merchant_id: int) -> list[Claimable]:
    """The coupons anyone may claim at a merchant; with a login, how many the caller holds."""
    if not Merchant.objects.filter(pk=merchant_id).exists():
        raise NotFound("No such merchant.")
    return selectors.claimable_templates(merchant_id=merchant_id, user=_optional_user(request))


@router.post("/coupon-templates/{int:template_id}/claim", response={201: CouponOut}, auth=api_auth)
def claim(request: ApiRequest, template_id: int, payload: ClaimIn) -> Status[Coupon]:
    """Claim a coupon of the claim centre with the source it lists (`source`): claim, or new_customer
    for a new-customer-only coupon (新人专享), refused with `coupon_new_customers_only` to a caller
    who has bought at the merchant. A geofenced coupon (地理围栏券) needs `lat` and `lng` (GCJ-02, or
    WGS-84 with `coord: "wgs84"`) within its radius: `geofence_location_required` (400) without them,
    `geofence_outside` (403, with `distance_m` and `radius_m`) beyond it; nothing is issued."""
    point = claim_point(lat=payload.lat, lng=payload.lng, coord=payload.coord)
    coupon = services.coupon_claim(user=request.auth, template_id=template_id, key=payload.key, point=point)
    return Status(201, Coupon.objects.select_related("template", "merchant").get(pk=coupon.pk))


@router.get("/me/coupons", response=CouponPage, auth=api_auth)
def my_coupons(request: ApiRequest, query: Query[MyCouponQuery]) -> Page[Coupon]:
    user = selectors.consumer(request.auth)
    rows = selectors.my_coupons(user=user, tab=query.status, merchant_id=query.merchant_id)
    return paginate(rows, page=query.page, page_size=query.page_size)


@router.get("/me/points", response=list[PointsAccountOut], auth=api_auth)
def my_points(request: ApiRequest) -> list[PointsAccount]:
    return list(selectors.points_accounts(user=selectors.consumer(request.auth)))


@router.get("/me/points/entries", response=PointsEntryPage, auth=api_auth)
def my_points_history(request: ApiRequest, query: Query[PointsEntryQuery]) -> Page[PointsEntry]:
    rows = selectors.points_entries(user=selectors.consumer(request.auth), merchant_id=query.merchant_id)
    return paginate(rows, page=query.page, page_size=query.page_size)


# --- merchant owners: promotions ------------------------------------------------------------------------


@router.get("/merchant/promotions", response=StorePromotionPage, auth=api_auth)
def promotion_list(request: ApiRequest, query: Query[CampaignConsoleQuery]) -> Page[Promotion]:
    rows = selectors.promotion_list(actor=request.auth, merchant_id=query.merchant_id, status=query.status)
    return paginate(rows, page=query.page, page_size=query.page_size)


@router.post("/merchant/promotions", response={201: StorePromotionOut}, auth=api_auth)
def promotion_create(request: ApiRequest, payload: StorePromotionIn) -> Status[Promotion]:
    merchant = _merchant(request.auth, payload.merchant_id)
    fields = payload.dict(exclude={"merchant_id", "accept_loss"})
    promotion = services.promotion_create(actor=request.auth, merchant=merchant, accept_loss=payload.accept_loss,
                                          **fields)
    return Status(201, promotion)


@router.get("/merchant/promotions/{int:promotion_id}", response=StorePromotionOut, auth=api_auth)
def promotion_get(request: ApiRequest, promotion_id: int) -> Promotion:
    return selectors.promotion_get(actor=request.auth, promotion_id=promotion_id)


@router.patch("/merchant/promotions/{int:promotion_id}", response=StorePromotionOut, auth=api_auth)
def promotion_update(request: ApiRequest, promotion_id: int, payload: StorePromotionPatch) -> Promotion:
    changes = payload.dict(exclude_unset=True, exclude={"accept_loss"})
    return services.promotion_update(actor=request.auth, promotion_id=promotion_id,
                                     accept_loss=payload.accept_loss, **changes)


@router.post("/merchant/promotions/{int:promotion_id}/status", response=StorePromotionOut, auth=api_auth)
def promotion_set_status(request: ApiRequest, promotion_id: int, payload: CampaignStatusIn) -> Promotion:
    return services.promotion_set_status(actor=request.auth, promotion_id=promotion_id, status=payload.status)


# --- merchant owners: coupon templates --------------------------------------------------------------------


@router.get("/merchant/coupon-templates", response=CouponTemplatePage, auth=api_auth)
def coupon_template_list(request: ApiRequest, query: Query[CampaignConsoleQuery]) -> Page[CouponTemplate]:
    rows = selectors.coupon_template_list(actor=request.auth, merchant_id=query.merchant_id, status=query.status)
    return paginate(rows, page=query.page, page_size=query.page_size)


@router.post("/merchant/coupon-templates", response={201: CouponTemplateOut}, auth=api_auth)
def coupon_template_create(request: ApiRequest, payload: CouponTemplateIn) -> Status[CouponTemplate]:
    merchant = _merchant(request.auth, payload.merchant_id)
    fields = payload.dict(exclude={"merchant_id", "accept_loss"})
    template = services.coupon_template_create(actor=request.auth, merchant=merchant,
                                               accept_loss=payload.accept_loss, **fields)
    return Status(201, template)


@router.get("/merchant/coupon-templates/{int:template_id}", response=CouponTemplateOut, auth=api_auth)
def coupon_template_get(request: ApiRequest, template_id: int) -> CouponTemplate:
    return selectors.coupon_template_get(actor=request.auth, template_id=template_id)


@router.patch("/merchant/coupon-templates/{int:template_id}", response=CouponTemplateOut, auth=api_auth)
def coupon_template_update(request: ApiRequest, template_id: int, payload: CouponTemplatePatch) -> CouponTemplate:
    changes = payload.dict(exclude_unset=True, exclude={"accept_loss"})
    return services.coupon_template_update(actor=request.auth, template_id=template_id,
                                           accept_loss=payload.accept_loss, **changes)


@router.post("/merchant/coupon-templates/{int:template_id}/status", response=CouponTemplateOut, auth=api_auth)
def coupon_template_set_status(request: ApiRequest, template_id: int, payload: CampaignStatusIn) -> CouponTemplate:
    return services.coupon_template_set_status(actor=request.auth, template_id=template_id, status=payload.status)

