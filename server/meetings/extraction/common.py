"""Types, limits and text helpers shared by the readers of every kind."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

DocumentKind = Literal["docx", "pdf", "hwpx", "markdown", "text"]
ExtractionErrorCode = Literal[
    "file_too_large",
    "unsupported_type",
    "type_mismatch",
    "corrupt_file",
    "encrypted_document",
    "zip_bomb",
    "empty_document",
]
MappingMethod = Literal["heading", "order", "unmatched"]

MIB: Final = 1024 * 1024
DEFAULT_MAX_UNZIPPED_BYTES: Final = 50 * MIB
DEFAULT_MAX_RATIO: Final = 100


# --------------------------------------------------------------------------------------------
# Public types
# --------------------------------------------------------------------------------------------


class ExtractionError(Exception):
    """Why a file was refused; ``code`` is stable (API clients switch on it)."""

    def __init__(self, code: ExtractionErrorCode, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code: ExtractionErrorCode = code
        self.detail = detail

    def __reduce__(self) -> tuple[type[ExtractionError], tuple[ExtractionErrorCode, str]]:
        # Picklable, so extraction can run in a worker process.
        return (type(self), (self.code, self.detail))


@dataclass(frozen=True)
class Section:
    """A heading and the text under it; ``heading`` None (level 0) for text before any."""

    heading: str | None
    level: int
    text: str


@dataclass(frozen=True)
class ExtractedDocument:
    kind: DocumentKind
    title: str | None
    sections: list[Section]
    warnings: list[str]


@dataclass(frozen=True)
class SectionMapping:
    """A proposal: section ``section_index`` belongs to agenda item ``agenda_index``."""

    agenda_index: int | None
    section_index: int
    method: MappingMethod
    score: float


@dataclass
class Block:
    """One paragraph (or line, or table row) in document order."""

    text: str
    level: int | None = None  # heading level when known to be a heading
    candidate: bool = True  # may be judged by the numbered-line heuristic


@dataclass
class Parsed:
    title: str | None
    blocks: list[Block]
    warnings: list[str]
    explicit_headings: bool  # headings come from markup/styles, not guessed


# --------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------

_CONTROL_CHARS: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200e\u200f\ufeff]")
_MANY_BLANK_LINES: Final = re.compile(r"\n{3,}")


def clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    return _CONTROL_CHARS.sub("", text)


def one_line(text: str) -> str:
    return " ".join(text.split())


def tidy(lines: Sequence[str]) -> str:
    text = "\n".join(line.rstrip() for line in "\n".join(lines).split("\n"))
    return _MANY_BLANK_LINES.sub("\n\n", text).strip("\n")


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
