"""A merchant's layer thresholds and score weights (the layers settings page)."""

import math

from django.db import transaction

from linkmall.core import clock
from linkmall.core.errors import InvalidInput
from linkmall.customers.models import CustomerSettings
from linkmall.customers.scoring.scores import DEFAULT_WEIGHTS


def customer_settings_get(*, merchant_id: int) -> CustomerSettings:
    settings, _ = CustomerSettings.objects.get_or_create(merchant_id=merchant_id)
    return settings


def thresholds_update(*, merchant_id: int, core_min: float, active_min: float, weights: dict) -> CustomerSettings:
    """Refuses (InvalidInput, nothing saved) unless 0 ≤ active < core ≤ 1 and the weights are
    non-negative numbers, not all zero. Takes effect at the next recompute."""
    values = [core_min, active_min, *weights.values()]
    if any(not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v) for v in values):
        raise InvalidInput("阈值和权重必须是数字。", code="layer_settings_invalid")
    if not 0 <= active_min < core_min <= 1:
        raise InvalidInput("阈值需满足 0 ≤ 活跃层 < 核心层 ≤ 1。", code="layer_thresholds_invalid",
                           detail={"core_min": core_min, "active_min": active_min})
    if set(weights) != set(DEFAULT_WEIGHTS) or any(v < 0 for v in weights.values()) or sum(weights.values()) <= 0:
        raise InvalidInput("权重不能为负数，且不能全为 0。", code="layer_weights_invalid", detail={"weights": weights})
    with transaction.atomic():
        settings = customer_settings_get(merchant_id=merchant_id)
        settings = CustomerSettings.objects.select_for_update().get(pk=settings.pk)
        settings.core_min_score, settings.active_min_score = float(core_min), float(active_min)
        settings.weights = {k: float(v) for k, v in weights.items()}
        settings.updated_at = clock.now()
        settings.save(update_fields=["core_min_score", "active_min_score", "weights", "updated_at"])
    return settings
