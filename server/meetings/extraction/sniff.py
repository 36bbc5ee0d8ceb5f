"""Which kind a file is, decided by its content (the name only has to agree)."""

from __future__ import annotations

import codecs
import io
import re
import zipfile
import zlib
from pathlib import PurePath
from typing import Final

from server.meetings.extraction.common import DocumentKind, ExtractionError

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


def decode_text(data: bytes) -> tuple[str, str | None] | None:
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

    decoded = decode_text(data)
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
