"""The ledger API (/api/v1/ledger): statements (JSON or Excel) and withdrawals of suppliers and
merchants. Tenancy is the services' job: another tenant's statement answers 404."""

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.core import clock
from linkmall.core.errors import InvalidInput
from linkmall.core.money import fen_to_yuan, yuan_to_fen
from linkmall.ledger.models import OwnerKind, Withdrawal
from linkmall.ledger.schemas import StatementOut, WithdrawalIn, WithdrawalOut
from linkmall.ledger.statements import Statement, statement_for, statement_xlsx
from linkmall.ledger.withdrawals import withdrawal_request

router = Router(tags=["ledger"], auth=api_auth)

STATEMENT_OWNERS = {"supplier": OwnerKind.SUPPLIER, "merchant": OwnerKind.MERCHANT,
                    "promoter": OwnerKind.PROMOTER, "platform": OwnerKind.PLATFORM}
WITHDRAWAL_OWNERS = {"supplier": OwnerKind.SUPPLIER, "merchant": OwnerKind.MERCHANT}


def _owner(text: str, allowed: Mapping[str, str]) -> tuple[str, int]:
    """"supplier:12" → ("supplier", 12); anything else is invalid input."""
    kind, _sep, raw_id = (text or "").partition(":")
    if kind not in allowed or not raw_id.isdigit() or len(raw_id) > 18:
        raise InvalidInput(f"owner must look like {'|'.join(allowed)}:ID.", detail={"field": "owner"})
    return allowed[kind], int(raw_id)


def _statement_out(statement: Statement) -> dict[str, Any]:
    return {
        "owner": f"{statement.owner_kind}:{statement.owner_id}",
        "date_from": statement.date_from,
        "date_to": statement.date_to,
        "buckets": [
            {
                "bucket": s.bucket, "opening_fen": s.opening_fen, "opening": fen_to_yuan(s.opening_fen),
                "credits_fen": s.credits_fen, "debits_fen": s.debits_fen, "closing_fen": s.closing_fen,
                "closing": fen_to_yuan(s.closing_fen),
                "lines": [
                    {"at": ln.at, "kind": ln.kind, "reference": ln.reference, "memo": ln.memo,
                     "amount_fen": ln.amount_fen, "amount": fen_to_yuan(ln.amount_fen),
                     "balance_after_fen": ln.balance_after_fen}
                    for ln in s.lines
                ],
            }
            for s in statement.buckets
        ],
    }


@router.get("/statement", response=StatementOut)
def statement(request: ApiRequest, owner: str, date_from: date | None = None, date_to: date | None = None,
              format: str = "json") -> HttpResponse | dict[str, Any]:
    """An owner's statement over calendar days (both ends included; default: the last 30 days).
    Query names `from` and `to` are accepted too. `format=xlsx` answers the Excel workbook."""
    if format not in ("json", "xlsx"):
        raise InvalidInput("format must be json or xlsx.", detail={"field": "format"})
    date_from = date_from or _date_param(request, "from")
    date_to = date_to or _date_param(request, "to") or clock.today()
    date_from = date_from or date_to - timedelta(days=29)
    owner_kind, owner_id = _owner(owner, STATEMENT_OWNERS)
    result = statement_for(actor=request.auth, owner_kind=owner_kind, owner_id=owner_id, date_from=date_from,
                           date_to=date_to)
    if format == "xlsx":
        response = HttpResponse(statement_xlsx(result),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = (
            f'attachment; filename="statement-{owner_kind}-{owner_id}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.xlsx"')
        return response
    return _statement_out(result)


def _date_param(request: HttpRequest, name: str) -> date | None:
    raw = request.GET.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a date like 2026-01-31.", detail={"field": name}) from None


@router.post("/withdrawals", response={201: WithdrawalOut})
def withdrawal_create(request: ApiRequest, payload: WithdrawalIn) -> Status[dict[str, Any]]:
    owner_kind, owner_id = _owner(payload.owner, WITHDRAWAL_OWNERS)
    withdrawal = withdrawal_request(actor=request.auth, owner_kind=owner_kind, owner_id=owner_id,
                                    amount_fen=yuan_to_fen(payload.amount), key=f"api:{owner_kind}:{owner_id}:{payload.key}")
    return Status(201, _withdrawal_out(withdrawal))


def _withdrawal_out(w: Withdrawal) -> dict[str, Any]:
    return {"id": w.pk, "owner": f"{w.owner_kind}:{w.owner_id}", "amount_fen": w.amount_fen,
            "amount": fen_to_yuan(w.amount_fen), "fee_fen": w.fee_fen, "fee": fen_to_yuan(w.fee_fen),
            "status": w.status, "requested_at": w.requested_at}
