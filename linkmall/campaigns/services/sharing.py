"""Share-to-get (分享领券): the merchant's campaigns, a friend's claim through a sharer's link, and the
sharer's reward.

A friend claims the campaign's friend coupon once (`share_claim`); the claim is attributed to the
sharer and refused, changing nothing, for a self-share (`share_self`), a friend who claimed through
another sharer (`share_already_claimed`), a phone or a device that claimed already — or that is the
sharer's own (`share_same_phone`, `share_same_device`) — and a friend who has bought at the merchant
before (`share_not_new_customer`, from the customers app's purchase facts). The device is the
tracking cookie's visitor key (customers.Visitor); a counted claim also adds the sharer → friend
edge to the customers' share graph.

In `claims` mode the claim counts at once; in `orders` mode it counts when the friend's first order
at the merchant settles without being refunded in full (`share_claim_convert`, which referral's
settlement calls through `referral.campaign_effects`). Each `friends_needed` friends who count earn
the sharer one reward coupon, up to `max_rewards`. Every count moves under the lock of the sharer's
progress row (`lock_progress`), taken before any coupon template is touched, so two friends counting
at once neither issue a reward twice nor skip one; coupons are issued with keys, so a repeat issues
nothing. A reward the reward template cannot give now (sold out, paused) is owed: the next count, or
`share_rewards_retry`, issues it.
"""

import logging
import re
from datetime import datetime
from typing import Any, TypedDict, Unpack

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.campaigns.models import (
    CampaignStatus,
    CouponSource,
    CouponTemplate,
    ShareCampaign,
    ShareClaim,
    ShareMode,
    ShareProgress,
)
from linkmall.campaigns.services._common import (
    Errors,
    check_move,
    moment,
    require_changeable,
    require_console,
    require_merchant_owner,
    whole,
)
from linkmall.campaigns.services.coupons import coupon_issue, is_new_customer
from linkmall.core import clock
from linkmall.core.errors import Conflict, DomainError, InvalidInput, NotFound
from linkmall.core.locking import lock_one, lock_rows
from linkmall.customers.models import Visitor
from linkmall.customers.tracking import share_edge_open, visitor_create
from linkmall.stores.models import Merchant

logger = logging.getLogger("linkmall.campaigns")

MAX_NAME = 60
MAX_FRIENDS = 100
MAX_REWARDS = 100
DEVICE_KEY = re.compile(r"[0-9a-f]{32}")


class ShareCampaignFields(TypedDict, total=False):
    name: str
    friend_template_id: int
    reward_template_id: int
    friends_needed: int
    mode: str
    max_rewards: int
    starts_at: datetime | None
    ends_at: datetime | None


FIELDS = tuple(ShareCampaignFields.__annotations__)
#: what may still change once friends may have claimed
OPEN_FIELDS = frozenset({"name", "max_rewards", "ends_at"})


# --- the merchant's campaigns ------------------------------------------------------------------------


def _check_template(template_id: object, merchant: Merchant, field: str, errors: Errors) -> CouponTemplate | None:
    """A template of the merchant, active, that may be given out by share-to-get."""
    template = (CouponTemplate.objects.filter(pk=template_id, merchant=merchant).first()
                if isinstance(template_id, int) and not isinstance(template_id, bool) and 0 < template_id < 2**63
                else None)
    if template is None:
        errors[field] = _("请选择本店的优惠券")
    elif template.status != CampaignStatus.ACTIVE:
        errors[field] = _("优惠券需要先启用")
    elif CouponSource.SHARE not in template.sources:
        errors[field] = _("这张优惠券的发放方式需要包含“分享得券”")
    return template


def _name(values: dict[str, Any], errors: Errors) -> str:
    name = str(values.get("name") or "").strip()
    if not name or len(name) > MAX_NAME:
        errors["name"] = _("请填写名称（%(max)s 字以内）") % {"max": MAX_NAME}
    return name


