"""The money of a paid order in the ledger (docs/specs/chain21.md §4–§6, docs/specs/campaigns.md §2).

Each party's share of an order is a *target* computed from what remains of the order: per line,
with P the paid amount left and Dₚ the platform-funded discount left (both by `unit_share` over
the units not refunded), the supplier is owed the cost C, the platform its fee F = fee% × (P + Dₚ)
less Dₚ, each promoter its rewards W, and the merchant M = P + Dₚ − C − F − W. Every money event
(payment, refund, settlement) writes one posting that moves each party from what the ledger
already holds for this order to its target, with the gateway's cash account taking the
difference. So the shares always add up to the money that came in less the money that went back,
whatever order the events arrive in, and a repeated event finds nothing left to move.

The discounts are booked as marketing cost in the same postings, as targets of their own: each
funder's `marketing` account holds minus what it funded of the remaining units, and the system
account `discounts:marketing` (让利) the opposite. The pair nets to zero, so it moves no cash and
no one's withdrawable money, and settlement leaves it where it is.

All three entry points lock the order's settlement row, so a refund racing the settlement task
is serialized per order.
"""

from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.db.models import Sum

from linkmall.core import clock
from linkmall.core.locking import lock_rows
from linkmall.core.money import percent_of
from linkmall.core.tasks import enqueue_after
from linkmall.ledger.models import Bucket, Entry, OwnerKind
from linkmall.ledger.services import Line, accounts_get_or_create, posting_write
from linkmall.orders.models import Order
from linkmall.referral import campaign_effects, guide_pay
from linkmall.referral.models import OrderSettlement, Reward
from linkmall.referral.plans import DEFAULT_PROFILE, Plan
from linkmall.referral.services import (
    plan_live,
    remaining_quantity,
    rewards_accrue,
    rewards_adjust_for_refund,
    rewards_make_available,
    rewards_paused,
)
from linkmall.stores.models import Guide

GATEWAY = (OwnerKind.GATEWAY, 0)
#: a party's key in the targets: (owner kind, owner id, SHARE for its share of the order — pending
#: or available by the settlement — or Bucket.MARKETING for its marketing memo)
Party = tuple[str, int, str]
SHARE = ""
PLATFORM: Party = (OwnerKind.PLATFORM, 0, SHARE)
DISCOUNTS: Party = (OwnerKind.DISCOUNTS, 0, Bucket.MARKETING)


def order_reference(order_id: int) -> str:
    return f"order:{order_id}"


def _plan_of(settlement: OrderSettlement) -> Plan:
    plan = settlement.plan
    return Plan.parse(plan.config if plan is not None else {"profile": DEFAULT_PROFILE})


def _lock(order_id: int) -> OrderSettlement | None:
    return (OrderSettlement.objects.select_for_update(of=("self",)).select_related("plan", "order")
            .filter(order_id=order_id).first())


def _targets(settlement: OrderSettlement) -> dict[Party, int]:
    """What each party is owed now for this order, from its remaining lines and live rewards."""
    order = settlement.order
    targets: dict[Party, int] = defaultdict(int)
    rewards: defaultdict[int, int] = defaultdict(int)
    if settlement.rewards_accrued_at is not None:
        for line_id, recipient_id, amount in (Reward.objects.filter(order=order)
                                              .exclude(status=Reward.Status.CANCELLED)
                                              .values_list("line_id", "recipient_id", "amount_fen")):
            rewards[line_id] += amount
            targets[(OwnerKind.PROMOTER, recipient_id, SHARE)] += amount
    fee_percent = settlement.platform_fee_percent
    merchant: Party = (OwnerKind.MERCHANT, order.merchant_id, SHARE)
    merchant_marketing: Party = (OwnerKind.MERCHANT, order.merchant_id, Bucket.MARKETING)
    platform_marketing: Party = (OwnerKind.PLATFORM, 0, Bucket.MARKETING)
    if order.kind == Order.Kind.GIFT:
        _gift_targets(order, targets)
        return targets
    for line in order.lines.all():
        # the money the line still holds: every refund took exactly unit_share of P for its units
        # (campaigns.md §4), so this is unit_share(P, quantity, remaining) and matches the cash
        price = line.paid_fen - line.refunded_fen
        platform_funded = line.share_of(line.platform_funded_fen)
        merchant_funded = line.share_of(line.merchant_funded_fen)
        cost = line.unit_cost_fen * remaining_quantity(line)
        fee = percent_of(price + platform_funded, fee_percent)
        targets[(OwnerKind.SUPPLIER, line.supplier_id, SHARE)] += cost
        guides = guide_pay.guide_targets(settlement, price_fen=price)
        if guides.commission:
            targets[(OwnerKind.GUIDE, settlement.guide_id or 0, SHARE)] += guides.commission
        if guides.team:
            targets[(OwnerKind.GUIDE, settlement.team_guide_id or 0, SHARE)] += guides.team
        targets[PLATFORM] += fee - platform_funded
        targets[merchant] += (price + platform_funded - cost - fee - rewards[line.id]
                              - guides.commission - guides.team)
        if merchant_funded:
            targets[merchant_marketing] -= merchant_funded
        if platform_funded:
            targets[platform_marketing] -= platform_funded
        if merchant_funded or platform_funded:
            targets[DISCOUNTS] += merchant_funded + platform_funded
    return targets


