"""A small 2+1 mall driven through the real services, and the invariants the money must keep.

Shared by the stateful test and the concurrency tests: a supplier, a merchant, a qualifying
package (礼包) and an ordinary product, a live plan; orders are placed and paid through the
sandbox gateway the way a buyer and its notification do it.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Sum

from linkmall import testing as t
from linkmall.accounts.models import User
from linkmall.core.tasks import run_due
from linkmall.ledger.models import Bucket, Entry, LedgerAccount, OwnerKind, Withdrawal
from linkmall.ledger.selectors import ledger_verify
from linkmall.orders.models import Order, OrderLine
from linkmall.orders.services import order_place
from linkmall.payments.gateways.sandbox import sandbox_trade_pay
from linkmall.payments.services import payment_start
from linkmall.referral.models import Promoter, QualifyingProduct, Reward
from linkmall.referral.services import plan_acknowledge, plan_draft, plan_go_live
from linkmall.stores.models import Listing, Merchant

GIFT_PRICE, GIFT_COST, GIFT_POOL = 49900, 15000, 30000
SOAP_PRICE, SOAP_COST, SOAP_POOL = 9900, 5000, 2000


@dataclass
class Mall:
    merchant: Merchant
    gift: Listing
    soap: Listing
    operator: User
    addresses: dict = field(default_factory=dict)
    tokens: int = 0


def mall_open(*, profile: str, stock: int = 100_000) -> Mall:
    supplier, other_supplier = t.make_supplier(), t.make_supplier()
    merchant = t.make_merchant()
    gift = t.make_product(supplier, cost_fen=GIFT_COST, price_fen=GIFT_PRICE, stock=stock)
    soap = t.make_product(other_supplier, cost_fen=SOAP_COST, price_fen=SOAP_PRICE, stock=stock)
    QualifyingProduct.objects.create(product=gift)
    operator = t.make_platform_user()
    plan = plan_draft(actor=operator, config={"profile": profile})
    plan = plan_acknowledge(actor=operator, plan=plan, codes=[r["code"] for r in plan.compliance])
    plan_go_live(actor=operator, plan=plan)
    return Mall(
        merchant=merchant,
        gift=t.make_listing(merchant, gift.skus.get(), price_fen=GIFT_PRICE, pool_fen=GIFT_POOL),
        soap=t.make_listing(merchant, soap.skus.get(), price_fen=SOAP_PRICE, pool_fen=SOAP_POOL),
        operator=operator,
    )


def order_place_for(mall: Mall, buyer: User, lines: list[tuple[Listing, int]], **offers) -> Order:
    address = mall.addresses.get(buyer.pk) or mall.addresses.setdefault(buyer.pk, t.make_address(buyer))
    mall.tokens += 1
    return order_place(buyer=buyer, merchant=mall.merchant, lines=[(listing.pk, qty) for listing, qty in lines],
                       address=address, client_token=f"proof-{mall.tokens}", **offers)


def order_buy(mall: Mall, buyer: User, lines: list[tuple[Listing, int]], **offers) -> Order:
    """Place (with `coupon_id` / `points` when given), pay at the sandbox cashier, and let the
    gateway's notification arrive."""
    order = order_place_for(mall, buyer, lines, **offers)
    started = payment_start(actor=buyer, order=order)
    sandbox_trade_pay(out_trade_no=started.payment.out_trade_no)
    run_due()
    order.refresh_from_db()
    return order


# --- invariants ------------------------------------------------------------------------------


def assert_ledger_balances() -> None:
    report = ledger_verify()
    assert report.ok, report
    sums = dict(Entry.objects.values("account_id").annotate(total=Sum("amount_fen"))
                .values_list("account_id", "total"))
    for pk, balance in LedgerAccount.objects.values_list("pk", "balance_fen"):
        assert balance == (sums.get(pk) or 0), (pk, balance, sums.get(pk))
    assert (LedgerAccount.objects.aggregate(s=Sum("balance_fen"))["s"] or 0) == 0


def assert_rewards_paid_once() -> None:
    assert not Reward.objects.values("line", "kind").annotate(n=Count("id")).filter(n__gt=1).exists()
    for amount, accrued in Reward.objects.values_list("amount_fen", "accrued_fen"):
        assert 0 <= amount <= accrued


def assert_graphs_sound() -> None:
    referrer_of = dict(Promoter.objects.values_list("user_id", "referrer_id"))
    for start in referrer_of:
        seen: set[int] = set()
        node: int | None = start
        while node is not None:
            assert node not in seen, f"invite cycle through user {node}"
            seen.add(node)
            node = referrer_of.get(node)
    owners = set(Promoter.objects.filter(team_owner__isnull=False).values_list("team_owner_id", flat=True))
    levels = dict(Promoter.objects.filter(user_id__in=owners).values_list("user_id", "level"))
    assert all(levels.get(owner) == "boss" for owner in owners), levels
    assert not Promoter.objects.filter(level="boss", team_owner__isnull=False).exists()


