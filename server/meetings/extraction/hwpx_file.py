"""HWPX (standard library only): headings by outline paragraph shape or style."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from server.meetings.extraction.common import Block, ExtractionError, Parsed, clean, one_line
from server.meetings.extraction.headings import HEADING_STYLE, apply_line_heuristic
from server.meetings.extraction.zipsafe import BoundedZip, refuse_dtd

_HWPX_SECTION: Final = re.compile(r"^Contents/section(\d+)\.xml$")
_HWPX_OUTLINE_STYLE: Final = re.compile(r"^(?:개요|outline)\s*(\d{1,2})$", re.IGNORECASE)


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _parse_xml(data: bytes, name: str) -> ET.Element:
    refuse_dtd(data, name)
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
            m = _HWPX_OUTLINE_STYLE.match(candidate.strip()) or HEADING_STYLE.match(
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
            cells.append(one_line(clean(" ".join(texts))))
        if any(cells):
            yield " | ".join(cells)


def parse_hwpx(data: bytes, *, max_unzipped_bytes: int, max_ratio: int) -> Parsed:
    archive = BoundedZip(data, max_unzipped_bytes=max_unzipped_bytes, max_ratio=max_ratio)
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
                title = one_line(clean(element.text or ""))
                break

    blocks: list[Block] = []
    for _, name in numbered_sections:
        root = _parse_xml(archive.read(name), name)
        for paragraph in root:
            if _local(paragraph.tag) != "p":
                continue
            text, tables = _hwpx_own_runs(paragraph)
            text = clean(text)
            level = header.heading_level(paragraph) if text.strip() else None
            blocks.append(Block(text, level=level, candidate="\n" not in text.strip()))
            for table in tables:
                blocks.extend(Block(row, candidate=False) for row in _hwpx_table_rows(table))

    warnings: list[str] = []
    explicit = any(b.level is not None for b in blocks)
    if not explicit and apply_line_heuristic(blocks):
        warnings.append("no outline paragraphs: numbered lines were taken as headings")
    return Parsed(title=title, blocks=blocks, warnings=warnings, explicit_headings=explicit)
