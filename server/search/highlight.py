"""Snippets of search hits: the text around the first match of a query, matches marked.

Matching follows the index (:mod:`server.search.text`): case- and accent-insensitive,
NFKC-normalized, CJK runs as substrings, other words whole (or a hyphenated word's part).
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Final

from server.search.text import CONNECTORS, is_word_char, normalize, pieces

__all__ = ["highlight"]

_SCAN_CHARS: Final = 2000
"""How much text is normalized at a time while looking for the first match."""

_SPACE: Final = re.compile(r"\s")


def _is_plain(ch: str) -> bool:
    """Han ideographs and Hangul syllables: normalize to themselves, compose with nothing."""
    cp = ord(ch)
    return 0x4E00 <= cp <= 0x9FFF or 0xAC00 <= cp <= 0xD7A3 or 0x3400 <= cp <= 0x4DBF


def _normalize_with_offsets(text: str) -> tuple[str, list[int], list[int]]:
    """Normalize ``text`` cluster by cluster, remembering where each output character came from.

    A cluster is a character plus whatever NFKC would compose with it (combining marks,
    Hangul jamo), so the result equals ``normalize`` of the whole text in all but exotic
    cases. Returns the normalized text and, for each of its characters, the start and end of
    the source cluster in ``text``.
    """
    clusters: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text):
            clusters.append((start, i))
            break
        ch = text[i]
        if (
            ch.isascii()
            or _is_plain(ch)
            or (
                not unicodedata.combining(ch)
                and unicodedata.normalize("NFKC", text[start : i + 1])
                == unicodedata.normalize("NFKC", text[start:i]) + unicodedata.normalize("NFKC", ch)
            )
        ):
            clusters.append((start, i))
            start = i
    norm_parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for s, e in clusters:
        piece = text[s] if e == s + 1 and _is_plain(text[s]) else normalize(text[s:e])
        norm_parts.append(piece)
        starts.extend([s] * len(piece))
        ends.extend([e] * len(piece))
    return "".join(norm_parts), starts, ends


def _needle_spans(norm: str, query: str) -> list[tuple[int, int]]:
    """Spans of ``norm`` (normalized text) that match the pieces of ``query``."""
    spans: list[tuple[int, int]] = []
    connector = "[" + re.escape("".join(sorted(CONNECTORS))) + "]?"
    for piece in pieces(normalize(query)):
        if piece.cjk:
            needle = piece.parts[0]
            pos = norm.find(needle)
            while pos != -1:
                spans.append((pos, pos + len(needle)))
                pos = norm.find(needle, pos + 1)
            continue
        joined = "".join(piece.parts)
        # A word matches whole, with or without apostrophes/hyphens between its letters, or
        # as one part of a hyphenated word (the same things the index matches).
        pattern = re.compile(connector.join(re.escape(ch) for ch in joined))
        pos = 0
        while (m := pattern.search(norm, pos)) is not None:
            s, e = m.span()
            before_ok = s == 0 or not is_word_char(norm[s - 1])
            after_ok = e == len(norm) or not is_word_char(norm[e])
            if before_ok and after_ok:
                spans.append((s, e))
                pos = e
            else:
                pos = s + 1
    return spans


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def _window(text: str, first: tuple[int, int] | None, max_len: int) -> tuple[int, int]:
    n = len(text)
    if n <= max_len:
        return 0, n
    if first is None:
        return 0, max_len
    match_start = first[0]
    start = max(0, match_start - max_len // 4)
    end = min(n, start + max_len)
    start = max(0, end - max_len)
    if start > 0:
        # Prefer to start at a word boundary shortly before the match.
        ws = re.search(r"\s", text[start:match_start][:20])
        if ws is not None:
            start += ws.end()
    while start < match_start and unicodedata.combining(text[start]):
        start += 1
    while 0 < end < n and unicodedata.combining(text[end]):
        end -= 1
    return start, end


def _spans(text: str, lo: int, hi: int, query: str) -> list[tuple[int, int]]:
    """Matches of ``query`` in ``text[lo:hi]``, as merged spans of ``text``."""
    norm, starts, ends = _normalize_with_offsets(text[lo:hi])
    spans: list[tuple[int, int]] = []
    for s, e in _needle_spans(norm, query):
        o_start, o_end = lo + starts[s], lo + ends[e - 1]
        # Extend over source characters that normalized to nothing (e.g. variation selectors).
        while o_end < len(text) and not normalize(text[o_end]) and not text[o_end].isspace():
            o_end += 1
        spans.append((o_start, o_end))
    return _merge(spans)


def _space_at_or_after(text: str, index: int) -> int:
    if index <= 0:
        return 0
    found = _SPACE.search(text, index)
    return found.start() if found else len(text)


def _matches_near_the_first(text: str, query: str, max_len: int) -> list[tuple[int, int]]:
    """Every match within ``max_len`` characters of the first one (all a snippet can show).

    Normalizing with offsets costs a Python step per character, and a search hit may be the
    minutes of a whole meeting, so the text is read in pieces of :data:`_SCAN_CHARS` until one
    holds a match; then only that match's neighbourhood is read again. Pieces are cut at
    whitespace, which no match spans (the query's pieces hold none) and which NFKC composes
    with nothing before it, so each piece matches exactly as it would within the whole text.
    """
    lo = 0
    while lo < len(text):
        hi = _space_at_or_after(text, lo + _SCAN_CHARS)
        found = _spans(text, lo, hi, query)
        if found:
            # Nothing matched before this piece; the snippet reaches max_len past the match.
            end = _space_at_or_after(text, found[0][1] + max_len)
            return found if end <= hi else _spans(text, lo, end, query)
        lo = hi
    return []


def highlight(
    text: str,
    query: str,
    *,
    max_len: int = 200,
    mark: tuple[str, str] = ("<mark>", "</mark>"),
) -> str:
    """An HTML snippet of ``text`` around the first match of ``query``, matches marked.

    Everything from ``text`` is HTML-escaped; only ``mark`` (trusted, inserted as given)
    wraps the matching spans. Matching follows the index: case- and accent-insensitive,
    NFKC-normalized, CJK runs as substrings, other words whole (or a hyphenated word's part).
    The snippet holds at most ``max_len`` characters of ``text``, with ``…`` where it was cut.
    Without a match it is the start of the text.
    """
    if max_len < 1:
        raise ValueError("max_len must be at least 1")
    if not text:
        return ""
    merged = _matches_near_the_first(text, query, max_len)
    w_start, w_end = _window(text, merged[0] if merged else None, max_len)

    out: list[str] = ["…"] if w_start > 0 else []
    pos = w_start
    for s, e in merged:
        s, e = max(s, w_start), min(e, w_end)
        if s >= e:
            continue
        out.append(html.escape(text[pos:s]))
        out.append(mark[0] + html.escape(text[s:e]) + mark[1])
        pos = e
    out.append(html.escape(text[pos:w_end]))
    if w_end < len(text):
        out.append("…")
    return "".join(out)
