"""Minutes-file extraction: uploaded minutes file -> title, headed sections, agenda mapping.

Pure code: no database, no web. The upload route keeps the original bytes, calls
:func:`extract`, then :func:`map_sections_to_agenda`, and shows the proposal to the secretary.

Kinds (decided by content, see :func:`sniff_kind`): DOCX (python-docx), PDF (pypdf), HWPX
(standard library only), Markdown and plain UTF-8 text.

Heading detection, per kind:

* Markdown: ATX headings ``#`` .. ``######`` outside fenced code blocks. Setext headings
  (``===`` underlines) are not recognised.
* DOCX: a paragraph is a heading when its style (or a style it is based on) is named
  "Heading N" or a localised equivalent ("제목 N", "标题 N", "見出し N", ...), or when the
  paragraph or its style chain carries an outline level (``w:outlineLvl`` 0-8 -> level 1-9).
  Only when a document has no such heading at all: short paragraphs whose text is entirely
  bold become level-1 headings; failing that, the numbered-line heuristic below. The first
  "Title"-styled paragraph becomes the document title instead of a section.
* HWPX: a paragraph is a heading when its paragraph shape (``hh:paraPr``) has
  ``<hh:heading type="OUTLINE" level="n">`` (level n+1), or its style is "개요 N" /
  "Outline N". Without any, the numbered-line heuristic.
* PDF and plain text: the numbered-line heuristic only.

The numbered-line heuristic (:func:`_apply_line_heuristic`) looks at single lines:

* agenda markers ("제1안건", "안건 2", "第一项", "第二项议题", "议题三", "Agenda item 1",
  "Item 2") are level-1 headings when the line is short and does not end like a sentence
  (``. 。 ! ? ; ,``);
* outline numbers ("1.", "1.2", "I.", "一、", "（一）", "가.", "1)", "(1)") are headings, at the
  depth the number shows, when the line is short, does not end like a sentence, is followed by
  more text, and is not part of a run of same-style numbered lines (that is a list, e.g.
  attendees). When the document also has agenda markers, outline numbers go one level deeper.
* "short" means at most 100 display columns (a CJK character counts 2) and, in documents of
  8 lines or more, at most 70% of the 90th-percentile line width (never below 30), so that
  wrapped lines of a PDF paragraph are not taken for headings.

Safety: everything fails with one :class:`ExtractionError` carrying a stable ``code``.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Final, Literal

__all__ = [
    "DEFAULT_MAX_RATIO",
    "DEFAULT_MAX_UNZIPPED_BYTES",
    "HEADING_MATCH_THRESHOLD",
    "MAX_ZIP_MEMBERS",
    "RATIO_CHECK_MIN_BYTES",
    "DocumentKind",
    "ExtractedDocument",
    "ExtractionError",
    "ExtractionErrorCode",
    "MappingMethod",
    "Section",
    "SectionMapping",
    "extract",
    "map_sections_to_agenda",
    "sniff_kind",
]

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
MAX_ZIP_MEMBERS: Final = 2000
# The compression ratio is judged only for members declaring at least this much: small, very
# repetitive XML parts legitimately exceed 100:1 and cannot hurt (the total is capped anyway).
RATIO_CHECK_MIN_BYTES: Final = 1 * MIB
_ZIP_CHUNK: Final = 64 * 1024

_MAX_HEADING_WIDTH: Final = 100
_MIN_RELATIVE_HEADING_WIDTH: Final = 30
_SENTENCE_END: Final = tuple(".。!?！？;；,，")

HEADING_MATCH_THRESHOLD: Final = 0.5
_NUMBER_MATCH_SCORE: Final = 0.5


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


# --------------------------------------------------------------------------------------------
# Sniffing
# --------------------------------------------------------------------------------------------

_ZIP_MAGICS: Final = (b"PK\x03\x04", b"PK\x05\x06")
_CFB_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_OOXML_MARKER: Final = "EncryptedPackage".encode("utf-16-le")
_HWPX_MIMETYPE: Final = b"application/hwp+zip"
_BINARY_KINDS: Final = frozenset({"docx", "pdf", "hwpx"})
_EXTENSION_KINDS: Final[dict[str, DocumentKind]] = {
    ".docx": "docx",
    ".pdf": "pdf",
    ".hwpx": "hwpx",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
}
_ATX_HEADING_LOOKS: Final = re.compile(r"^ {0,3}#{1,6}[ \t]+\S", re.MULTILINE)


def _extension(filename: str) -> str:
    return PurePath(filename.replace("\\", "/")).suffix.lower()


def _decode_text(data: bytes) -> tuple[str, str | None] | None:
    """UTF-8 (BOM optional) or BOM-marked UTF-16 text; None for anything else."""
    warning = None
    try:
        if data.startswith(codecs.BOM_UTF8):
            text = data[len(codecs.BOM_UTF8) :].decode("utf-8")
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
            warning = "text was UTF-16 encoded"
        else:
            text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    return text, warning


def _mismatch(filename: str, claimed: str, actual: str) -> ExtractionError:
    return ExtractionError(
        "type_mismatch",
        f"{filename!r} is named like a {claimed} file but its content is {actual}",
    )


def sniff_kind(data: bytes, filename: str) -> DocumentKind:
    """Decide the kind of an uploaded minutes file from its content.

    The name only matters for Markdown vs text, and as a claim that is checked: a name whose
    extension is a known kind (.docx .pdf .hwpx .md .markdown .txt) must agree with the
    content (Markdown and text count as one family), else ``type_mismatch``. Other or missing
    extensions: the content decides. Raises ``unsupported_type`` (unknown or legacy binary
    formats, non-UTF-8 text), ``encrypted_document`` (password-protected Office files, which
    are OLE compound files), ``corrupt_file`` (a ZIP whose directory cannot be read) and
    ``empty_document`` (no bytes).
    """
    ext = _extension(filename)
    claimed = _EXTENSION_KINDS.get(ext)
    if not data:
        raise ExtractionError("empty_document", f"{filename!r} is empty")

    if data.startswith(_CFB_MAGIC):
        if _ENCRYPTED_OOXML_MARKER in data:
            raise ExtractionError(
                "encrypted_document",
                "the file is a password-protected (encrypted) Office document: an OLE compound"
                " file holding an EncryptedPackage; remove the password and upload again",
            )
        detail = (
            "an OLE compound file (a legacy Word 97-2003 .doc or HWP 5 .hwp, or a"
            " password-protected document); save it as DOCX or HWPX without a password"
        )
        if claimed is not None:
            raise _mismatch(filename, claimed.upper(), detail)
        raise ExtractionError("unsupported_type", f"the file is {detail}")

    pdf_at = data.find(b"%PDF-", 0, 1024)
    if pdf_at == 0 or (pdf_at > 0 and claimed == "pdf"):
        if claimed is not None and claimed != "pdf":
            raise _mismatch(filename, claimed, "a PDF")
        return "pdf"

    if data.startswith(_ZIP_MAGICS):
        kind = _sniff_zip(data, filename, claimed)
        if claimed is not None and claimed != kind:
            raise _mismatch(filename, claimed, f"a {kind.upper()} document")
        return kind

    decoded = _decode_text(data)
    if decoded is None:
        if claimed in _BINARY_KINDS:
            raise _mismatch(filename, str(claimed).upper(), "neither that nor UTF-8 text")
        raise ExtractionError(
            "unsupported_type",
            "not a DOCX, PDF, HWPX or UTF-8 text file (text in legacy encodings such as"
            " EUC-KR/CP949 or GBK is not guessed: save it as UTF-8)",
        )
    if claimed in _BINARY_KINDS:
        raise _mismatch(filename, str(claimed).upper(), "plain text")
    if claimed == "markdown" or _ATX_HEADING_LOOKS.search(decoded[0]):
        return "markdown"
    return "text"


def _sniff_zip(data: bytes, filename: str, claimed: DocumentKind | None) -> DocumentKind:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = {info.filename: info for info in zf.infolist()}
            if "word/document.xml" in infos:
                return "docx"
            if "Contents/section0.xml" in infos:
                return "hwpx"
            mimetype = infos.get("mimetype")
            # Read the mimetype member only when it is declared tiny: nothing is expanded
            # before the zip-bomb checks.
            if mimetype is not None and mimetype.file_size <= 100:
                with zf.open(mimetype) as fh:
                    if fh.read(100).strip() == _HWPX_MIMETYPE:
                        return "hwpx"
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        ValueError,
        RuntimeError,
        NotImplementedError,
        zlib.error,
    ) as exc:
        raise ExtractionError(
            "corrupt_file", f"{filename!r} is a damaged ZIP container: {exc}"
        ) from exc
    if claimed is not None:
        raise _mismatch(filename, claimed.upper(), "a ZIP archive that is neither DOCX nor HWPX")
    raise ExtractionError(
        "unsupported_type",
        "a ZIP archive that is neither DOCX nor HWPX (spreadsheets, slides and ODF are not"
        " minutes files)",
    )


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


@dataclass
class _Block:
    """One paragraph (or line, or table row) in document order."""

    text: str
    level: int | None = None  # heading level when known to be a heading
    candidate: bool = True  # may be judged by the numbered-line heuristic


@dataclass
class _Parsed:
    title: str | None
    blocks: list[_Block]
    warnings: list[str]
    explicit_headings: bool  # headings come from markup/styles, not guessed


def extract(
    data: bytes,
    filename: str,
    *,
    max_bytes: int,
    max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED_BYTES,
    max_ratio: int = DEFAULT_MAX_RATIO,
) -> ExtractedDocument:
    """Extract title, sections and warnings from an uploaded minutes file.

    Order of checks: size (``file_too_large``, before anything is parsed), kind
    (:func:`sniff_kind`), container safety for DOCX/HWPX (``zip_bomb``), parsing
    (``corrupt_file``, ``encrypted_document``), content (``empty_document``).
    """
    if len(data) > max_bytes:
        raise ExtractionError(
            "file_too_large", f"the file has {len(data)} bytes; the limit is {max_bytes}"
        )
    kind = sniff_kind(data, filename)
    if kind == "docx":
        parsed = _parse_docx(data, max_unzipped_bytes=max_unzipped_bytes, max_ratio=max_ratio)
    elif kind == "hwpx":
        parsed = _parse_hwpx(data, max_unzipped_bytes=max_unzipped_bytes, max_ratio=max_ratio)
    elif kind == "pdf":
        parsed = _parse_pdf(data, max_text_bytes=max_unzipped_bytes)
    else:
        decoded = _decode_text(data)
        if decoded is None:  # pragma: no cover - sniff_kind already decoded it
            raise ExtractionError("unsupported_type", "not UTF-8 text")
        text, warning = decoded
        parsed = _parse_markdown(text) if kind == "markdown" else _parse_text(text)
        if warning:
            parsed.warnings.insert(0, warning)

    sections = _sections_from_blocks(parsed.blocks)
    if not any(s.heading or s.text.strip() for s in sections):
        raise ExtractionError("empty_document", "the document contains no text")
    if not any(s.heading for s in sections):
        parsed.warnings.append("no headings found: the whole document is one section")
    title = parsed.title
    if title is None and parsed.explicit_headings:
        title = _title_from_headings(sections)
    return ExtractedDocument(kind=kind, title=title, sections=sections, warnings=parsed.warnings)


# --------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------

_CONTROL_CHARS: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200e\u200f\ufeff]")
_MANY_BLANK_LINES: Final = re.compile(r"\n{3,}")


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    return _CONTROL_CHARS.sub("", text)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _tidy(lines: Sequence[str]) -> str:
    text = "\n".join(line.rstrip() for line in "\n".join(lines).split("\n"))
    return _MANY_BLANK_LINES.sub("\n\n", text).strip("\n")


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _sections_from_blocks(blocks: Sequence[_Block]) -> list[Section]:
    sections: list[Section] = []
    heading: str | None = None
    level = 0
    body: list[str] = []

    def flush() -> None:
        text = _tidy(body)
        if heading is not None or text.strip():
            sections.append(Section(heading=heading, level=level, text=text))

    for block in blocks:
        if block.level is not None and block.text.strip():
            flush()
            heading, level, body = _one_line(block.text), block.level, []
        else:
            body.append(block.text)
    flush()
    return sections


def _title_from_headings(sections: Sequence[Section]) -> str | None:
    """The first heading is the title when nothing precedes it and every other heading is
    deeper (the "# Title / ## part" pattern)."""
    headed = [s for s in sections if s.heading]
    if len(headed) < 2 or sections[0] is not headed[0]:
        return None
    first = headed[0]
    if all(s.level > first.level for s in headed[1:]):
        return first.heading
    return None


# --------------------------------------------------------------------------------------------
# Numbered-line heuristic
# --------------------------------------------------------------------------------------------

_CJK_DIGITS: Final = {
    "〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CJK_NUM: Final = "0-9〇零一二两三四五六七八九十百"
_BOUNDARY: Final = r"(?=[\s:：.．、,，)）\]】\-–—]|$)"

# Agenda markers. Group 1 is the number.
_AGENDA_MARKERS: Final = (
    re.compile(rf"^제\s*(\d{{1,3}})\s*(?:차\s*)?(?:호\s*)?(?:안건|의제|주제){_BOUNDARY}"),
    re.compile(rf"^(?:안건|의제)\s*(\d{{1,3}}){_BOUNDARY}"),
    re.compile(rf"^第\s*([{_CJK_NUM}]{{1,4}})\s*(?:项议题|項議題|个议题|個議題|项|項|议题|議題)"),
    re.compile(rf"^(?:议题|議題)\s*([{_CJK_NUM}]{{1,4}})"),
    re.compile(rf"^(?:agenda\s+item|agenda|item)\s*(?:no\.?\s*|#\s*)?(\d{{1,3}}){_BOUNDARY}", re.I),
)


def _decimal_depth(m: re.Match[str]) -> int:
    return m.group(1).count(".") + 1


# Outline numbers: (pattern, family, level).
_OUTLINE_NUMBERS: Final[tuple[tuple[re.Pattern[str], str, Callable[[re.Match[str]], int]], ...]] = (
    (re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,4})\.?\s+(?=\S)"), "decimal", _decimal_depth),
    (re.compile(r"^(\d{1,2})\.(?!\d)\s*(?=\S)"), "decimal", _decimal_depth),
    (re.compile(r"^[IVX]{1,4}\.\s+(?=\S)"), "roman", lambda _m: 1),
    (re.compile(r"^[一二三四五六七八九十]{1,3}\s*[、.．]\s*(?=\S)"), "cjk", lambda _m: 1),
    (re.compile(r"^[(（][一二三四五六七八九十]{1,3}[)）]\s*(?=\S)"), "cjk-paren", lambda _m: 2),
    (re.compile(r"^[가나다라마바사아자차카타파하]\.\s*(?=\S)"), "hangul", lambda _m: 2),
    (re.compile(r"^(?:\d{1,2}\)|[(（]\d{1,2}[)）])\s*(?=\S)"), "paren", lambda _m: 3),
)


def _cjk_int(token: str) -> int | None:
    """'3' -> 3, '十二' -> 12, '二十' -> 20, '一百零五' -> 105."""
    if token.isdigit():
        return int(token)
    total, current = 0, 0
    for ch in token:
        if ch in _CJK_DIGITS:
            current = _CJK_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def _agenda_marker(line: str) -> tuple[int | None, int] | None:
    """(agenda number, end of the marker) when ``line`` starts with an agenda marker."""
    for pattern in _AGENDA_MARKERS:
        m = pattern.match(line)
        if m:
            return _cjk_int(m.group(1)), m.end()
    return None


@dataclass(frozen=True)
class _Numbered:
    family: str
    level: int
    strong: bool


def _numbering(line: str) -> _Numbered | None:
    if _agenda_marker(line) is not None:
        return _Numbered("agenda", 1, True)
    for pattern, family, depth in _OUTLINE_NUMBERS:
        m = pattern.match(line)
        if m:
            return _Numbered(family, depth(m), False)
    return None


def _apply_line_heuristic(blocks: list[_Block]) -> int:
    """Mark numbered heading lines (see the module docstring); returns how many."""
    nonblank = [i for i, b in enumerate(blocks) if b.text.strip()]
    limit = _MAX_HEADING_WIDTH
    widths = sorted(_display_width(blocks[i].text.strip()) for i in nonblank)
    if len(widths) >= 8:
        p90 = widths[int(0.9 * (len(widths) - 1))]
        limit = min(limit, max(int(p90 * 0.7), _MIN_RELATIVE_HEADING_WIDTH))

    shapes: dict[int, _Numbered] = {}
    for i in nonblank:
        block = blocks[i]
        line = block.text.strip()
        if not block.candidate or block.level is not None or "\n" in line:
            continue
        if _display_width(line) > limit or line.endswith(_SENTENCE_END):
            continue
        numbered = _numbering(line)
        if numbered is not None:
            shapes[i] = numbered

    has_agenda_markers = any(n.strong for n in shapes.values())
    found = 0
    for pos, i in enumerate(nonblank):
        numbered = shapes.get(i)
        if numbered is None:
            continue
        if not numbered.strong:
            if pos + 1 >= len(nonblank):
                continue  # not followed by text
            neighbours = [nonblank[pos + 1]] + ([nonblank[pos - 1]] if pos > 0 else [])
            if any(
                (other := shapes.get(j)) is not None
                and not other.strong
                and (other.family, other.level) == (numbered.family, numbered.level)
                for j in neighbours
            ):
                continue  # a run of numbered lines is a list, not headings
        level = numbered.level + (1 if has_agenda_markers and not numbered.strong else 0)
        blocks[i].level = min(level, 9)
        found += 1
    return found


# --------------------------------------------------------------------------------------------
# Plain text and Markdown
# --------------------------------------------------------------------------------------------

_ATX_HEADING: Final = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_ATX_CLOSING: Final = re.compile(r"(?:^|[ \t]+)#+$")
_FENCE: Final = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _parse_text(text: str) -> _Parsed:
    blocks = [_Block(line) for line in _clean(text).split("\n")]
    _apply_line_heuristic(blocks)
    return _Parsed(title=None, blocks=blocks, warnings=[], explicit_headings=False)


def _parse_markdown(text: str) -> _Parsed:
    blocks: list[_Block] = []
    fence: str | None = None
    for line in _clean(text).split("\n"):
        fence_match = _FENCE.match(line)
        if fence is not None:
            if (
                fence_match is not None
                and fence_match.group(1)[0] == fence[0]
                and len(fence_match.group(1)) >= len(fence)
                and not line[fence_match.end() :].strip()
            ):
                fence = None
            blocks.append(_Block(line, candidate=False))
            continue
        if fence_match:
            fence = fence_match.group(1)
            blocks.append(_Block(line, candidate=False))
            continue
        m = _ATX_HEADING.match(line)
        if m:
            content = _ATX_CLOSING.sub("", m.group(2) or "").strip()
            if content:
                blocks.append(_Block(content, level=len(m.group(1))))
                continue
        blocks.append(_Block(line, candidate=False))
    return _Parsed(title=None, blocks=blocks, warnings=[], explicit_headings=True)


# --------------------------------------------------------------------------------------------
# ZIP containers (DOCX, HWPX)
# --------------------------------------------------------------------------------------------

_ZIP_ERRORS: Final = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    RuntimeError,  # e.g. "File is encrypted, password required"
    NotImplementedError,  # unsupported compression method
)


class _BoundedZip:
    """A ZIP archive checked from its central directory before anything is expanded, whose
    members are then read in chunks against a byte budget (declared sizes can lie)."""

    def __init__(self, data: bytes, *, max_unzipped_bytes: int, max_ratio: int) -> None:
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except _ZIP_ERRORS as exc:
            raise ExtractionError("corrupt_file", f"damaged ZIP container: {exc}") from exc
        if len(infos) > MAX_ZIP_MEMBERS:
            raise ExtractionError(
                "zip_bomb", f"the archive has {len(infos)} members (limit {MAX_ZIP_MEMBERS})"
            )
        declared = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise ExtractionError(
                    "encrypted_document", f"archive member {info.filename!r} is encrypted"
                )
            declared += info.file_size
            if declared > max_unzipped_bytes:
                raise ExtractionError(
                    "zip_bomb",
                    f"the archive declares more than {max_unzipped_bytes} bytes uncompressed",
                )
            if info.file_size >= RATIO_CHECK_MIN_BYTES and info.file_size > max_ratio * max(
                info.compress_size, 1
            ):
                ratio = info.file_size // max(info.compress_size, 1)
                raise ExtractionError(
                    "zip_bomb",
                    f"member {info.filename!r} expands {ratio}:1 (limit {max_ratio}:1)",
                )
        self._infos = {info.filename: info for info in infos}
        self._budget = max_unzipped_bytes
        self.bytes_read = 0

    @property
    def names(self) -> list[str]:
        return list(self._infos)

    def read(self, name: str) -> bytes:
        info = self._infos.get(name)
        if info is None:
            raise ExtractionError("corrupt_file", f"the archive has no member {name!r}")
        chunks: list[bytes] = []
        size = 0
        try:
            with self._zip.open(info) as fh:
                while chunk := fh.read(_ZIP_CHUNK):
                    size += len(chunk)
                    self.bytes_read += len(chunk)
                    if self.bytes_read > self._budget or size > info.file_size:
                        raise ExtractionError(
                            "zip_bomb",
                            f"member {name!r} expands past its declared size or past the"
                            f" {self._budget}-byte limit",
                        )
                    chunks.append(chunk)
        except _ZIP_ERRORS as exc:
            raise ExtractionError("corrupt_file", f"cannot read member {name!r}: {exc}") from exc
        return b"".join(chunks)

    def verify_all(self) -> None:
        """Expand every member once (bounded), refusing XML with a DTD."""
        for name in self._infos:
            data = self.read(name)
            if name.endswith((".xml", ".rels")):
                _refuse_dtd(data, name)


def _refuse_dtd(data: bytes, name: str) -> None:
    # Office and HWPX parts never carry a DTD; refusing them rules out entity expansion
    # ("billion laughs") and external entities in every XML parser used here.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ExtractionError("corrupt_file", f"{name!r} contains a DTD, which is not allowed")


# --------------------------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------------------------

_HEADING_STYLE: Final = re.compile(
    r"^(?:heading|제목|标题|標題|見出し|überschrift|titre|título|titolo|kop|rubrik|заголовок)"
    r"\s*(\d)$",
    re.IGNORECASE,
)
_TITLE_STYLE: Final = re.compile(r"^(?:title|제목|标题|標題|表題|タイトル)$", re.IGNORECASE)


def _parse_docx(data: bytes, *, max_unzipped_bytes: int, max_ratio: int) -> _Parsed:
    _BoundedZip(data, max_unzipped_bytes=max_unzipped_bytes, max_ratio=max_ratio).verify_all()
    import docx  # python-docx; imported here so the rest of the module stays light

    try:
        document = docx.Document(io.BytesIO(data))
        return _walk_docx(document)
    except ExtractionError:
        raise
    except MemoryError:
        raise
    except Exception as exc:
        raise ExtractionError("corrupt_file", f"not a readable DOCX: {exc}") from exc


def _walk_docx(document: Any) -> _Parsed:
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    body = document.element.body
    parent = document._body
    title: str | None = None
    blocks: list[_Block] = []
    bold: list[bool] = []
    tag_p, tag_tbl, tag_sdt, tag_sdt_content = (
        qn("w:p"),
        qn("w:tbl"),
        qn("w:sdt"),
        qn("w:sdtContent"),
    )

    def children(element: Any) -> Iterator[Any]:
        for child in element.iterchildren():
            if child.tag == tag_sdt:  # content control: walk its content
                for content in child.iterchildren(tag_sdt_content):
                    yield from children(content)
            else:
                yield child

    for child in children(body):
        if child.tag == tag_p:
            paragraph = Paragraph(child, parent)
            text = _clean(_docx_paragraph_text(child))
            style_names = _docx_style_chain(paragraph)
            if title is None and text.strip() and any(_TITLE_STYLE.match(n) for n in style_names):
                title = _one_line(text)
                continue
            level = _docx_heading_level(paragraph, style_names)
            blocks.append(_Block(text, level=level, candidate="\n" not in text.strip()))
            bold.append(level is None and _docx_all_bold(paragraph, text))
        elif child.tag == tag_tbl:
            for row_text in _docx_table_rows(Table(child, parent)):
                blocks.append(_Block(row_text, candidate=False))
                bold.append(False)

    warnings: list[str] = []
    explicit = any(b.level is not None for b in blocks)
    if not explicit:
        bold_headings = [
            i
            for i, b in enumerate(blocks)
            if bold[i]
            and _display_width(b.text.strip()) <= _MAX_HEADING_WIDTH
            and not b.text.strip().endswith(_SENTENCE_END)
        ]
        if bold_headings:
            for i in bold_headings:
                blocks[i].level = 1
            warnings.append("no heading styles: short all-bold paragraphs were taken as headings")
        elif _apply_line_heuristic(blocks):
            warnings.append("no heading styles: numbered lines were taken as headings")

    if title is None:
        core_title = str(document.core_properties.title or "").strip()
        title = _one_line(_clean(core_title)) or None
    return _Parsed(title=title, blocks=blocks, warnings=warnings, explicit_headings=explicit)


def _docx_paragraph_text(p: Any) -> str:
    """Text of a ``w:p`` in order, including tracked insertions, hyperlinks and fields'
    results; skipping deletions, text boxes and compatibility fallbacks."""
    from docx.oxml.ns import qn

    skip = {qn("w:txbxContent"), qn("w:del"), qn("w:instrText"), qn("w:delText")}
    skip.add("{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback")
    t, tab, br, cr = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
    hyphen = qn("w:noBreakHyphen")
    parts: list[str] = []

    def walk(element: Any) -> None:
        for child in element.iterchildren():
            tag = child.tag
            if not isinstance(tag, str) or tag in skip:
                continue
            if tag == t:
                parts.append(child.text or "")
            elif tag == tab:
                parts.append("\t")
            elif tag in (br, cr):
                parts.append("\n")
            elif tag == hyphen:
                parts.append("-")
            else:
                walk(child)

    walk(p)
    return "".join(parts)


def _docx_style_chain(paragraph: Any) -> list[str]:
    names: list[str] = []
    style = paragraph.style
    while style is not None and len(names) < 20:
        names.append(str(style.name or ""))
        style = style.base_style
    return names


def _docx_outline_level(ppr: Any) -> int | None:
    from docx.oxml.ns import qn

    if ppr is None:
        return None
    element = ppr.find(qn("w:outlineLvl"))
    if element is None:
        return None
    try:
        return int(element.get(qn("w:val")))
    except (TypeError, ValueError):
        return None


def _docx_heading_level(paragraph: Any, style_names: Sequence[str]) -> int | None:
    direct = _docx_outline_level(paragraph._p.pPr)
    if direct is not None:
        return direct + 1 if 0 <= direct < 9 else None
    style = paragraph.style
    depth = 0
    while style is not None and depth < 20:
        m = _HEADING_STYLE.match(str(style.name or "").strip())
        if m and int(m.group(1)) > 0:
            return int(m.group(1))
        outline = _docx_outline_level(style.element.pPr)
        if outline is not None:
            return outline + 1 if 0 <= outline < 9 else None
        style = style.base_style
        depth += 1
    return None


def _docx_bold_in_chain(style: Any) -> bool | None:
    depth = 0
    while style is not None and depth < 20:
        value = style.font.bold
        if value is not None:
            return bool(value)
        style = style.base_style
        depth += 1
    return None


def _docx_all_bold(paragraph: Any, text: str) -> bool:
    """Every run carrying text is bold (directly, by its character style or the paragraph
    style), and the runs hold the paragraph's whole text."""
    stripped = text.strip()
    runs = [run for run in paragraph.runs if run.text.strip()]
    if not stripped or not runs:
        return False
    if _one_line("".join(run.text for run in paragraph.runs)) != _one_line(stripped):
        return False
    paragraph_bold = _docx_bold_in_chain(paragraph.style)
    for run in runs:
        value = run.bold
        if value is None:
            value = _docx_bold_in_chain(run.style)
        if value is None:
            value = paragraph_bold
        if not value:
            return False
    return True


