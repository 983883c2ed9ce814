"""The error code registry holds every code the source raises, once, with the status it answers with,
and each of its texts reads in English too."""

import ast
import importlib
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from linkmall.core import error_codes
from linkmall.core.api import HTTP_ERROR_CODES
from linkmall.core.error_codes import _CODES, ERROR_CODES, ErrorCode, _index, code_text, error_text
from linkmall.core.errors import Conflict, DomainError, InvalidInput, RateLimited
from linkmall.web.i18n import parse_po

LINKMALL = Path(__file__).resolve().parents[2]
EN_CATALOGS = [Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po",
               LINKMALL / "cards" / "locale" / "en" / "LC_MESSAGES" / "django.po"]


def _sources():
    for path in sorted(LINKMALL.rglob("*.py")):
        parts = path.relative_to(LINKMALL).parts
        if "tests" not in parts and "migrations" not in parts:
            yield path, ".".join(("linkmall", *parts)).removesuffix(".py").removesuffix(".__init__")


def _error_class(module: str, name: str, imported: dict[str, str]):
    """The DomainError subclass `name` means in `module`, or None."""
    source = imported.get(name, module)
    if not source.startswith("linkmall."):
        return None
    candidate = getattr(importlib.import_module(source), name, None)
    return candidate if isinstance(candidate, type) and issubclass(candidate, DomainError) else None


def raised_codes() -> dict[str, set[tuple[int | None, str]]]:
    """code → {(the status of the class that raises it, or None when a helper does; where)}."""
    found: dict[str, set[tuple[int | None, str]]] = defaultdict(set)
    for path, module in _sources():
        tree = ast.parse(path.read_text(), filename=str(path))
        imported = {alias.asname or alias.name: node.module for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.module for alias in node.names}
        for node in ast.walk(tree):
            where = f"{path.relative_to(LINKMALL)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.ClassDef):
                cls = _error_class(module, node.name, {})
                if cls is not None and "code" in cls.__dict__:
                    found[cls.code].add((cls.status, where))
            elif isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                cls = _error_class(module, name, imported)
                given = next((k.value for k in node.keywords if k.arg == "code"), None)
                if isinstance(given, ast.Constant) and isinstance(given.value, str):
                    found[given.value].add((cls.status if cls else None, where))
                elif cls is not None and given is None:
                    found[cls.code].add((cls.status, where))
                first = node.args[0] if node.args else None
                if name == "error_body" and isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found[first.value].add((None, where))
            elif isinstance(node, ast.FunctionDef):
                # a helper that builds the error: def _refuse(..., code: str = "invalid_event")
                arguments = node.args.args[len(node.args.args) - len(node.args.defaults):]
                for argument, default in zip(arguments, node.args.defaults, strict=True):
                    literal = default.value if isinstance(default, ast.Constant) else None
                    if argument.arg == "code" and isinstance(literal, str) and literal:
                        found[literal].add((None, where))
    for status, code in HTTP_ERROR_CODES.items():
        found[code].add((status, "core/api.py HTTP_ERROR_CODES"))
    found["http_error"].add((None, "core/api.py http_error"))
    return found


@pytest.fixture(scope="module")
def raised():
    return raised_codes()


def test_the_source_raises_about_a_hundred_codes(raised):
    assert len(raised) > 100
    assert {"invalid_input", "slot_full", "price_below_cost", "invalid_event", "bad_request"} <= set(raised)


def test_every_code_raised_anywhere_is_registered(raised):
    assert sorted(set(raised) - set(ERROR_CODES)) == []


def test_every_registered_code_is_raised_somewhere(raised):
    assert sorted(set(ERROR_CODES) - set(raised)) == []


def test_each_code_is_registered_once():
    codes = [entry.code for entry in _CODES]

    assert sorted({code for code in codes if codes.count(code) > 1}) == []
    with pytest.raises(ValueError, match="'slot_full' is registered twice"):
        _index((ErrorCode("slot_full", 409), ErrorCode("slot_full", 400)))


def test_each_code_is_registered_with_the_status_of_every_class_that_raises_it(raised):
    wrong = {code: sorted(f"{where} answers {status}" for status, where in sites
                          if status is not None and status != ERROR_CODES[code].status)
             for code, sites in raised.items() if code in ERROR_CODES}

    assert {code: sites for code, sites in wrong.items() if sites} == {}


def test_every_registered_text_has_an_english_translation():
    translated = {msgid for po in EN_CATALOGS for msgid, msgstr in parse_po(po).items() if msgstr}
    with translation.override(None):
        texts = {entry.code: str(entry.text) for entry in _CODES if entry.text is not None}

    assert len(texts) > 50
    assert {code: text for code, text in texts.items() if text not in translated} == {}


def test_a_code_with_a_text_reads_in_the_pages_language():
    refused = Conflict("This slot is fully booked.", code="slot_full")

    assert error_text(refused) == "这个时段已约满，请换个时间。"
    with translation.override("en"):
        assert error_text(refused) == "This time is fully booked. Please choose another."


def test_a_code_without_a_text_shows_the_default_else_the_services_message():
    refused = Conflict("Only a draft plan can go live.", code="plan_not_draft")

    assert error_text(refused) == "Only a draft plan can go live."
    assert error_text(refused, default="操作失败，请重试。") == "操作失败，请重试。"
    assert error_text(Conflict("Not known.", code="no_such_code")) == "Not known."


def test_a_text_is_filled_from_the_errors_detail_and_the_pages_values():
    below_cost = InvalidInput("The price is below the supplier's cost.", code="price_below_cost",
                              detail={"price_fen": 4999, "cost_fen": 5000})
    below_minimum = InvalidInput("The amount does not cover the fee.", code="below_minimum")

    assert error_text(below_cost) == "零售价 ¥49.99 低于供货成本 ¥50.00，不能低于成本销售"
    assert error_text(below_minimum, minimum="10.00") == "每次至少提现 ¥10.00，且金额需大于手续费。"
    assert error_text(below_minimum) == "The amount does not cover the fee."  # no value to fill it with


def test_a_refusal_that_says_when_to_retry_ends_with_the_seconds():
    refused = RateLimited("Wait.", detail={"retry_after_seconds": 45})

    assert error_text(refused) == "操作太频繁，请稍后再试。 (45s)"


def test_console_forms_list_the_bad_fields_instead():
    refused = InvalidInput("The price is not valid.", detail={"fields": {"price_fen": "必须是整数", "pool_fen": "不能小于 0"}})

    assert error_text(refused, with_fields=True) == "price_fen: 必须是整数；pool_fen: 不能小于 0"
    assert error_text(refused) == "输入有误，请检查后再提交。"


def test_a_page_may_say_a_codes_text_before_any_service_refuses():
    assert code_text("invalid_slot") == "请选择一个可预约的时段。"
    with pytest.raises(KeyError):
        code_text("plan_not_draft")


def test_the_registry_imports_nothing_above_core():
    tree = ast.parse(Path(error_codes.__file__).read_text())
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}

    assert sorted(m for m in modules if m.startswith("linkmall.") and not m.startswith("linkmall.core")) == []
