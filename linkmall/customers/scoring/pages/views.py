"""Merchant pages for layers: overview (counts, run progress, intent AUC, actions), thresholds
settings, and the migration report of a run (who moved up or down) with its CSV export.

Owner only: the thresholds and the whole customer base are the merchant's business, not a guide's.
"""

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import role_required
from linkmall.core.errors import DomainError
from linkmall.customers.models import LayerChange, LayerRun, ScoringModel
from linkmall.customers.scoring.pages.forms import ThresholdsForm
from linkmall.customers.scoring.thresholds import customer_settings_get, thresholds_update

owner = role_required(Role.MERCHANT_OWNER)
RANK = {"": 0, "potential": 1, "active": 2, "core": 3}
LAYER_NAMES = {"core": "核心层", "active": "活跃层", "potential": "潜在层", "": "新客户"}


def _merchant_id(request) -> int:
    if request.user.tenant_id is None:
        raise Http404
    return request.user.tenant_id


@owner
def layer_overview(request):
    merchant_id = _merchant_id(request)
    runs = list(LayerRun.objects.filter(merchant_id=merchant_id).order_by("-started_at", "-pk")[:10])
    last_done = next((r for r in runs if r.status == LayerRun.Status.DONE), None)
    running = next((r for r in runs if r.status == LayerRun.Status.RUNNING), None)
    model = ScoringModel.objects.filter(merchant_id=merchant_id).first()
    counts = last_done.counts if last_done else {}
    total = sum(counts.get(k, 0) for k in ("core", "active", "potential"))
    bars = [{"layer": k, "name": _(LAYER_NAMES[k]), "count": counts.get(k, 0),
             "percent": round(100 * counts.get(k, 0) / total) if total else 0} for k in ("core", "active", "potential")]
    return render(request, "customers/layers/overview.html", {
        "runs": runs, "last_done": last_done, "running": running, "bars": bars, "total": total,
        "actions": counts.get("actions", {}), "metrics": model.metrics if model else {}, "model": model,
        "settings": customer_settings_get(merchant_id=merchant_id), "nav": "layers",
    })


@owner
@require_POST
def layer_recompute(request):
    from linkmall.customers.scoring.tasks import layers_recompute_task

    layers_recompute_task.enqueue(merchant_id=_merchant_id(request))
    messages.success(request, _("已开始重新计算分层，完成后本页会显示结果。"))
    return redirect("layers:overview")


@owner
@require_POST
def intent_train(request):
    from linkmall.customers.scoring.tasks import intent_train_task

    intent_train_task.enqueue(merchant_id=_merchant_id(request))
    messages.success(request, _("已开始训练购买意向模型，完成后本页会显示 AUC。"))
    return redirect("layers:overview")


@owner
def layer_settings(request):
    merchant_id = _merchant_id(request)
    settings = customer_settings_get(merchant_id=merchant_id)
    form = ThresholdsForm(request.POST or None, settings=settings)
    if request.method == "POST" and form.is_valid():
        try:
            thresholds_update(merchant_id=merchant_id, **form.service_kwargs())
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("分层设置已保存，下次计算时生效。"))
            return redirect("layers:overview")
    return render(request, "customers/layers/settings.html", {"form": form, "nav": "layer_settings"}, status=
                  400 if request.method == "POST" else 200)


def _run(request, run_id: int) -> LayerRun:
    run = LayerRun.objects.filter(pk=run_id, merchant_id=_merchant_id(request)).first()
    if run is None:
        raise Http404
    return run


def _changes(run: LayerRun, direction: str):
    rows = (LayerChange.objects.filter(run=run).select_related("profile__user")
            .order_by("profile__name", "profile_id"))
    if direction == "new":
        rows = rows.filter(from_layer="")
    elif direction in ("up", "down"):
        rows = rows.exclude(from_layer="")
        ups = [(a, b) for a in RANK for b in RANK if a and RANK[b] > RANK[a]]
        wanted = ups if direction == "up" else [(b, a) for a, b in ups]
        from django.db.models import Q

        q = Q(pk__in=[])
        for a, b in wanted:
            q |= Q(from_layer=a, to_layer=b)
        rows = rows.filter(q)
    return rows


def _direction(change) -> str:
    if not change.from_layer:
        return "new"
    return "up" if RANK[change.to_layer] > RANK[change.from_layer] else "down"


@owner
def layer_changes(request, run_id: int):
    run = _run(request, run_id)
    direction = request.GET.get("direction", "")
    if direction not in ("", "up", "down", "new"):
        direction = ""
    page = Paginator(_changes(run, direction), 30).get_page(request.GET.get("page"))
    for change in page:
        change.direction = _direction(change)
        change.from_name = _(LAYER_NAMES[change.from_layer])
        change.to_name = _(LAYER_NAMES[change.to_layer])
    return render(request, "customers/layers/changes.html", {
        "run": run, "page": page, "direction": direction, "nav": "layers",
    })


class _Echo:
    def write(self, value):
        return value


@owner
def layer_changes_csv(request, run_id: int):
    run = _run(request, run_id)
    writer = csv.writer(_Echo())

    def rows():
        yield "\ufeff" + writer.writerow(["customer_id", "name", "from_layer", "to_layer", "direction"])
        for change in _changes(run, "").iterator(chunk_size=2000):
            name = change.profile.name or change.profile.user.display_name
            yield writer.writerow([change.profile.user_id, name, change.from_layer, change.to_layer,
                                   _direction(change)])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="layer-changes-{run.pk}.csv"'
    return response
