"""Customer console /console/customers/: merchant owners see every customer, guides their own.

Thin: resolve the caller's scope, call one selector or service, render. Another tenant's customer,
or another guide's, answers 404.
"""

from __future__ import annotations

import csv
from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import role_required
from linkmall.core import clock
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError, NotFound
from linkmall.core.money import fen_to_yuan
from linkmall.customers.crm import selectors, services
from linkmall.customers.crm.access import CrmScope, crm_scope, mask_phone, profile_in_scope
from linkmall.customers.models import Layer

PAGE_SIZE = 20
crm_user = role_required(Role.MERCHANT_OWNER, Role.GUIDE)


def _scope(request) -> CrmScope:
    try:
        return crm_scope(request.user)
    except DomainError:
        raise Http404 from None


def _profile(request, profile_id: int):
    scope = _scope(request)
    try:
        return scope, profile_in_scope(scope, profile_id)
    except NotFound:
        raise Http404 from None


def _filters(request) -> dict:
    return {name: request.GET.get(name, "").strip()[:40] for name in ("layer", "grade", "tag", "q")}


def _rows(scope: CrmScope, filters: dict):
    try:
        return selectors.profile_list(scope, **filters), ""
    except DomainError:
        return selectors.profile_list(scope), _("筛选条件无效，已显示全部客户")


@crm_user
def customer_list(request):
    scope = _scope(request)
    filters = _filters(request)
    rows, error = _rows(scope, filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for profile in page:
        profile.phone_shown = mask_phone(profile.user.phone, scope)
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(request, "customers/console/list.html", {
        "page": page, "filters": filters, "query": query, "error": error, "scope": scope, "nav": "customers",
        "layers": Layer.choices, "grades": selectors.GRADES, "tags": selectors.merchant_tags(scope),
    })


class _Echo:
    def write(self, value):
        return value


@crm_user
def customer_export(request):
    scope = _scope(request)
    rows, _error = _rows(scope, _filters(request))
    layers = dict(Layer.choices)

    def lines():
        writer = csv.writer(_Echo())
        yield "\ufeff"  # Excel opens UTF-8 CSV with Chinese correctly only with a BOM
        yield writer.writerow([_("姓名"), _("手机号"), _("分层"), _("意向等级"), _("预计价值（元）"), _("导购"),
                               _("标签"), _("首次到访"), _("最近到访")])
        for p in rows:
            yield writer.writerow([
                p.name or p.user.display_name, mask_phone(p.user.phone, scope), layers.get(p.layer, ""),
                p.intent_grade, fen_to_yuan(p.clv_fen) if p.clv_fen is not None else "",
                p.guide.user.display_name if p.guide else "", " ".join(pt.tag.name for pt in p.profile_tags.all()),
                _date(p.first_seen_at), _date(p.last_seen_at),
            ])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="customers.csv"'
    return response


def _date(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


@crm_user
def customer_detail(request, profile_id: int):
    scope, profile = _profile(request, profile_id)
    services.profile_refresh(profile=profile)  # automatic tags and interests, cheap for one customer
    return render(request, "customers/console/profile.html", {
        "scope": scope, "profile": profile, "phone": mask_phone(profile.user.phone, scope), "nav": "customers",
        "layer_label": dict(Layer.choices).get(profile.layer, ""),
        "tags": selectors.profile_tags(profile), "timeline": selectors.timeline(profile),
        "reminders": selectors.profile_reminders(profile), "auto_rules": services.AUTO_TAGS,
        "interests": list(profile.interests.items()),
        "scores": [(k, round(v, 2)) for k, v in (profile.scores or {}).items() if isinstance(v, int | float)],
    })


def _act(request, fn, **kwargs):
    try:
        fn(**kwargs)
        return True
    except DomainError as exc:
        messages.error(request, error_text(exc))
        return False


@crm_user
@require_POST
def tag_add(request, profile_id: int):
    scope, profile = _profile(request, profile_id)
    _act(request, services.profile_tag_add, scope=scope, profile=profile, name=request.POST.get("name", ""))
    return redirect("customers:detail", profile_id=profile.pk)


@crm_user
@require_POST
def tag_remove(request, profile_id: int, tag_id: int):
    scope, profile = _profile(request, profile_id)
    _act(request, services.profile_tag_remove, scope=scope, profile=profile, tag_id=tag_id)
    return redirect("customers:detail", profile_id=profile.pk)


@crm_user
@require_POST
def note_add(request, profile_id: int):
    scope, profile = _profile(request, profile_id)
    if _act(request, services.note_add, scope=scope, profile=profile, body=request.POST.get("body", ""),
            follow_up=request.POST.get("follow_up") == "1"):
        messages.success(request, _("已记录"))
    return redirect("customers:detail", profile_id=profile.pk)


def _parse_due(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@crm_user
@require_POST
def reminder_add(request, profile_id: int):
    scope, profile = _profile(request, profile_id)
    if _act(request, services.reminder_create, scope=scope, profile=profile, body=request.POST.get("body", ""),
            due_at=_parse_due(request.POST.get("due_at", ""))):
        messages.success(request, _("已添加提醒"))
    return redirect("customers:detail", profile_id=profile.pk)


@crm_user
@require_POST
def reminder_done(request, reminder_id: int):
    scope = _scope(request)
    try:
        reminder = services.reminder_done(scope=scope, reminder_id=reminder_id)
    except NotFound:
        raise Http404 from None
    if request.POST.get("next") == "profile":
        return redirect("customers:detail", profile_id=reminder.profile_id)
    return redirect("customers:reminders")


@crm_user
def reminder_list(request):
    scope = _scope(request)
    return render(request, "customers/console/reminders.html", {
        "scope": scope, "reminders": selectors.reminders_due(scope), "nav": "reminders",
        "now": clock.now(),
    })
