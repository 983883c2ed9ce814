"""/api/v1/campaigns/loyalty: a buyer's points, member level and daily sign-in at a merchant; the
merchant owner's loyalty rules and member levels under /merchant/. Amounts are integer fen."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from ninja import Query, Router, Schema, Status
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.accounts.models import User
from linkmall.campaigns import selectors
from linkmall.campaigns.models import LoyaltySettings, MemberLevel, PointsEntry
from linkmall.campaigns.schemas import Id, MerchantQuery, PointsEntryPage
from linkmall.campaigns.selectors import loyalty as selectors_loyalty
from linkmall.campaigns.selectors.loyalty import LoyaltySummary, MerchantLoyalty
from linkmall.campaigns.services import loyalty, signin
from linkmall.catalog.services.validation import MAX_PRICE_FEN
from linkmall.core.errors import NotFound
from linkmall.core.paging import Page, paginate
from linkmall.stores.models import Merchant
from linkmall.stores.selectors.merchant import merchant_id_of

router = Router(tags=["loyalty"])



# --- schemas ---------------------------------------------------------------------------------------------


class MemberLevelOut(Schema):
    id: int
    name: str
    threshold_fen: int
    #: percent off, e.g. "5" for 95折
    percent_off: Decimal


class ExpiringOut(Schema):
    points: int
    expires_at: datetime


class LoyaltyOut(Schema):
    merchant_id: int = Field(alias="merchant.pk")
    merchant_name: str = Field(alias="merchant.name")
    balance: int
    #: growth value: settled paid spending at the merchant, in fen
    growth_fen: int
    level: MemberLevelOut | None
    next_level: MemberLevelOut | None
    to_next_fen: int
    signin_enabled: bool = Field(alias="settings.signin_enabled")
    signed_in_today: bool
    streak: int
    next_signin_points: int
    expiring: list[ExpiringOut]
    expiring_points: int


class MerchantLoyaltyOut(Schema):
    merchant_id: int = Field(alias="merchant.pk")
    merchant_name: str = Field(alias="merchant.name")
    balance: int
    growth_fen: int


class SignInOut(Schema):
    day: date
    streak: int
    points: int
    #: false: already signed in today, nothing changed
    created: bool


class HistoryQuery(Schema):
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=50)


class LoyaltySettingsIn(Schema):
    merchant_id: Id | None = None
    points_per_yuan: int = Field(ge=0, le=100)
    points_valid_days: int = Field(ge=1, le=3650)
    signin_enabled: bool = True
    signin_points: int = Field(0, ge=0, le=loyalty.MAX_BONUS)
    #: streak day → extra points, e.g. {"3": 10, "7": 30}
    signin_bonuses: dict[str, Annotated[int, Field(ge=0, le=loyalty.MAX_BONUS)]] = Field(
        default_factory=dict, max_length=loyalty.MAX_STREAK_DAY)
    levels_enabled: bool = True


class LoyaltySettingsOut(Schema):
    merchant_id: int
    points_per_yuan: int
    points_valid_days: int
    signin_enabled: bool
    signin_points: int
    signin_bonuses: dict[str, int]
    levels_enabled: bool


class MemberLevelIn(Schema):
    merchant_id: Id | None = None
    name: str = Field(min_length=1, max_length=loyalty.MAX_LEVEL_NAME)
    threshold_fen: int = Field(ge=0, le=MAX_PRICE_FEN * 1000)
    percent_off: Decimal = Field(gt=0, lt=50, max_digits=4, decimal_places=2)


class MemberLevelPatch(Schema):
    name: str = Field(min_length=1, max_length=loyalty.MAX_LEVEL_NAME)
    threshold_fen: int = Field(ge=0, le=MAX_PRICE_FEN * 1000)
    percent_off: Decimal = Field(gt=0, lt=50, max_digits=4, decimal_places=2)


# --- consumers -------------------------------------------------------------------------------------------


def _shop(merchant_id: int) -> Merchant:
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None:
        raise NotFound("No such merchant.")
    return merchant


@router.get("/me", response=list[MerchantLoyaltyOut], auth=api_auth)
def my_loyalty(request: ApiRequest) -> list[MerchantLoyalty]:
    """Every merchant where the caller has points, growth or a sign-in."""
    return selectors_loyalty.my_loyalty(user=selectors.consumer(request.auth))


@router.get("/merchants/{int:merchant_id}/me", response=LoyaltyOut, auth=api_auth)
def my_loyalty_at(request: ApiRequest, merchant_id: int) -> LoyaltySummary:
    """The caller's points, level, progress to the next level, sign-in streak and points expiring soon."""
    return selectors_loyalty.loyalty_summary(user=selectors.consumer(request.auth), merchant=_shop(merchant_id))


