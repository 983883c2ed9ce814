"""Invite tiers (阶梯邀请) where they meet orders and the invite graph.

The campaigns app keeps invite campaigns, credits and prizes but cannot read an order or a
referrer, nor place an order. This module, in referral (above orders), does that part:

- `invite_order_settled` / `invite_order_refunded`: called from `campaign_effects` inside the
  settlement's transaction; they find the buyer's first-touch referrer (`Promoter.referrer`) and
  pass the campaigns services plain facts.
- gifts: a gift prize becomes a 0-price order (`orders.order_gift_place`) and its money goes
  through `settlement.order_paid` (the supplier is owed C, the funder pays it). It is placed by a
  task right after the settlement commits (`invite_gift_deliver_task`), so the settlement
  transaction that reached the tier never waits on other ledger accounts; without a default
  address the prize waits as `to_claim` until the inviter picks one (`invite_prize_claim`).
- compliance: `invite_campaign_review` runs `plans.invite_campaign_risks` against the qualifying
  products (礼包), and `invite_campaign_move` is the only way the pages and the API change a
  campaign's status: a move to active carries the review, which the campaigns service refuses
  when it holds a high risk (`invite_headcount_pay`).
"""

from django.db import transaction
from django_tasks import task

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.campaigns.models import CampaignStatus, InviteCampaign, InvitePrize, InvitePrizeKind
from linkmall.campaigns.selectors.invites import invite_campaign_get
from linkmall.campaigns.services import invites
from linkmall.campaigns.services._common import require_merchant_owner
from linkmall.core import clock
from linkmall.core.errors import Conflict, DomainError
from linkmall.core.tasks import enqueue_after
from linkmall.customers.models import Address
from linkmall.customers.selectors import address_default, address_get
from linkmall.orders.models import Order
from linkmall.orders.services import order_gift_place
from linkmall.referral.models import Promoter, QualifyingProduct
from linkmall.referral.plans import invite_campaign_risks


def order_ref(order_id: int) -> str:
    return f"order:{order_id}"


# --- credits ---------------------------------------------------------------------------------------


def invite_order_settled(*, order: Order) -> None:
    """Credit the buyer's referrer when this is the buyer's first order at the merchant, the buyer
    was bound before placing it (a referrer bound later did not bring this order), and something
    of it is left. Gifts never count."""
    if order.kind != Order.Kind.NORMAL or order.paid_at is None:
        return
    first = (Order.objects.filter(buyer_id=order.buyer_id, merchant_id=order.merchant_id, kind=Order.Kind.NORMAL,
                                  paid_at__isnull=False)
             .order_by("paid_at", "pk").values_list("pk", flat=True).first())
    if first != order.pk:
        return
    bound = (Promoter.objects.filter(user_id=order.buyer_id, referrer__isnull=False)
             .values_list("referrer_id", "bound_at").first())
    if bound is None or bound[1] is None or bound[1] > order.placed_at:
        return
    product_ids = [line.product_id for line in order.lines.all() if line.remaining_quantity > 0]
    if not product_ids:
        return
    prizes = invites.invite_order_settled(merchant_id=order.merchant_id, inviter_id=bound[0],
                                          invitee_id=order.buyer_id, order_ref=order_ref(order.pk),
                                          placed_at=order.placed_at, product_ids=product_ids)
    for prize in prizes:
        if prize.status == InvitePrize.Status.PENDING and prize.tier.prize_kind == InvitePrizeKind.GIFT:
            enqueue_after(invite_gift_deliver_task, clock.now(), prize.pk)


def invite_order_refunded(*, order: Order) -> None:
    """A refund that leaves nothing of the order takes its credit back (prizes awarded stay)."""
    if order.kind == Order.Kind.NORMAL and all(line.remaining_quantity == 0 for line in order.lines.all()):
        invites.invite_order_refunded(order_ref=order_ref(order.pk))


# --- gifts -----------------------------------------------------------------------------------------


@task()
def invite_gift_deliver_task(prize_id: int) -> str:
    return invite_gift_deliver(prize_id=prize_id)