def _gift_targets(order: Order, targets: dict[Party, int]) -> None:
    """A gift order (an invite-tier prize, P = 0; campaigns.md §2): the supplier is owed C, paid
    by the line's funder out of its own share (merchant-funded: M = −C; platform-funded: the
    platform's share is −C), and C is the funder's marketing cost. No fee, no rewards; the shares
    add up to 0, so no cash moves."""
    for line in order.lines.all():
        cost = line.unit_cost_fen * remaining_quantity(line)
        funder = OwnerKind.PLATFORM if line.activity_funder == "platform" else OwnerKind.MERCHANT
        funder_id = 0 if funder == OwnerKind.PLATFORM else order.merchant_id
        targets[(OwnerKind.SUPPLIER, line.supplier_id, SHARE)] += cost
        targets[(funder, funder_id, SHARE)] -= cost
        targets[(funder, funder_id, Bucket.MARKETING)] -= cost
        targets[DISCOUNTS] += cost


def _held(order_id: int) -> dict[Party, int]:
    """What the ledger holds for this order per party: its share over the pending, available and
    withdrawn buckets, and its marketing memo apart."""
    rows = (Entry.objects.filter(posting__reference=order_reference(order_id))
            .exclude(account__owner_kind=OwnerKind.GATEWAY)
            .values("account__owner_kind", "account__owner_id", "account__bucket").annotate(total=Sum("amount_fen")))
    held: dict[Party, int] = defaultdict(int)
    for r in rows:
        part = Bucket.MARKETING if r["account__bucket"] == Bucket.MARKETING else SHARE
        held[(r["account__owner_kind"], r["account__owner_id"], part)] += r["total"]
    return held


def _post_to_targets(settlement: OrderSettlement, *, key: str, kind: str, memo: str,
                     held: dict[Party, int] | None = None) -> None:
    """`held` may be given when it is known without asking the ledger (nothing, at payment)."""
    order = settlement.order
    targets = _targets(settlement)
    if held is None:
        held = _held(order.pk)
    share_bucket = Bucket.AVAILABLE if settlement.settled_at is not None else Bucket.PENDING
    deltas = {party: targets.get(party, 0) - held.get(party, 0) for party in sorted(set(targets) | set(held))}
    deltas = {party: delta for party, delta in deltas.items() if delta}
    # the marketing memo nets to zero: the cash moved is the shares' alone
    moved = sum(deltas.values())

    def account_key(party: Party) -> tuple[str, int, str]:
        return (party[0], party[1], party[2] or share_bucket)

    keys = [account_key(party) for party in deltas]
    if moved:
        keys.append((GATEWAY[0], 0, Bucket.CASH))
    accounts = accounts_get_or_create(keys=keys)
    # after settlement a clawback may leave a debt (§5): the balance can go below zero
    lines = [Line(accounts[account_key(party)], delta, True) for party, delta in deltas.items()]
    if moved:
        lines.append(Line(accounts[(GATEWAY[0], 0, Bucket.CASH)], -moved, True))
    if len(lines) >= 2:
        posting_write(key=key, kind=kind, memo=memo, lines=lines, reference=order_reference(order.pk))


def order_paid(*, order_id: int) -> OrderSettlement:
    """Called by payments right after the order is marked paid, in the same transaction."""
    from linkmall.referral.tasks import order_settle_task

    with transaction.atomic():
        existing = _lock(order_id)
        if existing is not None:
            return existing
        order = Order.objects.get(pk=order_id)
        plan_row = plan_live()
        plan = Plan.parse(plan_row.config if plan_row else {"profile": DEFAULT_PROFILE})
        paid_at = order.paid_at or clock.now()
        settlement = OrderSettlement(
            order=order, plan=plan_row, basis=plan.basis, platform_fee_percent=plan.platform_fee_percent,
            paid_at=paid_at, settle_due_at=paid_at + timedelta(days=plan.settle_days),
        )
        guide_pay.settlement_fill(settlement, paused=rewards_paused())
        settlement.save(force_insert=True)
        # a gift (an invite-tier prize) pays no referral rewards and enters no one
        if plan_row is not None and plan.basis == "paid" and order.kind != Order.Kind.GIFT:
            rewards_accrue(order=order, plan=plan, available=False)
            settlement.rewards_accrued_at = clock.now()
            settlement.save(update_fields=["rewards_accrued_at"])
        # a new settlement row: the ledger holds nothing for this order yet
        _post_to_targets(settlement, key=f"{order_reference(order_id)}:paid", kind="order_paid", held={},
                         memo=f"order {order.number} paid")
        enqueue_after(order_settle_task, settlement.settle_due_at, order_id)
    return settlement


