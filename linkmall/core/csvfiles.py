"""Reading the CSV data files people hand us, one way for every reader.

A file is UTF-8, with or without the byte-order mark Excel writes, and where a reader accepts it
GBK, which Excel on Chinese Windows saves. The header names the columns (any order and case; other
columns are ignored); every refusal names the file, and the missing column or the line at fault
(the header is line 1), so a person can fix the file.
"""

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

#: UTF-8, with or without a byte-order mark
UTF8 = ("utf-8-sig",)
#: also GB 18030, the superset of GBK that decodes every file Excel saves on Chinese Windows
UTF8_OR_GBK = ("utf-8-sig", "gb18030")
_ENCODING_NAMES = {"utf-8-sig": "UTF-8", "gb18030": "GBK"}


class CsvFileError(Exception):
    """The file cannot be read; the message names it, and the line when one row is at fault."""


class BadRow(ValueError):
    """What is wrong with one row, raised by a row parser; the reader adds the file and the line."""


def decode(data: bytes, *, encodings: Sequence[str] = UTF8_OR_GBK) -> str:
    """`data` decoded with the first of `encodings` that fits; UnicodeDecodeError when none does."""
    *first, last = encodings
    for encoding in first:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode(last)


def cell_text(value: object) -> str:
    """A cell as text, stripped: "" for an empty cell, and a spreadsheet's whole number 12.0 as "12"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_csv(
    path: str | Path,
    *,
    columns: Sequence[str],
    parse: Callable[[Sequence[str]], T],
    expected: str,
    error: Callable[[str], Exception] = CsvFileError,
    encodings: Sequence[str] = UTF8,
) -> Iterator[T]:
    """What `parse` makes of each row of the CSV file at `path`, skipping blank lines.

    `parse` gets the row's cells of `columns`, in that order. A row it refuses with a ValueError, or
    that is too short, is reported as "<path>, line <n>: expected <expected>, got <the row>"; a BadRow
    as "<path>, line <n>: <its message>". A file that is not there, lacks one of `columns` or is not
    in one of `encodings` is reported too; every report is raised as `error(message)`.
    """
    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: no such file")
    try:
        with _open(path, encodings) as handle:
            reader = csv.reader(handle)
            header = [title.strip().lower() for title in next(reader, [])]
            missing = [column for column in columns if column not in header]
            if missing:
                raise error(f"{path}: missing column(s) {', '.join(missing)}; "
                            f"expected a header with {', '.join(columns)}")
            indexes = [header.index(column) for column in columns]
            for row in reader:
                if not row:
                    continue
                try:
                    value = parse([row[i] for i in indexes])
                except BadRow as exc:
                    raise error(f"{path}, line {reader.line_num}: {exc}") from None
                except (ValueError, IndexError):
                    raise error(f"{path}, line {reader.line_num}: expected {expected}, got {row!r}") from None
                yield value
    except UnicodeDecodeError:
        names = " or ".join(_ENCODING_NAMES.get(encoding, encoding) for encoding in encodings)
        raise error(f"{path}: not a {names} CSV file") from None


def _open(path: Path, encodings: Sequence[str]) -> io.TextIOBase:
    if len(encodings) == 1:
        # one encoding: stream the file, however large
        return path.open(newline="", encoding=encodings[0])
    return io.StringIO(decode(path.read_bytes(), encodings=encodings), newline="")
