"""Sections from blocks, and the numbered-line heuristic for documents without heading markup."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from server.meetings.extraction.common import Block, Section, display_width, one_line, tidy

MAX_HEADING_WIDTH: Final = 100
MIN_RELATIVE_HEADING_WIDTH: Final = 30
SENTENCE_END: Final = tuple(".。!?！？;；,，")

# A paragraph style that names a heading level, in the languages minutes come in.
HEADING_STYLE: Final = re.compile(
    r"^(?:heading|제목|标题|標題|見出し|überschrift|titre|título|titolo|kop|rubrik|заголовок)"
    r"\s*(\d)$",
    re.IGNORECASE,
)


def sections_from_blocks(blocks: Sequence[Block]) -> list[Section]:
    sections: list[Section] = []
    heading: str | None = None
    level = 0
    body: list[str] = []

    def flush() -> None:
        text = tidy(body)
        if heading is not None or text.strip():
            sections.append(Section(heading=heading, level=level, text=text))

    for block in blocks:
        if block.level is not None and block.text.strip():
            flush()
            heading, level, body = one_line(block.text), block.level, []
        else:
            body.append(block.text)
    flush()
    return sections


def title_from_headings(sections: Sequence[Section]) -> str | None:
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
CJK_NUM: Final = "0-9〇零一二两三四五六七八九十百"
_BOUNDARY: Final = r"(?=[\s:：.．、,，)）\]】\-–—]|$)"

# Agenda markers. Group 1 is the number.
_AGENDA_MARKERS: Final = (
    re.compile(rf"^제\s*(\d{{1,3}})\s*(?:차\s*)?(?:호\s*)?(?:안건|의제|주제){_BOUNDARY}"),
    re.compile(rf"^(?:안건|의제)\s*(\d{{1,3}}){_BOUNDARY}"),
    re.compile(rf"^第\s*([{CJK_NUM}]{{1,4}})\s*(?:项议题|項議題|个议题|個議題|项|項|议题|議題)"),
    re.compile(rf"^(?:议题|議題)\s*([{CJK_NUM}]{{1,4}})"),
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


def agenda_marker(line: str) -> tuple[int | None, int] | None:
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
    if agenda_marker(line) is not None:
        return _Numbered("agenda", 1, True)
    for pattern, family, depth in _OUTLINE_NUMBERS:
        m = pattern.match(line)
        if m:
            return _Numbered(family, depth(m), False)
    return None


def apply_line_heuristic(blocks: list[Block]) -> int:
    """Mark numbered heading lines (see the module docstring); returns how many."""
    nonblank = [i for i, b in enumerate(blocks) if b.text.strip()]
    limit = MAX_HEADING_WIDTH
    widths = sorted(display_width(blocks[i].text.strip()) for i in nonblank)
    if len(widths) >= 8:
        p90 = widths[int(0.9 * (len(widths) - 1))]
        limit = min(limit, max(int(p90 * 0.7), MIN_RELATIVE_HEADING_WIDTH))

    shapes: dict[int, _Numbered] = {}
    for i in nonblank:
        block = blocks[i]
        line = block.text.strip()
        if not block.candidate or block.level is not None or "\n" in line:
            continue
        if display_width(line) > limit or line.endswith(SENTENCE_END):
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
