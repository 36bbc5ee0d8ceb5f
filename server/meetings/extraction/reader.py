"""The entry point: bytes in, title and headed sections out."""

from __future__ import annotations

from server.meetings.extraction.common import (
    DEFAULT_MAX_RATIO,
    DEFAULT_MAX_UNZIPPED_BYTES,
    ExtractedDocument,
    ExtractionError,
)
from server.meetings.extraction.docx_file import parse_docx
from server.meetings.extraction.headings import sections_from_blocks, title_from_headings
from server.meetings.extraction.hwpx_file import parse_hwpx
from server.meetings.extraction.pdf_file import parse_pdf
from server.meetings.extraction.plain import parse_markdown, parse_text
from server.meetings.extraction.sniff import decode_text, sniff_kind


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
        parsed = parse_docx(data, max_unzipped_bytes=max_unzipped_bytes, max_ratio=max_ratio)
    elif kind == "hwpx":
        parsed = parse_hwpx(data, max_unzipped_bytes=max_unzipped_bytes, max_ratio=max_ratio)
    elif kind == "pdf":
        parsed = parse_pdf(data, max_text_bytes=max_unzipped_bytes)
    else:
        decoded = decode_text(data)
        if decoded is None:  # pragma: no cover - sniff_kind already decoded it
            raise ExtractionError("unsupported_type", "not UTF-8 text")
        text, warning = decoded
        parsed = parse_markdown(text) if kind == "markdown" else parse_text(text)
        if warning:
            parsed.warnings.insert(0, warning)

    sections = sections_from_blocks(parsed.blocks)
    if not any(s.heading or s.text.strip() for s in sections):
        raise ExtractionError("empty_document", "the document contains no text")
    if not any(s.heading for s in sections):
        parsed.warnings.append("no headings found: the whole document is one section")
    title = parsed.title
    if title is None and parsed.explicit_headings:
        title = title_from_headings(sections)
    return ExtractedDocument(kind=kind, title=title, sections=sections, warnings=parsed.warnings)