def order_refunded(*, order_id: int, refund_key: str) -> None:
    """Called by payments after a refund is recorded on the order (§5)."""
    with transaction.atomic():
        settlement = _lock(order_id)
        if settlement is None:
            return
        if settlement.rewards_accrued_at is not None:
            rewards_adjust_for_refund(order=settlement.order, plan=_plan_of(settlement))
        _post_to_targets(settlement, key=f"{order_reference(order_id)}:refund:{refund_key}", kind="order_refund",
                         memo=f"order {settlement.order.number} refund {refund_key}")
        campaign_effects.order_refunded(order=settlement.order, refund_key=refund_key)


def order_settle(*, order_id: int) -> bool:
    """Settle a paid order once its time has come: pending shares become available.

    Under `basis: settled` this is also when entry, placement and rewards happen (§4), unless
    nothing of the order remains. Returns True when this call settled the order.
    """
    with transaction.atomic():
        # the order row first, as every writer of an order locks it (orders' lock_order): a refund
        # holds it and then waits for the settlement row, and the rewards inserted below need a
        # key-share lock on it, so the other way round deadlocks on PostgreSQL
        lock_rows(Order.objects.all(), [order_id])
        settlement = _lock(order_id)
        if settlement is None or settlement.settled_at is not None or settlement.settle_due_at > clock.now():
            return False
        order = settlement.order
        plan = _plan_of(settlement)
        now = clock.now()
        # 1. everything pending for this order becomes available
        pending = {
            (row["account__owner_kind"], row["account__owner_id"]): row["total"]
            for row in (Entry.objects.filter(posting__reference=order_reference(order_id),
                                             account__bucket=Bucket.PENDING)
                        .values("account__owner_kind", "account__owner_id").annotate(total=Sum("amount_fen")))
            if row["total"]
        }
        accounts = accounts_get_or_create(keys=[(kind, owner, b) for kind, owner in pending
                                                for b in (Bucket.PENDING, Bucket.AVAILABLE)])
        lines = []
        for (kind, owner), total in pending.items():
            lines.append(Line(accounts[(kind, owner, Bucket.PENDING)], -total, True))
            lines.append(Line(accounts[(kind, owner, Bucket.AVAILABLE)], total, True))
        if lines:
            posting_write(key=f"{order_reference(order_id)}:settle", kind="order_settle",
                          memo=f"order {order.number} settled", lines=lines, reference=order_reference(order_id))
        rewards_make_available(order=order)
        settlement.settled_at = now
        settlement.save(update_fields=["settled_at"])
        # 2. under basis settled, the rewards come now, out of the merchant's share
        something_left = any(remaining_quantity(line) > 0 for line in order.lines.all())
        if (settlement.plan_id and plan.basis == "settled" and settlement.rewards_accrued_at is None
                and something_left and order.kind != Order.Kind.GIFT):
            rewards_accrue(order=order, plan=plan, available=True)
            settlement.rewards_accrued_at = now
            settlement.save(update_fields=["rewards_accrued_at"])
            _post_to_targets(settlement, key=f"{order_reference(order_id)}:rewards", kind="order_rewards",
                             memo=f"order {order.number} rewards")
        campaign_effects.order_settled(order=order)
    return True


def order_pickup_guide(*, order_id: int, guide_id: int) -> bool:
    """A pick-up order with no guide to pay gets the guide who hands it over (核销), at the rate fixed
    at payment, and the commission is posted now: pending, or available when the order has already
    settled. Called by the redemption under the order's lock. True when it changed something."""
    with transaction.atomic():
        settlement = _lock(order_id)
        if settlement is None or settlement.guide_id is not None or settlement.guide_percent <= 0:
            return False
        order = settlement.order
        if not Guide.objects.filter(pk=guide_id, merchant_id=order.merchant_id, is_active=True).exists():
            return False
        settlement.guide_id = guide_id
        settlement.save(update_fields=["guide"])
        _post_to_targets(settlement, key=f"{order_reference(order_id)}:pickup-guide", kind="order_guide",
                         memo=f"order {order.number} picked up")
    return True


def settlement_status(settlement: OrderSettlement | None, order: Order) -> str:
    """paid | settled | refunded | partially_refunded, as the scenario output names them (§8)."""
    if order.refunded_fen and order.refunded_fen >= order.total_fen:
        return "refunded"
    if order.refunded_fen:
        return "partially_refunded"
    if settlement is not None and settlement.settled_at is not None:
        return "settled"
    return "paid"
