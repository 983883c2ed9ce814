"""`linkmall ledger statement --owner supplier:ID --from 2026-01-01 --to 2026-01-31 [--xlsx FILE]`
and `linkmall ledger verify` (exit status 1 when balances and entries disagree)."""

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linkmall.core.errors import DomainError
from linkmall.ledger.selectors import ledger_verify
from linkmall.ledger.statements import STATEMENT_OWNER_KINDS, statement_build, statement_text, statement_xlsx


def _owner(value: str) -> tuple[str, int]:
    kind, _, owner_id = value.partition(":")
    if kind not in STATEMENT_OWNER_KINDS or not owner_id.isdigit():
        raise CommandError(f"--owner must look like supplier:12 (kinds: {', '.join(STATEMENT_OWNER_KINDS)})")
    return kind, int(owner_id)


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} must be a date like 2026-01-31, not {value!r}") from None


class Command(BaseCommand):
    help = "Ledger statements and the balance audit."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        statement = sub.add_parser("statement", help="an owner's statement over a date range")
        statement.add_argument("--owner", required=True, help="supplier:ID, merchant:ID, promoter:ID or platform:0")
        statement.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
        statement.add_argument("--to", dest="date_to", required=True, help="last day (included), YYYY-MM-DD")
        statement.add_argument("--xlsx", help="write the statement to this Excel file")
        sub.add_parser("verify", help="check every balance against its entries and every posting sums to zero")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "verify":
            self._verify()
        else:
            self._statement(options)

    def _statement(self, options: dict[str, Any]) -> None:
        owner_kind, owner_id = _owner(options["owner"])
        try:
            statement = statement_build(
                owner_kind=owner_kind, owner_id=owner_id,
                date_from=_day(options["date_from"], "--from"), date_to=_day(options["date_to"], "--to"),
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(statement_text(statement))
        if options.get("xlsx"):
            path = Path(options["xlsx"])
            path.write_bytes(statement_xlsx(statement))
            self.stdout.write(f"wrote {path}")

    def _verify(self) -> None:
        report = ledger_verify()
        self.stdout.write(
            f"{report.accounts_checked} accounts, {report.postings_checked} postings, "
            f"total balance {report.total_balance_fen} fen"
        )
        for m in report.mismatched_accounts:
            self.stdout.write(f"  account {m.code}: balance {m.balance_fen} ≠ entries {m.entries_sum_fen}")
        for p in report.unbalanced_postings:
            self.stdout.write(f"  posting {p.key}: {p.entry_count} entries sum to {p.entries_sum_fen}")
        if not report.ok:
            raise CommandError("the ledger does not balance")
        self.stdout.write("ok")
