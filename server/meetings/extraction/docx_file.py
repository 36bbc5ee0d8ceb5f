"""DOCX (python-docx): headings by style, outline level or all-bold paragraphs."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any, Final

from server.meetings.extraction.common import (
    Block,
    ExtractionError,
    Parsed,
    clean,
    display_width,
    one_line,
)
from server.meetings.extraction.headings import (
    HEADING_STYLE,
    MAX_HEADING_WIDTH,
    SENTENCE_END,
    apply_line_heuristic,
)
from server.meetings.extraction.zipsafe import BoundedZip

_TITLE_STYLE: Final = re.compile(r"^(?:title|제목|标题|標題|表題|タイトル)$", re.IGNORECASE)


def parse_docx(data: bytes, *, max_unzipped_bytes: int, max_ratio: int) -> Parsed:
    BoundedZip(data, max_unzipped_bytes=max_unzipped_bytes, max_ratio=max_ratio).verify_all()
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


class _Styles:
    """The styles of one document, each looked up and followed once.

    python-docx finds a paragraph's or run's style, and the default style when none is set,
    by scanning every style of the document (about a millisecond each with Word's 160 or so),
    and then again for each base style: a hundred pages took 9 seconds. The answers depend
    on the style alone, so they are kept per style.
    """

    def __init__(self, document: Any) -> None:
        from docx.enum.style import WD_STYLE_TYPE

        self._part = document.part
        self._paragraph_type = WD_STYLE_TYPE.PARAGRAPH
        self._character_type = WD_STYLE_TYPE.CHARACTER
        self._by_id: dict[tuple[str | None, Any], Any] = {}
        self._names: dict[Any, list[str]] = {}
        self._levels: dict[Any, int | None] = {}
        self._bold: dict[Any, bool | None] = {}

    def _get(self, style_id: str | None, style_type: Any) -> Any:
        key = (style_id, style_type)
        if key not in self._by_id:
            self._by_id[key] = self._part.get_style(style_id, style_type)
        return self._by_id[key]

    def of_paragraph(self, paragraph: Any) -> Any:
        return self._get(paragraph._p.style, self._paragraph_type)

    def of_run(self, run: Any) -> Any:
        return self._get(run._r.style, self._character_type)

    def names(self, style: Any) -> list[str]:
        key = _key(style)
        if key not in self._names:
            self._names[key] = _docx_style_chain(style)
        return self._names[key]

    def heading_level(self, style: Any) -> int | None:
        key = _key(style)
        if key not in self._levels:
            self._levels[key] = _docx_style_heading_level(style)
        return self._levels[key]

    def bold(self, style: Any) -> bool | None:
        key = _key(style)
        if key not in self._bold:
            self._bold[key] = _docx_bold_in_chain(style)
        return self._bold[key]


def _key(style: Any) -> Any:
    return None if style is None else style.element


def _walk_docx(document: Any) -> Parsed:
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    styles = _Styles(document)
    body = document.element.body
    parent = document._body
    title: str | None = None
    blocks: list[Block] = []
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
            text = clean(_docx_paragraph_text(child))
            style = styles.of_paragraph(paragraph)
            style_names = styles.names(style)
            if title is None and text.strip() and any(_TITLE_STYLE.match(n) for n in style_names):
                title = one_line(text)
                continue
            level = _docx_heading_level(paragraph, style, styles)
            blocks.append(Block(text, level=level, candidate="\n" not in text.strip()))
            bold.append(level is None and _docx_all_bold(paragraph, style, text, styles))
        elif child.tag == tag_tbl:
            for row_text in _docx_table_rows(Table(child, parent)):
                blocks.append(Block(row_text, candidate=False))
                bold.append(False)

    warnings: list[str] = []
    explicit = any(b.level is not None for b in blocks)
    if not explicit:
        bold_headings = [
            i
            for i, b in enumerate(blocks)
            if bold[i]
            and display_width(b.text.strip()) <= MAX_HEADING_WIDTH
            and not b.text.strip().endswith(SENTENCE_END)
        ]
        if bold_headings:
            for i in bold_headings:
                blocks[i].level = 1
            warnings.append("no heading styles: short all-bold paragraphs were taken as headings")
        elif apply_line_heuristic(blocks):
            warnings.append("no heading styles: numbered lines were taken as headings")

    if title is None:
        core_title = str(document.core_properties.title or "").strip()
        title = one_line(clean(core_title)) or None
    return Parsed(title=title, blocks=blocks, warnings=warnings, explicit_headings=explicit)


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


def _docx_style_chain(style: Any) -> list[str]:
    names: list[str] = []
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


def _docx_heading_level(paragraph: Any, style: Any, styles: _Styles) -> int | None:
    direct = _docx_outline_level(paragraph._p.pPr)
    if direct is not None:
        return direct + 1 if 0 <= direct < 9 else None
    return styles.heading_level(style)


def _docx_style_heading_level(style: Any) -> int | None:
    depth = 0
    while style is not None and depth < 20:
        m = HEADING_STYLE.match(str(style.name or "").strip())
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


def _docx_all_bold(paragraph: Any, style: Any, text: str, styles: _Styles) -> bool:
    """Every run carrying text is bold (directly, by its character style or the paragraph
    style), and the runs hold the paragraph's whole text."""
    stripped = text.strip()
    runs = [run for run in paragraph.runs if run.text.strip()]
    if not stripped or not runs:
        return False
    if one_line("".join(run.text for run in paragraph.runs)) != one_line(stripped):
        return False
    paragraph_bold = styles.bold(style)
    for run in runs:
        value = run.bold
        if value is None:
            value = styles.bold(styles.of_run(run))
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
            cells.append(one_line(clean(cell.text)))
        if any(cells):
            yield " | ".join(cells)
