"""/api/v1/cards: guides' cards, bookings, the radar feed and the card assistant."""

from ninja import Router

router = Router(tags=["cards"])
