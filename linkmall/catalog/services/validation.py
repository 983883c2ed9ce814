"""Field checks shared by the product services and the CSV/Excel import.

They return errors keyed by field name instead of raising at the first one, so a form or an
import report can name every problem of a row at once.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from linkmall.core.errors import InvalidInput

MAX_STOCK = 10_000_000
MAX_PRICE_FEN = 100_000_000_00  # one hundred million yuan


class SkuInput(TypedDict, total=False):
    code: str
    spec: dict[str, str]
    cost_fen: int
    suggested_price_fen: int
    stock: int


@dataclass
class CleanSku:
    code: str
    spec: dict[str, str]
    cost_fen: int
    suggested_price_fen: int
    stock: int


def clean_text(value: Any, *, max_length: int, required: bool = True) -> tuple[str, str | None]:
    text = "" if value is None else str(value).strip()
    if required and not text:
        return text, "必填"
    if len(text) > max_length:
        return text, f"不能超过 {max_length} 个字符"
    return text, None


def clean_int(value: Any, *, minimum: int, maximum: int) -> tuple[int, str | None]:
    if isinstance(value, bool) or not isinstance(value, int):
        return 0, "必须是整数"
    if value < minimum:
        return value, f"不能小于 {minimum}"
    if value > maximum:
        return value, f"不能大于 {maximum}"
    return value, None


def clean_spec_names(spec_names: Any) -> tuple[list[str], str | None]:
    if isinstance(spec_names, str) or not isinstance(spec_names, list | tuple):
        return [], "规格名必须是列表"
    names = [str(n).strip() for n in spec_names]
    if any(not n or len(n) > 20 for n in names):
        return names, "规格名不能为空，且不超过 20 个字符"
    if len(set(names)) != len(names):
        return names, "规格名重复"
    if len(names) > 5:
        return names, "最多 5 个规格名"
    return names, None


def clean_sku(raw: Any, *, spec_names: list[str]) -> tuple[CleanSku | None, dict[str, str]]:
    """Check one SKU input. Returns the clean SKU, or None and the errors by field."""
    if not isinstance(raw, dict):
        return None, {"sku": "SKU 格式不正确"}
    errors: dict[str, str] = {}
    code, err = clean_text(raw.get("code"), max_length=64)
    if err:
        errors["code"] = err
    spec = raw.get("spec") or {}
    if not isinstance(spec, dict):
        errors["spec"] = "规格必须是 名称→取值 的映射"
        spec = {}
    else:
        spec = {str(k).strip(): str(v).strip() for k, v in spec.items()}
        if set(spec) != set(spec_names):
            errors["spec"] = f"规格必须正好包含: {'、'.join(spec_names) or '（无规格）'}"
        elif any(not v or len(v) > 50 for v in spec.values()):
            errors["spec"] = "规格值不能为空，且不超过 50 个字符"
        spec = {name: spec[name] for name in spec_names if name in spec}
    cost, err = clean_int(raw.get("cost_fen"), minimum=0, maximum=MAX_PRICE_FEN)
    if err:
        errors["cost_fen"] = err
    price, err = clean_int(raw.get("suggested_price_fen"), minimum=1, maximum=MAX_PRICE_FEN)
    if err:
        errors["suggested_price_fen"] = err
    stock, err = clean_int(raw.get("stock", 0), minimum=0, maximum=MAX_STOCK)
    if err:
        errors["stock"] = err
    if errors:
        return None, errors
    return CleanSku(code=code, spec=spec, cost_fen=cost, suggested_price_fen=price, stock=stock), {}


def spec_key(spec: dict[str, str], spec_names: list[str]) -> tuple[str, ...]:
    return tuple(spec.get(n, "") for n in spec_names)


def clean_skus(skus: Any, *, spec_names: list[str], existing: Sequence[CleanSku] = ()) -> list[CleanSku]:
    """Check a product's SKUs together: each one, then codes and specs unique among them.

    Raises InvalidInput naming every bad field as "skus[i].field".
    """
    if not isinstance(skus, list | tuple) or not skus:
        raise InvalidInput("A product needs at least one SKU.", detail={"fields": {"skus": "至少需要一个 SKU"}})
    errors: dict[str, str] = {}
    clean: list[CleanSku] = []
    codes = {s.code for s in existing}
    specs = {spec_key(s.spec, spec_names) for s in existing}
    for i, raw in enumerate(skus):
        sku, sku_errors = clean_sku(raw, spec_names=spec_names)
        errors.update({f"skus[{i}].{f}": msg for f, msg in sku_errors.items()})
        if sku is None:
            continue
        if sku.code in codes:
            errors[f"skus[{i}].code"] = "SKU 编码重复"
        key = spec_key(sku.spec, spec_names)
        if key in specs:
            errors[f"skus[{i}].spec"] = "同一商品内规格重复"
        codes.add(sku.code)
        specs.add(key)
        clean.append(sku)
    if errors:
        raise InvalidInput("Some SKUs are not valid.", detail={"fields": errors})
    return clean
