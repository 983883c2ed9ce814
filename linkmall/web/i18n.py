"""Compile gettext catalogs (.po → .mo) in pure Python, so no GNU gettext is needed anywhere.

The .mo files are committed: a fresh clone with `pip install -e .` serves English at once.
Run `linkmall compile_translations` after editing a .po file. To pick up new strings (this step
needs GNU gettext, on a developer machine only):
`linkmall makemessages -l en --no-location --ignore "var/*" --ignore "bench/*" --ignore "*/tests/*"`,
translate the new entries in linkmall/locale/en/LC_MESSAGES/django.po, then compile. The writer follows CPython's
Tools/i18n/msgfmt.py: fuzzy and untranslated entries are left out (Django then shows the
Chinese source text), contexts are joined with EOT, plurals with NUL.
"""

import ast
import struct
from pathlib import Path


class PoSyntaxError(ValueError):
    pass


def _unquote(text: str, *, path: Path, lineno: int) -> str:
    text = text.strip()
    if not (text.startswith('"') and text.endswith('"')):
        raise PoSyntaxError(f"{path}:{lineno}: expected a quoted string")
    # a .po string is a C string literal; Python's literal syntax covers the escapes gettext writes
    return ast.literal_eval(text)


def parse_po(path: Path) -> dict[str, str]:
    """Return {msgid key: msgstr} of the translated, non-fuzzy entries (keys as in the .mo)."""
    messages: dict[str, str] = {}
    entry: dict[str, object] = {}
    fuzzy = False
    section: tuple[str, int | None] | None = None

    def flush() -> None:
        nonlocal entry, fuzzy
        if "msgid" in entry and not fuzzy:
            msgid = str(entry["msgid"])
            ctxt = entry.get("msgctxt")
            key = f"{ctxt}\x04{msgid}" if ctxt is not None else msgid
            if "msgid_plural" in entry:
                plurals = entry.get("plurals", {})
                assert isinstance(plurals, dict)
                forms = [plurals[i] for i in sorted(plurals)]
                key = f"{key}\x00{entry['msgid_plural']}"
                if any(forms):
                    messages[key] = "\x00".join(forms)
            elif entry.get("msgstr") or msgid == "":
                messages[key] = str(entry.get("msgstr", ""))
        entry, fuzzy = {}, False

    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#,") and "fuzzy" in line:
            if "msgid" in entry:
                flush()
            fuzzy = True
            continue
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if section is None:
                raise PoSyntaxError(f"{path}:{lineno}: continuation line outside an entry")
            keyword, index = section
            value = _unquote(line, path=path, lineno=lineno)
            if index is None:
                entry[keyword] = str(entry[keyword]) + value
            else:
                plurals = entry["plurals"]
                assert isinstance(plurals, dict)
                plurals[index] += value
            continue
        if keyword in ("msgctxt", "msgid") and ("msgstr" in entry or "plurals" in entry):
            flush()
        if keyword.startswith("msgstr["):
            index = int(keyword[len("msgstr["):-1])
            plurals = entry.setdefault("plurals", {})
            assert isinstance(plurals, dict)
            plurals[index] = _unquote(rest, path=path, lineno=lineno)
            section = ("plurals", index)
        elif keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr"):
            entry[keyword] = _unquote(rest, path=path, lineno=lineno)
            section = (keyword, None)
        else:
            raise PoSyntaxError(f"{path}:{lineno}: unknown keyword {keyword!r}")
    flush()
    return messages


def write_mo(messages: dict[str, str], path: Path) -> None:
    """Write a GNU .mo file (little-endian, no hash table — gettext readers do not need one)."""
    keys = sorted(messages)
    ids = b""
    strs = b""
    offsets = []
    for key in keys:
        kb, vb = key.encode("utf-8"), messages[key].encode("utf-8")
        offsets.append((len(ids), len(kb), len(strs), len(vb)))
        ids += kb + b"\x00"
        strs += vb + b"\x00"
    count = len(keys)
    keystart = 7 * 4 + 16 * count
    valuestart = keystart + len(ids)
    key_table: list[int] = []
    value_table: list[int] = []
    for id_off, id_len, str_off, str_len in offsets:
        key_table += [id_len, keystart + id_off]
        value_table += [str_len, valuestart + str_off]
    output = struct.pack("Iiiiiii", 0x950412DE, 0, count, 7 * 4, 7 * 4 + count * 8, 0, 0)
    output += struct.pack(f"{len(key_table)}i", *key_table)
    output += struct.pack(f"{len(value_table)}i", *value_table)
    output += ids + strs
    path.write_bytes(output)


def compile_po(po_path: Path) -> Path:
    mo_path = po_path.with_suffix(".mo")
    write_mo(parse_po(po_path), mo_path)
    return mo_path


def compile_tree(locale_dir: Path) -> list[Path]:
    return [compile_po(po) for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))]
