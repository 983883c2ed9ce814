"""导购发券: a guide gives one of their own customers a coupon, from the customer's profile or from a
follow-up reminder (the layering run's reminders for active customers).

Tenancy: only a guide, only a template of the guide's merchant that allows the source `guide`, only
a customer the guide may see (`customers.crm.access`: their own); anything else answers "not found"
and changes nothing. Idempotent by the caller's `key` (the coupon key `guide:<guide id>:<key>`): a
retry returns the same coupon. The template's limits hold as for any claim (`coupon_limit_reached`,
`coupon_sold_out`, `coupon_unavailable`). A coupon sent from a reminder marks the reminder done.
"""

from django.db import transaction

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.campaigns.models import CouponSource, CouponTemplate, GuideCoupon
from linkmall.campaigns.services.coupons import MAX_KEY, coupon_issue
from linkmall.core.errors import InvalidInput, NotFound
from linkmall.customers.crm.access import crm_scope, profile_in_scope
from linkmall.customers.crm.services import reminder_done
from linkmall.customers.models import Reminder

#: room for the "guide:<guide id>:" prefix inside a coupon key
MAX_GUIDE_KEY = MAX_KEY - 24


def guide_coupon_issue(*, actor: User, profile_id: int, template_id: int, key: str,
                       reminder_id: int | None = None) -> GuideCoupon:
    """The guide `actor` gives the customer of profile `profile_id` a coupon of `template_id`."""
    require_role(actor, Role.GUIDE)
    scope = crm_scope(actor)
    guide_id = scope.guide_id
    if guide_id is None:  # a guide's scope always names the guide; this says so to the type checker
        raise NotFound("No such guide.")
    if not isinstance(key, str) or not 0 < len(key) <= MAX_GUIDE_KEY:
        raise InvalidInput(f"A key has 1 to {MAX_GUIDE_KEY} characters.", detail={"fields": {"key": "1-76"}})
    profile = profile_in_scope(scope, profile_id)
    template = CouponTemplate.objects.filter(pk=template_id, merchant_id=scope.merchant_id).first()
    if template is None:
        raise NotFound("No such coupon template.")
    reminder = None
    if reminder_id is not None:
        reminder = Reminder.objects.filter(pk=reminder_id, profile=profile).first()
        if reminder is None:
            raise NotFound("No such reminder.")
    with transaction.atomic():
        coupon = coupon_issue(template=template, user=profile.user, source=CouponSource.GUIDE,
                              key=f"guide:{guide_id}:{key}")
        grant, _created = GuideCoupon.objects.get_or_create(
            coupon=coupon, defaults={"guide_id": guide_id, "profile": profile, "reminder": reminder})
        if reminder is not None:
            reminder_done(scope=scope, reminder_id=reminder.pk)
    return grant