def invite_gift_deliver(*, prize_id: int) -> str:
    """Place the gift order of a pending gift prize to the inviter's default address; without one,
    the prize waits as `to_claim`. Idempotent: a prize that is not pending is left as it is.
    Returns the prize's status."""
    with transaction.atomic():
        prize = invites.invite_prize_lock(prize_id=prize_id)
        if prize.status != InvitePrize.Status.PENDING or prize.tier.prize_kind != InvitePrizeKind.GIFT:
            return prize.status
        inviter = User.objects.get(pk=prize.inviter_id)
        address = address_default(user=inviter)
        if address is None:
            return invites.invite_prize_set(prize=prize, status=InvitePrize.Status.TO_CLAIM).status
        return _place_gift(prize, inviter, address).status


def _place_gift(prize: InvitePrize, inviter: User, address: Address) -> InvitePrize:
    """The gift order and its money; a refusal (no stock, no longer on sale) marks the prize
    failed with the code, for the merchant to retry."""
    from linkmall.referral.settlement import order_paid  # settlement imports campaign_effects → here

    listing = prize.tier.gift_listing
    if listing is None:
        raise ValueError(f"tier {prize.tier_id} has no gift")
    try:
        with transaction.atomic():
            order = order_gift_place(buyer=inviter, merchant=prize.campaign.merchant, listing_id=listing.pk,
                                     address=address, funder=prize.tier.funder,
                                     client_token=f"invite-prize-{prize.pk}")
            order_paid(order_id=order.pk)
    except DomainError as exc:
        return invites.invite_prize_set(prize=prize, status=InvitePrize.Status.FAILED, failure=exc.code)
    return invites.invite_prize_set(prize=prize, status=InvitePrize.Status.ORDERED, order_ref=order_ref(order.pk))


def invite_prize_claim(*, user: User, prize_id: int, address_id: int) -> InvitePrize:
    """The inviter picks an address for a gift that waits (`to_claim`); the order is placed now.
    Another user's prize is not found; a prize that does not wait is `invite_prize_not_claimable`."""
    require_role(user, Role.CONSUMER)
    address = address_get(user=user, address_id=address_id)
    with transaction.atomic():
        prize = invites.invite_prize_lock(prize_id=prize_id, user=user)
        if prize.status != InvitePrize.Status.TO_CLAIM:
            raise Conflict("This prize does not wait for an address.", code="invite_prize_not_claimable",
                           detail={"status": prize.status})
        return _place_gift(prize, user, address)


def invite_prize_retry(*, actor: User, prize_id: int) -> InvitePrize:
    """The merchant tries a failed prize again (a coupon template topped up, a gift back in stock)."""
    with transaction.atomic():
        prize = invites.invite_prize_lock(prize_id=prize_id)
        require_merchant_owner(actor, prize.campaign.merchant_id, what="prize")
        if prize.status != InvitePrize.Status.FAILED:
            raise Conflict("Only a failed prize can be tried again.", code="invite_prize_not_claimable",
                           detail={"status": prize.status})
        if prize.tier.prize_kind == InvitePrizeKind.COUPON:
            return invites.invite_coupon_deliver(prize=prize)
        invites.invite_prize_set(prize=prize, status=InvitePrize.Status.PENDING)
    invite_gift_deliver(prize_id=prize.pk)
    prize.refresh_from_db()
    return prize


# --- compliance and status -------------------------------------------------------------------------


def invite_campaign_review(*, campaign: InviteCampaign) -> list[dict[str, str]]:
    """The campaign's risks under 禁止传销条例 Art. 7 (chain21.md §7), high first."""
    qualifying = set(QualifyingProduct.objects.values_list("product_id", flat=True))
    return [risk.as_dict() for risk in invite_campaign_risks(counts=campaign.counts, product_ids=campaign.product_ids,
                                                             qualifying_ids=qualifying)]


def invite_campaign_move(*, actor: User, campaign_id: int, status: str) -> InviteCampaign:
    """Start, pause, resume or end an invite campaign. A move to active runs the compliance review
    first and hands it to the campaigns service, which refuses a high risk
    (`invite_headcount_pay`, never allowed) and keeps the review on the campaign."""
    campaign = invite_campaign_get(actor=actor, campaign_id=campaign_id)
    review = invite_campaign_review(campaign=campaign) if status == CampaignStatus.ACTIVE else None
    return invites.invite_campaign_set_status(actor=actor, campaign_id=campaign_id, status=status, review=review)
