"""The platform's withdrawal review queue at /ops/withdrawals/: approve, reject, export.

Approving twice (a double click, two staff at once) pays once: the service locks the withdrawal
and refuses one that was already decided, and the page says so.
"""

import csv
from _csv import Writer
from collections.abc import Iterator

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from linkmall.accounts.http import UserRequest
from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import role_required, safe_next
from linkmall.core import clock
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError
from linkmall.core.money import fen_to_yuan
from linkmall.ledger.models import Withdrawal
from linkmall.ledger.pages.forms import WithdrawalRejectForm
from linkmall.ledger.pages.queries import owner_labels, queue_rows, withdrawal_queue
from linkmall.ledger.withdrawals import withdrawal_approve, withdrawal_reject

PAGE_SIZE = 50
STATUS_TABS = [(Withdrawal.Status.REQUESTED, gettext_lazy("待审核")), (Withdrawal.Status.PAID, gettext_lazy("已到账")),
               (Withdrawal.Status.REJECTED, gettext_lazy("已驳回")), (Withdrawal.Status.FAILED, gettext_lazy("打款失败")),
               ("all", gettext_lazy("全部"))]


def _status(request: HttpRequest) -> str:
    status = request.GET.get("status", Withdrawal.Status.REQUESTED)
    return status if status in {value for value, _label in STATUS_TABS} else Withdrawal.Status.REQUESTED


def _back(request: HttpRequest) -> HttpResponseRedirect:
    return redirect(safe_next(request, reverse("ledger:ops_withdrawals")))


def _withdrawal_or_404(pk: int) -> Withdrawal:
    withdrawal = Withdrawal.objects.filter(pk=pk).first()
    if withdrawal is None:
        raise Http404
    return withdrawal


def _flash(request: HttpRequest, exc: DomainError) -> None:
    # staff read the service's own message and code where the registry has no words for it
    messages.error(request, error_text(exc, default=f"{exc.message} ({exc.code})"))


@role_required(Role.PLATFORM)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    status = _status(request)
    page = Paginator(withdrawal_queue(status="" if status == "all" else status), PAGE_SIZE).get_page(
        request.GET.get("page"))
    context = {
        "page": page,
        "rows": queue_rows(list(page.object_list)),
        "status": status,
        "tabs": [(value, str(label)) for value, label in STATUS_TABS],
        "reject_form": WithdrawalRejectForm(),
        "active": "withdrawals",
    }
    return render(request, "ledger/ops_withdrawals.html", context)


@role_required(Role.PLATFORM)
@require_POST
def approve(request: UserRequest, pk: int) -> HttpResponseRedirect:
    withdrawal = _withdrawal_or_404(pk)
    try:
        done = withdrawal_approve(actor=request.user, withdrawal=withdrawal)
    except DomainError as exc:
        _flash(request, exc)
    else:
        if done.status == Withdrawal.Status.PAID:
            messages.success(request, _("已打款 %(amount)s 元。") % {"amount": fen_to_yuan(done.net_fen)})
        else:
            messages.error(request, _("打款失败，金额已退回可提现余额：%(note)s") % {"note": done.note})
    return _back(request)


@role_required(Role.PLATFORM)
@require_POST
def reject(request: UserRequest, pk: int) -> HttpResponseRedirect:
    withdrawal = _withdrawal_or_404(pk)
    form = WithdrawalRejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写驳回原因。"))
        return _back(request)
    try:
        withdrawal_reject(actor=request.user, withdrawal=withdrawal, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("已驳回，金额已退回可提现余额。"))
    return _back(request)


class _Echo:
    def write(self, value: str) -> str:
        return value


@role_required(Role.PLATFORM)
@require_GET
def queue_csv(request: HttpRequest) -> StreamingHttpResponse:
    status = _status(request)
    queryset = withdrawal_queue(status="" if status == "all" else status)
    writer = csv.writer(_Echo())
    header = [_("编号"), _("账户类型"), _("账户ID"), _("账户名称"), _("提现金额"), _("手续费"), _("实际到账"),
              _("状态"), _("申请时间"), _("审核时间"), _("转账单号"), _("备注")]

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(header)  # the BOM lets Excel read the Chinese headers
        batch: list[Withdrawal] = []
        for withdrawal in queryset.iterator(chunk_size=500):
            batch.append(withdrawal)
            if len(batch) == 500:
                yield from _csv_rows(writer, batch)
                batch = []
        yield from _csv_rows(writer, batch)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="withdrawals-{status}-{clock.now():%Y%m%d}.csv"'
    return response


def _csv_rows(writer: Writer, batch: list[Withdrawal]) -> Iterator[str]:
    labels = owner_labels(batch)
    for w in batch:
        yield writer.writerow([
            w.pk, w.owner_kind, w.owner_id, labels.get((w.owner_kind, w.owner_id), ""), fen_to_yuan(w.amount_fen),
            fen_to_yuan(w.fee_fen), fen_to_yuan(w.net_fen), w.status, w.requested_at.isoformat(),
            w.reviewed_at.isoformat() if w.reviewed_at else "", w.transfer_id, w.note,
        ])
