"""Fit and store a merchant's intent model (`linkmall customers layers --train-intent`)."""

from django.db import transaction

from linkmall.core import clock
from linkmall.customers.models import ScoringModel
from linkmall.customers.scoring.intent import intent_fit


def intent_train(*, merchant_id: int, weeks: int = 8) -> ScoringModel:
    """Fit on the merchant's history and keep the model with its AUCs next to the rules'.

    With too few buyers the previous model is dropped and grades fall back to the rules; the
    metrics still say why (n_train, positives_train)."""
    now = clock.now()
    model, metrics = intent_fit(merchant_id=merchant_id, now=now, weeks=weeks)
    with transaction.atomic():
        state, _ = ScoringModel.objects.get_or_create(merchant_id=merchant_id)
        state = ScoringModel.objects.select_for_update().get(pk=state.pk)
        state.intent, state.metrics, state.trained_at, state.updated_at = model, metrics, now, now
        state.save(update_fields=["intent", "metrics", "trained_at", "updated_at"])
    return state
