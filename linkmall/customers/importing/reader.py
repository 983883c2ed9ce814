"""Reading a customer/order history file (.csv or .xlsx) into checked rows. No database here.

One row per order: phone, name, birthday (optional), order_id, date, amount. A row with only the
customer columns makes a customer without a purchase. Headers may be English or Chinese. Each
row keeps its line number (the header is line 1), so errors point at the spreadsheet line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from linkmall.accounts.services import phone_normalize
from linkmall.core.csvfiles import UTF8_OR_GBK, cell_text, decode
from linkmall.core.errors import DomainError

MAX_AMOUNT_FEN = 10_000_000_00  # ¥10,000,000: beyond this a row is a typo, not a sale

#: canonical column -> accepted headers (lower-cased, without spaces, _ or -)
COLUMNS = {
    "phone": ("phone", "mobile", "手机号", "手机", "电话", "手机号码"),
    "name": ("name", "姓名", "客户姓名", "客户", "名字"),
    "birthday": ("birthday", "生日", "出生日期"),
    "order_id": ("orderid", "order", "订单号", "单号", "订单编号"),
    "date": ("date", "orderdate", "日期", "下单日期", "购买日期", "消费日期"),
    "amount": ("amount", "total", "金额", "实付金额", "消费金额", "订单金额"),
}
ORDER_COLUMNS = ("order_id", "date", "amount")
_LOOKUP = {re.sub(r"[\s_\-]", "", alias).lower(): column for column, aliases in COLUMNS.items() for alias in aliases}


class ImportFileError(Exception):
    """The file as a whole cannot be read: wrong type, no header, no phone column."""


@dataclass
class Row:
    line: int
    phone: str = ""
    name: str = ""
    birthday: date | None = None
    order_id: str = ""
    day: date | None = None
    amount_fen: int | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, message)

    @property
    def has_order(self) -> bool:
        return bool(self.order_id)


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _fen(value: Any) -> int:
    text = repr(value) if isinstance(value, float) else cell_text(value).replace(",", "").lstrip("¥￥")
    amount = Decimal(text)
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidOperation
    return int(amount * 100)


def parse(line: int, raw: dict[str, Any], *, today: date) -> Row:
    row = Row(line=line, name=cell_text(raw.get("name"))[:64], order_id=cell_text(raw.get("order_id")))
    try:
        row.phone = phone_normalize(cell_text(raw.get("phone")))
    except DomainError:
        row.errors.append(("phone", "手机号不是有效的中国大陆手机号"))
    if cell_text(raw.get("birthday")):
        try:
            row.birthday = _date(raw["birthday"])
            if not date(1900, 1, 1) <= row.birthday <= today:
                raise ValueError
        except ValueError:
            row.errors.append(("birthday", "生日不是有效日期（如 1990-05-20）"))
    filled = [c for c in ORDER_COLUMNS if cell_text(raw.get(c))]
    if filled and len(filled) < len(ORDER_COLUMNS):
        for column in ORDER_COLUMNS:
            if column not in filled:
                row.errors.append((column, "订单行需要同时填写订单号、日期和金额"))
        return row
    if not filled:
        return row
    if len(row.order_id) > 64:
        row.errors.append(("order_id", "订单号最长 64 个字符"))
    try:
        row.day = _date(raw["date"])
        if row.day > today:
            row.errors.append(("date", "日期不能晚于今天"))
    except ValueError:
        row.errors.append(("date", "日期不是有效日期（如 2025-03-01）"))
    try:
        row.amount_fen = _fen(raw["amount"])
        if not 0 <= row.amount_fen <= MAX_AMOUNT_FEN:
            row.errors.append(("amount", "金额必须在 0 到 1000 万元之间"))
    except (InvalidOperation, ValueError):
        row.errors.append(("amount", "金额不是有效数字（如 199.00）"))
    return row


def _decode(data: bytes) -> str:
    try:
        return decode(data, encodings=UTF8_OR_GBK)
    except UnicodeDecodeError:
        raise ImportFileError("文件编码无法识别，请另存为 UTF-8 的 CSV") from None


def _table(path: Path) -> Iterator[list[Any]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from csv.reader(io.StringIO(_decode(path.read_bytes())))
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # broken zip, XML or missing parts: openpyxl raises many kinds
            raise ImportFileError(f"无法读取 Excel 文件: {type(exc).__name__}") from None
        try:
            for values in workbook.worksheets[0].iter_rows(values_only=True):
                yield list(values)
        finally:
            workbook.close()
    else:
        raise ImportFileError("只支持 .csv 和 .xlsx 文件")


def read(path: Path, *, today: date) -> tuple[int, Iterator[Row]]:
    """(number of data lines, rows) of the file. Raises ImportFileError for an unreadable file."""
    table = [r for r in _table(path)]
    if not table:
        raise ImportFileError("文件是空的")
    columns = {i: _LOOKUP.get(re.sub(r"[\s_\-]", "", cell_text(h)).lower()) for i, h in enumerate(table[0])}
    if "phone" not in columns.values():
        raise ImportFileError("缺少手机号（phone）列")

    def rows() -> Iterator[Row]:
        for offset, values in enumerate(table[1:], start=2):
            if not any(cell_text(v) for v in values):
                continue
            raw = {name: v for i, v in enumerate(values) if (name := columns.get(i))}
            yield parse(offset, raw, today=today)

    return len(table) - 1, rows()
