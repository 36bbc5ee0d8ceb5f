"""Reading CSV rows: UTF-8 and header checks, cell parsing, and the escape that keeps a cell
from being taken for a spreadsheet formula."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import IO, Literal

from server.core.errors import InvalidInput
from server.core.i18n import LANGUAGES
from server.core.types import MAX_ID

Kind = Literal["cities", "partnerships", "sectors", "counterparts"]
KINDS: tuple[str, ...] = ("cities", "partnerships", "sectors", "counterparts")
BATCH_SIZE = 500
MAX_REPORTED_ISSUES = 1000  # every bad row is counted; this many are listed
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SECTOR_CODE = re.compile(r"[a-z][a-z0-9_]{1,39}")


class RowError(Exception):
    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _not_utf8(line: int) -> InvalidInput:
    return InvalidInput(
        f"The file is not UTF-8 text: line {line} holds bytes that are not valid UTF-8. It may "
        "be in CP949/EUC-KR or GB18030/GBK; save it as UTF-8 (in Excel: 'CSV UTF-8') and "
        "upload it again.",
        code="csv_not_utf8",
        line=line,
    )


def _unescape(value: str) -> str:
    """Undo the export's guard against spreadsheet formulas ("'=..." back to "=...")."""
    if len(value) > 1 and value[0] == "'" and value[1] in _FORMULA_START:
        return value[1:]
    return value


def escape(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def read_rows(
    file: IO[bytes], columns: tuple[str, ...], required: frozenset[str]
) -> Iterator[tuple[int, dict[str, str] | RowError]]:
    """(line, row) for each data row of a UTF-8 CSV file, after checking its header; a row
    with the wrong number of fields comes as a ``RowError``. Blank lines are skipped."""
    head = file.read(4)
    file.seek(0)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InvalidInput(
            "The file is UTF-16, not UTF-8; save it as UTF-8 (in Excel: 'CSV UTF-8').",
            code="csv_not_utf8",
            line=1,
        )
    text = io.TextIOWrapper(file, encoding="utf-8-sig", errors="strict", newline="")
    reader = csv.reader(text)
    line = 1
    try:
        try:
            header = next(reader)
        except StopIteration:
            raise InvalidInput(
                "The file is empty; it needs a header row.", code="csv_empty"
            ) from None
        names = [name.strip() for name in header]
        missing = sorted(required - set(names))
        unknown = sorted(set(names) - set(columns))
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if missing or unknown or duplicated:
            problems = []
            if missing:
                problems.append(f"missing {', '.join(missing)}")
            if unknown:
                problems.append(f"unknown {', '.join(unknown)}")
            if duplicated:
                problems.append(f"repeated {', '.join(duplicated)}")
            raise InvalidInput(
                f"The header row is wrong ({'; '.join(problems)}). Expected columns: "
                f"{', '.join(columns)} (required: {', '.join(sorted(required))}).",
                code="csv_bad_header",
                missing=missing,
                unknown=unknown,
                expected=list(columns),
            )
        while True:
            line = reader.line_num + 1
            try:
                record = next(reader)
            except StopIteration:
                return
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(names):
                yield line, RowError(None, f"expected {len(names)} fields, found {len(record)}")
                continue
            if nul := next((n for n, v in zip(names, record, strict=True) if "\x00" in v), None):
                yield line, RowError(nul, f"{nul} contains the NUL character (U+0000)")
                continue
            yield line, {n: _unescape(v.strip()) for n, v in zip(names, record, strict=True)}
    except UnicodeDecodeError:
        raise _not_utf8(_first_bad_line(file)) from None
    except csv.Error as exc:
        raise InvalidInput(
            f"Line {reader.line_num} is not valid CSV: {exc}.", code="csv_malformed", line=line
        ) from None
    finally:
        text.detach()


def _first_bad_line(file: IO[bytes]) -> int:
    """The first line that is not valid UTF-8 (a newline byte is never inside a UTF-8
    sequence, so lines can be decoded one by one)."""
    file.seek(0)
    for number, raw in enumerate(file, 1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return number
    return 1


def int_cell(row: dict[str, str], name: str, *, required: bool = False) -> int | None:
    value = row.get(name, "")
    if value == "":
        if required:
            raise RowError(name, f"{name} is required")
        return None
    try:
        number = int(value)
    except ValueError:
        raise RowError(name, f"{name} must be a whole number, not {value!r}") from None
    if number < 1:
        raise RowError(name, f"{name} must be positive")
    if number > MAX_ID:  # every number of these files is an id or a version
        raise RowError(name, f"{name} must be at most {MAX_ID}")
    return number


def text_cell(row: dict[str, str], name: str, max_length: int, *, required: bool = False) -> str:
    value = row.get(name, "")
    if required and not value:
        raise RowError(name, f"{name} is required")
    if len(value) > max_length:
        raise RowError(name, f"{name} is longer than {max_length} characters")
    return value


def choice_cell(
    row: dict[str, str], name: str, choices: tuple[str, ...], default: str | None
) -> str:
    value = row.get(name, "")
    if value == "" and default is not None:
        return default
    if value not in choices:
        raise RowError(name, f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def name_cells(row: dict[str, str], name_lang: str) -> dict[str, str]:
    found = {
        lang: text_cell(row, f"name_{lang.lower().replace('-', '_')}", 200) for lang in LANGUAGES
    }
    return {lang: text for lang, text in found.items() if text and lang != name_lang}


def name_columns(translations: dict[str, str]) -> list[str]:
    return [translations.get(lang, "") for lang in LANGUAGES]


NAME_COLUMNS = tuple(f"name_{lang.lower().replace('-', '_')}" for lang in LANGUAGES)
