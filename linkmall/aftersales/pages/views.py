"""After-sales pages: the consumer's H5 pages and the supplier and merchant consoles.

Views parse the form, call one service or selector and render; the rules live in the services.
"""

from datetime import timedelta
from typing import Protocol, TypedDict

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_stubs_ext import StrPromise

from linkmall.accounts.models import Role, User
from linkmall.accounts.pages.decorators import consumer_required, role_required
from linkmall.aftersales import rules, selectors, services
from linkmall.aftersales.access import ACTION_LABELS, ROLE_LABELS
from linkmall.aftersales.models import AfterSaleRequest
from linkmall.aftersales.pages.common import flash_error
from linkmall.aftersales.pages.forms import COMMON_CARRIERS, AfterSaleRequestForm, DecisionForm, ReturnShipmentForm
from linkmall.core.errors import DomainError, NotFound

Status = AfterSaleRequest.Status
PAGE_SIZE = 20

#: list filters shown as tabs: (value of ?status=, label)
STATUS_TABS = [
    ("", gettext_lazy("全部")),
    ("open", gettext_lazy("处理中")),
    (Status.REFUNDED, gettext_lazy("已退款")),
    (Status.REJECTED, gettext_lazy("已拒绝")),
]


def _get_or_404(request, pk: int) -> AfterSaleRequest:
    try:
        return selectors.aftersale_get(actor=request.user, request_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _timeline(aftersale: AfterSaleRequest) -> list[dict]:
    return [
        {
            "at": event.at,
            "role": ROLE_LABELS.get(event.actor_role, event.actor_role),
            "action": ACTION_LABELS.get(event.action, event.action),
            "note": event.note,
        }
        for event in aftersale.events.all()
    ]


def _status_filter(request) -> str:
    status = request.GET.get("status", "")
    return status if status in {value for value, _label in STATUS_TABS} else ""


def _tabs() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in STATUS_TABS]


# ---- consumer (H5) ----------------------------------------------------------------------------


@consumer_required
@require_GET
def mine(request):
    status = _status_filter(request)
    queryset = selectors.aftersale_list_for_consumer(actor=request.user, status=status or None)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "aftersales/mine.html", {"page": page, "status": status, "tabs": _tabs()})


@consumer_required
@require_http_methods(["GET", "POST"])
def new(request, line_id: int):
    try:
        line = selectors.line_for_buyer(actor=request.user, line_id=line_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    available = selectors.line_requestable_quantity(line=line)
    form = AfterSaleRequestForm(request.POST or None, initial={"quantity": available or 1, "kind": "refund_only"})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = services.aftersale_request(
                    actor=request.user,
                    line=line,
                    kind=form.cleaned_data["kind"],
                    quantity=form.cleaned_data["quantity"],
                    reason=form.cleaned_data["reason"],
                    photos=request.FILES.getlist("photos"),
                )
            except DomainError as exc:
                flash_error(request, exc)
            else:
                messages.success(request, _("售后申请已提交，请等待处理。"))
                return redirect("aftersales:detail", pk=created.pk)
        status = 400
    context = {
        "line": line,
        "form": form,
        "available": available,
        "response_hours": rules.response_time() // timedelta(hours=1),
    }
    return render(request, "aftersales/new.html", context, status=status)


@consumer_required
@require_GET
def detail(request, pk: int):
    aftersale = _get_or_404(request, pk)
    return render(
        request,
        "aftersales/detail.html",
        {
            "aftersale": aftersale,
            "timeline": _timeline(aftersale),
            "return_form": ReturnShipmentForm(),
            "carriers": COMMON_CARRIERS,
            "return_address": aftersale.line.supplier.return_address,
        },
    )


@consumer_required
@require_POST
def withdraw(request, pk: int):
    aftersale = _get_or_404(request, pk)
    try:
        services.aftersale_withdraw(actor=request.user, request=aftersale)
    except DomainError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("申请已撤销。"))
    return redirect("aftersales:detail", pk=pk)


