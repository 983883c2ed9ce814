"""Operator console of the 2+1 engine (/ops/referral/): the plan, its compliance, the kill switch.

Views parse the form, call one service or selector and render; the rules live in the services.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linkmall.accounts.http import UserRequest
from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import role_required
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError, InvalidInput, NotFound
from linkmall.referral import services
from linkmall.referral.models import ReferralPlan
from linkmall.referral.pages import operator_selectors as selectors
from linkmall.referral.pages.operator_forms import AcknowledgeForm, KillSwitchForm, PlanDraftForm

platform_required = role_required(Role.PLATFORM)

SEVERITY_LABELS = {"high": gettext_lazy("高"), "medium": gettext_lazy("中"), "low": gettext_lazy("低")}


def _plan_or_404(plan_id: int) -> ReferralPlan:
    try:
        return selectors.plan_get(plan_id=plan_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _flash(request: HttpRequest, exc: DomainError) -> None:
    # staff read the service's own message and code where the registry has no words for it
    messages.error(request, error_text(exc, default=f"{exc.message} ({exc.code})"))


@platform_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    live = services.plan_live()
    plans = selectors.plan_list()
    context = {
        "live": live,
        "live_values": selectors.plan_effective(live),
        "plans": plans,
        "drafts": [p for p in plans if p.status == ReferralPlan.Status.DRAFT],
        "switch": selectors.engine_switch(),
        "active": "plan",
    }
    return render(request, "referral/operator/home.html", context)


@platform_required
@require_http_methods(["GET", "POST"])
def plan_new(request: UserRequest) -> HttpResponse:
    form = PlanDraftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_draft(actor=request.user, config=form.plan_config())
        except InvalidInput as exc:
            form.add_plan_error(exc)
        except DomainError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("草稿已保存，请查看合规报告。"))
            return redirect("referral:ops_plan", plan_id=plan.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "referral/operator/plan_new.html", {"form": form, "active": "plan"}, status=status)


def _plan_page(request: HttpRequest, plan: ReferralPlan, ack_form: AcknowledgeForm | None = None,
               status: int = 200) -> HttpResponse:
    ack_form = ack_form or AcknowledgeForm(risks=plan.compliance)
    risks = [{**r, "severity_label": SEVERITY_LABELS.get(r["severity"], r["severity"])} for r in plan.compliance]
    context = {
        "plan": plan,
        "values": selectors.plan_effective(plan),
        "risks": risks,
        "ack_form": ack_form,
        "ticked": _ticked(ack_form),
        "can_acknowledge": plan.status == ReferralPlan.Status.DRAFT and plan.acknowledged_at is None,
        "can_go_live": plan.status == ReferralPlan.Status.DRAFT and plan.acknowledged_at is not None,
        "active": "plan",
    }
    return render(request, "referral/operator/plan_detail.html", context, status=status)


def _ticked(form: AcknowledgeForm) -> set[str]:
    """The risk codes a posted form ticked, to tick them again when it is shown back."""
    data = form.data  # request.POST once the form is bound
    return set(data.getlist("codes")) if form.is_bound and isinstance(data, MultiValueDict) else set()


@platform_required
@require_GET
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _plan_page(request, _plan_or_404(plan_id))


@platform_required
@require_POST
def plan_acknowledge(request: UserRequest, plan_id: int) -> HttpResponse:
    plan = _plan_or_404(plan_id)
    form = AcknowledgeForm(request.POST, risks=plan.compliance)
    if not form.is_valid():
        return _plan_page(request, plan, form, status=400)
    try:
        services.plan_acknowledge(actor=request.user, plan=plan, codes=form.cleaned_data["codes"])
    except DomainError as exc:
        if exc.code == "risks_not_acknowledged":
            form.add_error("codes", error_text(exc))
            return _plan_page(request, plan, form, status=400)
        _flash(request, exc)
    else:
        messages.success(request, _("已确认全部合规风险，可以上线。"))
    return redirect("referral:ops_plan", plan_id=plan.pk)


@platform_required
@require_POST
def plan_go_live(request: UserRequest, plan_id: int) -> HttpResponse:
    plan = _plan_or_404(plan_id)
    try:
        services.plan_go_live(actor=request.user, plan=plan)
    except DomainError as exc:
        _flash(request, exc)
        return redirect("referral:ops_plan", plan_id=plan.pk)
    messages.success(request, _("新方案已生效。"))
    return redirect("referral:ops_home")


@platform_required
@require_http_methods(["GET", "POST"])
def kill_switch(request: UserRequest) -> HttpResponse:
    switch = selectors.engine_switch()
    # the page asks to flip the switch; a POST says which way, so a double submit stays put
    initial = {"paused": "0" if switch.rewards_paused else "1"}
    form = KillSwitchForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.rewards_pause(actor=request.user, paused=form.cleaned_data["paused"],
                                   reason=form.cleaned_data["reason"].strip())
        except DomainError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("已暂停发放新奖励。") if form.cleaned_data["paused"]
                             else _("已恢复发放奖励。"))
            return redirect("referral:ops_kill_switch")
    status = 400 if request.method == "POST" else 200
    context = {"switch": switch, "form": form, "pausing": not switch.rewards_paused, "active": "switch"}
    return render(request, "referral/operator/kill_switch.html", context, status=status)
