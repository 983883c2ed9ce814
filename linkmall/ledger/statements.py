"""Statements (对账单): an owner's buckets over a date range, with opening and closing balances.

Dates are calendar days in the business time zone (settings.TIME_ZONE) and both ends are
included. Opening = sum of the account's entries before the first day; closing = opening + the
lines in range. `statement_xlsx` renders a statement as an Excel workbook.
"""

import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_owner, require_role, require_tenant
from linkmall.core.errors import InvalidInput
from linkmall.core.money import fen_to_yuan
from linkmall.ledger.models import Bucket, Entry, LedgerAccount, OwnerKind

#: owner kinds that get statements; their staff may read only their own
STATEMENT_OWNER_KINDS = (OwnerKind.SUPPLIER, OwnerKind.MERCHANT, OwnerKind.PROMOTER, OwnerKind.PLATFORM)
MAX_STATEMENT_DAYS = 366


@dataclass(frozen=True)
class StatementLine:
    at: datetime
    posting_key: str
    kind: str
    memo: str
    reference: str
    amount_fen: int
    balance_after_fen: int


@dataclass
class BucketStatement:
    bucket: str
    account_code: str
    opening_fen: int
    credits_fen: int = 0
    debits_fen: int = 0
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def closing_fen(self) -> int:
        return self.opening_fen + self.credits_fen + self.debits_fen


@dataclass
class Statement:
    owner_kind: str
    owner_id: int
    date_from: date
    date_to: date
    buckets: list[BucketStatement]
    #: a merchant's: what its guides were booked (commission and management reward, net of
    #: clawbacks) in the postings of the period that moved the merchant's money
    guide_pay_fen: int = 0