def _clean(values: dict[str, Any], *, merchant: Merchant) -> dict[str, Any]:
    errors = Errors()
    out: dict[str, Any] = {"name": _name(values, errors)}
    friend = _check_template(values.get("friend_template_id"), merchant, "friend_template_id", errors)
    reward = _check_template(values.get("reward_template_id"), merchant, "reward_template_id", errors)
    out["friend_template_id"] = values.get("friend_template_id")
    out["reward_template_id"] = values.get("reward_template_id")
    out["friends_needed"] = whole(values, "friends_needed", errors, minimum=1, maximum=MAX_FRIENDS)
    out["max_rewards"] = whole(values, "max_rewards", errors, minimum=1, maximum=MAX_REWARDS)
    mode = values.get("mode")
    if mode not in ShareMode.values:
        errors["mode"] = _("请选择好友领券计入或首单结算后计入")
    out["mode"] = mode
    if reward is not None and out["max_rewards"] and "reward_template_id" not in errors \
            and reward.per_user_limit < out["max_rewards"]:
        errors["max_rewards"] = _("奖励券每人限领 %(n)s 张，不能少于每人最多奖励次数") % {"n": reward.per_user_limit}
    if friend is not None and reward is not None and friend.pk == reward.pk:
        errors["reward_template_id"] = _("奖励券和好友券请选择不同的优惠券")
    out["starts_at"] = moment(values, "starts_at", errors, optional=False)
    out["ends_at"] = moment(values, "ends_at", errors)
    if out["starts_at"] and out["ends_at"] and out["ends_at"] <= out["starts_at"]:
        errors["ends_at"] = _("结束时间应晚于开始时间")
    errors.raise_any()
    return out


def lock_campaign(campaign_id: int) -> ShareCampaign:
    """Lock one share campaign row; every change of a campaign's terms or status takes it first."""
    try:
        return lock_one(ShareCampaign.objects.all(), campaign_id)
    except ShareCampaign.DoesNotExist:
        raise NotFound("No such share campaign.") from None


def share_campaign_create(*, actor: User, merchant: Merchant, **fields: Unpack[ShareCampaignFields]) -> ShareCampaign:
    """A new share campaign, in draft. `starts_at` defaults to now, `max_rewards` to 1, `mode` to claims."""
    require_merchant_owner(actor, merchant.pk, what="merchant")
    values: dict[str, Any] = {"mode": ShareMode.CLAIMS, "max_rewards": 1, "ends_at": None, **fields}
    if values.get("starts_at") is None:
        values["starts_at"] = clock.now()
    clean = _clean(values, merchant=merchant)
    now = clock.now()
    return ShareCampaign.objects.create(merchant=merchant, status=CampaignStatus.DRAFT, created_at=now,
                                        updated_at=now, **clean)


def share_campaign_update(*, actor: User, campaign_id: int, **changes: Unpack[ShareCampaignFields]) -> ShareCampaign:
    """Change some fields. Out of draft only the name, the reward cap and the end may change
    (`campaign_terms_locked`); an ended campaign not at all (`campaign_state`)."""
    require_console(actor)
    with transaction.atomic():
        campaign = lock_campaign(campaign_id)
        require_changeable(actor, campaign, what="share campaign")
        values: dict[str, Any] = {field: getattr(campaign, field) for field in FIELDS}
        changed = sorted(field for field, value in changes.items() if value != values[field])
        if campaign.status != CampaignStatus.DRAFT and (locked := [f for f in changed if f not in OPEN_FIELDS]):
            raise Conflict("Friends may have claimed: the terms can no longer change.", code="campaign_terms_locked",
                           detail={"changed": locked})
        values.update(changes)
        if campaign.status != CampaignStatus.DRAFT:  # the templates were checked when it started
            clean = _clean_open(values, campaign)
        else:
            clean = _clean(values, merchant=campaign.merchant)
        for field, value in clean.items():
            setattr(campaign, field, value)
        campaign.updated_at = clock.now()
        campaign.save(update_fields=[*clean, "updated_at"])
        return campaign


def _clean_open(values: dict[str, Any], campaign: ShareCampaign) -> dict[str, Any]:
    errors = Errors()
    name = _name(values, errors)
    max_rewards = whole(values, "max_rewards", errors, minimum=1, maximum=MAX_REWARDS)
    ends_at = moment(values, "ends_at", errors)
    if ends_at is not None and ends_at <= campaign.starts_at:
        errors["ends_at"] = _("结束时间应晚于开始时间")
    errors.raise_any()
    return {"name": name, "max_rewards": max_rewards, "ends_at": ends_at}


def share_campaign_set_status(*, actor: User, campaign_id: int, status: str) -> ShareCampaign:
    """Start, pause, resume or end a campaign. Starting or resuming checks the templates again (both
    active, both of the merchant, both give out by share). Pausing or ending stops new claims; friends
    who claimed still count when their first order settles. Setting the status it has changes nothing."""
    require_console(actor)
    with transaction.atomic():
        campaign = lock_campaign(campaign_id)
        require_merchant_owner(actor, campaign.merchant_id, what="share campaign")
        if check_move(current=campaign.status, wanted=status):
            if status == CampaignStatus.ACTIVE:
                values: dict[str, Any] = {field: getattr(campaign, field) for field in FIELDS}
                _clean(values, merchant=campaign.merchant)
            campaign.status = status
            campaign.updated_at = clock.now()
            campaign.save(update_fields=["status", "updated_at"])
        return campaign


