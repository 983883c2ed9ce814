"""/api/v1/campaigns: bargains (砍价). A shop's running activities (public), a buyer starting a
bargain, a friend's help, one bargain's view, and the merchant's activities (create, list,
pause / activate / end). Buying places an order, so it lives in orders (`orders.bargain_api`).
Mounted in config/api.py beside the campaigns router."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.campaigns.models import Bargain, BargainActivity, CampaignStatus, Funder
from linkmall.campaigns.schemas import MerchantQuery
from linkmall.campaigns.selectors.bargain import (
    BargainView,
    bargain_activities_of,
    bargain_view,
    shop_bargains,
)
from linkmall.campaigns.services._common import require_console
from linkmall.campaigns.services.bargain import (
    MAX_HELPERS,
    MAX_HOURS,
    BargainFields,
    bargain_activity_create,
    bargain_activity_set_status,
    bargain_help,
    bargain_start,
)
from linkmall.catalog.services.validation import MAX_PRICE_FEN
from linkmall.core.errors import NotFound
from linkmall.core.paging import Page, PageOut, paginate
from linkmall.stores.models import Merchant
from linkmall.stores.selectors.merchant import merchant_id_of

router = Router(tags=["campaigns: bargains"])

MAX_ID = 2**31 - 1


class BargainActivityOut(Schema):
    id: int
    merchant_id: int
    listing_id: int
    product_name: str = Field(alias="listing.product.name")
    name: str
    list_fen: int = Field(alias="listing.price_fen")
    start_fen: int
    floor_fen: int
    helpers_needed: int
    hours: int
    starts_at: datetime
    ends_at: datetime
    status: str


class BargainActivityConsoleOut(BargainActivityOut):
    funder: str
    rewards: bool
    accept_loss: bool


class BargainActivityPage(PageOut[BargainActivityConsoleOut]):
    pass


class BargainShopQuery(Schema):
    merchant_id: int = Field(ge=1, le=MAX_ID)


class BargainConsoleQuery(MerchantQuery):
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=50)


class BargainActivityIn(Schema):
    merchant_id: int | None = Field(None, ge=1, le=MAX_ID)
    listing_id: int = Field(ge=1, le=MAX_ID)
    name: str = Field(min_length=1, max_length=60)
    #: none: the listing's price
    start_fen: int | None = Field(None, ge=1, le=MAX_PRICE_FEN)
    floor_fen: int = Field(ge=1, le=MAX_PRICE_FEN)
    helpers_needed: int = Field(ge=1, le=MAX_HELPERS)
    hours: int = Field(24, ge=1, le=MAX_HOURS)
    starts_at: datetime
    ends_at: datetime
    funder: Funder = Funder.MERCHANT
    rewards: bool = False
    #: a floor below the SKU's cost on purpose
    accept_loss: bool = False
    activate: bool = True


class BargainStatusIn(Schema):
    status: CampaignStatus


class HelperOut(Schema):
    name: str
    cut_fen: int


class BargainOut(Schema):
    id: int
    activity_id: int
    merchant_id: int
    product_name: str
    start_fen: int
    floor_fen: int
    price_fen: int
    helpers_needed: int
    cuts_made: int
    expires_at: datetime
    #: open, bought or expired
    state: str
    percent: int
    helpers: list[HelperOut]
    #: whether the viewer is the buyer
    mine: bool


class HelpOut(Schema):
    seq: int
    cut_fen: int
    price_fen: int


def _out(view: BargainView, viewer_id: int) -> BargainOut:
    b = view.bargain
    return BargainOut(
        id=b.pk, activity_id=b.activity_id, merchant_id=b.activity.merchant_id,
        product_name=b.activity.listing.product.name, start_fen=b.start_fen, floor_fen=b.floor_fen,
        price_fen=b.price_fen, helpers_needed=len(b.cuts), cuts_made=b.cuts_made, expires_at=b.expires_at,
        state=view.state, percent=view.percent, mine=b.buyer_id == viewer_id,
        helpers=[HelperOut(name=h.name, cut_fen=h.cut_fen) for h in view.helpers])


@router.get("/bargains", response=list[BargainActivityOut])
def bargain_activity_list(request: HttpRequest, query: Query[BargainShopQuery]) -> list[BargainActivity]:
    """The merchant's running bargain activities (public)."""
    return list(shop_bargains(merchant_id=query.merchant_id)[:50])