def _docx_table_rows(table: Any) -> Iterator[str]:
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if cell._tc is previous:  # a merged cell repeats across the grid
                continue
            previous = cell._tc
            cells.append(_one_line(_clean(cell.text)))
        if any(cells):
            yield " | ".join(cells)


# --------------------------------------------------------------------------------------------
# HWPX (standard library only)
# --------------------------------------------------------------------------------------------

_HWPX_SECTION: Final = re.compile(r"^Contents/section(\d+)\.xml$")
_HWPX_OUTLINE_STYLE: Final = re.compile(r"^(?:개요|outline)\s*(\d{1,2})$", re.IGNORECASE)


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _parse_xml(data: bytes, name: str) -> ET.Element:
    _refuse_dtd(data, name)
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise ExtractionError("corrupt_file", f"{name!r} is not well-formed XML: {exc}") from exc


@dataclass
class _HwpxHeader:
    outline_by_para_shape: dict[str, int | None]  # paraPr id -> heading level (None: body)
    styles: dict[str, tuple[str, str, str]]  # style id -> (name, engName, paraPrIDRef)

    def heading_level(self, paragraph: ET.Element) -> int | None:
        shape = paragraph.get("paraPrIDRef")
        if shape is not None and shape in self.outline_by_para_shape:
            return self.outline_by_para_shape[shape]
        style = self.styles.get(paragraph.get("styleIDRef") or "")
        if style is None:
            return None
        name, eng_name, style_shape = style
        for candidate in (name, eng_name):
            m = _HWPX_OUTLINE_STYLE.match(candidate.strip()) or _HEADING_STYLE.match(
                candidate.strip()
            )
            if m and int(m.group(1)) > 0:
                return int(m.group(1))
        return self.outline_by_para_shape.get(style_shape)


