"""Invite campaigns: the merchant's console (create, change, move through draft → active ⇄ paused →
ended), credits when an invitee's first order settles or is refunded, and the tiers' prizes.

Called with plain facts by `linkmall.referral.invites`, which reads orders and the invite graph.
Credits of one campaign serialize on the campaign's row lock (`lock_campaigns`), so two invitees
settling at once both count and a tier is reached by exactly one of them; the unique
(campaign, inviter, tier) makes every award idempotent, and a coupon is issued with the key
`invite:<prize id>`.

Activation needs the compliance review (`review`: the risks `referral.invites` found); a review
with a high risk is refused with `invite_headcount_pay` — never allowed, whoever asks.
"""

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, TypedDict

from django.db import transaction
from django.utils.translation import gettext as _

from linkmall.accounts.models import Role, User
from linkmall.campaigns.models import (
    CampaignStatus,
    CouponSource,
    CouponTemplate,
    Funder,
    InviteCampaign,
    InviteCounts,
    InviteCredit,
    InvitePrize,
    InvitePrizeKind,
    InviteTier,
)
from linkmall.campaigns.services._common import (
    MAX_NAME,
    Errors,
    check_move,
    moment,
    require_changeable,
    require_console,
    require_merchant_owner,
    whole,
)
from linkmall.campaigns.services.coupons import coupon_issue
from linkmall.core import clock
from linkmall.core.errors import Conflict, DomainError, NotFound
from linkmall.core.locking import lock_one, lock_rows
from linkmall.stores.models import Listing, Merchant

MAX_TIERS = 10
MAX_INVITEES = 1000
MAX_PRODUCTS = 50


class TierFields(TypedDict, total=False):
    """What a tier takes (the services accept any mapping and name every bad field)."""

    invitees: int
    prize_kind: str
    coupon_template_id: int | None
    gift_listing_id: int | None
    funder: str


class InviteCampaignFields(TypedDict, total=False):
    name: str
    counts: str
    product_ids: list[int]
    starts_at: datetime | None
    ends_at: datetime | None


FIELDS = tuple(InviteCampaignFields.__annotations__)


def lock_campaign(campaign_id: int) -> InviteCampaign:
    """Lock one invite campaign; every change of it and every credit of it takes this lock."""
    try:
        return lock_one(InviteCampaign.objects.all(), campaign_id)
    except InviteCampaign.DoesNotExist:
        raise NotFound("No such invite campaign.") from None


# --- the console -----------------------------------------------------------------------------------


def _clean(values: Mapping[str, Any], *, merchant: Merchant, errors: Errors) -> dict[str, Any]:
    out: dict[str, Any] = {}
    name = str(values.get("name") or "").strip()
    if not name or len(name) > MAX_NAME:
        errors["name"] = _("请填写名称（%(max)s 字以内）") % {"max": MAX_NAME}
    out["name"] = name
    counts = values.get("counts", InviteCounts.FIRST_ORDER)
    if counts not in InviteCounts.values:
        errors["counts"] = _("计入方式无效")
    out["counts"] = counts
    ids = values.get("product_ids") or []
    out["product_ids"] = []
    if counts == InviteCounts.PRODUCTS:
        if (not isinstance(ids, list | tuple) or not ids or len(ids) > MAX_PRODUCTS
                or any(isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk < 2**31 for pk in ids)):
            errors["product_ids"] = _("请选择 1 到 %(max)s 个商品") % {"max": MAX_PRODUCTS}
        else:
            wanted = sorted(set(ids))
            found = set(Listing.objects.filter(merchant=merchant, product_id__in=wanted)
                        .values_list("product_id", flat=True))
            if missing := [pk for pk in wanted if pk not in found]:
                errors["product_ids"] = _("没有这些商品：%(ids)s") % {"ids": ", ".join(map(str, missing[:10]))}
            out["product_ids"] = wanted
    out["starts_at"] = moment(values, "starts_at", errors, optional=False)
    out["ends_at"] = moment(values, "ends_at", errors)
    if out["starts_at"] and out["ends_at"] and out["ends_at"] <= out["starts_at"]:
        errors["ends_at"] = _("结束时间应晚于开始时间")
    return out


