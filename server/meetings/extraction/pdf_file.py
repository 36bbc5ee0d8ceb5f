"""PDF (pypdf): text by page; headings by the numbered-line heuristic."""

from __future__ import annotations

import io
import re
from typing import Final

from server.meetings.extraction.common import Block, ExtractionError, Parsed, clean, one_line
from server.meetings.extraction.headings import apply_line_heuristic

_PAGE_NUMBER_LINE: Final = re.compile(
    r"^(?:[-–—]\s*)?\d{1,4}(?:\s*[-–—])?$|^(?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?$"
    r"|^\d{1,4}\s*/\s*\d{1,4}$|^第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?$",
    re.IGNORECASE,
)
_FILE_NAME_LIKE: Final = re.compile(r"\.\w{2,5}$|^microsoft word - |^untitled", re.IGNORECASE)


def parse_pdf(data: bytes, *, max_text_bytes: int) -> Parsed:
    import pypdf
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError

    warnings: list[str] = []
    blocks: list[Block] = []
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
            candidate = one_line(clean(str(metadata.title)))
            if candidate and not _FILE_NAME_LIKE.search(candidate):
                title = candidate
        total = 0
        empty_pages: list[int] = []
        for number, page in enumerate(reader.pages, start=1):
            text = clean(page.extract_text() or "")
            total += len(text.encode("utf-8"))
            if total > max_text_bytes:
                raise ExtractionError(
                    "zip_bomb", f"the PDF expands to more than {max_text_bytes} bytes of text"
                )
            if not text.strip():
                empty_pages.append(number)
            for line in text.split("\n"):
                if not _PAGE_NUMBER_LINE.match(line.strip()):
                    blocks.append(Block(line))
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
    apply_line_heuristic(blocks)
    return Parsed(title=title, blocks=blocks, warnings=warnings, explicit_headings=False)
