"""Reads of the layer offers and guides' coupons: the merchant's settings and delivery log, the
templates a layer action or a guide may give, a guide's view of a customer, and what the card page's
"专属优惠" block shows a customer. Keyword-only, like every selector."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from linkmall.accounts.models import User
from linkmall.campaigns.models import (
    CampaignStatus,
    Coupon,
    CouponSource,
    CouponTemplate,
    LayerOfferDelivery,
    LayerOfferSettings,
)
from linkmall.campaigns.selectors.coupons import usable_coupons
from linkmall.campaigns.services._common import require_console
from linkmall.core import clock
from linkmall.customers.crm.access import crm_scope, profile_in_scope
from linkmall.customers.early_access import early_access_listings, is_core_customer
from linkmall.customers.models import Profile, Reminder
from linkmall.stores.models import Listing, Merchant
from linkmall.stores.selectors.merchant import merchant_id_of


def source_templates(*, merchant_id: int, source: str, now: datetime | None = None) -> list[CouponTemplate]:
    """The merchant's templates that may be given out through `source`: not ended, not past their
    claim window or validity (draft and paused ones too: they refuse with their code until started),
    newest first. The source is checked in Python: SQLite cannot look inside a JSON list."""
    moment = now or clock.now()
    rows = (CouponTemplate.objects.filter(merchant_id=merchant_id).exclude(status=CampaignStatus.ENDED)
            .filter(Q(claim_ends_at__isnull=True) | Q(claim_ends_at__gt=moment))
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=moment)).order_by("-pk"))
    return [t for t in rows if source in t.sources]


def layer_offer_settings(*, actor: User, merchant_id: int | None = None) -> LayerOfferSettings:
    """The merchant's layer-offer settings (unsaved and empty when never set)."""
    owner = merchant_id_of(actor=actor, merchant_id=merchant_id)
    require_console(actor)
    found = (LayerOfferSettings.objects.select_related("birthday_template", "exclusive_template",
                                                       "first_purchase_template")
             .filter(merchant_id=owner).first())
    return found or LayerOfferSettings(merchant_id=owner)


def layer_deliveries(*, actor: User, merchant_id: int | None = None) -> QuerySet[LayerOfferDelivery]:
    """What the merchant's layer actions delivered, latest first."""
    owner = merchant_id_of(actor=actor, merchant_id=merchant_id)
    require_console(actor)
    return (LayerOfferDelivery.objects.filter(merchant_id=owner)
            .select_related("outreach__profile__user", "coupon__template", "listing__product")
            .order_by("-delivered_at", "-pk"))


@dataclass(frozen=True)
class GuideIssueView:
    """What the guide's "发券" page shows: the customer, the reminder it answers, the templates."""

    profile: Profile
    reminder: Reminder | None
    templates: list[CouponTemplate]
    #: the customer's coupons of this merchant usable now
    held: list[Coupon]


def guide_issue_view(*, actor: User, profile_id: int, reminder_id: int | None = None) -> GuideIssueView:
    """The guide's page to send one of their customers a coupon; another's customer is not found."""
    scope = crm_scope(actor)
    profile = profile_in_scope(scope, profile_id)
    reminder = Reminder.objects.filter(pk=reminder_id, profile=profile).first() if reminder_id else None
    merchant = Merchant(pk=scope.merchant_id)
    return GuideIssueView(
        profile=profile, reminder=reminder,
        templates=[t for t in source_templates(merchant_id=scope.merchant_id, source=CouponSource.GUIDE)
                   if t.status == CampaignStatus.ACTIVE],
        held=list(usable_coupons(buyer=profile.user, merchant=merchant)),
    )


@dataclass(frozen=True)
class CardOffers:
    """The card page's "专属优惠" block for one viewer at one merchant."""

    coupons: list[Coupon]
    #: listings in early access, only for the merchant's core customers
    early_access: list[Listing]


CARD_COUPONS = 5


def card_offers(*, user: User | None, merchant_id: int) -> CardOffers:
    """The viewer's usable coupons for the merchant (soonest to end first) and, for a core customer,
    the listings they may buy before everyone else. Empty for a visitor."""
    if user is None or not user.is_authenticated:
        return CardOffers(coupons=[], early_access=[])
    coupons = list(usable_coupons(buyer=user, merchant=Merchant(pk=merchant_id))[:CARD_COUPONS])
    early = (list(early_access_listings(merchant_id=merchant_id)[:CARD_COUPONS])
             if is_core_customer(user=user, merchant_id=merchant_id) else [])
    return CardOffers(coupons=coupons, early_access=early)
