"""`linkmall recommend evaluate --interactions FILE.csv --k 10 [--json]` and `linkmall recommend refresh`."""

from __future__ import annotations

import json

from django.core.management.base import CommandError

from . import model
from .evaluate import BadInteractions, evaluate, read_interactions


def add_evaluate_arguments(parser) -> None:
    parser.add_argument("--interactions", required=True, help="CSV with user_id,item_id,timestamp")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--neighbours", type=int, default=model.NEIGHBOURS)
    parser.add_argument("--k1", type=float, default=model.K1)
    parser.add_argument("--b", type=float, default=model.B)
    parser.add_argument("--json", action="store_true")


def add_refresh_arguments(parser) -> None:
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--store", type=int)
    target.add_argument("--merchant", type=int, help="every active store of the merchant")
    parser.add_argument("--enqueue", action="store_true", help="queue one background task per store instead")
    parser.add_argument("--json", action="store_true")


def handle_evaluate(command, **o) -> None:
    if o["k"] < 1 or o["neighbours"] < 1 or o["k1"] < 0 or not 0 <= o["b"] <= 1:
        raise CommandError("--k and --neighbours must be ≥ 1, --k1 ≥ 0 and --b between 0 and 1", returncode=2)
    try:
        result = evaluate(read_interactions(o["interactions"]), k=o["k"], neighbours=o["neighbours"], k1=o["k1"],
                          b=o["b"])
    except BadInteractions as exc:
        raise CommandError(str(exc), returncode=2) from None
    if o["json"]:
        command.stdout.write(json.dumps(result))
        return
    command.stdout.write(
        f"{result['test_users']} users held out of {result['users']}, {result['items']} items, k={o['k']}\n"
        f"item-item BM25  precision@{o['k']}={result['model']['precision_at_k']:.4f} "
        f"nDCG@{o['k']}={result['model']['ndcg_at_k']:.4f}\n"
        f"popularity      precision@{o['k']}={result['popularity']['precision_at_k']:.4f} "
        f"nDCG@{o['k']}={result['popularity']['ndcg_at_k']:.4f}")


def handle_refresh(command, **o) -> None:
    from linkmall.stores.models import Store

    from .refresh import recommend_refresh

    if o["store"]:
        stores = list(Store.objects.filter(pk=o["store"]).values_list("id", flat=True))
    else:
        stores = list(Store.objects.filter(merchant_id=o["merchant"], is_active=True).order_by("id")
                      .values_list("id", flat=True))
    if not stores:
        raise CommandError(f"no such store: {o['store']}" if o["store"] else
                           f"merchant {o['merchant']} has no active store", returncode=2)
    if o["enqueue"]:
        from .tasks import recommend_refresh_task

        for store_id in stores:
            recommend_refresh_task.enqueue(store_id)
        command.stdout.write(json.dumps({"enqueued": stores}) if o["json"] else f"queued {len(stores)} store(s)")
        return
    results = [recommend_refresh(store_id=store_id).__dict__ for store_id in stores]
    if o["json"]:
        command.stdout.write(json.dumps(results))
        return
    for r in results:
        command.stdout.write(f"store {r['store_id']}: {r['customers']} customers, {r['products']} products, "
                             f"{r['neighbours']} neighbour pairs, {r['popular']} popular")
