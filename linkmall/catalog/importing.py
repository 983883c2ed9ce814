"""Reading catalog import files (CSV or Excel) into plain rows. No database access here.

Headers may be English or Chinese (商品名称, 分类, 规格, SKU编码, 成本价, 建议零售价, 库存 …).
Each row keeps its line number in the file (the header is line 1) so errors can point at it.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from linkmall.core.csvfiles import UTF8_OR_GBK, cell_text, decode
from linkmall.core.money import yuan_to_fen

MAX_ROWS = 10_000
SPEC_SEPARATORS = re.compile(r"\s*[/／|｜;；,，]\s*")

#: canonical column → accepted header spellings (compared lower-cased, without spaces and _)
COLUMNS: dict[str, tuple[str, ...]] = {
    "product_code": ("product_code", "productcode", "商品编码", "款号", "货号"),
    "name": ("name", "product_name", "productname", "商品名称", "商品名", "名称"),
    "category": ("category", "分类", "类目", "商品分类"),
    "subtitle": ("subtitle", "副标题", "卖点"),
    "description": ("description", "描述", "商品描述", "详情"),
    "spec_names": ("spec_names", "specnames", "规格名", "规格名称"),
    "spec_values": ("spec_values", "specvalues", "spec", "规格", "规格值"),
    "sku_code": ("sku_code", "skucode", "sku", "sku编码", "规格编码"),
    "cost": ("cost", "cost_price", "成本价", "成本", "供货价"),
    "suggested_price": ("suggested_price", "suggestedprice", "建议零售价", "建议售价", "零售价"),
    "stock": ("stock", "库存", "库存数量"),
}
REQUIRED = ("name", "category", "sku_code", "cost", "suggested_price", "stock")

#: the header of the downloadable template, and an example product with two SKUs
TEMPLATE_HEADER = ["商品编码", "商品名称", "分类", "副标题", "规格名", "规格", "SKU编码", "成本价", "建议零售价", "库存"]
TEMPLATE_ROWS = [
    ["P001", "纯棉T恤", "clothing", "夏季新款", "颜色/尺码", "白/M", "P001-W-M", "35.00", "79.00", "100"],
    ["P001", "纯棉T恤", "clothing", "夏季新款", "颜色/尺码", "白/L", "P001-W-L", "35.00", "79.00", "80"],
]


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong format, no header, missing columns, too many rows)."""


def _normalize_header(text: Any) -> str:
    return re.sub(r"[\s_\-]", "", str(text or "")).lower()


_LOOKUP = {_normalize_header(alias): column for column, aliases in COLUMNS.items() for alias in aliases}


@dataclass
class ImportRow:
    line: int
    raw: dict[str, Any]


@dataclass
class ParsedRow:
    """One row checked field by field. `errors` maps a column to what is wrong with it."""

    line: int
    product_key: str
    name: str = ""
    category: str = ""
    subtitle: str = ""
    description: str = ""
    spec_names: list[str] = field(default_factory=list)
    spec: dict[str, str] = field(default_factory=dict)
    sku_code: str = ""
    cost_fen: int = 0
    suggested_price_fen: int = 0
    stock: int = 0
    errors: dict[str, str] = field(default_factory=dict)


def template_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_HEADER)
    writer.writerows(TEMPLATE_ROWS)
    # UTF-8 with BOM so Excel on Windows opens the Chinese headers correctly
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _map_header(header: list[Any]) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for index, title in enumerate(header):
        column = _LOOKUP.get(_normalize_header(title))
        if column and column not in mapping.values():
            mapping[index] = column
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if missing:
        raise ImportFileError(f"缺少列: {', '.join(missing)}")
    return mapping


