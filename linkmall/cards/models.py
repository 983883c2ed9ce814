"""AI smart business cards (AI智能名片) of guides: the card, bookings, the assistant's knowledge."""

from django.db import models

from linkmall.accounts.models import User
from linkmall.core import clock


class Card(models.Model):
    """A guide's card page. Contact details come from the guide; the card adds the pitch."""

    guide = models.OneToOneField("stores.Guide", primary_key=True, on_delete=models.CASCADE, related_name="card")
    headline = models.CharField(max_length=60, blank=True)  # e.g. 资深美妆顾问 · 8 年
    bio = models.TextField(max_length=500, blank=True)
    photo = models.ImageField(upload_to="cards/%Y/%m/", blank=True)
    featured = models.ManyToManyField("catalog.Product", blank=True, related_name="+")
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=clock.now)


class Promotion(models.Model):
    """A current promotion a merchant shows on its guides' cards."""

    merchant = models.ForeignKey("stores.Merchant", on_delete=models.CASCADE, related_name="promotions")
    title = models.CharField(max_length=60)
    detail = models.CharField(max_length=200, blank=True)
    starts_at = models.DateTimeField(default=clock.now)
    ends_at = models.DateTimeField()
    is_active = models.BooleanField(default=True)


class CardHolding(models.Model):
    """A card a viewer keeps in their card holder (名片夹)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="card_holdings")
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="holdings")
    saved_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "card"], name="one_holding_per_card")]


class BookingSettings(models.Model):
    """A store's appointment slots: hours, slot length, and how many customers one slot takes."""

    store = models.OneToOneField("stores.Store", primary_key=True, on_delete=models.CASCADE,
                                 related_name="booking_settings")
    opens_at = models.TimeField(default="10:00")
    closes_at = models.TimeField(default="21:00")
    slot_minutes = models.PositiveSmallIntegerField(default=30)
    capacity = models.PositiveSmallIntegerField(default=1)
    days_ahead = models.PositiveSmallIntegerField(default=14)


class Appointment(models.Model):
    """A booked store visit. (store, starts_at, seat) is unique, so a slot never overbooks."""

    class Status(models.TextChoices):
        BOOKED = "booked", "已预约"
        CANCELLED = "cancelled", "已取消"
        DONE = "done", "已到店"

    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="appointments")
    guide = models.ForeignKey("stores.Guide", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="appointments")
    starts_at = models.DateTimeField()
    seat = models.PositiveSmallIntegerField(null=True)  # None once cancelled, freeing the seat
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "starts_at", "seat"], name="one_booking_per_seat"),
            models.UniqueConstraint(fields=["user", "store", "starts_at"], condition=models.Q(status="booked"),
                                    name="one_booking_per_customer_slot"),
        ]


class Knowledge(models.Model):
    """What the card's assistant may answer from: a store's policy or FAQ entry."""

    merchant = models.ForeignKey("stores.Merchant", on_delete=models.CASCADE, related_name="knowledge")
    title = models.CharField(max_length=100)
    body = models.TextField(max_length=4000)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=clock.now)


class Question(models.Model):
    """A question asked on a card, what the assistant answered and from which sources."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="questions")
    visitor_key = models.CharField(max_length=32, blank=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.CharField(max_length=500)
    answer = models.TextField(blank=True)
    sources = models.JSONField(default=list, blank=True)  # [{"kind": "product"|"knowledge", "id", "title"}]
    handed_off = models.BooleanField(default=False)  # no evidence: passed to the guide
    asked_at = models.DateTimeField(default=clock.now)
    answered_by_guide_at = models.DateTimeField(null=True, blank=True)


class Digest(models.Model):
    """A guide's daily radar digest, made once per day."""

    guide = models.ForeignKey("stores.Guide", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    body = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["guide", "day"], name="one_digest_per_day")]
