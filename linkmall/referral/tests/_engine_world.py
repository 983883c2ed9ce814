"""A one-merchant mall for the engine's service tests: a package (礼包) and a plain product.

Orders go through the same calls the payment flow makes (`order_mark_paid`, then
`referral.settlement.order_paid`), refunds through `order_apply_refund` + `order_refunded`,
so each test reads the engine's rules without the gateway around them.
"""

from dataclasses import dataclass

from django.db.models import Sum

from linkmall import testing as t
from linkmall.accounts.models import User
from linkmall.core import clock
from linkmall.ledger.models import LedgerAccount, OwnerKind
from linkmall.orders.models import Order
from linkmall.orders.services import order_apply_refund, order_mark_paid, order_place
from linkmall.referral.models import QualifyingProduct, ReferralPlan, Reward
from linkmall.referral.services import plan_acknowledge, plan_draft, plan_go_live
from linkmall.referral.settlement import order_paid, order_refunded
from linkmall.stores.models import Listing, Merchant

GIFT_PRICE, GIFT_COST = 49900, 15000
TEA_PRICE, TEA_COST, TEA_POOL = 10000, 4000, 2000


@dataclass
class Shop:
    merchant: Merchant
    supplier_id: int
    gift: Listing
    tea: Listing
    operator: User
    tokens: int = 0


def shop_open(*, gift_pool_fen: int) -> Shop:
    supplier = t.make_supplier()
    merchant = t.make_merchant()
    gift = t.make_product(supplier, cost_fen=GIFT_COST, price_fen=GIFT_PRICE, stock=1000)
    tea = t.make_product(supplier, cost_fen=TEA_COST, price_fen=TEA_PRICE, stock=1000)
    QualifyingProduct.objects.create(product=gift)
    return Shop(
        merchant=merchant, supplier_id=supplier.pk,
        gift=t.make_listing(merchant, gift.skus.get(), pool_fen=gift_pool_fen),
        tea=t.make_listing(merchant, tea.skus.get(), pool_fen=TEA_POOL),
        operator=t.make_platform_user(),
    )


def go_live(shop: Shop, config: dict) -> ReferralPlan:
    plan = plan_draft(actor=shop.operator, config=config)
    plan = plan_acknowledge(actor=shop.operator, plan=plan, codes=[r["code"] for r in plan.compliance])
    return plan_go_live(actor=shop.operator, plan=plan)


def buy(shop: Shop, buyer: User, listing: Listing | None = None, quantity: int = 1) -> Order:
    shop.tokens += 1
    order = order_place(buyer=buyer, merchant=shop.merchant, lines=[((listing or shop.gift).pk, quantity)],
                        address=t.make_address(buyer), client_token=f"engine-{shop.tokens}")
    order_mark_paid(order_id=order.pk, paid_at=clock.now())
    order_paid(order_id=order.pk)
    return order


def refund(order: Order, quantity: int, key: str) -> None:
    line = order.lines.get()
    order_apply_refund(order_id=order.pk, lines=[(line.pk, quantity, line.unit_price_fen * quantity)])
    order_refunded(order_id=order.pk, refund_key=key)


def balances(kind: str, owner_id: int) -> dict[str, int]:
    """The owner's non-zero buckets, e.g. {"available": 10000}."""
    rows = LedgerAccount.objects.filter(owner_kind=kind, owner_id=owner_id).values_list("bucket", "balance_fen")
    return {bucket: balance for bucket, balance in rows if balance}


def promoter_balances(user: User) -> dict[str, int]:
    return balances(OwnerKind.PROMOTER, user.pk)


def rewards_of(user: User) -> list[tuple[str, int, str]]:
    """(kind, amount_fen, status) of each reward the user holds, in the order they accrued."""
    return list(Reward.objects.filter(recipient=user).order_by("pk").values_list("kind", "amount_fen", "status"))


def live_rewards_fen() -> int:
    return Reward.objects.exclude(status=Reward.Status.CANCELLED).aggregate(s=Sum("amount_fen"))["s"] or 0
