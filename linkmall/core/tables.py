"""One table, two downloads: an Excel workbook (.xlsx) and a CSV file that Excel opens.

A console report builds a `Table` once (its title lines, header and rows) and hands it to
`xlsx_bytes` or `csv_bytes`, so both files always hold the same numbers. Money cells are exact yuan
`Decimal`s (never floats): Excel shows them with a 0.00 format, the CSV writes "5.00"; a rate is a
`Percent` (a fraction): Excel gets the number with a 0.00% format, the CSV writes "33.33%". A CSV cell
starting with = + - @ would be a formula to a spreadsheet program and is written quoted with a
leading apostrophe.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse

from linkmall.core.errors import InvalidInput
from linkmall.core.money import fen_to_yuan

MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.00%"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def yuan(fen: int) -> Decimal:
    """Fen as an exact yuan Decimal for a money cell: 1234 → Decimal("12.34")."""
    return Decimal(fen_to_yuan(fen))


@dataclass(frozen=True)
class Percent:
    """A rate cell: `fraction` 0.3333 is 33.33 %."""

    fraction: Decimal

    def __str__(self) -> str:
        return f"{(self.fraction * 100).quantize(Decimal('0.01'))}%"


@dataclass(frozen=True)
class Table:
    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[object]]
    #: lines above the header, e.g. what the table is about and its period
    preamble: Sequence[Sequence[object]] = ()
    #: column widths in characters, from the first column
    widths: Sequence[int] = ()


def xlsx_bytes(tables: Sequence[Table]) -> bytes:
    """The tables as one workbook, a sheet each: bold header, money cells with a 0.00 format, rates
    (`Percent`) as numbers with a 0.00% format."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.title[:31])  # Excel's limit on a sheet name
        for line in table.preamble:
            sheet.append(list(line))
        if table.preamble:
            sheet.append([])
        sheet.append(list(table.header))
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for row in table.rows:
            sheet.append([v.fraction if isinstance(v, Percent) else v for v in row])
            for cell, value in zip(sheet[sheet.max_row], row, strict=False):
                if isinstance(value, Percent):
                    cell.number_format = PERCENT_FORMAT
                elif isinstance(cell.value, Decimal):
                    cell.number_format = MONEY_FORMAT
        for index, width in enumerate(table.widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def safe_cell(value: object) -> str:
    """A CSV cell: "" for None, money as "5.00", a rate as "33.33%", and a would-be formula neutralised."""
    if isinstance(value, Percent):
        return str(value)
    text = "" if value is None else format(value, "f") if isinstance(value, Decimal) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(text) else text


def _number(text: str) -> bool:
    """A negative amount such as -5.00 is a number, not a formula."""
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def csv_bytes(table: Table) -> bytes:
    """The table as UTF-8 CSV with the byte-order mark Excel needs for Chinese headers."""
    out = io.StringIO()
    writer = csv.writer(out)
    for line in table.preamble:
        writer.writerow([safe_cell(v) for v in line])
    if table.preamble:
        writer.writerow([])
    writer.writerow([safe_cell(v) for v in table.header])
    for row in table.rows:
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


#: the download formats a table comes in, by the name pages and the API take
DOWNLOAD_FORMATS = ("xlsx", "csv")


def table_download(table: Table, *, fmt: str, filename: str) -> HttpResponse:
    """The table as an attachment: an Excel workbook (`xlsx`) or a CSV file (`csv`), named
    `filename` plus the extension. Any other format is `invalid_input`."""
    if fmt == "xlsx":
        response = HttpResponse(xlsx_bytes([table]), content_type=XLSX_CONTENT_TYPE)
    elif fmt == "csv":
        response = HttpResponse(csv_bytes(table), content_type=CSV_CONTENT_TYPE)
    else:
        raise InvalidInput("format must be json, xlsx or csv.", detail={"field": "format"})
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