def statement_build(*, owner_kind: str, owner_id: int, date_from: date, date_to: date) -> Statement:
    """The statement of one owner (trusted callers: commands, tasks; pages use `statement_for`).

    Three queries whatever the number of lines: accounts, opening sums, lines in range (and one
    more for a merchant: its guides' pay in the period).
    """
    if owner_kind not in STATEMENT_OWNER_KINDS:
        raise InvalidInput(f"No statements for {owner_kind!r}.", detail={"field": "owner_kind"})
    start, end = day_range(date_from, date_to)
    accounts = list(LedgerAccount.objects.filter(owner_kind=owner_kind, owner_id=owner_id))
    order = {b: i for i, b in enumerate(Bucket.values)}
    accounts.sort(key=lambda a: order[a.bucket])
    openings = dict(
        Entry.objects.filter(account__in=accounts, created_at__lt=start)
        .values("account_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("account_id", "total")
    )
    sections = {a.pk: BucketStatement(a.bucket, a.code, openings.get(a.pk) or 0) for a in accounts}
    running = {pk: s.opening_fen for pk, s in sections.items()}
    entries = (
        Entry.objects.filter(account__in=accounts, created_at__gte=start, created_at__lt=end)
        .select_related("posting")
        .order_by("created_at", "id")
    )
    for entry in entries:
        section = sections[entry.account_id]
        running[entry.account_id] += entry.amount_fen
        if entry.amount_fen > 0:
            section.credits_fen += entry.amount_fen
        else:
            section.debits_fen += entry.amount_fen
        section.lines.append(
            StatementLine(
                at=entry.created_at, posting_key=entry.posting.key, kind=entry.posting.kind,
                memo=entry.posting.memo, reference=entry.posting.reference, amount_fen=entry.amount_fen,
                balance_after_fen=running[entry.account_id],
            )
        )
    guide_pay = 0
    if owner_kind == OwnerKind.MERCHANT and accounts:
        postings = Entry.objects.filter(account__in=accounts, created_at__gte=start, created_at__lt=end).values("posting_id")
        guide_pay = (Entry.objects.filter(account__owner_kind=OwnerKind.GUIDE, posting_id__in=postings)
                     .aggregate(total=Sum("amount_fen"))["total"] or 0)
    return Statement(owner_kind, owner_id, date_from, date_to, [sections[a.pk] for a in accounts], guide_pay)


def statement_for(*, actor: User, owner_kind: str, owner_id: int, date_from: date, date_to: date) -> Statement:
    """A statement for a signed-in user: staff see only their own tenant's, promoters only their own.

    Another tenant's statement answers NotFound, like every other tenant's object.
    """
    if owner_kind == OwnerKind.SUPPLIER:
        require_role(actor, Role.SUPPLIER_STAFF, Role.PLATFORM)
        require_tenant(actor, owner_id, what="statement")
    elif owner_kind == OwnerKind.MERCHANT:
        require_role(actor, Role.MERCHANT_OWNER, Role.PLATFORM)
        require_tenant(actor, owner_id, what="statement")
    elif owner_kind == OwnerKind.PROMOTER:
        require_owner(actor, owner_id, what="statement")
    else:
        require_role(actor, Role.PLATFORM)
    return statement_build(owner_kind=owner_kind, owner_id=owner_id, date_from=date_from, date_to=date_to)


def statement_xlsx(statement: Statement) -> bytes:
    """The statement as an .xlsx workbook: a summary sheet and one sheet of lines per bucket.

    Amounts are written as exact yuan decimals (never floats) with a 0.00 format.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    money_format = "#,##0.00"
    book = Workbook()
    summary = book.active
    summary.title = _("汇总")
    summary.append([_("对账单"), f"{statement.owner_kind}:{statement.owner_id}"])
    summary.append([_("期间"), statement.date_from.isoformat(), statement.date_to.isoformat()])
    summary.append([])
    summary.append([_("账户"), _("期初余额"), _("收入"), _("支出"), _("期末余额"), _("笔数")])
    for cell in summary[summary.max_row]:
        cell.font = bold
    for section in statement.buckets:
        summary.append([
            str(Bucket(section.bucket).label), _yuan(section.opening_fen), _yuan(section.credits_fen),
            _yuan(section.debits_fen), _yuan(section.closing_fen), len(section.lines),
        ])
        for cell in summary[summary.max_row][1:5]:
            cell.number_format = money_format
    if statement.owner_kind == OwnerKind.MERCHANT:
        summary.append([])
        summary.append([_("其中导购佣金（提成与管理奖励）"), _yuan(statement.guide_pay_fen)])
        summary[summary.max_row][1].number_format = money_format
    for section in statement.buckets:
        sheet = book.create_sheet(str(Bucket(section.bucket).label))
        sheet.append([_("时间"), _("类型"), _("业务单号"), _("摘要"), _("金额"), _("余额"), _("凭证")])
        for cell in sheet[1]:
            cell.font = bold
        sheet.append(["", _("期初余额"), "", "", None, _yuan(section.opening_fen), ""])
        for line in section.lines:
            sheet.append([
                timezone.localtime(line.at).strftime("%Y-%m-%d %H:%M:%S"), line.kind, line.reference, line.memo,
                _yuan(line.amount_fen), _yuan(line.balance_after_fen), line.posting_key,
            ])
        sheet.append(["", _("期末余额"), "", "", None, _yuan(section.closing_fen), ""])
        for row in sheet.iter_rows(min_row=2, min_col=5, max_col=6):
            for cell in row:
                cell.number_format = money_format
        for column, width in zip("ABCDEFG", (20, 14, 18, 30, 14, 14, 36), strict=True):
            sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def statement_text(statement: Statement) -> str:
    """A plain-text summary (for the command line)."""
    out = [f"{statement.owner_kind}:{statement.owner_id} {statement.date_from} … {statement.date_to}"]
    for s in statement.buckets:
        out.append(
            f"  {s.bucket:<10} opening {fen_to_yuan(s.opening_fen):>12}  in {fen_to_yuan(s.credits_fen):>12}"
            f"  out {fen_to_yuan(s.debits_fen):>12}  closing {fen_to_yuan(s.closing_fen):>12}  lines {len(s.lines)}"
        )
    return "\n".join(out)


def _yuan(fen: int) -> Decimal:
    return Decimal(fen_to_yuan(fen))


def day_range(date_from: date, date_to: date, *, what: str = "A statement") -> tuple[datetime, datetime]:
    """Calendar days `date_from`–`date_to` (both included, business time zone) as [start, end).
    Refuses a backwards range or one longer than MAX_STATEMENT_DAYS; `what` names the refused thing."""
    if not isinstance(date_from, date) or not isinstance(date_to, date):
        raise InvalidInput("date_from and date_to must be dates.", detail={"field": "date_from"})
    if date_to < date_from:
        raise InvalidInput("date_to is before date_from.", detail={"field": "date_to"})
    if (date_to - date_from).days >= MAX_STATEMENT_DAYS:
        raise InvalidInput(f"{what} covers at most {MAX_STATEMENT_DAYS} days.", detail={"field": "date_to"})
    zone = timezone.get_default_timezone()
    start = datetime.combine(date_from, time.min, tzinfo=zone)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)
    return start, end