def _clean_tiers(raw: object, *, merchant: Merchant, actor: User, errors: Errors) -> list[dict[str, Any]]:
    """Tiers strictly increasing by invitees, each with one prize of this merchant."""
    if not isinstance(raw, list | tuple) or not 1 <= len(raw) <= MAX_TIERS:
        errors["tiers"] = _("请设置 1 到 %(max)s 个阶梯") % {"max": MAX_TIERS}
        return []
    tiers: list[dict[str, Any]] = []
    previous = 0
    for n, tier in enumerate(raw, start=1):
        field = f"tiers.{n}"
        if not isinstance(tier, Mapping):
            errors[field] = _("阶梯格式无效")
            continue
        tier_errors = Errors()
        invitees = whole(tier, "invitees", tier_errors, minimum=1, maximum=MAX_INVITEES)
        if invitees is not None and invitees <= previous:
            tier_errors["invitees"] = _("邀请人数必须逐级递增")
        previous = invitees or previous
        out: dict[str, Any] = {"invitees": invitees, "coupon_template": None, "gift_listing": None}
        kind = tier.get("prize_kind")
        funder = tier.get("funder", Funder.MERCHANT)
        if kind == InvitePrizeKind.COUPON:
            template = _template(tier.get("coupon_template_id"), merchant)
            if template is None:
                tier_errors["coupon_template_id"] = _("请选择本店的优惠券")
            elif CouponSource.INVITE not in template.sources or template.status == CampaignStatus.ENDED:
                tier_errors["coupon_template_id"] = _("这张优惠券未开放“邀请有礼”发放")
            else:
                funder = template.funder  # a coupon's funder is its template's
            out["coupon_template"] = template
        elif kind == InvitePrizeKind.GIFT:
            listing = _listing(tier.get("gift_listing_id"), merchant)
            if listing is None:
                tier_errors["gift_listing_id"] = _("请选择本店在售的商品作为赠品")
            out["gift_listing"] = listing
        else:
            tier_errors["prize_kind"] = _("请选择奖品类型")
        if funder not in Funder.values:
            tier_errors["funder"] = _("出资方无效")
        elif funder == Funder.PLATFORM and kind == InvitePrizeKind.GIFT and actor.role != Role.PLATFORM:
            tier_errors["funder"] = _("只有平台可以设置平台出资")
        out["prize_kind"] = kind
        out["funder"] = funder
        for key, text in tier_errors.items():
            errors[f"{field}.{key}"] = text
        tiers.append(out)
    return tiers


def _template(pk: object, merchant: Merchant) -> CouponTemplate | None:
    if isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk < 2**31:
        return None
    return CouponTemplate.objects.filter(pk=pk, merchant=merchant).first()


def _listing(pk: object, merchant: Merchant) -> Listing | None:
    if isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk < 2**31:
        return None
    return Listing.objects.filter(pk=pk, merchant=merchant, is_active=True).first()


def _write_tiers(campaign: InviteCampaign, tiers: list[dict[str, Any]]) -> None:
    campaign.tiers.all().delete()
    InviteTier.objects.bulk_create([InviteTier(campaign=campaign, **tier) for tier in tiers])


def invite_campaign_create(*, actor: User, merchant: Merchant, tiers: Sequence[Mapping[str, Any]],
                           **fields: Any) -> InviteCampaign:
    """A new invite campaign with its tiers, in draft. `starts_at` defaults to now. Every bad field
    is named in `detail["fields"]` (tiers as `tiers.<n>.<field>`); nothing is written then."""
    require_merchant_owner(actor, merchant.pk, what="merchant")
    values: dict[str, Any] = {"counts": InviteCounts.FIRST_ORDER, "product_ids": [], "ends_at": None, **fields}
    if values.get("starts_at") is None:
        values["starts_at"] = clock.now()
    errors = Errors()
    clean = _clean(values, merchant=merchant, errors=errors)
    clean_tiers = _clean_tiers(list(tiers), merchant=merchant, actor=actor, errors=errors)
    errors.raise_any()
    now = clock.now()
    with transaction.atomic():
        campaign = InviteCampaign.objects.create(merchant=merchant, status=CampaignStatus.DRAFT, created_at=now,
                                                 updated_at=now, **clean)
        _write_tiers(campaign, clean_tiers)
    return campaign


