"""/api/v1/cards/bookings/…: a store's free slots, booking and cancelling, my and a guide's bookings."""

from ninja import Router

router = Router(tags=["cards"])