def _hwpx_header(root: ET.Element | None) -> _HwpxHeader:
    outline: dict[str, int | None] = {}
    styles: dict[str, tuple[str, str, str]] = {}
    if root is None:
        return _HwpxHeader(outline, styles)
    for element in root.iter():
        local = _local(element.tag)
        if local == "paraPr" and element.get("id") is not None:
            for heading in element.iter():
                if _local(heading.tag) != "heading":
                    continue
                level: int | None = None
                if (heading.get("type") or "").upper() == "OUTLINE":
                    try:
                        level = min(max(int(heading.get("level") or "0"), 0) + 1, 10)
                    except ValueError:
                        level = 1
                outline[element.get("id") or ""] = level
                break
        elif local == "style" and element.get("id") is not None:
            if (element.get("type") or "PARA").upper() != "PARA":
                continue
            styles[element.get("id") or ""] = (
                element.get("name") or "",
                element.get("engName") or "",
                element.get("paraPrIDRef") or "",
            )
    return _HwpxHeader(outline, styles)


def _hwpx_text(t: ET.Element) -> str:
    """An ``hp:t`` run text with its inline tabs, line breaks and special spaces."""
    parts = [t.text or ""]
    for child in t:
        local = _local(child.tag)
        if local == "tab":
            parts.append("\t")
        elif local == "lineBreak":
            parts.append("\n")
        elif local in ("nbSpace", "fwSpace"):
            parts.append(" ")
        elif local == "hyphen":
            parts.append("-")
        parts.append(child.tail or "")
    return "".join(parts)


