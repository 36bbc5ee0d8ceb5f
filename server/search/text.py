"""CJK-aware text processing for full-text search on SQLite (FTS5) and PostgreSQL.

Neither database tokenizes Korean or Chinese usefully out of the box: FTS5's ``trigram``
tokenizer cannot match two-character words such as ``서울`` or ``北京``, ``unicode61`` turns a
whole Chinese sentence into one token, and PostgreSQL's parser splits on spaces only. So we
do the tokenization ourselves and hand both databases a ready-made string of terms:

* SQLite: store :func:`index_terms` in an FTS5 column with ``tokenize='unicode61'`` (or
  ``'ascii'``; never ``porter``, which would stem the terms) and query it with
  ``WHERE <fts table> MATCH :expr`` where ``expr = fts5_match_expression(q)``.
  ``prefix='7'`` on the FTS5 table makes one-character CJK queries faster (optional).
* PostgreSQL: store ``to_tsvector('simple', index_terms(...))`` (a generated column) and
  query it with ``@@ to_tsquery('simple', :expr)`` where ``expr = tsquery_expression(q)``.

Tokenization (identical for documents and queries):

1. Normalize: NFKC, casefold, NFKC again (so full-width ``ＳＥＯＵＬ`` is ``seoul``), drop
   format characters and variation selectors (soft hyphen, zero-width joiners, IVS), and strip
   accents from Latin/Greek/Cyrillic letters (``Běijīng`` is ``beijing``, ``café`` is
   ``cafe``).
2. Split into runs by script. Han, Hangul and Kana runs (each script its own run) become
   overlapping character bigrams: ``서울시청`` gives ``서울 울시 시청``. Every other run of
   letters and digits is a word; internal apostrophes and hyphens join parts of one word:
   ``co-operation`` is indexed as ``co``, ``operation`` and ``cooperation``, ``don't`` as
   ``don``, ``t`` and ``dont``, and a query for ``co-operation``, ``cooperation`` or
   ``operation`` finds it. Words are cut to :data:`MAX_WORD_CHARS` characters.
3. One-character CJK queries: documents index, besides the bigrams, the *last* character of
   each CJK run as a unigram (a one-character run is just that unigram), so every character of
   a run is the first character of some indexed term. A one-character query is matched as a
   *prefix* (FTS5 ``"term"*``, PostgreSQL ``'term':*``), which therefore finds every occurrence
   of that character, at a cost of one extra term per run instead of one per character.
   Longer CJK queries are their bigrams, AND-ed like every other term (not a phrase: with
   PostgreSQL, positions above 16383 are capped and phrases would stop matching in long
   minutes).
4. Representation: a term made of ASCII ``[a-z0-9]`` stays as it is. Any other term is written
   as :data:`ENCODED_PREFIX` followed by five lower-case hex digits per code point
   (``北京`` is ``zx0531704eac``, ``北`` is ``zx05317``). Every term is therefore
   ``[a-z0-9]+``, which ``unicode61``, ``ascii`` and PostgreSQL's parser each keep as exactly
   one unchanged token, whatever their Unicode version, locale or accent folding; and a
   unigram's encoding is a prefix of the encoding of each bigram that starts with it. ASCII
   words that themselves start with the prefix are encoded too, so the mapping stays
   one-to-one. (Five hex digits cover U+FFFFF; letters and digits never lie beyond that.)
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

__all__ = [
    "CONNECTORS",
    "ENCODED_PREFIX",
    "MAX_WORD_CHARS",
    "fts5_match_expression",
    "index_terms",
    "is_word_char",
    "normalize",
    "pieces",
    "query_terms",
    "tsquery_expression",
]

ENCODED_PREFIX: Final = "zx"
"""Marks a term that is written as hex code points (see the module docstring)."""

MAX_WORD_CHARS: Final = 64
"""Longer words (base64 blobs, hashes) are cut to this many characters, on both sides."""

_ASCII_TERM: Final = re.compile(r"[a-z0-9]+")

# Character classes used by the scanner.
_OTHER: Final = 0
_WORD: Final = 1  # letters and digits outside CJK
_MARK: Final = 2  # combining marks: continue a word, ignored elsewhere
_CONNECTOR: Final = 3  # apostrophes and hyphens that may join the parts of a word
_HAN: Final = 4
_HANGUL: Final = 5
_KANA: Final = 6
_CJK: Final = frozenset({_HAN, _HANGUL, _KANA})

CONNECTORS: Final = frozenset("'\u2019-\u2010\u2011")

_HAN_RANGES: Final = (
    (0x2E80, 0x2FDF),  # radicals (NFKC maps most to unified ideographs)
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3021, 0x3029),  # Hangzhou numerals
    (0x3038, 0x303B),
    (0x3400, 0x4DBF),  # extension A
    (0x4E00, 0x9FFF),  # unified ideographs
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0x20000, 0x3FFFF),  # extensions B and later, compatibility supplement
)
_HANGUL_RANGES: Final = (
    (0x1100, 0x11FF),  # jamo
    (0x3130, 0x318F),  # compatibility jamo
    (0xA960, 0xA97F),  # jamo extended A
    (0xAC00, 0xD7AF),  # syllables
    (0xD7B0, 0xD7FF),  # jamo extended B
    (0xFFA0, 0xFFDC),  # half-width jamo
)
_KANA_RANGES: Final = (
    (0x3040, 0x309F),  # hiragana
    (0x30A0, 0x30FF),  # katakana (with ー)
    (0x31F0, 0x31FF),  # katakana phonetic extensions
    (0xFF66, 0xFF9F),  # half-width katakana
    (0x1AFF0, 0x1B16F),  # kana extended / supplement / small kana
)


def _in_ranges(cp: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


@functools.lru_cache(maxsize=16384)
def _classify(ch: str) -> int:
    cp = ord(ch)
    if cp < 0x80:
        if ch.isalnum():
            return _WORD
        return _CONNECTOR if ch in CONNECTORS else _OTHER
    cat = unicodedata.category(ch)
    major = cat[0]
    if major in "LN":
        if _in_ranges(cp, _HANGUL_RANGES):
            return _HANGUL
        if _in_ranges(cp, _HAN_RANGES):
            return _HAN
        if _in_ranges(cp, _KANA_RANGES):
            return _KANA
        return _WORD
    if major == "M":
        return _MARK
    return _CONNECTOR if ch in CONNECTORS else _OTHER


# --- normalization ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=16384)
def _is_ignorable(ch: str) -> bool:
    cp = ord(ch)
    return (
        0xFE00 <= cp <= 0xFE0F  # variation selectors
        or 0xE0100 <= cp <= 0xE01EF  # ideographic variation selectors
        or (cp >= 0x80 and unicodedata.category(ch) == "Cf")  # ZWJ, soft hyphen, BOM...
    )


def _accent_base(cp: int) -> bool:
    """Latin, Greek and Cyrillic letters, whose combining accents search ignores."""
    return (
        cp <= 0x052F or 0x1E00 <= cp <= 0x1FFF or 0x2C60 <= cp <= 0x2C7F or (0xA720 <= cp <= 0xA7FF)
    )


@functools.lru_cache(maxsize=16384)
def _may_fold(ch: str) -> bool:
    """A precomposed accented letter, or a combining mark: what folding may change."""
    cp = ord(ch)
    return (cp > 0x7F and _accent_base(cp)) or unicodedata.combining(ch) != 0


# Runs that folding leaves as they are: ASCII (each character may carry a following accent)
# and CJK syllables, ideographs and kana (none may; the kana block's two combining sound
# marks, U+3099 and U+309A, are left out of it).
_FOLD_RUNS: Final = re.compile(
    r"([\x00-\x7f]+)|([\u3040-\u3098\u309b-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3]+)|(.)",
    re.DOTALL,
)


def _fold_accents(text: str) -> str:
    """Drop the combining accents of Latin, Greek and Cyrillic letters (``café`` -> ``cafe``).

    Only accented letters and combining marks are decomposed: decomposing everything split
    every Hangul syllable into jamo and made a long Korean message cost a tenth of a second."""
    out: list[str] = []
    base_ok = False  # the last base letter takes no accents
    for ascii_run, cjk_run, ch in _FOLD_RUNS.findall(text):
        if ascii_run or cjk_run:
            out.append(ascii_run or cjk_run)
            base_ok = bool(ascii_run)
        elif not _may_fold(ch):
            out.append(ch)
            base_ok = _accent_base(ord(ch))
        else:
            for part in unicodedata.normalize("NFD", ch):
                if unicodedata.combining(part):
                    if base_ok:
                        continue
                else:
                    base_ok = _accent_base(ord(part))
                out.append(part)
    return unicodedata.normalize("NFC", "".join(out))


def normalize(text: str) -> str:
    """The search form of ``text``: NFKC, casefolded, accents and ignorables removed."""
    if text.isascii():
        return text.lower()
    norm = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    if any(_is_ignorable(ch) for ch in norm):
        norm = "".join(ch for ch in norm if not _is_ignorable(ch))
    if not norm.isascii():
        norm = _fold_accents(norm)
    return norm


# --- scanning ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Piece:
    """A CJK run (``cjk=True``, ``parts`` holds the run) or a word and its parts."""

    cjk: bool
    parts: tuple[str, ...]


def pieces(norm: str) -> Iterator[_Piece]:
    """Split normalized text into CJK runs and words."""
    n = len(norm)
    kinds = [_classify(ch) for ch in norm]
    i = 0
    while i < n:
        kind = kinds[i]
        if kind in _CJK:
            run: list[str] = []
            while i < n and (kinds[i] == kind or kinds[i] == _MARK):
                if kinds[i] == kind:  # marks inside a CJK run are dropped
                    run.append(norm[i])
                i += 1
            yield _Piece(True, ("".join(run),))
        elif kind == _WORD:
            parts: list[str] = []
            current: list[str] = []
            while i < n:
                k = kinds[i]
                if k in (_WORD, _MARK):
                    current.append(norm[i])
                    i += 1
                elif k == _CONNECTOR and i + 1 < n and kinds[i + 1] == _WORD and current:
                    parts.append("".join(current))
                    current = []
                    i += 1
                else:
                    break
            parts.append("".join(current))
            yield _Piece(False, tuple(parts))
        else:
            i += 1


@functools.lru_cache(maxsize=65536)  # CJK bigrams repeat: a text's vocabulary is small
def _encode(term: str) -> str:
    if _ASCII_TERM.fullmatch(term) and not term.startswith(ENCODED_PREFIX):
        return term
    return ENCODED_PREFIX + "".join(f"{ord(ch):05x}" for ch in term)


def _word_terms(parts: tuple[str, ...]) -> list[str]:
    terms = [p[:MAX_WORD_CHARS] for p in parts]
    if len(parts) > 1:
        terms.append("".join(parts)[:MAX_WORD_CHARS])
    return terms


# --- public: indexing and querying ---------------------------------------------------------


def index_terms(text: str) -> str:
    """The space-separated search terms of a document, for FTS5 and ``to_tsvector('simple')``.

    Each CJK run gives its overlapping bigrams plus its last character (a one-character run
    gives just that character); each word gives itself, and a word with internal apostrophes
    or hyphens gives its parts and the joined form. Terms are ``[a-z0-9]+`` (see the module
    docstring for the encoding) and appear in text order.
    """
    terms: list[str] = []
    for piece in pieces(normalize(text)):
        if piece.cjk:
            run = piece.parts[0]
            terms.extend(run[i : i + 2] for i in range(len(run) - 1))
            terms.append(run[-1])
        else:
            terms.extend(_word_terms(piece.parts))
    return " ".join(_encode(t) for t in terms)


@dataclass(frozen=True, slots=True)
class _QueryTerm:
    term: str
    prefix: bool


def _parse_query(query: str) -> list[_QueryTerm]:
    seen: set[_QueryTerm] = set()
    out: list[_QueryTerm] = []

    def add(qt: _QueryTerm) -> None:
        if qt not in seen:
            seen.add(qt)
            out.append(qt)

    for piece in pieces(normalize(query)):
        if piece.cjk:
            run = piece.parts[0]
            if len(run) == 1:
                add(_QueryTerm(_encode(run), prefix=True))
            for i in range(len(run) - 1):
                add(_QueryTerm(_encode(run[i : i + 2]), prefix=False))
        else:
            joined = "".join(piece.parts)[:MAX_WORD_CHARS]
            add(_QueryTerm(_encode(joined), prefix=False))
    return out


def query_terms(query: str) -> list[str]:
    """The terms a query must match (all of them), de-duplicated, in query order.

    A CJK run of two or more characters gives its bigrams (``北京`` is one term); a
    one-character CJK run gives its unigram, which :func:`fts5_match_expression` and
    :func:`tsquery_expression` match as a prefix, so that it finds the character anywhere in
    a run (see the module docstring). A word with apostrophes or hyphens gives its joined
    form only (``co-operation`` -> ``cooperation``), which documents index as well.
    """
    return [qt.term for qt in _parse_query(query)]


def _fts5_quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def fts5_match_expression(query: str) -> str | None:
    """An FTS5 ``MATCH`` expression for ``query``: every term, quoted, AND-ed.

    Quoting every term (terms are ``[a-z0-9]+`` anyway) means user input never reaches the
    FTS5 query syntax: ``"``, ``*``, ``NEAR(``, ``OR``, ``-`` are just text. ``None`` when
    the query has no searchable terms (the caller should then return no results).
    """
    parsed = _parse_query(query)
    if not parsed:
        return None
    return " AND ".join(_fts5_quote(qt.term) + ("*" if qt.prefix else "") for qt in parsed)


def _tsquery_quote(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery_expression(query: str) -> str | None:
    """A ``to_tsquery('simple', ...)`` expression for ``query``: every term quoted, ``&``-ed.

    Pass it as a bound parameter. Operators in the input (``&``, ``|``, ``!``, ``:``,
    parentheses, quotes, backslashes) never reach the tsquery syntax. ``None`` when the query
    has no searchable terms.
    """
    parsed = _parse_query(query)
    if not parsed:
        return None
    return " & ".join(_tsquery_quote(qt.term) + (":*" if qt.prefix else "") for qt in parsed)


def is_word_char(ch: str) -> bool:
    """Letters, digits and combining marks outside CJK: what a word is made of."""
    return _classify(ch) in (_WORD, _MARK)