@router.get("/merchants/{int:merchant_id}/me/history", response=PointsEntryPage, auth=api_auth)
def my_points_history(request: ApiRequest, merchant_id: int, query: Query[HistoryQuery]) -> Page[PointsEntry]:
    rows = selectors.points_entries(user=selectors.consumer(request.auth), merchant_id=_shop(merchant_id).pk)
    return paginate(rows, page=query.page, page_size=query.page_size)


@router.post("/merchants/{int:merchant_id}/signin", response={200: SignInOut, 201: SignInOut}, auth=api_auth)
def sign_in(request: ApiRequest, merchant_id: int) -> Status[SignInOut]:
    """Sign in today (签到): 201 with the points earned; 200 and `created: false` when already signed in."""
    result = signin.signin_today(user=request.auth, merchant=_shop(merchant_id))
    row = result.sign_in
    return Status(201 if result.created else 200,
                  SignInOut(day=row.day, streak=row.streak, points=row.points, created=result.created))


# --- merchant owners ------------------------------------------------------------------------------------


def _merchant(actor: User, merchant_id: int | None) -> Merchant:
    return _shop(merchant_id_of(actor=actor, merchant_id=merchant_id))


def _settings_out(settings: LoyaltySettings) -> LoyaltySettingsOut:
    return LoyaltySettingsOut(
        merchant_id=settings.merchant_id, points_per_yuan=settings.points_per_yuan,
        points_valid_days=settings.points_valid_days, signin_enabled=settings.signin_enabled,
        signin_points=settings.signin_points, signin_bonuses=dict(settings.signin_bonuses or {}),
        levels_enabled=settings.levels_enabled)


@router.get("/merchant/settings", response=LoyaltySettingsOut, auth=api_auth)
def settings_get(request: ApiRequest, query: Query[MerchantQuery]) -> LoyaltySettingsOut:
    merchant = _merchant(request.auth, query.merchant_id)
    return _settings_out(loyalty.loyalty_settings_of(merchant.pk))


@router.put("/merchant/settings", response=LoyaltySettingsOut, auth=api_auth)
def settings_put(request: ApiRequest, payload: LoyaltySettingsIn) -> LoyaltySettingsOut:
    merchant = _merchant(request.auth, payload.merchant_id)
    fields = payload.dict(exclude={"merchant_id"})
    return _settings_out(loyalty.loyalty_settings_update(actor=request.auth, merchant=merchant, fields=fields))


@router.get("/merchant/levels", response=list[MemberLevelOut], auth=api_auth)
def level_list(request: ApiRequest, query: Query[MerchantQuery]) -> list[MemberLevel]:
    return list(selectors_loyalty.member_levels(merchant_id=_merchant(request.auth, query.merchant_id).pk))


@router.post("/merchant/levels", response={201: MemberLevelOut}, auth=api_auth)
def level_create(request: ApiRequest, payload: MemberLevelIn) -> Status[MemberLevel]:
    merchant = _merchant(request.auth, payload.merchant_id)
    level = loyalty.member_level_create(actor=request.auth, merchant=merchant,
                                        fields=payload.dict(exclude={"merchant_id"}))
    return Status(201, level)


@router.put("/merchant/levels/{int:level_id}", response=MemberLevelOut, auth=api_auth)
def level_update(request: ApiRequest, level_id: int, payload: MemberLevelPatch) -> MemberLevel:
    return loyalty.member_level_update(actor=request.auth, level_id=level_id, fields=payload.dict())


@router.delete("/merchant/levels/{int:level_id}", response={204: None}, auth=api_auth)
def level_delete(request: ApiRequest, level_id: int) -> Status[None]:
    loyalty.member_level_delete(actor=request.auth, level_id=level_id)
    return Status(204, None)