def _rows_from_table(table: list[list[Any]]) -> list[ImportRow]:
    if not table:
        raise ImportFileError("文件是空的")
    mapping = _map_header(table[0])
    rows = []
    for line, values in enumerate(table[1:], start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        rows.append(ImportRow(line=line, raw={column: values[i] if i < len(values) else None
                                              for i, column in mapping.items()}))
        if len(rows) > MAX_ROWS:
            raise ImportFileError(f"一次最多导入 {MAX_ROWS} 行")
    return rows


def _decode(data: bytes) -> str:
    try:
        return decode(data, encodings=UTF8_OR_GBK)
    except UnicodeDecodeError:
        raise ImportFileError("无法识别文件编码，请保存为 UTF-8 CSV") from None


def read_rows(file: IO[bytes], filename: str) -> list[ImportRow]:
    """Rows of a .csv or .xlsx file, with their line numbers. Raises ImportFileError."""
    name = filename.lower()
    if name.endswith(".csv"):
        text = _decode(file.read())
        try:
            table = list(csv.reader(io.StringIO(text)))
        except csv.Error as exc:
            raise ImportFileError(f"CSV 格式错误: {exc}") from None
        return _rows_from_table(table)
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(file, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds (zipfile, KeyError, XML errors) for broken files
            raise ImportFileError(f"无法读取 Excel 文件: {type(exc).__name__}") from None
        try:
            sheet = workbook.worksheets[0]
            table = []
            for values in sheet.iter_rows(values_only=True):
                table.append(list(values))
                if len(table) > MAX_ROWS + 1:
                    raise ImportFileError(f"一次最多导入 {MAX_ROWS} 行")
        finally:
            workbook.close()
        return _rows_from_table(table)
    raise ImportFileError("只支持 .csv 和 .xlsx 文件")


def _fen(value: Any) -> int:
    if isinstance(value, float):
        value = repr(value)  # Excel numbers arrive as floats; their shortest repr is the typed amount
    return yuan_to_fen(cell_text(value).replace("¥", "").replace("￥", ""))


def _whole(value: Any) -> int:
    text = cell_text(value)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError
    return int(number)


def parse_row(row: ImportRow) -> ParsedRow:
    raw = row.raw
    parsed = ParsedRow(line=row.line, product_key="")
    errors = parsed.errors
    parsed.name = cell_text(raw.get("name"))
    if not parsed.name:
        errors["name"] = "必填"
    elif len(parsed.name) > 120:
        errors["name"] = "不能超过 120 个字符"
    parsed.product_key = cell_text(raw.get("product_code")) or parsed.name
    parsed.category = cell_text(raw.get("category"))
    if not parsed.category:
        errors["category"] = "必填"
    parsed.subtitle = cell_text(raw.get("subtitle"))
    if len(parsed.subtitle) > 200:
        errors["subtitle"] = "不能超过 200 个字符"
    parsed.description = cell_text(raw.get("description"))
    names_text, values_text = cell_text(raw.get("spec_names")), cell_text(raw.get("spec_values"))
    names = [n for n in SPEC_SEPARATORS.split(names_text) if n] if names_text else []
    values = [v for v in SPEC_SEPARATORS.split(values_text) if v] if values_text else []
    if values and all(":" in v or "：" in v for v in values) and not names:
        pairs = [re.split(r"[:：]", v, maxsplit=1) for v in values]
        names, values = [p[0].strip() for p in pairs], [p[1].strip() for p in pairs]
    if len(names) != len(values):
        errors["spec_values"] = f"规格值的个数（{len(values)}）与规格名的个数（{len(names)}）不一致"
    elif len(set(names)) != len(names):
        errors["spec_names"] = "规格名重复"
    else:
        parsed.spec_names, parsed.spec = names, dict(zip(names, values, strict=True))
    parsed.sku_code = cell_text(raw.get("sku_code"))
    if not parsed.sku_code:
        errors["sku_code"] = "必填"
    elif len(parsed.sku_code) > 64:
        errors["sku_code"] = "不能超过 64 个字符"
    for column, attr, minimum in (("cost", "cost_fen", 0), ("suggested_price", "suggested_price_fen", 1)):
        try:
            fen = _fen(raw.get(column))
        except Exception:
            errors[column] = "不是有效的金额（元，最多两位小数）"
            continue
        if fen < minimum:
            errors[column] = "不能小于 0" if minimum == 0 else "必须大于 0"
        setattr(parsed, attr, fen)
    try:
        parsed.stock = _whole(raw.get("stock"))
        if parsed.stock < 0:
            errors["stock"] = "不能小于 0"
    except ValueError:
        errors["stock"] = "必须是整数"
    return parsed