@consumer_required
@require_POST
def return_ship(request, pk: int):
    aftersale = _get_or_404(request, pk)
    form = ReturnShipmentForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, str(errors[0]))  # an ErrorList gives its messages as strings
        return redirect("aftersales:detail", pk=pk)
    try:
        services.aftersale_return_ship(actor=request.user, request=aftersale, **form.cleaned_data)
    except DomainError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("退货物流已提交，等待供应商确认收货。"))
    return redirect("aftersales:detail", pk=pk)


# ---- consoles: supplier and merchant ------------------------------------------------------------

class _ListFor(Protocol):
    def __call__(self, *, actor: User, status: str | None = None) -> QuerySet[AfterSaleRequest]: ...


class _Side(TypedDict):
    roles: tuple[str, ...]
    list: _ListFor
    home: str
    name: StrPromise
    can_receive: bool


SIDES: dict[str, _Side] = {
    "supplier": {
        "roles": (Role.SUPPLIER_STAFF,),
        "list": selectors.aftersale_list_for_supplier,
        "home": "/console/supplier/",
        "name": gettext_lazy("供应商控制台"),
        "can_receive": True,
    },
    "merchant": {
        "roles": (Role.MERCHANT_OWNER,),
        "list": selectors.aftersale_list_for_merchant,
        "home": "/console/merchant/",
        "name": gettext_lazy("商家控制台"),
        "can_receive": False,
    },
}


def _console_context(side: str) -> dict:
    conf = SIDES[side]
    return {
        "side": side,
        "console_home": conf["home"],
        "console_name": conf["name"],
        "can_receive": conf["can_receive"],
    }


def _console_list(request, side: str):
    status = _status_filter(request)
    queryset = SIDES[side]["list"](actor=request.user, status=status or None)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "status": status, "tabs": _tabs(), **_console_context(side)}
    return render(request, "aftersales/console/list.html", context)


def _console_detail(request, side: str, pk: int):
    aftersale = _get_or_404(request, pk)
    context = {
        "aftersale": aftersale,
        "timeline": _timeline(aftersale),
        "decision_form": DecisionForm(),
        **_console_context(side),
    }
    return render(request, "aftersales/console/detail.html", context)


def _console_decide(request, side: str, pk: int, action: str):
    aftersale = _get_or_404(request, pk)
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if action == "approve":
            services.aftersale_approve(actor=request.user, request=aftersale, note=note)
            messages.success(request, _("已同意申请。"))
        elif action == "reject":
            services.aftersale_reject(actor=request.user, request=aftersale, note=note)
            messages.success(request, _("已拒绝申请。"))
        elif action == "receive" and SIDES[side]["can_receive"]:
            services.aftersale_return_receive(actor=request.user, request=aftersale)
            messages.success(request, _("已确认收到退货，款项已退回消费者。"))
        else:
            raise Http404("No such action.")
    except DomainError as exc:
        flash_error(request, exc)
    return redirect(f"aftersales:{side}_detail", pk=pk)


@role_required(Role.SUPPLIER_STAFF)
@require_GET
def supplier_list(request):
    return _console_list(request, "supplier")


@role_required(Role.SUPPLIER_STAFF)
@require_GET
def supplier_detail(request, pk: int):
    return _console_detail(request, "supplier", pk)


@role_required(Role.SUPPLIER_STAFF)
@require_POST
def supplier_decide(request, pk: int, action: str):
    return _console_decide(request, "supplier", pk, action)


@role_required(Role.MERCHANT_OWNER)
@require_GET
def merchant_list(request):
    return _console_list(request, "merchant")


@role_required(Role.MERCHANT_OWNER)
@require_GET
def merchant_detail(request, pk: int):
    return _console_detail(request, "merchant", pk)


@role_required(Role.MERCHANT_OWNER)
@require_POST
def merchant_decide(request, pk: int, action: str):
    return _console_decide(request, "merchant", pk, action)
