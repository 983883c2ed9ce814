"""Layer actions that deliver (客户分层营销): the merchant's choice of coupon per layer action, and the
delivery run that turns the customers app's `Outreach` rows into coupons and early-access notices.

customers sits below campaigns, so the layering run only writes `Outreach` rows; this run, above it,
delivers each one once: a coupon of the configured template (`coupon_issue`, source `layer`, key
`layer:<outreach id>`), the listing of an early access, or the reason nothing was given
(`no_template`, `no_listing`, or the coupon's refusal code such as `coupon_sold_out`). The delivery
row is unique per outreach, so a second run (or two racing runs) gives nothing twice.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from linkmall.accounts.models import User
from linkmall.campaigns.models import (
    CampaignStatus,
    CouponSource,
    CouponTemplate,
    LayerOfferDelivery,
    LayerOfferSettings,
)
from linkmall.campaigns.services._common import Errors, require_merchant_owner
from linkmall.campaigns.services.coupons import coupon_issue
from linkmall.core import clock
from linkmall.core.errors import DomainError
from linkmall.customers.early_access import early_access_listings
from linkmall.customers.models import Outreach
from linkmall.stores.models import Listing, Merchant

#: the outreach kinds that give a coupon, and the settings field naming its template
TEMPLATE_FIELDS: Mapping[str, str] = {
    Outreach.Kind.BIRTHDAY_OFFER: "birthday_template",
    Outreach.Kind.EXCLUSIVE_OFFER: "exclusive_template",
    Outreach.Kind.FIRST_PURCHASE: "first_purchase_template",
}
#: one delivery run handles at most this many outreach rows; the next run takes the rest
DELIVER_LIMIT = 5000


def layer_coupon_key(outreach_id: int) -> str:
    """The coupon key of an outreach's delivery: the same outreach never gets two coupons."""
    return f"layer:{outreach_id}"


def layer_offer_settings_update(*, actor: User, merchant: Merchant, birthday_template_id: int | None,
                                exclusive_template_id: int | None,
                                first_purchase_template_id: int | None) -> LayerOfferSettings:
    """Set which coupon template each layer action gives (None: none). A template must be the
    merchant's, not ended, and allow the source `layer`; each bad one is named in detail["fields"]."""
    require_merchant_owner(actor, merchant.pk, what="merchant")
    wanted = {"birthday_template": birthday_template_id, "exclusive_template": exclusive_template_id,
              "first_purchase_template": first_purchase_template_id}
    errors = Errors()
    ids = [pk for pk in wanted.values() if pk is not None]
    found = {t.pk: t for t in CouponTemplate.objects.filter(pk__in=ids, merchant=merchant)} if ids else {}
    for field, pk in wanted.items():
        if pk is None:
            continue
        template = found.get(pk)
        if template is None:
            errors[field] = _("没有这张优惠券")
        elif template.status == CampaignStatus.ENDED:
            errors[field] = _("这张优惠券已结束")
        elif CouponSource.LAYER not in template.sources:
            errors[field] = _("这张优惠券的发放渠道不含“客户分层营销”")
    errors.raise_any()
    with transaction.atomic():
        settings, _created = LayerOfferSettings.objects.select_for_update().get_or_create(merchant=merchant)
        for field, pk in wanted.items():
            setattr(settings, f"{field}_id", pk)
        settings.updated_at = clock.now()
        settings.save()
    return settings


@dataclass
class _MerchantPlan:
    """What a merchant's layer actions give, read once per delivery run."""

    templates: dict[str, CouponTemplate | None]
    listing: Listing | None


def _plan(merchant_id: int) -> _MerchantPlan:
    settings = (LayerOfferSettings.objects.select_related(*TEMPLATE_FIELDS.values())
                .filter(merchant_id=merchant_id).first())
    templates = {kind: getattr(settings, field) if settings else None for kind, field in TEMPLATE_FIELDS.items()}
    return _MerchantPlan(templates=templates, listing=early_access_listings(merchant_id=merchant_id).first())


def layer_offers_deliver(*, merchant_id: int | None = None, limit: int = DELIVER_LIMIT) -> dict[str, int]:
    """Deliver every outreach not delivered yet (oldest first, at most `limit`), of one merchant or
    all. Returns how many were issued a coupon, notified of an early access, and refused."""
    counts = {LayerOfferDelivery.Status.ISSUED.value: 0, LayerOfferDelivery.Status.NOTIFIED.value: 0,
              LayerOfferDelivery.Status.REFUSED.value: 0}
    pending = (Outreach.objects.filter(~Exists(LayerOfferDelivery.objects.filter(outreach=OuterRef("pk"))))
               .select_related("profile__user").order_by("pk"))
    if merchant_id is not None:
        pending = pending.filter(profile__merchant_id=merchant_id)
    plans: dict[int, _MerchantPlan] = {}
    for outreach in pending[:limit]:
        merchant = outreach.profile.merchant_id
        if merchant not in plans:
            plans[merchant] = _plan(merchant)
        status = _deliver(outreach, plans[merchant])
        if status is not None:
            counts[status] += 1
    return counts


def _deliver(outreach: Outreach, plan: _MerchantPlan) -> str | None:
    """Deliver one outreach; None when another run recorded it first."""
    with transaction.atomic():
        row = LayerOfferDelivery(outreach=outreach, merchant_id=outreach.profile.merchant_id, kind=outreach.kind,
                                 status=LayerOfferDelivery.Status.REFUSED, delivered_at=clock.now())
        if outreach.kind == Outreach.Kind.EARLY_ACCESS:
            if plan.listing is None:
                row.reason = "no_listing"
            else:
                row.status, row.listing = LayerOfferDelivery.Status.NOTIFIED, plan.listing
        elif (template := plan.templates.get(outreach.kind)) is None:
            row.reason = "no_template"
        else:
            try:
                row.coupon = coupon_issue(template=template, user=outreach.profile.user, source=CouponSource.LAYER,
                                          key=layer_coupon_key(outreach.pk))
                row.status = LayerOfferDelivery.Status.ISSUED
            except DomainError as exc:
                row.reason = exc.code[:40]
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            return None
    return row.status
