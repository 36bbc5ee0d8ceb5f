"""Content-addressed file storage under the data directory, and content type sniffing."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
import unicodedata
import zipfile
from io import BytesIO
from pathlib import Path

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
)


# Room for the multipart envelope around an uploaded file: a file may have the upload body
# limit minus this, so that a file one byte over its limit reaches the service (and its
# ``file_too_large``, naming the file limit) rather than the body limit.
MULTIPART_HEADROOM = 64 * 1024


def max_file_bytes(max_upload_bytes: int) -> int:
    """The largest file an upload route takes, given the body limit of upload routes."""
    return max(1, max_upload_bytes - MULTIPART_HEADROOM)


def client_filename(filename: str | None, default: str) -> str:
    """The name a client gave its file, kept for downloads: the last path component (``/`` or
    ``\\``), without control characters (PostgreSQL cannot store NUL, and none belongs in a
    name), at most 255 characters; ``default`` when nothing is left."""
    name = Path((filename or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if unicodedata.category(ch) != "Cc")
    return name[:255] or default


def sniff_content_type(data: bytes) -> str:
    """The type the bytes really are, never what the client claimed."""
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return "application/octet-stream"
        if "word/document.xml" in names:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if any(n.startswith("Contents/section") for n in names):
            return "application/hwp+zip"
        return "application/zip"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/plain; charset=utf-8"


def store_blob(data_dir: Path, data: bytes) -> str:
    """Keep ``data`` once under its SHA-256 (written atomically) and return the digest."""
    digest = hashlib.sha256(data).hexdigest()
    path = blob_path(data_dir, digest)
    if path.exists():
        # Kept again: a fresh time keeps it out of ``prune_blobs`` until this upload's row has
        # been committed, even if every row that held it so far is deleted meanwhile.
        os.utime(path)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp.name, path)
    return digest


def blob_path(data_dir: Path, digest: str) -> Path:
    return data_dir / "blobs" / digest[:2] / digest[2:4] / digest


def prune_blobs(data_dir: Path, referenced: set[str], older_than_seconds: float) -> list[str]:
    """Removes the blobs no row refers to (``referenced``: the digests the database holds)
    that nothing has stored or stored again for ``older_than_seconds``; answers their digests.
    The grace period covers an upload of the same bytes whose row is not committed yet."""
    folder = data_dir / "blobs"
    if not folder.is_dir():
        return []
    cutoff = time.time() - older_than_seconds
    removed: list[str] = []
    for path in sorted(folder.glob("??/??/*")):
        if path.name in referenced or not path.is_file() or path.stat().st_mtime > cutoff:
            continue
        path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed
