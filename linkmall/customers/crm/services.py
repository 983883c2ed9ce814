"""Writes of the customer console: tags, notes and follow-ups, reminders, automatic tags.

Every function takes the caller's CrmScope and a profile already checked to be in it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count

from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotFound
from linkmall.customers.crm.access import CrmScope, profiles_in_scope
from linkmall.customers.crm.selectors import category_interests
from linkmall.customers.models import Event, Note, Profile, ProfileTag, Purchase, Reminder, Tag

MAX_TAGS_PER_PROFILE = 30
MAX_OPEN_REMINDERS = 50


def _tag_get_or_create(*, merchant_id: int, name: str, kind: str) -> Tag:
    tag = Tag.objects.filter(merchant_id=merchant_id, name=name).first()
    if tag is not None:
        return tag
    try:
        with transaction.atomic():
            return Tag.objects.create(merchant_id=merchant_id, name=name, kind=kind)
    except IntegrityError:
        return Tag.objects.get(merchant_id=merchant_id, name=name)


def _link(profile: Profile, tag: Tag) -> bool:
    if ProfileTag.objects.filter(profile=profile, tag=tag).exists():
        return False
    try:
        with transaction.atomic():
            ProfileTag.objects.create(profile=profile, tag=tag)
            return True
    except IntegrityError:
        return False  # the same tag added twice at once: one row stands


def profile_tag_add(*, scope: CrmScope, profile: Profile, name: str) -> Tag:
    name = " ".join((name or "").split())
    if not name or len(name) > 32:
        raise InvalidInput("A tag is 1 to 32 characters.", code="bad_tag", detail={"field": "name"})
    if name in AUTO_TAGS:
        raise Conflict("That tag is set automatically from behaviour.", code="auto_tag", detail={"name": name})
    if ProfileTag.objects.filter(profile=profile).count() >= MAX_TAGS_PER_PROFILE:
        raise Conflict("Too many tags on this customer.", code="too_many_tags", detail={"max": MAX_TAGS_PER_PROFILE})
    tag = _tag_get_or_create(merchant_id=profile.merchant_id, name=name, kind=Tag.Kind.MANUAL)
    _link(profile, tag)
    return tag


def profile_tag_remove(*, scope: CrmScope, profile: Profile, tag_id: int) -> None:
    link = ProfileTag.objects.filter(profile=profile, tag_id=tag_id).select_related("tag").first()
    if link is None:
        raise NotFound("The customer has no such tag.")
    if link.tag.kind == Tag.Kind.AUTO:
        raise Conflict("That tag is set automatically from behaviour.", code="auto_tag",
                       detail={"name": link.tag.name})
    link.delete()


def note_add(*, scope: CrmScope, profile: Profile, body: str, follow_up: bool = False) -> Note:
    body = (body or "").strip()
    if not body or len(body) > 2000:
        raise InvalidInput("A note is 1 to 2000 characters.", code="bad_note", detail={"field": "body"})
    return Note.objects.create(profile=profile, author=scope.user, body=body, is_follow_up=follow_up)


def reminder_create(*, scope: CrmScope, profile: Profile, body: str, due_at: datetime) -> Reminder:
    body = (body or "").strip()
    if not body or len(body) > 200:
        raise InvalidInput("A reminder is 1 to 200 characters.", code="bad_reminder", detail={"field": "body"})
    if due_at is None or due_at < clock.now() - timedelta(days=1):
        raise InvalidInput("The reminder's time is in the past.", code="bad_reminder", detail={"field": "due_at"})
    if Reminder.objects.filter(profile=profile, done_at__isnull=True).count() >= MAX_OPEN_REMINDERS:
        raise Conflict("Too many open reminders for this customer.", code="too_many_reminders")
    return Reminder.objects.create(profile=profile, guide_id=scope.guide_id or profile.guide_id, body=body,
                                   due_at=due_at, source="manual")


def reminder_done(*, scope: CrmScope, reminder_id: int) -> Reminder:
    """Mark a reminder done; done twice is still done once (the first time stands)."""
    reminder = Reminder.objects.filter(pk=reminder_id, profile__in=profiles_in_scope(scope)).first()
    if reminder is None:
        raise NotFound("No such reminder.")
    if Reminder.objects.filter(pk=reminder.pk, done_at__isnull=True).update(done_at=clock.now()):
        reminder.refresh_from_db(fields=["done_at"])
    return reminder


# --- automatic tags --------------------------------------------------------------------------

#: name -> the rule, in words (shown in the console and docs/customers.md)
AUTO_TAGS = {
    "高频浏览": "近 14 天来访 3 次及以上",
    "价格敏感": "近 30 天同一商品看了 3 次及以上却没买",
    "分享达人": "近 30 天分享 3 次及以上",
    "复购客户": "累计购买 2 次及以上（不含全额退款）",
    "沉睡客户": "60 天以上没有来访或购买",
}


def auto_tags_for(profile: Profile) -> set[str]:
    now = clock.now()
    mine = Event.objects.filter(merchant_id=profile.merchant_id, user_id=profile.user_id)
    tags: set[str] = set()
    visits = mine.filter(occurred_at__gte=now - timedelta(days=14)).values("visitor_id", "visit_number").distinct()
    if visits.count() >= 3:
        tags.add("高频浏览")
    recent = mine.filter(occurred_at__gte=now - timedelta(days=30))
    bought = {int(p) for ids in Purchase.objects.filter(merchant_id=profile.merchant_id, user_id=profile.user_id)
              .values_list("product_ids", flat=True) for p in (ids or [])}
    looked = (recent.filter(kind=Event.Kind.PRODUCT_VIEW).values("product_id").annotate(n=Count("pk"))
              .filter(n__gte=3).values_list("product_id", flat=True))
    if set(looked) - bought:
        tags.add("价格敏感")
    if recent.filter(kind=Event.Kind.SHARE).count() >= 3:
        tags.add("分享达人")
    purchases = Purchase.objects.filter(merchant_id=profile.merchant_id, user_id=profile.user_id)
    if sum(1 for amount, refunded in purchases.values_list("amount_fen", "refunded_fen") if refunded < amount) >= 2:
        tags.add("复购客户")
    last_purchase = purchases.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
    last = max(filter(None, [profile.last_seen_at, last_purchase]), default=None)
    if last is not None and last < now - timedelta(days=60):
        tags.add("沉睡客户")
    return tags


def profile_refresh(*, profile: Profile) -> Profile:
    """Recompute the automatic tags and the category interests of one customer and store them."""
    wanted = auto_tags_for(profile)
    interests = category_interests(profile)
    with transaction.atomic():
        current = {pt.tag.name: pt for pt in ProfileTag.objects.filter(profile=profile, tag__kind=Tag.Kind.AUTO)
                   .select_related("tag")}
        for name in set(current) - wanted:
            current[name].delete()
        for name in wanted - set(current):
            _link(profile, _tag_get_or_create(merchant_id=profile.merchant_id, name=name, kind=Tag.Kind.AUTO))
        if interests != profile.interests:
            Profile.objects.filter(pk=profile.pk).update(interests=interests)
            profile.interests = interests
    return profile


def profiles_refresh_recent(*, since: datetime) -> int:
    """Refresh every profile seen since `since` or gone quiet 60 days ago (the daily pass)."""
    now = clock.now()
    quiet_day = (now - timedelta(days=61), now - timedelta(days=60))
    rows = Profile.objects.filter(last_seen_at__gte=since) | Profile.objects.filter(
        last_seen_at__range=quiet_day)
    done = 0
    for profile in rows.iterator(chunk_size=500):
        profile_refresh(profile=profile)
        done += 1
    return done
