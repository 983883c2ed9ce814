"""`linkmall customers layers`: print, recompute and report customer layers and intent.

    linkmall customers layers --json [--merchant ID] [--recompute]
        one JSON document: [{customer_id, merchant_id, name, layer, scores{...}, intent_grade}, ...],
        written row by row from a server-side cursor, so a 1M-customer merchant never sits in memory
    linkmall customers layers --intent-report --merchant ID [--json]
        fits the intent model on the merchant's history, stores it, prints
        {"model_auc", "rules_auc", "n_train", "n_test"}
    linkmall customers layers [--merchant ID] [--recompute]
        a count of customers per layer per merchant
"""

import json

from django.core.management.base import CommandError

from linkmall.customers.models import Profile

SCORE_KEYS = ("recency", "frequency", "monetary", "engagement", "influence", "total")


def add_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true", help="print every customer as one JSON document")
    parser.add_argument("--merchant", type=int, help="only this merchant (id)")
    parser.add_argument("--recompute", action="store_true", help="recompute the layers first")
    parser.add_argument("--intent-report", action="store_true",
                        help="fit the intent model and print its AUC next to the rules' (needs --merchant)")


def _merchant_ids(merchant_id: int | None) -> list[int]:
    from linkmall.stores.models import Merchant

    if merchant_id is not None:
        if not Merchant.objects.filter(pk=merchant_id).exists():
            raise CommandError(f"merchant {merchant_id} does not exist")
        return [merchant_id]
    return sorted(set(Profile.objects.values_list("merchant_id", flat=True).distinct()))


def handle(command, **options) -> None:
    from linkmall.customers.scoring import layers_recompute
    from linkmall.customers.scoring.training import intent_train

    merchant_ids = _merchant_ids(options.get("merchant"))
    if options.get("intent_report"):
        if options.get("merchant") is None:
            raise CommandError("--intent-report needs --merchant ID")
        state = intent_train(merchant_id=merchant_ids[0])
        report = {key: state.metrics.get(key) for key in ("model_auc", "rules_auc", "n_train", "n_test")}
        command.stdout.write(json.dumps(report) if options["json"] else
                             " ".join(f"{k}={v}" for k, v in report.items()))
        return
    if options.get("recompute"):
        for merchant_id in merchant_ids:
            run = layers_recompute(
                merchant_id=merchant_id,
                progress=lambda p, m=merchant_id: command.stderr.write(f"merchant {m}: {p}%"),
            )
            command.stderr.write(f"merchant {merchant_id}: {json.dumps(run.counts, sort_keys=True)}")
    if options.get("json"):
        _stream_json(command.stdout, merchant_ids)
        return
    for merchant_id in merchant_ids:
        counts = {layer: 0 for layer in ("core", "active", "potential", "")}
        for layer in Profile.objects.filter(merchant_id=merchant_id).values_list("layer", flat=True).iterator():
            counts[layer] = counts.get(layer, 0) + 1
        command.stdout.write(f"merchant {merchant_id}: core {counts['core']}, active {counts['active']}, "
                             f"potential {counts['potential']}, not scored {counts['']}")


def _stream_json(out, merchant_ids: list[int]) -> None:
    rows = (
        Profile.objects.filter(merchant_id__in=merchant_ids)
        .order_by("merchant_id", "user_id")
        .values_list("user_id", "merchant_id", "name", "user__display_name", "layer", "scores", "intent_grade")
        .iterator(chunk_size=5000)
    )
    out.write("[", ending="")
    first = True
    for user_id, merchant_id, name, display_name, layer, scores, grade in rows:
        item = {"customer_id": user_id, "merchant_id": merchant_id, "name": name or display_name or "",
                "layer": layer, "scores": {k: (scores or {}).get(k, 0.0) for k in SCORE_KEYS},
                "intent_grade": grade}
        out.write(("\n" if first else ",\n") + json.dumps(item, ensure_ascii=False), ending="")
        first = False
    out.write("\n]" if not first else "]")