def _hwpx_own_runs(paragraph: ET.Element) -> tuple[str, list[ET.Element]]:
    """A paragraph's own text (not that of tables or shapes anchored in it) and its tables."""
    parts: list[str] = []
    tables: list[ET.Element] = []
    for run in paragraph:
        if _local(run.tag) != "run":
            continue
        for child in run:
            local = _local(child.tag)
            if local == "t":
                parts.append(_hwpx_text(child))
            elif local == "tbl":
                tables.append(child)
    return "".join(parts), tables


def _hwpx_table_rows(table: ET.Element) -> Iterator[str]:
    for row in table:
        if _local(row.tag) != "tr":
            continue
        cells: list[str] = []
        for cell in row:
            if _local(cell.tag) != "tc":
                continue
            texts = [_hwpx_own_runs(p)[0] for p in cell.iter() if _local(p.tag) == "p"]
            cells.append(_one_line(_clean(" ".join(texts))))
        if any(cells):
            yield " | ".join(cells)


def _parse_hwpx(data: bytes, *, max_unzipped_bytes: int, max_ratio: int) -> _Parsed:
    archive = _BoundedZip(data, max_unzipped_bytes=max_unzipped_bytes, max_ratio=max_ratio)
    names = set(archive.names)
    if "META-INF/manifest.xml" in names:
        manifest = archive.read("META-INF/manifest.xml")
        if b"encryption-data" in manifest:
            raise ExtractionError(
                "encrypted_document",
                "the HWPX document is password-protected; remove the password and upload again",
            )
    numbered_sections = sorted(
        (int(m.group(1)), name) for name in names if (m := _HWPX_SECTION.match(name))
    )
    if not numbered_sections:
        raise ExtractionError("corrupt_file", "the HWPX package has no Contents/section*.xml")

    header_root = None
    if "Contents/header.xml" in names:
        header_root = _parse_xml(archive.read("Contents/header.xml"), "Contents/header.xml")
    header = _hwpx_header(header_root)

    title: str | None = None
    if "Contents/content.hpf" in names:
        package = _parse_xml(archive.read("Contents/content.hpf"), "Contents/content.hpf")
        for element in package.iter():
            if _local(element.tag) == "title" and (element.text or "").strip():
                title = _one_line(_clean(element.text or ""))
                break

    blocks: list[_Block] = []
    for _, name in numbered_sections:
        root = _parse_xml(archive.read(name), name)
        for paragraph in root:
            if _local(paragraph.tag) != "p":
                continue
            text, tables = _hwpx_own_runs(paragraph)
            text = _clean(text)
            level = header.heading_level(paragraph) if text.strip() else None
            blocks.append(_Block(text, level=level, candidate="\n" not in text.strip()))
            for table in tables:
                blocks.extend(_Block(row, candidate=False) for row in _hwpx_table_rows(table))

    warnings: list[str] = []
    explicit = any(b.level is not None for b in blocks)
    if not explicit and _apply_line_heuristic(blocks):
        warnings.append("no outline paragraphs: numbered lines were taken as headings")
    return _Parsed(title=title, blocks=blocks, warnings=warnings, explicit_headings=explicit)


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------

