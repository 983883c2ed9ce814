"""Writes of the cards app. One module per area; import from here."""

from linkmall.cards.services.booking import appointment_book, appointment_cancel
from linkmall.cards.services.card import CardEdit, card_photo_clean, card_update
from linkmall.cards.services.holder import card_hold, card_release
from linkmall.cards.services.promotions import promotion_delete, promotion_save

__all__ = [
    "CardEdit", "appointment_book", "appointment_cancel", "card_hold", "card_photo_clean", "card_release",
    "card_update", "promotion_delete", "promotion_save",
]
