"""Store promotions (满减 / 满折 / 新客立减): create, change, and move through draft → active ⇄ paused → ended.

Only the merchant's owner (or platform staff) may; another merchant's promotion is "not found".
"""

from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from django.db import transaction
from django.utils.translation import gettext as _

from linkmall.accounts.models import User
from linkmall.campaigns.models import CampaignStatus, Promotion
from linkmall.campaigns.services._common import (
    MAX_QUANTITY,
    TERM_DEFAULTS,
    Errors,
    check_clean_not_below_cost,
    check_move,
    clean_terms,
    lock_promotion,
    moment,
    require_changeable,
    require_console,
    require_merchant_owner,
    whole,
)
from linkmall.core import clock
from linkmall.stores.models import Merchant


class PromotionFields(TypedDict, total=False):
    name: str
    kind: str
    value: Decimal | int
    threshold_fen: int
    threshold_quantity: int
    max_discount_fen: int | None
    new_customers_only: bool
    scope_kind: str
    scope_ids: list[int]
    stacks_with_activity: bool
    funder: str
    starts_at: datetime | None
    ends_at: datetime | None


FIELDS = tuple(PromotionFields.__annotations__)


def _clean(values: dict[str, Any], *, merchant: Merchant, actor: User) -> dict[str, Any]:
    errors = Errors()
    out = clean_terms(values, merchant=merchant, actor=actor, errors=errors)
    out["threshold_quantity"] = whole(values, "threshold_quantity", errors, minimum=0, maximum=MAX_QUANTITY) or 0
    out["new_customers_only"] = bool(values.get("new_customers_only", False))
    out["starts_at"] = moment(values, "starts_at", errors, optional=False)
    out["ends_at"] = moment(values, "ends_at", errors)
    if out["starts_at"] and out["ends_at"] and out["ends_at"] <= out["starts_at"]:
        errors["ends_at"] = _("结束时间应晚于开始时间")
    errors.raise_any()
    return out


def promotion_create(*, actor: User, merchant: Merchant, accept_loss: bool = False,
                     **fields: Unpack[PromotionFields]) -> Promotion:
    """A new promotion, in draft. `starts_at` defaults to now. Refused with `campaign_below_cost`
    when it could sell a listing below cost, unless `accept_loss`."""
    require_merchant_owner(actor, merchant.pk, what="merchant")
    values: dict[str, Any] = {**TERM_DEFAULTS, "threshold_quantity": 0, "new_customers_only": False,
                              "starts_at": clock.now(), "ends_at": None, **fields}
    if values["starts_at"] is None:
        values["starts_at"] = clock.now()
    clean = _clean(values, merchant=merchant, actor=actor)
    check_clean_not_below_cost(merchant, clean, accept_loss)
    now = clock.now()
    return Promotion.objects.create(merchant=merchant, status=CampaignStatus.DRAFT, created_at=now, updated_at=now,
                                    **clean)


def promotion_update(*, actor: User, promotion_id: int, accept_loss: bool = False,
                     **changes: Unpack[PromotionFields]) -> Promotion:
    """Change some fields of a promotion that has not ended; the result is checked as a whole."""
    require_console(actor)
    with transaction.atomic():
        promotion = lock_promotion(promotion_id)
        require_changeable(actor, promotion, what="promotion")
        values: dict[str, Any] = {field: getattr(promotion, field) for field in FIELDS}
        values.update(changes)
        merchant = promotion.merchant
        clean = _clean(values, merchant=merchant, actor=actor)
        check_clean_not_below_cost(merchant, clean, accept_loss)
        for field, value in clean.items():
            setattr(promotion, field, value)
        promotion.updated_at = clock.now()
        promotion.save(update_fields=[*clean, "updated_at"])
        return promotion


def promotion_set_status(*, actor: User, promotion_id: int, status: str) -> Promotion:
    """Start, pause, resume or end a promotion. Setting the status it has changes nothing."""
    require_console(actor)
    with transaction.atomic():
        promotion = lock_promotion(promotion_id)
        require_merchant_owner(actor, promotion.merchant_id, what="promotion")
        if check_move(current=promotion.status, wanted=status):
            promotion.status = status
            promotion.updated_at = clock.now()
            promotion.save(update_fields=["status", "updated_at"])
        return promotion
