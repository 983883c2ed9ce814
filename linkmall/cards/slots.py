"""A store's appointment slots in its local time (Asia/Shanghai), and how full each one is.

Slots are a grid: from `opens_at`, every `slot_minutes`, while the slot ends by `closes_at`, for
today and the next `days_ahead - 1` days. Past slots and full ones are not offered. The grid is
computed, never stored; an appointment's `starts_at` must lie on it.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count

from linkmall.cards.models import Appointment, BookingSettings
from linkmall.core import clock
from linkmall.stores.models import Store

STORE_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # aware, in STORE_TZ
    capacity: int
    booked: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)

    @property
    def key(self) -> str:
        """The slot's id in forms and the API: ISO 8601 with the store's offset."""
        return self.starts_at.isoformat()


@dataclass(frozen=True)
class Day:
    day: date
    slots: list[Slot]


def booking_settings_for(store: Store | int) -> BookingSettings:
    """The store's settings, or the defaults (unsaved) when the merchant never set them."""
    store_id = store if isinstance(store, int) else store.pk
    found = BookingSettings.objects.filter(store_id=store_id).first()
    return found if found is not None else BookingSettings(store_id=store_id)


def _as_time(value) -> time:
    # an unsaved BookingSettings still holds its string defaults ("10:00")
    return value if isinstance(value, time) else time.fromisoformat(value)


def grid_starts(settings: BookingSettings, day: date) -> list[datetime]:
    """Every slot start of one local day, past or not."""
    opens, closes = _as_time(settings.opens_at), _as_time(settings.closes_at)
    step = timedelta(minutes=max(5, settings.slot_minutes))
    start = datetime.combine(day, opens, tzinfo=STORE_TZ)
    end = datetime.combine(day, closes, tzinfo=STORE_TZ)
    starts = []
    while start + step <= end:
        starts.append(start)
        start += step
    return starts


def is_on_grid(settings: BookingSettings, starts_at: datetime) -> bool:
    local = starts_at.astimezone(STORE_TZ)
    return local in grid_starts(settings, local.date())


def booking_window(settings: BookingSettings) -> tuple[date, date]:
    """(first, last) local day a customer may book."""
    today = clock.now().astimezone(STORE_TZ).date()
    return today, today + timedelta(days=max(1, settings.days_ahead) - 1)


def booked_counts(*, store_id: int, starts: list[datetime]) -> dict[datetime, int]:
    if not starts:
        return {}
    rows = (
        Appointment.objects.filter(store_id=store_id, status=Appointment.Status.BOOKED,
                                   starts_at__gte=starts[0], starts_at__lte=starts[-1])
        .values("starts_at").annotate(n=Count("pk"))
    )
    return {row["starts_at"]: row["n"] for row in rows}


def open_slots(*, store: Store | int, days: int | None = None) -> list[Day]:
    """Free future slots by local day. One query for the settings, one for the bookings."""
    settings = booking_settings_for(store)
    first, last = booking_window(settings)
    if days is not None:
        last = min(last, first + timedelta(days=max(1, days) - 1))
    now = clock.now()
    starts = [s for n in range((last - first).days + 1) for s in grid_starts(settings, first + timedelta(days=n))
              if s > now]
    counts = {k.astimezone(STORE_TZ): v for k, v in booked_counts(store_id=settings.store_id, starts=starts).items()}
    by_day: dict[date, list[Slot]] = {}
    for start in starts:
        slot = Slot(starts_at=start, capacity=settings.capacity, booked=counts.get(start, 0))
        if slot.free:
            by_day.setdefault(start.date(), []).append(slot)
    return [Day(day=d, slots=s) for d, s in by_day.items()]
