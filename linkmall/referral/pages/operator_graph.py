"""The team-tree browser and the rewards overview of the operator console.

The browser shows one user with both graphs around them and pages each level of children on
demand (htmx), so a page costs the same few queries in a team of ten or of a million.
"""

import csv
from collections.abc import Iterator
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from linkmall.core import clock
from linkmall.core.errors import NotFound
from linkmall.core.money import fen_to_yuan
from linkmall.referral.models import Reward
from linkmall.referral.pages import operator_selectors as selectors
from linkmall.referral.pages.operator_views import platform_required

RELATIONS = ("referrals", "team")


def _int(value: str | None, default: int = 0) -> int:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 19 else default


@platform_required
@require_GET
def tree(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    graph = None
    not_found = False
    if query:
        user = selectors.user_find(query=query)
        if user is None:
            not_found = True
        else:
            graph = selectors.user_graph(user_id=user.pk)
    context: dict[str, Any] = {"query": query, "graph": graph, "not_found": not_found, "active": "tree"}
    if graph is not None:
        context["referrals"] = selectors.children_page(user_id=graph.node.user.pk, relation="referrals")
        context["team"] = selectors.children_page(user_id=graph.node.user.pk, relation="team")
    return render(request, "referral/operator/tree.html", context, status=404 if not_found else 200)


@platform_required
@require_GET
def tree_children(request: HttpRequest, user_id: int, relation: str) -> HttpResponse:
    """One page of a node's children, as rows for htmx to append (or a page of its own)."""
    if relation not in RELATIONS:
        raise Http404
    try:
        page = selectors.children_page(user_id=user_id, relation=relation, after=_int(request.GET.get("after")))
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(request, "referral/operator/_children.html",
                  {"page": page, "relation": relation, "parent_id": user_id})


REWARD_STATUSES = {value for value, _label in Reward.Status.choices}
REWARD_KINDS = {value for value, _label in Reward.Kind.choices}


def _reward_filters(request: HttpRequest) -> tuple[str, str]:
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    return (status if status in REWARD_STATUSES else "", kind if kind in REWARD_KINDS else "")


@platform_required
@require_GET
def rewards(request: HttpRequest) -> HttpResponse:
    status, kind = _reward_filters(request)
    totals = selectors.reward_totals()
    context = {
        "totals": totals,
        "total_amount_fen": sum(row["amount_fen"] or 0 for row in totals),
        "recent": list(selectors.rewards_recent(status=status, kind=kind)),
        "status": status,
        "kind": kind,
        "statuses": Reward.Status.choices,
        "kinds": Reward.Kind.choices,
        "active": "rewards",
    }
    return render(request, "referral/operator/rewards.html", context)


class _Echo:
    """A file for csv.writer that hands each line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


@platform_required
@require_GET
def rewards_csv(request: HttpRequest) -> StreamingHttpResponse:
    status, kind = _reward_filters(request)
    rows = selectors.rewards_recent(status=status, kind=kind, limit=0).iterator(chunk_size=2000)
    writer = csv.writer(_Echo())
    header = [_("奖励编号"), _("订单号"), _("获得者ID"), _("获得者手机号"), _("类型"), _("状态"),
              _("应得金额"), _("原始金额"), _("时间")]

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(header)  # the BOM lets Excel read the Chinese headers
        for reward in rows:
            yield writer.writerow([
                reward.pk, reward.order.number, reward.recipient_id, reward.recipient.phone or "", reward.kind,
                reward.status, fen_to_yuan(reward.amount_fen), fen_to_yuan(reward.accrued_fen),
                reward.created_at.isoformat(),
            ])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rewards-{clock.now():%Y%m%d}.csv"'
    return response
