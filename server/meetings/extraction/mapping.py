"""Proposing which section belongs to which agenda item."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import Final

from server.meetings.extraction.common import Section, SectionMapping
from server.meetings.extraction.headings import CJK_NUM, agenda_marker

HEADING_MATCH_THRESHOLD: Final = 0.5
NUMBER_MATCH_SCORE: Final = 0.5


_NUMBER_PREFIX: Final = re.compile(
    rf"""^(?:
        제\s*\d{{1,3}}\s*(?:차\s*)?(?:호\s*)?(?:안건|의제|주제|항|장|절)?
      | 第\s*[{CJK_NUM}]{{1,4}}\s*
        (?:项议题|項議題|个议题|個議題|项|項|议题|議題|章|节|節|条|條|部分)?
      | (?:agenda\s*item|agenda|item)\s*(?:no\.?\s*|\#\s*)?\d{{1,3}}
      | (?:안건|의제|议题|議題)\s*[{CJK_NUM}]{{1,4}}
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
    marker = agenda_marker(unicodedata.normalize("NFKC", heading).strip())
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
                score = max(score, NUMBER_MATCH_SCORE)
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
