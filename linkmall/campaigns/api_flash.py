"""/api/v1/campaigns/flash: a merchant's flash-sale hall (public) and the merchant's flash sales
(create, list, pause / activate / end). The attempt itself places an order, so it lives in
orders (`orders.flash_api`). Mounted in config/api.py beside the campaigns router."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.campaigns.models import CampaignStatus, FlashSale, Funder
from linkmall.campaigns.schemas import MerchantQuery
from linkmall.campaigns.selectors.flash import flash_hall, flash_sales_of, flash_state, sold_percent
from linkmall.campaigns.services._common import require_console
from linkmall.campaigns.services.flash import (
    MAX_PAYMENT_MINUTES,
    MAX_PER_USER,
    FlashSaleFields,
    flash_sale_create,
    flash_sale_set_status,
)
from linkmall.catalog.services.validation import MAX_PRICE_FEN
from linkmall.core.errors import NotFound
from linkmall.core.paging import Page, PageOut, paginate
from linkmall.stores.models import Merchant
from linkmall.stores.selectors.merchant import merchant_id_of

router = Router(tags=["campaigns: flash sales"])

MAX_ID = 2**31 - 1


class FlashSaleOut(Schema):
    id: int
    merchant_id: int
    listing_id: int
    product_name: str = Field(alias="listing.product.name")
    name: str
    starts_at: datetime
    ends_at: datetime
    list_fen: int = Field(alias="listing.price_fen")
    price_fen: int
    stock: int
    held: int
    sold: int
    per_user_limit: int
    payment_minutes: int
    status: str
    #: not_started, on_sale, sold_out, paused or ended
    state: str
    sold_percent: int

    @staticmethod
    def resolve_state(sale: FlashSale) -> str:
        return flash_state(sale)

    @staticmethod
    def resolve_sold_percent(sale: FlashSale) -> int:
        return sold_percent(sale)


class FlashSaleConsoleOut(FlashSaleOut):
    returned: int
    funder: str
    rewards: bool


class FlashSalePage(PageOut[FlashSaleConsoleOut]):
    pass


class HallQuery(Schema):
    merchant_id: int = Field(ge=1, le=MAX_ID)


class ConsoleQuery(MerchantQuery):
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=50)


class FlashSaleIn(Schema):
    merchant_id: int | None = Field(None, ge=1, le=MAX_ID)
    listing_id: int = Field(ge=1, le=MAX_ID)
    name: str = Field(min_length=1, max_length=60)
    starts_at: datetime
    ends_at: datetime
    price_fen: int = Field(ge=1, le=MAX_PRICE_FEN)
    stock: int = Field(ge=1, le=10_000)
    per_user_limit: int = Field(1, ge=1, le=MAX_PER_USER)
    payment_minutes: int = Field(5, ge=1, le=MAX_PAYMENT_MINUTES)
    funder: Funder = Funder.MERCHANT
    rewards: bool = False
    #: sell below the SKU's cost on purpose
    accept_loss: bool = False
    #: false: a draft, to be activated later
    activate: bool = True


class FlashStatusIn(Schema):
    status: CampaignStatus


@router.get("/flash", response=list[FlashSaleOut])
def flash_hall_list(request: HttpRequest, query: Query[HallQuery]) -> list[FlashSale]:
    """The merchant's running and coming slots, soonest first (public)."""
    return list(flash_hall(merchant_id=query.merchant_id)[:50])


@router.get("/merchant/flash-sales", response=FlashSalePage, auth=api_auth)
def flash_sales(request: ApiRequest, query: Query[ConsoleQuery]) -> Page[FlashSale]:
    rows = flash_sales_of(actor=request.auth, merchant_id=query.merchant_id)
    return paginate(rows, page=query.page, page_size=query.page_size)


@router.post("/merchant/flash-sales", response={201: FlashSaleConsoleOut}, auth=api_auth)
def flash_sale_new(request: ApiRequest, payload: FlashSaleIn) -> Status[FlashSale]:
    """Create a slot; its stock is taken from the supplier's SKU stock now (409 out_of_stock when
    short), a price below cost needs accept_loss (400 campaign_below_cost)."""
    require_console(request.auth)
    merchant = Merchant.objects.filter(pk=merchant_id_of(actor=request.auth, merchant_id=payload.merchant_id)).first()
    if merchant is None:
        raise NotFound("No such merchant.")
    fields = FlashSaleFields(
        listing_id=payload.listing_id, name=payload.name, starts_at=payload.starts_at, ends_at=payload.ends_at,
        price_fen=payload.price_fen, stock=payload.stock, per_user_limit=payload.per_user_limit,
        payment_minutes=payload.payment_minutes, funder=payload.funder, rewards=payload.rewards)
    sale = flash_sale_create(actor=request.auth, merchant=merchant, fields=fields, accept_loss=payload.accept_loss,
                             activate=payload.activate)
    return Status(201, FlashSale.objects.select_related("listing__product").get(pk=sale.pk))


@router.post("/merchant/flash-sales/{int:sale_id}/status", response=FlashSaleConsoleOut, auth=api_auth)
def flash_sale_status(request: ApiRequest, sale_id: int, payload: FlashStatusIn) -> FlashSale:
    """Activate, pause or end (ending returns the unsold stock to the supplier at once)."""
    require_console(request.auth)
    flash_sale_set_status(actor=request.auth, sale_id=sale_id, status=payload.status)
    return FlashSale.objects.select_related("listing__product").get(pk=sale_id)
