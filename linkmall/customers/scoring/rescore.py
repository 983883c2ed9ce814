"""Rescore one customer now, cheaply, against the merchant's last layer run.

Between two recomputes the merchant's score distribution barely moves, so one customer is placed
on the reference percentiles the last run stored (ScoringModel.reference) with the fitted intent
model; before any run, the grade and layer rules decide. Influence needs the whole share graph,
so it keeps the value of the last run.
"""

import numpy as np
from django.db import transaction

from linkmall.core import clock
from linkmall.customers.models import CustomerSettings, Profile, ScoringModel
from linkmall.customers.scoring import intent, scores
from linkmall.customers.scoring.features import features_at


def thresholds_of(merchant_id: int) -> tuple[float, float, dict]:
    settings = CustomerSettings.objects.filter(merchant_id=merchant_id).first()
    if settings is None:
        settings = CustomerSettings(merchant_id=merchant_id)
    return settings.core_min_score, settings.active_min_score, settings.weights


def rule_layers(f, grades: np.ndarray) -> np.ndarray:
    """Before the first run: core = bought twice this year, or bought and grade A; active = bought
    this year or visited in 30 days; everyone else potential."""
    c = f.cols
    core = (c["orders_365d"] >= 2) | ((c["orders_365d"] >= 1) & (grades == "A"))
    active = (c["orders_365d"] >= 1) | (c["visits_30d"] >= 1)
    return np.select([core, active], ["core", "active"], default="potential")


def profile_rescore(*, merchant_id: int, user_id: int) -> Profile:
    now = clock.now()
    f = features_at(merchant_id=merchant_id, cutoff=now, user_id=user_id, include_users=np.array([user_id]))
    model = ScoringModel.objects.filter(merchant_id=merchant_id).first()
    probability, grades = intent.grade(model.intent if model else None, f)

    with transaction.atomic():
        profile, _ = Profile.objects.get_or_create(merchant_id=merchant_id, user_id=user_id)
        profile = Profile.objects.select_for_update().get(pk=profile.pk)
        previous = profile.scores or {}
        if model and model.reference:
            core_min, active_min, weights = thresholds_of(merchant_id)
            influence = np.array([float(previous.get("influence", 0.0))])
            raw = scores.raw_components(f, np.zeros(1))
            table = scores.score_table(raw, model.reference, weights)
            table["influence"] = influence
            w = scores.normalised_weights(weights)
            table["total"] = (w["rfm"] * (table["recency"] + table["frequency"] + table["monetary"]) / 3
                              + w["engagement"] * table["engagement"] + w["influence"] * influence)
            layer = str(scores.layers_of(table["total"], core_min=core_min, active_min=active_min)[0])
            new_scores = {name: round(float(table[name][0]), 4) for name in (*scores.COMPONENTS, "total")}
        else:
            layer = str(rule_layers(f, grades)[0])
            new_scores = {name: float(previous.get(name, 0.0)) for name in (*scores.COMPONENTS, "total")}
        if "run_layer" in previous:
            new_scores["run_layer"] = previous["run_layer"]
        profile.intent_grade = str(grades[0])
        profile.intent_score = None if probability is None else round(float(probability[0]), 4)
        profile.layer = layer
        profile.scores = new_scores
        profile.scored_at = now
        profile.save(update_fields=["intent_grade", "intent_score", "layer", "scores", "scored_at"])
    return profile