# --- friends claiming ---------------------------------------------------------------------------------


def campaign_open(campaign: ShareCampaign, now: datetime) -> bool:
    """Whether friends may claim now: active and inside its window."""
    return (campaign.status == CampaignStatus.ACTIVE and campaign.starts_at <= now
            and (campaign.ends_at is None or now < campaign.ends_at))


def share_claim(*, friend: User, campaign_id: int, sharer_id: int, device_key: str = "") -> ShareClaim:
    """The friend claims the campaign's friend coupon through the sharer's link. A repeat through the
    same sharer returns the same claim and issues nothing. `device_key`: the friend's tracking
    visitor key ("" when unknown)."""
    require_role(friend, Role.CONSUMER)
    if device_key and not DEVICE_KEY.fullmatch(device_key):
        raise InvalidInput("A device key is 32 hexadecimal characters.", detail={"field": "device"})
    with transaction.atomic():
        campaign = (ShareCampaign.objects.select_related("friend_template").exclude(status=CampaignStatus.DRAFT)
                    .filter(pk=campaign_id).first())
        if campaign is None:  # a draft is nobody's business but the merchant's
            raise NotFound("No such share campaign.")
        sharer = User.objects.filter(pk=sharer_id, is_active=True, role=Role.CONSUMER).first()
        if sharer is None:
            raise NotFound("No such sharer.")
        if sharer.pk == friend.pk:
            raise Conflict("You cannot claim through your own share.", code="share_self",
                           detail={"campaign_id": campaign.pk})
        # the sharer's progress row first: every count of this sharer waits here, before any template
        progress = lock_progress(campaign_id=campaign.pk, sharer_id=sharer.pk)
        existing = ShareClaim.objects.filter(campaign=campaign, friend=friend).first()
        if existing is not None:
            if existing.sharer_id == sharer.pk:
                return existing
            raise Conflict("You claimed through another friend's share.", code="share_already_claimed",
                           detail={"campaign_id": campaign.pk})
        if not campaign_open(campaign, clock.now()):
            raise Conflict("The share campaign is not running.", code="share_campaign_closed",
                           detail={"campaign_id": campaign.pk})
        _refuse_repeats(campaign, friend=friend, sharer=sharer, device_key=device_key)
        if not is_new_customer(user=friend, merchant_id=campaign.merchant_id):
            raise Conflict("The friend coupon is for new customers only.", code="share_not_new_customer",
                           detail={"campaign_id": campaign.pk})
        try:
            coupon = coupon_issue(template=campaign.friend_template, user=friend, source=CouponSource.SHARE,
                                  key=f"share:{campaign.pk}:friend:{friend.pk}")
        except Conflict as exc:
            if exc.code == "coupon_limit_reached":
                # the same friend's claim through another sharer committed while this one ran: its
                # coupon fills the friend's limit, and the reason to give is the claim itself
                _refuse_repeats(campaign, friend=friend, sharer=sharer, device_key=device_key)
            raise
        try:
            with transaction.atomic():
                claim = ShareClaim.objects.create(campaign=campaign, sharer=sharer, friend=friend, coupon=coupon,
                                                  device_key=device_key, phone=friend.phone or "",
                                                  claimed_at=clock.now())
        except IntegrityError:
            # another claim of this friend, phone or device won a race: say which
            _refuse_repeats(campaign, friend=friend, sharer=sharer, device_key=device_key)
            raise
        progress.claims += 1
        _save_and_reward(progress, campaign)
        _share_edge(campaign.merchant_id, sharer=sharer, friend=friend, device_key=device_key)
        return claim


def _refuse_repeats(campaign: ShareCampaign, *, friend: User, sharer: User, device_key: str) -> None:
    detail = {"campaign_id": campaign.pk}
    other = ShareClaim.objects.filter(campaign=campaign, friend=friend).exclude(sharer=sharer).exists()
    if other:
        raise Conflict("You claimed through another friend's share.", code="share_already_claimed", detail=detail)
    phone = friend.phone or ""
    if phone and (phone == sharer.phone or ShareClaim.objects.filter(campaign=campaign, phone=phone).exists()):
        raise Conflict("This phone has claimed the friend coupon already.", code="share_same_phone", detail=detail)
    if device_key and (ShareClaim.objects.filter(campaign=campaign, device_key=device_key).exists()
                       or Visitor.objects.filter(key=device_key, user=sharer).exists()):
        raise Conflict("This device has claimed the friend coupon already.", code="share_same_device", detail=detail)


