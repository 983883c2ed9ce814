"""/api/v1/cards/…: a guide's card, its share links, the card holder and the nearest store."""

from ninja import Router

router = Router(tags=["cards"])
