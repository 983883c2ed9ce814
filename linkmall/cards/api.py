"""/api/v1/cards: guides' cards, bookings, the radar feed and the card assistant.

One sub-router per area, each in its own module; owners append their `add_router` line.
"""

from ninja import Router

from linkmall.cards.api_booking import router as booking_router
from linkmall.cards.api_card import router as card_router
from linkmall.cards.assistant.api import router as assistant_router
from linkmall.cards.digest_api import router as digest_router
from linkmall.cards.radar_api import router as radar_router

router = Router(tags=["cards"])
router.add_router("/bookings", booking_router)
# the radar and the assistant (engineer A) — append below
router.add_router("/radar", radar_router)
router.add_router("/digest", digest_router)
router.add_router("", assistant_router)
# the card itself last: its /{guide_id} paths must not shadow the fixed paths above
router.add_router("", card_router)
