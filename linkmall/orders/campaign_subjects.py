"""The report subjects of share-to-get, invite, flash-sale and bargain campaigns
(`campaign_reports.register_subject`).

Registered when the orders app is ready (`OrdersConfig.ready`), so the report pages, the API and
the exports serve `/campaigns/reports/<kind>/<id>` for `share`, `invite`, `flash` and `bargain`.

- **share**: the coupons it gave out are the friends' coupons (one per `ShareClaim`) and the
  sharers' reward coupons, both issued with source `share` and a key `share:<campaign>:…`
  (`campaigns.services.sharing`); its orders are the orders that used one of them; its cost is
  their coupon discount; its new customers are the buyers whose first purchase used one (the
  friends, as a rule: a friend coupon goes to new customers only).
- **invite**: the coupons of its coupon prizes (source `invite`); its orders are the orders that
  used one and the gift orders of its gift prizes; its cost is the coupon discount plus each gift's
  supplier cost C, by the tier's funder (`GIFT_STEP`, as the settlement books it).
- **flash** (a `FlashSale`): its orders are those of its entries (`FlashEntry.order_id`); its cost
  is L − A of their lines by the sale's funder (`ACTIVITY_STEP`); metrics: participants (distinct
  buyers admitted with an order, by the day admitted, whatever became of the order) and units sold
  (paid, not refunded).
- **bargain** (a `BargainActivity`): its orders are those its bargains were bought with
  (`Bargain.order_id`, cleared again when an unpaid order lapses); cost as for flash; metrics:
  bargains started, friends who helped (distinct helpers, by the day of the cut), bargains bought
  (their order paid, by the day paid) and units sold.
"""

from typing import Any

from django.db.models import BigIntegerField, Q, QuerySet
from django.db.models.functions import Cast, Substr
from django.utils.translation import gettext as _

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role, require_tenant
from linkmall.campaigns.models import (
    Bargain,
    BargainActivity,
    BargainHelp,
    Coupon,
    CouponSource,
    FlashEntry,
    FlashSale,
    GroupBuy,
    GroupBuyGroup,
    GroupBuyMember,
    GroupStatus,
    InvitePrize,
)
from linkmall.campaigns.offers import template_label
from linkmall.campaigns.pages.share import rule_text
from linkmall.campaigns.selectors.invites import invite_campaign_get, tier_prize_name
from linkmall.campaigns.selectors.sharing import share_campaign_get
from linkmall.core.errors import NotFound
from linkmall.core.money import fen_to_yuan
from linkmall.orders.campaign_reports import (
    ACTIVITY_STEP,
    COUPON_STEP,
    GIFT_STEP,
    Metric,
    Subject,
    register_subject,
    units_sold,
)
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


def _campaign_of(actor: User, rows: QuerySet[Any], campaign_id: int, what: str) -> Any:
    """The merchant's owner or platform staff; another merchant's campaign is not found."""
    require_role(actor, Role.MERCHANT_OWNER, Role.PLATFORM)
    campaign = rows.select_related("listing__product").filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound(f"No such {what}.")
    require_tenant(actor, campaign.merchant_id, what=what)
    return campaign


def _flash_subject(actor: User, sale_id: int) -> Subject:
    sale: FlashSale = _campaign_of(actor, FlashSale.objects.all(), sale_id, "flash sale")
    entries = FlashEntry.objects.filter(sale_id=sale.pk)
    orders = Q(pk__in=entries.values("order_id"))
    return Subject(
        kind="flash", id=sale.pk, merchant_id=sale.merchant_id, name=sale.name,
        label=_("%(product)s 秒杀价 ¥%(price)s") % {"product": sale.listing.product.name,
                                                  "price": fen_to_yuan(sale.price_fen)},
        coupons=None, orders=orders, steps=(ACTIVITY_STEP,),
        metrics=(Metric("participants", _("参与人数"), entries, "created_at", distinct="buyer_id"),
                 units_sold(orders=orders, merchant_id=sale.merchant_id, activity_kind="flash")))


def _bargain_subject(actor: User, activity_id: int) -> Subject:
    activity: BargainActivity = _campaign_of(actor, BargainActivity.objects.all(), activity_id, "bargain activity")
    bargains = Bargain.objects.filter(activity_id=activity.pk)
    orders = Q(pk__in=bargains.filter(order_id__isnull=False).values("order_id"))
    paid = Order.objects.filter(orders, merchant_id=activity.merchant_id, paid_at__isnull=False)
    return Subject(
        kind="bargain", id=activity.pk, merchant_id=activity.merchant_id, name=activity.name,
        label=_("%(product)s ¥%(start)s 砍至 ¥%(floor)s，%(n)s 位好友") % {
            "product": activity.listing.product.name, "start": fen_to_yuan(activity.start_fen),
            "floor": fen_to_yuan(activity.floor_fen), "n": activity.helpers_needed},
        coupons=None, orders=orders, steps=(ACTIVITY_STEP,),
        metrics=(Metric("started", _("发起砍价"), bargains, "created_at"),
                 Metric("helpers", _("帮砍好友"), BargainHelp.objects.filter(bargain__activity_id=activity.pk),
                        "created_at", distinct="helper_id"),
                 Metric("bought", _("砍价成交"), paid, "paid_at"),
                 units_sold(orders=orders, merchant_id=activity.merchant_id, activity_kind="bargain")))


def _group_subject(actor: User, activity_id: int) -> Subject:
    activity: GroupBuy = _campaign_of(actor, GroupBuy.objects.all(), activity_id, "group buy")
    groups = GroupBuyGroup.objects.filter(activity_id=activity.pk)
    members = GroupBuyMember.objects.filter(group__activity_id=activity.pk, virtual=False)
    orders = Q(pk__in=members.filter(order_id__isnull=False).values("order_id"))
    return Subject(
        kind="group", id=activity.pk, merchant_id=activity.merchant_id, name=activity.name,
        label=_("%(product)s %(size)s 人团 ¥%(price)s") % {
            "product": activity.listing.product.name, "size": activity.size,
            "price": fen_to_yuan(activity.price_fen)},
        coupons=None, orders=orders, steps=(ACTIVITY_STEP,),
        metrics=(Metric("participants", _("参与人数"), members, "created_at", distinct="buyer_id"),
                 Metric("groups_opened", _("开团"), groups, "created_at"),
                 Metric("groups_formed", _("成团"), groups.filter(status=GroupStatus.COMPLETE), "closed_at"),
                 Metric("groups_failed", _("未成团"), groups.filter(status=GroupStatus.FAILED), "closed_at"),
                 units_sold(orders=orders, merchant_id=activity.merchant_id, activity_kind="group")))


def register() -> None:
    register_subject("share", _share_subject)
    register_subject("invite", _invite_subject)
    register_subject("flash", _flash_subject)
    register_subject("bargain", _bargain_subject)
    register_subject("group", _group_subject)
