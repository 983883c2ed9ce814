"""Reads of flash sales (秒杀): the hall of a merchant's slots, and the console's list."""

from datetime import timedelta

from django.db.models import QuerySet

from linkmall.accounts.models import User
from linkmall.campaigns.models import CampaignStatus, FlashSale
from linkmall.core import clock
from linkmall.stores.selectors.merchant import merchant_id_of

#: the hall shows slots starting within this time
HALL_AHEAD = timedelta(days=2)


def flash_hall(*, merchant_id: int) -> QuerySet[FlashSale]:
    """The merchant's running and coming slots (not drafts, not over), soonest first."""
    now = clock.now()
    return (FlashSale.objects.select_related("listing__product", "listing__sku")
            .filter(merchant_id=merchant_id, status__in=[CampaignStatus.ACTIVE, CampaignStatus.PAUSED],
                    ends_at__gt=now, starts_at__lte=now + HALL_AHEAD)
            .order_by("starts_at", "pk"))


def flash_sales_of(*, actor: User, merchant_id: int | None = None) -> QuerySet[FlashSale]:
    """Every flash sale of the actor's merchant (platform staff name it), newest slot first."""
    owner = merchant_id_of(actor=actor, merchant_id=merchant_id)
    return (FlashSale.objects.select_related("listing__product").filter(merchant_id=owner)
            .order_by("-starts_at", "-pk"))


def flash_state(sale: FlashSale, *, taken: int = 0) -> str:
    """What the hall shows for a slot: not_started, on_sale, sold_out, limit_reached, paused or ended."""
    now = clock.now()
    if sale.status == CampaignStatus.ENDED or sale.ends_at <= now:
        return "ended"
    if sale.status == CampaignStatus.PAUSED:
        return "paused"
    if sale.starts_at > now:
        return "not_started"
    if sale.held + sale.sold + sale.returned >= sale.stock:
        return "sold_out"
    if taken >= sale.per_user_limit:
        return "limit_reached"
    return "on_sale"


def sold_percent(sale: FlashSale) -> int:
    """已抢 x %: the units held or sold, of the stock, rounded down."""
    return (sale.held + sale.sold) * 100 // sale.stock if sale.stock else 0