def _share_edge(merchant_id: int, *, sharer: User, friend: User, device_key: str) -> None:
    """sharer → friend in the customers' share graph (visitor to visitor)."""
    recipient = Visitor.objects.filter(key=device_key).first() if device_key else None
    if recipient is None or recipient.user_id not in (None, friend.pk):
        recipient = Visitor.objects.filter(user=friend).order_by("-last_seen_at", "-pk").first() \
            or visitor_create(user=friend)
    source = Visitor.objects.filter(user=sharer).order_by("-last_seen_at", "-pk").first() or visitor_create(user=sharer)
    share_edge_open(merchant_id=merchant_id, sharer_id=source.pk, recipient_id=recipient.pk)


# --- counting and rewarding ---------------------------------------------------------------------------


def lock_progress(*, campaign_id: int, sharer_id: int) -> ShareProgress:
    """The sharer's progress row in the campaign, created when missing, locked."""
    row = ShareProgress.objects.filter(campaign_id=campaign_id, sharer_id=sharer_id).values_list("pk", flat=True)
    pk = row.first()
    if pk is None:
        try:
            with transaction.atomic():
                pk = ShareProgress.objects.create(campaign_id=campaign_id, sharer_id=sharer_id).pk
        except IntegrityError:  # another friend of this sharer created it first
            pk = row.get()
    return lock_one(ShareProgress.objects.all(), pk)


def counted(progress: ShareProgress, campaign: ShareCampaign) -> int:
    """The friends who count for the reward, by the campaign's mode."""
    return progress.claims if campaign.mode == ShareMode.CLAIMS else progress.converted


def rewards_earned(progress: ShareProgress, campaign: ShareCampaign) -> int:
    return min(counted(progress, campaign) // campaign.friends_needed, campaign.max_rewards)


def _save_and_reward(progress: ShareProgress, campaign: ShareCampaign) -> None:
    """Save the locked progress row and issue the rewards it has earned and not yet received."""
    sharer = progress.sharer
    template = campaign.reward_template
    while progress.rewards < rewards_earned(progress, campaign):
        number = progress.rewards + 1
        try:
            coupon_issue(template=template, user=sharer, source=CouponSource.SHARE,
                         key=f"share:{campaign.pk}:reward:{sharer.pk}:{number}")
        except DomainError as exc:  # owed: the next count or share_rewards_retry issues it
            logger.warning("share reward %s of campaign %s for user %s not issued: %s", number, campaign.pk,
                           sharer.pk, exc.code)
            break
        progress.rewards = number
    progress.updated_at = clock.now()
    progress.save(update_fields=["claims", "converted", "rewards", "updated_at"])


def share_claim_convert(*, friend_id: int, merchant_id: int, order_ref: str) -> int:
    """The friend's order `order_ref` at the merchant settled and was not refunded in full: their
    unconverted claims at the merchant's `orders` campaigns count now (a friend's first such order
    converts them; later ones find nothing). Returns how many claims converted. Called inside
    settlement's transaction; idempotent."""
    claims = list(ShareClaim.objects.filter(friend_id=friend_id, campaign__merchant_id=merchant_id,
                                            campaign__mode=ShareMode.ORDERS, converted_at__isnull=True)
                  .values_list("pk", "campaign_id", "sharer_id").order_by("pk"))
    if not claims:
        return 0
    # every sharer's progress row first, in pk order (a claim made its row), then the coupons
    pairs = Q()
    for _claim_id, campaign_id, sharer_id in claims:
        pairs |= Q(campaign_id=campaign_id, sharer_id=sharer_id)
    progress = {(row.campaign_id, row.sharer_id): row
                for row in lock_rows(ShareProgress.objects.filter(pairs).select_related("sharer"))}
    converted = 0
    now = clock.now()
    for claim_id, campaign_id, sharer_id in claims:
        took = ShareClaim.objects.filter(pk=claim_id, converted_at__isnull=True).update(
            converted_at=now, converted_order=order_ref[:32])
        if took != 1:
            continue
        row = progress[(campaign_id, sharer_id)]
        row.converted += 1
        campaign = ShareCampaign.objects.select_related("reward_template").get(pk=campaign_id)
        _save_and_reward(row, campaign)
        converted += 1
    return converted


def share_rewards_retry(*, campaign_id: int, sharer_id: int) -> int:
    """Issue the rewards a sharer earned that could not be issued then. Returns the rewards held now."""
    with transaction.atomic():
        progress = lock_progress(campaign_id=campaign_id, sharer_id=sharer_id)
        campaign = ShareCampaign.objects.select_related("reward_template").get(pk=campaign_id)
        _save_and_reward(progress, campaign)
        return progress.rewards