_PAGE_NUMBER_LINE: Final = re.compile(
    r"^(?:[-–—]\s*)?\d{1,4}(?:\s*[-–—])?$|^(?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?$"
    r"|^\d{1,4}\s*/\s*\d{1,4}$|^第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?$",
    re.IGNORECASE,
)
_FILE_NAME_LIKE: Final = re.compile(r"\.\w{2,5}$|^microsoft word - |^untitled", re.IGNORECASE)


def _parse_pdf(data: bytes, *, max_text_bytes: int) -> _Parsed:
    import pypdf
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError

    warnings: list[str] = []
    blocks: list[_Block] = []
    title: str | None = None
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except (DependencyError, NotImplementedError) as exc:
                raise ExtractionError(
                    "encrypted_document", f"the PDF is encrypted and cannot be opened: {exc}"
                ) from exc
            if opened == pypdf.PasswordType.NOT_DECRYPTED:
                raise ExtractionError(
                    "encrypted_document",
                    "the PDF is password-protected; remove the password and upload again",
                )
            warnings.append("the PDF is encrypted without an open password; it was read as is")
        metadata = reader.metadata
        if metadata is not None and metadata.title:
            candidate = _one_line(_clean(str(metadata.title)))
            if candidate and not _FILE_NAME_LIKE.search(candidate):
                title = candidate
        total = 0
        empty_pages: list[int] = []
        for number, page in enumerate(reader.pages, start=1):
            text = _clean(page.extract_text() or "")
            total += len(text.encode("utf-8"))
            if total > max_text_bytes:
                raise ExtractionError(
                    "zip_bomb", f"the PDF expands to more than {max_text_bytes} bytes of text"
                )
            if not text.strip():
                empty_pages.append(number)
            for line in text.split("\n"):
                if not _PAGE_NUMBER_LINE.match(line.strip()):
                    blocks.append(_Block(line))
    except ExtractionError:
        raise
    except FileNotDecryptedError as exc:
        raise ExtractionError("encrypted_document", f"the PDF is encrypted: {exc}") from exc
    except LimitReachedError as exc:
        raise ExtractionError("zip_bomb", f"the PDF expands past pypdf's limits: {exc}") from exc
    except MemoryError:
        raise
    except Exception as exc:
        raise ExtractionError("corrupt_file", f"not a readable PDF: {exc}") from exc

    if not any(b.text.strip() for b in blocks):
        raise ExtractionError(
            "empty_document",
            "the PDF has no extractable text (a scanned image? text recognition is not done)",
        )
    if empty_pages:
        shown = ", ".join(str(n) for n in empty_pages[:10])
        more = "" if len(empty_pages) <= 10 else f" and {len(empty_pages) - 10} more"
        warnings.append(f"pages without extractable text (scanned?): {shown}{more}")
    _apply_line_heuristic(blocks)
    return _Parsed(title=title, blocks=blocks, warnings=warnings, explicit_headings=False)


