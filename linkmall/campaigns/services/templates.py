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
from linkmall.campaigns.models import GEOFENCE_MAX_M, GEOFENCE_MIN_M, CampaignStatus, CouponSource, CouponTemplate
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
from linkmall.stores.models import Merchant, Store


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
    #: 地理围栏券: only visitors within `geofence_radius_m` metres of this store of the merchant may
    #: claim it, with their location; both None for an ordinary template (docs/o2o.md)
    geofence_store_id: int | None
    geofence_radius_m: int | None


#: the sources a geofenced template may have: the claim centre's (the claim checks the location)
#: and the merchant's own hand-outs; share-to-get and invite prizes would issue it unchecked
GEOFENCE_SOURCES = frozenset({CouponSource.CLAIM, CouponSource.NEW_CUSTOMER, CouponSource.GUIDE,
                              CouponSource.LAYER})

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
    _clean_geofence(values, out, merchant=merchant, errors=errors)
    errors.raise_any()
    return out


def _clean_geofence(values: dict[str, Any], out: dict[str, Any], *, merchant: Merchant, errors: Errors) -> None:
    """A geofence is a store of the same merchant and a radius of GEOFENCE_MIN_M–GEOFENCE_MAX_M
    metres, both or neither; a geofenced template keeps to GEOFENCE_SOURCES."""
    store_id = values.get("geofence_store_id")
    out["geofence_store_id"] = None
    out["geofence_radius_m"] = None
    if store_id is None:
        if values.get("geofence_radius_m") is not None:
            errors["geofence_store_id"] = _("请选择围栏的中心门店")
        return
    if (isinstance(store_id, bool) or not isinstance(store_id, int)
            or not Store.objects.filter(pk=store_id, merchant=merchant, is_active=True).exists()):
        errors["geofence_store_id"] = _("请选择本店一家营业中的门店")
    else:
        out["geofence_store_id"] = store_id
    radius = whole(values, "geofence_radius_m", errors, minimum=GEOFENCE_MIN_M, maximum=GEOFENCE_MAX_M)
    out["geofence_radius_m"] = radius
    if "geofence_radius_m" in errors and values.get("geofence_radius_m") is None:
        errors["geofence_radius_m"] = _("请填写围栏半径（米）")
    if set(out.get("sources") or []) - GEOFENCE_SOURCES:
        errors["sources"] = _("地理围栏券只能通过领券中心、导购或客户分层发放")


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
