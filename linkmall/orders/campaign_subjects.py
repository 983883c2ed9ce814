"""The report subjects of share-to-get and invite campaigns (`campaign_reports.register_subject`).

Registered when the orders app is ready (`OrdersConfig.ready`), so the report pages, the API and
the exports serve `/campaigns/reports/share/<id>` and `/campaigns/reports/invite/<id>`.

- **share**: the coupons it gave out are the friends' coupons (one per `ShareClaim`) and the
  sharers' reward coupons, both issued with source `share` and a key `share:<campaign>:…`
  (`campaigns.services.sharing`); its orders are the orders that used one of them; its cost is
  their coupon discount; its new customers are the buyers whose first purchase used one (the
  friends, as a rule: a friend coupon goes to new customers only).
- **invite**: the coupons of its coupon prizes (source `invite`); its orders are the orders that
  used one and the gift orders of its gift prizes; its cost is the coupon discount plus each gift's
  supplier cost C, by the tier's funder (`GIFT_STEP`, as the settlement books it).
"""

from django.db.models import BigIntegerField, Q
from django.db.models.functions import Cast, Substr
from django.utils.translation import gettext as _

from linkmall.accounts.models import User
from linkmall.campaigns.models import Coupon, CouponSource, InvitePrize
from linkmall.campaigns.offers import template_label
from linkmall.campaigns.pages.share import rule_text
from linkmall.campaigns.selectors.invites import invite_campaign_get, tier_prize_name
from linkmall.campaigns.selectors.sharing import share_campaign_get
from linkmall.orders.campaign_reports import COUPON_STEP, GIFT_STEP, Subject, register_subject
from linkmall.orders.models import Order

#: how `referral.invites` names a gift prize's order: "order:<id>"
ORDER_REF_PREFIX = "order:"


def share_coupons(campaign_id: int) -> Q:
    """The coupons a share campaign issued, friends' and rewards' (as a filter on Coupon)."""
    return Q(source=CouponSource.SHARE, key__startswith=f"share:{campaign_id}:")


def _share_subject(actor: User, campaign_id: int) -> Subject:
    campaign = share_campaign_get(actor=actor, campaign_id=campaign_id)
    coupons = share_coupons(campaign.pk)
    return Subject(kind="share", id=campaign.pk, merchant_id=campaign.merchant_id, name=campaign.name,
                   label=f"{template_label(campaign.friend_template)} · {rule_text(campaign)}", coupons=coupons,
                   orders=Q(coupon__in=Coupon.objects.filter(coupons).values("pk")), steps=(COUPON_STEP,),
                   sources=(CouponSource.SHARE,))


def _invite_subject(actor: User, campaign_id: int) -> Subject:
    campaign = invite_campaign_get(actor=actor, campaign_id=campaign_id)
    tiers = list(campaign.tiers.select_related("gift_listing__product", "coupon_template"))
    label = "；".join(f"{_('%(n)s 人') % {'n': tier.invitees}}：{tier_prize_name(tier)}" for tier in tiers)
    prizes = InvitePrize.objects.filter(campaign_id=campaign.pk)
    coupon_ids = prizes.filter(coupon__isnull=False).values("coupon_id")
    gift_ids = (prizes.filter(order_ref__startswith=ORDER_REF_PREFIX)
                .annotate(order_id=Cast(Substr("order_ref", len(ORDER_REF_PREFIX) + 1), BigIntegerField()))
                .values("order_id"))
    return Subject(kind="invite", id=campaign.pk, merchant_id=campaign.merchant_id, name=campaign.name,
                   label=label, coupons=Q(source=CouponSource.INVITE, pk__in=coupon_ids),
                   orders=(Q(kind=Order.Kind.NORMAL, coupon__source=CouponSource.INVITE, coupon__in=coupon_ids)
                           | Q(kind=Order.Kind.GIFT, pk__in=gift_ids)),
                   steps=(COUPON_STEP, GIFT_STEP), sources=(CouponSource.INVITE,))


def register() -> None:
    register_subject("share", _share_subject)
    register_subject("invite", _invite_subject)