def invite_campaign_update(*, actor: User, campaign_id: int, tiers: Sequence[Mapping[str, Any]] | None = None,
                           **changes: Any) -> InviteCampaign:
    """Change a campaign that has not ended. Its tiers and what counts change only in draft
    (`campaign_terms_locked` after), since inviters' progress reads them."""
    require_console(actor)
    with transaction.atomic():
        campaign = lock_campaign(campaign_id)
        require_changeable(actor, campaign, what="invite campaign")
        terms_changed = tiers is not None or any(
            key in changes and changes[key] != getattr(campaign, key) for key in ("counts", "product_ids"))
        if terms_changed and campaign.status != CampaignStatus.DRAFT:
            raise Conflict("Tiers and what counts are fixed once the campaign started.",
                           code="campaign_terms_locked", detail={"status": campaign.status})
        values: dict[str, Any] = {field: getattr(campaign, field) for field in FIELDS}
        values.update({key: value for key, value in changes.items() if key in FIELDS})
        errors = Errors()
        merchant = campaign.merchant
        clean = _clean(values, merchant=merchant, errors=errors)
        clean_tiers = (_clean_tiers(list(tiers), merchant=merchant, actor=actor, errors=errors)
                       if tiers is not None else None)
        errors.raise_any()
        for field, value in clean.items():
            setattr(campaign, field, value)
        campaign.updated_at = clock.now()
        campaign.save(update_fields=[*clean, "updated_at"])
        if clean_tiers is not None:
            _write_tiers(campaign, clean_tiers)
        return campaign


def invite_campaign_set_status(*, actor: User, campaign_id: int, status: str,
                               review: Sequence[Mapping[str, str]] | None = None) -> InviteCampaign:
    """Start, pause, resume or end a campaign. A move to active needs `review`, the compliance
    review's risks (`referral.invites.invite_campaign_activate` runs it): a high risk is refused
    with `invite_headcount_pay` and nothing changes."""
    require_console(actor)
    with transaction.atomic():
        campaign = lock_campaign(campaign_id)
        require_merchant_owner(actor, campaign.merchant_id, what="invite campaign")
        if not check_move(current=campaign.status, wanted=status):
            return campaign
        fields = ["status", "updated_at"]
        if status == CampaignStatus.ACTIVE:
            if review is None:
                raise ValueError("activating an invite campaign needs its compliance review")
            blocking = [dict(r) for r in review if r.get("severity") == "high"]
            if blocking:
                raise Conflict("The campaign pays for headcount and cannot be started.",
                               code="invite_headcount_pay", detail={"risks": blocking})
            campaign.compliance = [dict(r) for r in review]
            fields.append("compliance")
        campaign.status = status
        campaign.updated_at = clock.now()
        campaign.save(update_fields=fields)
        return campaign


# --- credits and prizes (called by referral.invites with plain facts) -----------------------------


def invite_order_settled(*, merchant_id: int, inviter_id: int, invitee_id: int, order_ref: str,
                         placed_at: datetime, product_ids: Collection[int]) -> list[InvitePrize]:
    """The invitee's first order at the merchant settled with something left (`product_ids`: the
    products of its lines that were not refunded in full). Credits the inviter in every active
    campaign of the merchant it counts for, and awards each tier now reached, once. Returns the
    prizes awarded by this call (gifts come back `pending`, for the caller to order). A repeat
    finds the credits there and awards nothing more."""
    if inviter_id == invitee_id:
        return []
    candidates = list(InviteCampaign.objects.filter(merchant_id=merchant_id, status=CampaignStatus.ACTIVE)
                      .values_list("pk", flat=True))
    if not candidates:
        return []
    awarded: list[InvitePrize] = []
    with transaction.atomic():
        for campaign in lock_rows(InviteCampaign.objects.all(), candidates):
            if not _counts(campaign, placed_at, product_ids):
                continue
            _, created = InviteCredit.objects.get_or_create(
                campaign=campaign, invitee_id=invitee_id,
                defaults={"inviter_id": inviter_id, "order_ref": order_ref, "credited_at": clock.now()})
            if created:
                awarded.extend(_award_reached(campaign, inviter_id))
    return awarded


