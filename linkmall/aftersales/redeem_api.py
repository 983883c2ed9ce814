"""/api/v1/redeem: 核销 for the mini-program (docs/o2o.md). A store's guide or the merchant owner
redeems a pick-up code and reads the store's redemption log. In aftersales, like the services,
because a redemption is refused while the order has an open after-sales request."""

from datetime import datetime

from ninja import Query, Router, Schema
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.aftersales.services.redemption import redeem_code, redeem_store
from linkmall.core.paging import Page, PageOut, paginate
from linkmall.orders.models import Redemption

router = Router(tags=["redeem"])


class RedeemIn(Schema):
    code: str = Field(min_length=1, max_length=32)
    #: a merchant owner names the store; a guide redeems in their own store
    store_id: int | None = Field(None, ge=1, le=2**31 - 1)
    #: an in-store coupon: the in-store purchase it is used on, in fen
    purchase_fen: int | None = Field(None, ge=0, le=10**12)


class RedemptionOut(Schema):
    id: int
    kind: str
    code: str
    outcome: str
    store_id: int
    actor_id: int
    actor: str = Field(alias="actor.username")
    order_id: int | None
    order_number: str | None = Field(None, alias="order.number")
    coupon_id: int | None
    purchase_fen: int | None
    at: datetime


class RedeemOut(Schema):
    already: bool
    redemption: RedemptionOut


class RedemptionPage(PageOut[RedemptionOut]):
    pass


class LogQuery(Schema):
    store_id: int | None = Field(None, ge=1, le=2**31 - 1)
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=50)


@router.post("", response=RedeemOut, auth=api_auth)
def redeem(request: ApiRequest, payload: RedeemIn) -> dict[str, object]:
    """Redeem a pick-up code, or an in-store coupon's code with `purchase_fen`, in the caller's store.
    Refusals: redeem_not_found (404), redeem_wrong_store, redeem_already (its detail names the first
    redemption; an expired coupon too), redeem_not_ready, redeem_aftersale_open,
    redeem_group_incomplete, redeem_below_threshold, coupon_not_started (409), invalid_input (a coupon
    without `purchase_fen`, 400), redeem_locked (429). Every attempt is logged."""
    result = redeem_code(actor=request.auth, code=payload.code, store_id=payload.store_id,
                         purchase_fen=payload.purchase_fen)
    return {"already": result.already, "redemption": result.redemption}


@router.get("/log", response=RedemptionPage, auth=api_auth)
def redeem_log(request: ApiRequest, query: Query[LogQuery]) -> Page[Redemption]:
    """The store's attempts, newest first: who, what, when, and the outcome (failures too)."""
    store = redeem_store(actor=request.auth, store_id=query.store_id)
    rows = Redemption.objects.select_related("actor", "order").filter(store=store).order_by("-at", "-pk")
    return paginate(rows, page=query.page, page_size=query.page_size)
