"""Statements (对账单) in the supplier and merchant consoles, with Excel export and withdrawals.

Staff see their own tenant's statement only: the tenant comes from the signed-in user, never
from the URL, and `statement_for` checks it again.
"""

import uuid
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from linkmall.accounts.http import UserRequest
from linkmall.accounts.models import Role, User
from linkmall.accounts.pages.decorators import role_required
from linkmall.core import clock
from linkmall.core.conf import linkmall_int
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError
from linkmall.core.money import fen_to_yuan
from linkmall.ledger.models import Bucket, OwnerKind, Withdrawal
from linkmall.ledger.pages.forms import StatementRangeForm, WithdrawalRequestForm
from linkmall.ledger.selectors import balances_of
from linkmall.ledger.statements import statement_for, statement_xlsx
from linkmall.ledger.withdrawals import withdrawal_request

SIDES = {
    "supplier": {"role": Role.SUPPLIER_STAFF, "owner_kind": OwnerKind.SUPPLIER, "base": "catalog/_base.html",
                 "url": "ledger:supplier_statement"},
    "merchant": {"role": Role.MERCHANT_OWNER, "owner_kind": OwnerKind.MERCHANT, "base": "stores/_base.html",
                 "url": "ledger:merchant_statement"},
}
RECENT_WITHDRAWALS = 10


def _tenant_id(user: User) -> int:
    """The staff member's tenant (the database makes every supplier and merchant user have one)."""
    if user.tenant_id is None:
        raise PermissionDenied
    return user.tenant_id


def _statement(request: UserRequest, side: str) -> HttpResponse:
    conf = SIDES[side]
    form = StatementRangeForm(request.GET or None)
    date_from, date_to = form.range()
    owner_id = _tenant_id(request.user)
    try:
        statement = statement_for(actor=request.user, owner_kind=conf["owner_kind"], owner_id=owner_id,
                                  date_from=date_from, date_to=date_to)
    except DomainError as exc:
        # a range the ledger refuses (backwards, longer than a year): say so and show the default
        messages.error(request, exc.message)
        date_to = clock.today()
        date_from = date_to - timedelta(days=29)
        statement = statement_for(actor=request.user, owner_kind=conf["owner_kind"], owner_id=owner_id,
                                  date_from=date_from, date_to=date_to)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            statement_xlsx(statement),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        name = f"statement-{side}-{owner_id}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    balances = balances_of(owner_kind=conf["owner_kind"], owner_id=owner_id)
    context = {
        "side": side,
        "base_template": conf["base"],
        "nav": "statement",
        "statement": statement,
        "date_from": date_from,
        "date_to": date_to,
        "form": form,
        "available_fen": balances.get(Bucket.AVAILABLE, 0),
        "withdraw_form": WithdrawalRequestForm(initial={"key": uuid.uuid4().hex}),
        "withdrawals": list(Withdrawal.objects.filter(owner_kind=conf["owner_kind"], owner_id=owner_id)
                            .order_by("-requested_at", "-pk")[:RECENT_WITHDRAWALS]),
        "statement_url": conf["url"],
        "withdraw_url": f"{conf['url']}_withdraw",
    }
    return render(request, "ledger/statement.html", context)


def _withdraw(request: UserRequest, side: str) -> HttpResponseRedirect:
    conf = SIDES[side]
    form = WithdrawalRequestForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            # ErrorList[i] is the message text; the stubs allow a ValidationError too
            messages.error(request, str(errors[0]))
        return redirect(conf["url"])
    try:
        owner_id = _tenant_id(request.user)
        withdrawal = withdrawal_request(actor=request.user, owner_kind=conf["owner_kind"], owner_id=owner_id,
                                        amount_fen=form.cleaned_data["amount"],
                                        key=f"{side}:{owner_id}:{form.cleaned_data['key']}")
    except DomainError as exc:
        messages.error(request, error_text(exc, minimum=fen_to_yuan(linkmall_int("WITHDRAWAL_MIN_FEN"))))
    else:
        messages.success(request, _("提现申请已提交：%(amount)s 元，手续费 %(fee)s 元，等待平台审核。") % {
            "amount": fen_to_yuan(withdrawal.amount_fen), "fee": fen_to_yuan(withdrawal.fee_fen)})
    return redirect(conf["url"])


@role_required(Role.SUPPLIER_STAFF)
@require_GET
def supplier_statement(request: UserRequest) -> HttpResponse:
    return _statement(request, "supplier")


@role_required(Role.MERCHANT_OWNER)
@require_GET
def merchant_statement(request: UserRequest) -> HttpResponse:
    return _statement(request, "merchant")


@role_required(Role.SUPPLIER_STAFF)
@require_POST
def supplier_withdraw(request: UserRequest) -> HttpResponseRedirect:
    return _withdraw(request, "supplier")


@role_required(Role.MERCHANT_OWNER)
@require_POST
def merchant_withdraw(request: UserRequest) -> HttpResponseRedirect:
    return _withdraw(request, "merchant")
