"""The card holder (名片夹): cards a customer keeps."""

from django.db import IntegrityError, transaction

from linkmall.accounts.models import Role, User
from linkmall.cards import selectors
from linkmall.cards.models import Card, CardHolding
from linkmall.core.errors import PermissionDenied


def _consumer(user: User) -> None:
    if not user.is_authenticated or user.role != Role.CONSUMER:
        raise PermissionDenied("Only customers keep a card holder.")


def card_hold(*, user: User, guide_id: int) -> CardHolding:
    """Keep a published card. Idempotent: saving a card twice keeps the first holding."""
    _consumer(user)
    card = selectors.card_get_published(guide_id)
    if card._state.adding:
        card, _ = Card.objects.get_or_create(guide_id=card.guide_id)
    holding = CardHolding.objects.filter(user_id=user.pk, card_id=card.pk).first()
    if holding is not None:
        return holding
    try:
        with transaction.atomic():
            return CardHolding.objects.create(user_id=user.pk, card_id=card.pk)
    except IntegrityError:  # a double tap raced us: the other request kept it
        return CardHolding.objects.get(user_id=user.pk, card_id=card.pk)


def card_release(*, user: User, guide_id: int) -> bool:
    """Remove a card from the holder; True when it was there. Works for unpublished cards too."""
    _consumer(user)
    deleted, _ = CardHolding.objects.filter(user_id=user.pk, card_id=guide_id).delete()
    return deleted > 0