def order_money() -> dict[int, dict[str, int]]:
    """Per paid order: the cash the gateway took, the parties' shares, the promoters' part, and the
    marketing memo (the funders' side and the discounts account's side)."""
    money: dict[int, dict[str, int]] = defaultdict(
        lambda: {"cash": 0, "shares": 0, "promoters": 0, "funded": 0, "discounts": 0})
    rows = (Entry.objects.filter(posting__reference__startswith="order:")
            .values("posting__reference", "account__owner_kind", "account__bucket").annotate(total=Sum("amount_fen")))
    for row in rows:
        order_id = int(row["posting__reference"].split(":")[1])
        if row["account__owner_kind"] == OwnerKind.GATEWAY:
            money[order_id]["cash"] += row["total"]
        elif row["account__owner_kind"] == OwnerKind.DISCOUNTS:
            money[order_id]["discounts"] += row["total"]
        elif row["account__bucket"] == Bucket.MARKETING:
            money[order_id]["funded"] += row["total"]
        else:
            money[order_id]["shares"] += row["total"]
            if row["account__owner_kind"] == OwnerKind.PROMOTER:
                money[order_id]["promoters"] += row["total"]
    return money


def _remaining_discounts() -> dict[int, int]:
    """Per order, the discounts of its units not refunded (campaigns.md §4, by unit_share)."""
    out: dict[int, int] = defaultdict(int)
    for line in OrderLine.objects.filter(order__settlement__isnull=False):
        out[line.order_id] += line.share_of(line.merchant_funded_fen) + line.share_of(line.platform_funded_fen)
    return out


def assert_money_in_equals_shares() -> None:
    """For every order: gateway cash = − Σ shares = −(paid − refunded), the promoters hold
    exactly the live rewards of that order, and its marketing memo nets to zero with the
    discounts account holding the discounts of the units kept."""
    kept = dict(OrderLine.objects.values("order_id").annotate(
        kept=Sum(F("paid_fen") - F("refunded_fen"))).values_list("order_id", "kept"))
    discounts = _remaining_discounts()
    rewards = dict(Reward.objects.exclude(status=Reward.Status.CANCELLED).values("order_id")
                   .annotate(s=Sum("amount_fen")).values_list("order_id", "s"))
    money = order_money()
    paid = set(Order.objects.filter(settlement__isnull=False).values_list("pk", flat=True))
    assert set(money) <= paid
    for order_id in paid:
        m = money.get(order_id, {"cash": 0, "shares": 0, "promoters": 0, "funded": 0, "discounts": 0})
        assert m["cash"] == -m["shares"], (order_id, m)
        assert m["shares"] == kept[order_id], (order_id, m, kept[order_id])
        assert m["promoters"] == (rewards.get(order_id) or 0), (order_id, m, rewards.get(order_id))
        assert m["discounts"] == -m["funded"] == discounts.get(order_id, 0), (order_id, m, discounts.get(order_id))


def assert_each_promoter_reconciles() -> None:
    """Per promoter, the ledger tells the same story as the rewards and the withdrawals:
    pending + available = Σ live rewards − Σ withdrawals requested or paid (a rejected or failed
    one came back in full; a clawback may leave available below zero, a debt, which this sum
    carries as it is), withdrawn = Σ net of the paid ones, and the payout clearing account holds
    the net of those still waiting for review."""
    held: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for owner_id, bucket, balance in LedgerAccount.objects.filter(owner_kind=OwnerKind.PROMOTER).values_list(
            "owner_id", "bucket", "balance_fen"):
        held[owner_id][bucket] += balance
    rewards = dict(Reward.objects.exclude(status=Reward.Status.CANCELLED).values("recipient_id")
                   .annotate(s=Sum("amount_fen")).values_list("recipient_id", "s"))
    out: dict[int, int] = defaultdict(int)
    withdrawn: dict[int, int] = defaultdict(int)
    waiting = 0
    for owner_kind, owner_id, amount, fee, status in Withdrawal.objects.values_list(
            "owner_kind", "owner_id", "amount_fen", "fee_fen", "status"):
        if status == Withdrawal.Status.REQUESTED:
            waiting += amount - fee
        if owner_kind != OwnerKind.PROMOTER:
            continue
        if status in (Withdrawal.Status.REQUESTED, Withdrawal.Status.PAID):
            out[owner_id] += amount
        if status == Withdrawal.Status.PAID:
            withdrawn[owner_id] += amount - fee
    for owner_id in set(held) | set(rewards):
        buckets = held.get(owner_id, {})
        assert set(buckets) <= {Bucket.PENDING, Bucket.AVAILABLE, Bucket.WITHDRAWN}, (owner_id, buckets)
        story = (owner_id, dict(buckets), rewards.get(owner_id), out[owner_id], withdrawn[owner_id])
        assert buckets.get(Bucket.PENDING, 0) + buckets.get(Bucket.AVAILABLE, 0) == (
            (rewards.get(owner_id) or 0) - out[owner_id]), story
        assert buckets.get(Bucket.WITHDRAWN, 0) == withdrawn[owner_id], story
    clearing = LedgerAccount.objects.filter(owner_kind=OwnerKind.PAYOUT, bucket=Bucket.CLEARING).aggregate(
        s=Sum("balance_fen"))["s"] or 0
    assert clearing == waiting, (clearing, waiting)


def assert_all_invariants() -> None:
    assert_ledger_balances()
    assert_rewards_paid_once()
    assert_graphs_sound()
    assert_money_in_equals_shares()