# --------------------------------------------------------------------------------------------
# Agenda mapping
# --------------------------------------------------------------------------------------------

_NUMBER_PREFIX: Final = re.compile(
    rf"""^(?:
        제\s*\d{{1,3}}\s*(?:차\s*)?(?:호\s*)?(?:안건|의제|주제|항|장|절)?
      | 第\s*[{_CJK_NUM}]{{1,4}}\s*
        (?:项议题|項議題|个议题|個議題|项|項|议题|議題|章|节|節|条|條|部分)?
      | (?:agenda\s*item|agenda|item)\s*(?:no\.?\s*|\#\s*)?\d{{1,3}}
      | (?:안건|의제|议题|議題)\s*[{_CJK_NUM}]{{1,4}}
      | \d{{1,2}}(?:\.\d{{1,2}})*(?:[.)]|(?=\s)|$)
      | [ivx]{{1,4}}[.)]
      | [一二三四五六七八九十]{{1,3}}\s*[、.]
      | \(\s*[0-9一二三四五六七八九十]{{1,3}}\s*\)
      | [가나다라마바사아자차카타파하][.)]
    )\s*[:.、)\-–—]*\s*""",
    re.IGNORECASE | re.VERBOSE,
)


def _strip_numbering(text: str) -> str:
    for _ in range(3):
        stripped = _NUMBER_PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return text


