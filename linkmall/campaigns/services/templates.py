"""Coupon templates: create, change, and move through draft → active ⇄ paused → ended.

A template's discount terms and validity are fixed once it leaves draft, since the coupons in
buyers' wallets read them; its name, total, per-user limit, sources and claim window may still
change (the total never below what was issued).
"""

from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from django.db import transaction
from django.utils.translation import gettext as _

from linkmall.accounts.models import User
from linkmall.campaigns.models import CampaignStatus, CouponSource, CouponTemplate
from linkmall.campaigns.services._common import (
    MAX_PER_USER,
    MAX_TOTAL,
    MAX_VALID_DAYS,
    TERM_DEFAULTS,
    Errors,
    check_clean_not_below_cost,
    check_move,
    clean_terms,
    lock_template,
    moment,
    require_changeable,
    require_console,
    require_merchant_owner,
    whole,
)
from linkmall.core import clock
from linkmall.core.errors import Conflict
from linkmall.stores.models import Merchant


class CouponTemplateFields(TypedDict, total=False):
    name: str
    kind: str
    value: Decimal | int
    threshold_fen: int
    max_discount_fen: int | None
    scope_kind: str
    scope_ids: list[int]
    stacks_with_activity: bool
    funder: str
    valid_from: datetime | None
    valid_until: datetime | None
    valid_days: int | None
    claim_starts_at: datetime | None
    claim_ends_at: datetime | None
    total: int
    per_user_limit: int
    sources: list[str]
    #: 到店核销券: redeemed in a store with its code, never used at online checkout (docs/o2o.md)
    in_store: bool


FIELDS = tuple(CouponTemplateFields.__annotations__)
#: what may still change once coupons may be out
OPEN_FIELDS = frozenset({"name", "total", "per_user_limit", "sources", "claim_starts_at", "claim_ends_at"})


def _clean(values: dict[str, Any], *, merchant: Merchant, actor: User) -> dict[str, Any]:
    errors = Errors()
    out = clean_terms(values, merchant=merchant, actor=actor, errors=errors)
    out["valid_days"] = whole(values, "valid_days", errors, minimum=1, maximum=MAX_VALID_DAYS, optional=True)
    out["valid_from"] = moment(values, "valid_from", errors)
    out["valid_until"] = moment(values, "valid_until", errors)
    window = out["valid_from"] is not None or out["valid_until"] is not None
    if out["valid_days"] is not None and window:
        errors["valid_days"] = _("有效期请二选一：固定时间段，或领取后若干天")
    elif out["valid_days"] is None and "valid_days" not in errors:
        if out["valid_from"] is None or out["valid_until"] is None:
            errors.setdefault("valid_until", _("请填写有效期：固定时间段，或领取后若干天"))
        elif out["valid_until"] <= out["valid_from"]:
            errors["valid_until"] = _("结束时间应晚于开始时间")
    out["claim_starts_at"] = moment(values, "claim_starts_at", errors)
    out["claim_ends_at"] = moment(values, "claim_ends_at", errors)
    if out["claim_starts_at"] and out["claim_ends_at"] and out["claim_ends_at"] <= out["claim_starts_at"]:
        errors["claim_ends_at"] = _("结束时间应晚于开始时间")
    out["total"] = whole(values, "total", errors, minimum=1, maximum=MAX_TOTAL)
    out["per_user_limit"] = whole(values, "per_user_limit", errors, minimum=1, maximum=MAX_PER_USER) or 1
    sources = values.get("sources")
    if (not isinstance(sources, list | tuple) or not sources
            or any(not isinstance(s, str) or s not in CouponSource.values for s in sources)):
        errors["sources"] = _("请选择发放方式")
        out["sources"] = []
    else:
        out["sources"] = [s for s in CouponSource.values if s in sources]
    in_store = values.get("in_store", False)
    if not isinstance(in_store, bool):
        errors["in_store"] = _("请选择是否到店核销")
    out["in_store"] = in_store is True
    errors.raise_any()
    return out


def coupon_template_create(*, actor: User, merchant: Merchant, accept_loss: bool = False,
                           **fields: Unpack[CouponTemplateFields]) -> CouponTemplate:
    """A new coupon template, in draft; `sources` defaults to the claim centre only."""
    require_merchant_owner(actor, merchant.pk, what="merchant")
    values: dict[str, Any] = {**TERM_DEFAULTS, "sources": [CouponSource.CLAIM], "per_user_limit": 1, **fields}
    clean = _clean(values, merchant=merchant, actor=actor)
    check_clean_not_below_cost(merchant, clean, accept_loss)
    now = clock.now()
    return CouponTemplate.objects.create(merchant=merchant, status=CampaignStatus.DRAFT, created_at=now,
                                         updated_at=now, **clean)


def coupon_template_update(*, actor: User, template_id: int, accept_loss: bool = False,
                           **changes: Unpack[CouponTemplateFields]) -> CouponTemplate:
    """Change some fields. Out of draft only `OPEN_FIELDS` may change (`campaign_terms_locked`);
    an ended template not at all (`campaign_state`); the total never below what was issued."""
    require_console(actor)
    with transaction.atomic():
        template = lock_template(template_id)
        require_changeable(actor, template, what="coupon template")
        values: dict[str, Any] = {field: getattr(template, field) for field in FIELDS}
        changed = sorted(field for field, value in changes.items() if value != values[field])
        if template.status != CampaignStatus.DRAFT and (locked := [f for f in changed if f not in OPEN_FIELDS]):
            raise Conflict("Coupons may be out: their terms can no longer change.", code="campaign_terms_locked",
                           detail={"changed": locked})
        values.update(changes)
        merchant = template.merchant
        clean = _clean(values, merchant=merchant, actor=actor)
        if clean["total"] < template.issued:  # the lock holds claims off, so `issued` is current
            Errors(total=_("不能少于已发放的 %(n)s 张") % {"n": template.issued}).raise_any()
        if template.status == CampaignStatus.DRAFT:
            check_clean_not_below_cost(merchant, clean, accept_loss)
        for field, value in clean.items():
            setattr(template, field, value)
        template.updated_at = clock.now()
        template.save(update_fields=[*clean, "updated_at"])
        return template


def coupon_template_set_status(*, actor: User, template_id: int, status: str) -> CouponTemplate:
    """Start, pause, resume or end a template. Pausing or ending stops new claims; coupons already
    in wallets stay valid. Setting the status it has changes nothing."""
    require_console(actor)
    with transaction.atomic():
        template = lock_template(template_id)
        require_merchant_owner(actor, template.merchant_id, what="coupon template")
        if check_move(current=template.status, wanted=status):
            template.status = status
            template.updated_at = clock.now()
            template.save(update_fields=["status", "updated_at"])
        return template