def _counts(campaign: InviteCampaign, placed_at: datetime, product_ids: Collection[int]) -> bool:
    if campaign.status != CampaignStatus.ACTIVE or placed_at < campaign.starts_at:
        return False
    if campaign.ends_at is not None and placed_at >= campaign.ends_at:
        return False
    if campaign.counts == InviteCounts.PRODUCTS:
        return bool(set(campaign.product_ids) & set(product_ids))
    return True


def _award_reached(campaign: InviteCampaign, inviter_id: int) -> list[InvitePrize]:
    """Award every tier the inviter's counted credits reach and that has no prize yet. The caller
    holds the campaign's lock."""
    counted = InviteCredit.objects.filter(campaign=campaign, inviter_id=inviter_id,
                                          status=InviteCredit.Status.COUNTED).count()
    have = set(InvitePrize.objects.filter(campaign=campaign, inviter_id=inviter_id).values_list("tier_id", flat=True))
    awarded = []
    for tier in campaign.tiers.filter(invitees__lte=counted).select_related("coupon_template").order_by("invitees"):
        if tier.pk in have:
            continue
        prize = InvitePrize.objects.create(campaign=campaign, inviter_id=inviter_id, tier=tier,
                                           status=InvitePrize.Status.PENDING, awarded_at=clock.now())
        if tier.prize_kind == InvitePrizeKind.COUPON:
            invite_coupon_deliver(prize=prize)
        awarded.append(prize)
    return awarded


def invite_coupon_deliver(*, prize: InvitePrize) -> InvitePrize:
    """Issue a coupon prize (key `invite:<prize id>`, source `invite`). When the template cannot
    give one (sold out, paused …) the prize is `failed` with the code, for the merchant to retry;
    the settlement that reached the tier goes on."""
    template = prize.tier.coupon_template
    if template is None:
        raise ValueError(f"tier {prize.tier_id} has no coupon")
    try:
        with transaction.atomic():
            coupon = coupon_issue(template=template, user=User.objects.get(pk=prize.inviter_id),
                                  source=CouponSource.INVITE, key=f"invite:{prize.pk}")
    except DomainError as exc:
        prize.status, prize.failure = InvitePrize.Status.FAILED, exc.code[:40]
        prize.save(update_fields=["status", "failure"])
        return prize
    prize.status, prize.coupon, prize.failure = InvitePrize.Status.ISSUED, coupon, ""
    prize.save(update_fields=["status", "coupon", "failure"])
    return prize


def invite_order_refunded(*, order_ref: str) -> int:
    """The counted order was refunded in full: its credits stop counting toward tiers not reached
    yet. Prizes already awarded stay (the inviter did bring the friend; the merchant decided on
    refunds, not the inviter). Returns how many credits changed; a repeat changes none."""
    with transaction.atomic():
        campaign_ids = list(InviteCredit.objects.filter(order_ref=order_ref, status=InviteCredit.Status.COUNTED)
                            .values_list("campaign_id", flat=True))
        if not campaign_ids:
            return 0
        lock_rows(InviteCampaign.objects.all(), campaign_ids)
        return InviteCredit.objects.filter(order_ref=order_ref, status=InviteCredit.Status.COUNTED).update(
            status=InviteCredit.Status.REFUNDED, refunded_at=clock.now())


def invite_prize_lock(*, prize_id: int, user: User | None = None) -> InvitePrize:
    """Lock a prize (after its campaign's lock, when both are taken); another user's is not found."""
    rows = InvitePrize.objects.all()
    if user is not None:
        rows = rows.filter(inviter=user)
    try:
        # the prize's row alone (PostgreSQL refuses FOR UPDATE across the nullable join to a gift
        # listing), then what it names, read under the lock
        locked = lock_one(rows, prize_id)
    except InvitePrize.DoesNotExist:
        raise NotFound("No such prize.") from None
    return InvitePrize.objects.select_related("tier", "tier__gift_listing", "campaign").get(pk=locked.pk)


def invite_prize_set(*, prize: InvitePrize, status: str, order_ref: str = "", failure: str = "") -> InvitePrize:
    """Record what happened to a gift prize (the caller holds its lock): ordered, to claim, failed."""
    prize.status, prize.order_ref, prize.failure = status, order_ref, failure[:40]
    prize.save(update_fields=["status", "order_ref", "failure"])
    return prize
