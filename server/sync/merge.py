"""Three-way merge of minutes text, line by line (diff3 rules, via ``merge3``).

Two offline edits of the same notes merge when they change different lines (also neighbouring
ones, when neither side added or removed lines there); edits of the same line (differently), or
insertions at the same place, are a conflict, which the caller keeps as a conflict copy rather
than choosing a winner.
"""

from __future__ import annotations

from collections.abc import Sequence

from merge3 import Merge3


def merge_text(base: str, mine: str, theirs: str) -> str | None:
    """The merge of ``mine`` and ``theirs`` (both edited from ``base``), or None on overlap."""
    if mine == theirs or theirs == base:
        return mine
    if mine == base:
        return theirs
    # Split on "\\n" without keeping ends, so that a missing final newline is not an edit of
    # the last line.
    b, m, t = base.split("\n"), mine.split("\n"), theirs.split("\n")
    merged = _diff3(b, m, t)
    if merged is None:
        # Repeated identical lines (blank ones) can make the diffs align badly; when no side
        # added or removed lines, lines at the same place are the same lines.
        merged = _line_by_line(b, m, t)
    return None if merged is None else "\n".join(merged)


def _diff3(base: list[str], mine: list[str], theirs: list[str]) -> list[str] | None:
    merged: list[str] = []
    for group in Merge3(base, mine, theirs).merge_groups():
        if group[0] == "conflict":
            lines = _line_by_line(*group[1:])
            if lines is None:
                return None
            merged.extend(lines)
        else:
            merged.extend(group[1])
    return merged


def _line_by_line(
    base: Sequence[str], mine: Sequence[str], theirs: Sequence[str]
) -> list[str] | None:
    """diff3 also calls edits of *adjacent* lines a conflict. When no line was added or
    removed, and no line was changed on both sides (differently), take each side's lines."""
    if not len(base) == len(mine) == len(theirs):
        return None
    lines = []
    for b, m, t in zip(base, mine, theirs, strict=True):
        if m in (b, t):
            lines.append(t)
        elif t == b:
            lines.append(m)
        else:
            return None
    return lines
