"""ZIP containers (DOCX, HWPX) opened with limits on members, size and ratio."""

from __future__ import annotations

import io
import zipfile
import zlib
from typing import Final

from server.meetings.extraction.common import MIB, ExtractionError

MAX_ZIP_MEMBERS: Final = 2000
# The compression ratio is judged only for members declaring at least this much: small, very
# repetitive XML parts legitimately exceed 100:1 and cannot hurt (the total is capped anyway).
RATIO_CHECK_MIN_BYTES: Final = 1 * MIB
_ZIP_CHUNK: Final = 64 * 1024


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


class BoundedZip:
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
                refuse_dtd(data, name)


def refuse_dtd(data: bytes, name: str) -> None:
    # Office and HWPX parts never carry a DTD; refusing them rules out entity expansion
    # ("billion laughs") and external entities in every XML parser used here.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ExtractionError("corrupt_file", f"{name!r} contains a DTD, which is not allowed")