def _normalize_title(text: str) -> str:
    """NFKC, case-folded, numbering removed, only letters and digits kept (no spaces: Korean
    spacing varies and CJK has none)."""
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    text = _strip_numbering(text)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def _bigrams(text: str) -> Counter[str]:
    if len(text) < 2:
        return Counter([text] if text else [])
    return Counter(text[i : i + 2] for i in range(len(text) - 1))


def _similarity(a: Counter[str], b: Counter[str]) -> float:
    """Dice coefficient of character bigrams; when one title contains most of the other
    (both at least 3 bigrams), 0.8 x the overlap coefficient if that is higher."""
    size_a, size_b = sum(a.values()), sum(b.values())
    if not size_a or not size_b:
        return 0.0
    common = sum((a & b).values())
    score = 2 * common / (size_a + size_b)
    if min(size_a, size_b) >= 3:
        score = max(score, 0.8 * common / min(size_a, size_b))
    return score


def _heading_number(heading: str) -> int | None:
    marker = _agenda_marker(unicodedata.normalize("NFKC", heading).strip())
    return marker[0] if marker else None


def map_sections_to_agenda(
    sections: Sequence[Section], agenda_titles: Sequence[str]
) -> list[SectionMapping]:
    """Propose which section goes with which agenda item; one mapping per section, in order.

    1. ``heading``: every headed section is scored against every agenda title (character
       bigrams of the normalised titles, see :func:`_similarity`); a heading that is only an
       agenda marker ("제2안건", "第二项", "Agenda item 2") scores 0.5 for that item number.
       Pairs scoring at least 0.5 are taken best first, one section per item.
    2. ``order``: items still open are paired in order with open headed sections at the agenda
       heading level (the level of the matched headings, else the shallowest level used more
       than once), only between the sections of their matched neighbours.
    3. Deeper sections follow the section above them ("1.1 Background" under "제1안건 ...").
    Everything else is ``unmatched`` (general notes), as is text before the first heading.
    """
    agenda = [_bigrams(_normalize_title(title)) for title in agenda_titles]
    headed = [i for i, s in enumerate(sections) if s.heading]
    result: dict[int, SectionMapping] = {}

    # 1. By heading similarity (or agenda number).
    candidates: list[tuple[float, int, int]] = []
    for i in headed:
        heading = sections[i].heading or ""
        grams = _bigrams(_normalize_title(heading))
        number = _heading_number(heading)
        for k, title_grams in enumerate(agenda):
            score = _similarity(grams, title_grams)
            if number == k + 1:
                score = max(score, _NUMBER_MATCH_SCORE)
            if score >= HEADING_MATCH_THRESHOLD:
                candidates.append((score, i, k))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_agenda: set[int] = set()
    for score, i, k in candidates:
        if i in result or k in used_agenda:
            continue
        result[i] = SectionMapping(
            agenda_index=k, section_index=i, method="heading", score=round(score, 3)
        )
        used_agenda.add(k)

    # 2. By order, between matched neighbours.
    if headed and len(used_agenda) < len(agenda):
        if result:
            agenda_level = min(sections[i].level for i in result)
        else:
            counts = Counter(sections[i].level for i in headed)
            repeated = [level for level, n in counts.items() if n > 1]
            agenda_level = min(repeated) if repeated else min(counts)
        open_sections = [i for i in headed if i not in result and sections[i].level == agenda_level]
        matched = {m.agenda_index: i for i, m in result.items() if m.agenda_index is not None}
        floor = -1
        for k in range(len(agenda)):
            if k in matched:
                continue
            low = max([s for a, s in matched.items() if a < k], default=-1)
            high = min([s for a, s in matched.items() if a > k], default=len(sections))
            pick = next(
                (i for i in open_sections if max(low, floor) < i < high and i not in result), None
            )
            if pick is None:
                continue
            heading_grams = _bigrams(_normalize_title(sections[pick].heading or ""))
            result[pick] = SectionMapping(
                agenda_index=k,
                section_index=pick,
                method="order",
                score=round(_similarity(heading_grams, agenda[k]), 3),
            )
            floor = pick

    # 3. Subsections follow their parent; the rest stays unmatched.
    mappings: list[SectionMapping] = []
    stack: list[tuple[int, SectionMapping | None]] = []
    for i, section in enumerate(sections):
        if section.heading is None:
            mappings.append(SectionMapping(None, i, "unmatched", 0.0))
            continue
        while stack and stack[-1][0] >= section.level:
            stack.pop()
        mapping = result.get(i)
        if mapping is None:
            parent = stack[-1][1] if stack else None
            if parent is not None and parent.agenda_index is not None:
                mapping = SectionMapping(parent.agenda_index, i, parent.method, parent.score)
        stack.append((section.level, mapping))
        mappings.append(mapping or SectionMapping(None, i, "unmatched", 0.0))
    return mappings
