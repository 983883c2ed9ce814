"""Writes of the cards app. One module per area; import from here."""

from linkmall.cards.services.booking import appointment_book, appointment_cancel
from linkmall.cards.services.holder import card_hold, card_release

__all__ = ["appointment_book", "appointment_cancel", "card_hold", "card_release"]