@router.post("/bargains/{int:activity_id}/start", response={201: BargainOut}, auth=api_auth)
def bargain_start_api(request: ApiRequest, activity_id: int) -> Status[BargainOut]:
    """Start the buyer's bargain, or return the one they have open. 409 bargain_closed."""
    bargain = bargain_start(buyer=request.auth, activity_id=activity_id)
    return Status(201, _out(bargain_view(bargain_id=bargain.pk), request.auth.pk))


@router.get("/bargains/mine/{int:bargain_id}", response=BargainOut, auth=api_auth)
def bargain_get(request: ApiRequest, bargain_id: int) -> BargainOut:
    """One bargain: its price, progress and helpers (masked). Anyone logged in with the link."""
    return _out(bargain_view(bargain_id=bargain_id), request.auth.pk)


@router.post("/bargains/mine/{int:bargain_id}/help", response={201: HelpOut}, auth=api_auth)
def bargain_help_api(request: ApiRequest, bargain_id: int) -> Status[HelpOut]:
    """A friend's cut. 409 bargain_self_help / bargain_already_helped / bargain_expired /
    bargain_complete / bargain_closed."""
    done = bargain_help(helper=request.auth, bargain_id=bargain_id)
    price = Bargain.objects.values_list("price_fen", flat=True).get(pk=bargain_id)
    return Status(201, HelpOut(seq=done.seq, cut_fen=done.cut_fen, price_fen=price))


@router.get("/merchant/bargains", response=BargainActivityPage, auth=api_auth)
def bargain_activities(request: ApiRequest, query: Query[BargainConsoleQuery]) -> Page[BargainActivity]:
    rows = bargain_activities_of(actor=request.auth, merchant_id=query.merchant_id)
    return paginate(rows, page=query.page, page_size=query.page_size)


@router.post("/merchant/bargains", response={201: BargainActivityConsoleOut}, auth=api_auth)
def bargain_activity_new(request: ApiRequest, payload: BargainActivityIn) -> Status[BargainActivity]:
    """Create an activity; a floor below cost needs accept_loss (400 campaign_below_cost)."""
    require_console(request.auth)
    merchant = Merchant.objects.filter(pk=merchant_id_of(actor=request.auth, merchant_id=payload.merchant_id)).first()
    if merchant is None:
        raise NotFound("No such merchant.")
    fields = BargainFields(
        listing_id=payload.listing_id, name=payload.name, start_fen=payload.start_fen, floor_fen=payload.floor_fen,
        helpers_needed=payload.helpers_needed, hours=payload.hours, starts_at=payload.starts_at,
        ends_at=payload.ends_at, funder=payload.funder, rewards=payload.rewards)
    activity = bargain_activity_create(actor=request.auth, merchant=merchant, fields=fields,
                                       accept_loss=payload.accept_loss, activate=payload.activate)
    return Status(201, BargainActivity.objects.select_related("listing__product").get(pk=activity.pk))


@router.post("/merchant/bargains/{int:activity_id}/status", response=BargainActivityConsoleOut, auth=api_auth)
def bargain_activity_status(request: ApiRequest, activity_id: int, payload: BargainStatusIn) -> BargainActivity:
    """Activate, pause or end."""
    require_console(request.auth)
    bargain_activity_set_status(actor=request.auth, activity_id=activity_id, status=payload.status)
    return BargainActivity.objects.select_related("listing__product").get(pk=activity_id)
