"""Tests for server.search.text: tokenization, query expressions (against real FTS5)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.search.text import (
    ENCODED_PREFIX,
    MAX_WORD_CHARS,
    fts5_match_expression,
    index_terms,
    query_terms,
    tsquery_expression,
)

KO = "서울시 대기질 공동연구"
ZH = "北京市 旅游交流"
EN = "Joint Committee on Air Quality: Seoul's co-operation plan"
MIXED = "서울-北京 joint committee 2026"

DOCS = {
    1: KO,
    2: ZH,
    3: EN,
    4: MIXED,
    5: "부산 해양 관광 협력",  # unrelated Korean
    6: "上海 经济 合作",  # unrelated Chinese
    7: "공동연구서",  # a Korean run that ends in 서
}


def enc(term: str) -> str:
    """The expected encoding of a non-ASCII term (mirrors the documented scheme)."""
    return ENCODED_PREFIX + "".join(f"{ord(c):05x}" for c in term)


def make_fts(tokenize: str = "unicode61") -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE idx USING fts5(terms, tokenize='{tokenize}')")
    return conn


@pytest.fixture
def fts() -> Iterator[sqlite3.Connection]:
    conn = make_fts()
    conn.executemany(
        "INSERT INTO idx(rowid, terms) VALUES (?, ?)",
        [(rowid, index_terms(text)) for rowid, text in DOCS.items()],
    )
    yield conn
    conn.close()


def search(conn: sqlite3.Connection, query: str) -> set[int]:
    expr = fts5_match_expression(query)
    if expr is None:
        return set()
    return {row[0] for row in conn.execute("SELECT rowid FROM idx WHERE idx MATCH ?", (expr,))}


# --- index_terms -----------------------------------------------------------------------------


def test_korean_bigrams_plus_last_character_of_each_run() -> None:
    expected = ["서울", "울시", "시", "대기", "기질", "질", "공동", "동연", "연구", "구"]
    assert index_terms(KO).split() == [enc(t) for t in expected]


def test_chinese_bigrams() -> None:
    expected = ["北京", "京市", "市", "旅游", "游交", "交流", "流"]
    assert index_terms(ZH).split() == [enc(t) for t in expected]


def test_english_words_casefolded_with_compounds() -> None:
    assert index_terms(EN).split() == [
        "joint", "committee", "on", "air", "quality", "seoul", "s", "seouls",
        "co", "operation", "cooperation", "plan",
    ]  # fmt: skip


def test_mixed_scripts_split_into_runs() -> None:
    assert index_terms(MIXED).split() == [
        enc("서울"), enc("울"), enc("北京"), enc("京"), "joint", "committee", "2026",
    ]  # fmt: skip


def test_single_character_run_is_a_unigram() -> None:
    assert index_terms("市") == enc("市")
    assert index_terms("2026년 第3回") == " ".join(["2026", enc("년"), enc("第"), "3", enc("回")])


def test_normalization() -> None:
    # Full-width Latin, accents, pinyin tones, ß, half-width katakana, soft hyphen.
    assert index_terms("ＳＥＯＵＬ Café Běijīng STRASSE straße") == (
        "seoul cafe beijing strasse strasse"
    )
    assert index_terms("ｿｳﾙ") == index_terms("ソウル")
    assert index_terms("co\u00adoperation") == "cooperation"
    # Decomposed (NFD) Hangul, as macOS produces, indexes like composed Hangul.
    import unicodedata

    assert index_terms(unicodedata.normalize("NFD", KO)) == index_terms(KO)


def test_accents_fold_only_on_latin_greek_and_cyrillic_letters() -> None:
    # A combining accent is dropped after any Latin, Greek or Cyrillic letter, precomposed,
    # decomposed, or after a letter beyond ASCII such as ł ...
    assert index_terms("cafe\u0301 ΑΘΉΝΑ Ёлка") == index_terms("cafe αθηνα елка")
    assert index_terms("ł\u0301ódź") == index_terms("łodz")
    assert index_terms("ł\u309a") == index_terms("ł")  # even a kana sound mark
    # ... but kept on kana, where the sound mark makes another letter (か + ゛ is が).
    assert index_terms("か\u3099") == index_terms("が") != index_terms("か")


def test_ascii_words_that_look_encoded_are_encoded() -> None:
    # A literal word "zx0531704eac" must not collide with the encoding of 北京.
    assert index_terms("zx0531704eac") != index_terms("北京")
    assert index_terms("zx0531704eac").startswith(ENCODED_PREFIX)


def test_long_words_are_cut_consistently() -> None:
    word = "a" * 500
    assert index_terms(word) == "a" * MAX_WORD_CHARS
    assert query_terms(word) == ["a" * MAX_WORD_CHARS]


def test_empty_and_punctuation_only() -> None:
    assert index_terms("") == ""
    assert index_terms("  ... !!! ——  ") == ""


TERM = re.compile(r"[a-z0-9]+")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_terms_are_always_ascii_alnum(text: str) -> None:
    terms = index_terms(text)
    assert terms == " ".join(terms.split())  # single spaces, no empty terms
    for term in terms.split():
        assert TERM.fullmatch(term)
    for term in query_terms(text):
        assert TERM.fullmatch(term)


def unicode61_tokens(conn: sqlite3.Connection) -> list[str]:
    """The tokens FTS5 actually stored for rowid 1, in order."""
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS vocab USING fts5vocab(idx, 'instance')")
    rows = conn.execute("SELECT term, offset FROM vocab WHERE doc = 1 ORDER BY offset").fetchall()
    return [term for term, _ in rows]


SAMPLES = [
    KO,
    ZH,
    EN,
    MIXED,
    "東京タワー ＡＢＣ déjà-vu Ωμέγα Москва عربي हिन्दी ภาษาไทย 𠮷野家 々 〇 ①②",
    "e\u0301 \U00020bb7\U000e0100 emoji 🙂 tab\tnew\nline 3.14 1e5 x_y a'b c-d",
]


@pytest.mark.parametrize("tokenize", ["unicode61", "unicode61 remove_diacritics 2", "ascii"])
@pytest.mark.parametrize("text", SAMPLES)
def test_every_term_is_exactly_one_unchanged_fts5_token(text: str, tokenize: str) -> None:
    conn = make_fts(tokenize)
    terms = index_terms(text)
    conn.execute("INSERT INTO idx(rowid, terms) VALUES (1, ?)", (terms,))
    assert unicode61_tokens(conn) == terms.split()
    conn.close()


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_fuzz_every_term_is_one_fts5_token(text: str) -> None:
    conn = make_fts()
    terms = index_terms(text)
    conn.execute("INSERT INTO idx(rowid, terms) VALUES (1, ?)", (terms,))
    assert unicode61_tokens(conn) == terms.split()
    conn.close()


# --- query_terms and searching through FTS5 --------------------------------------------------


def test_two_character_queries_are_one_bigram() -> None:
    assert query_terms("서울") == [enc("서울")]
    assert query_terms("北京") == [enc("北京")]
    assert query_terms("서울시") == [enc("서울"), enc("울시")]


def test_query_words() -> None:
    assert query_terms("Joint COMMITTEE joint") == ["joint", "committee"]
    assert query_terms("co-operation") == ["cooperation"]
    assert query_terms("Seoul's") == ["seouls"]


def test_two_character_queries_match(fts: sqlite3.Connection) -> None:
    assert search(fts, "서울") == {1, 4}
    assert search(fts, "北京") == {2, 4}


def test_queries_match_across_languages(fts: sqlite3.Connection) -> None:
    assert search(fts, "대기질") == {1}
    assert search(fts, "공동연구") == {1, 7}
    assert search(fts, "旅游") == {2}
    assert search(fts, "北京 旅游") == {2}
    assert search(fts, "JOINT committee") == {3, 4}
    assert search(fts, "서울 joint 2026") == {4}
    assert search(fts, "co-operation") == {3}
    assert search(fts, "cooperation") == {3}
    assert search(fts, "operation") == {3}
    assert search(fts, "seoul") == {3}


def test_korean_query_does_not_match_unrelated_text(fts: sqlite3.Connection) -> None:
    assert search(fts, "대기오염") == set()
    assert search(fts, "부산 서울") == set()
    assert search(fts, "울시대") == set()  # characters present, but not in this order
    assert search(fts, "京市") == {2}
    assert search(fts, "北市") == set()


def test_one_character_cjk_query_finds_the_character_anywhere(fts: sqlite3.Connection) -> None:
    assert fts5_match_expression("서") == f'"{enc("서")}"*'
    assert search(fts, "서") == {1, 4, 7}  # start of a run, and end of a run (공동연구서)
    assert search(fts, "시") == {1}  # end of 서울시
    assert search(fts, "울") == {1, 4}  # middle of 서울시, end of 서울
    assert search(fts, "京") == {2, 4}
    assert search(fts, "海") == {6}
    assert search(fts, "東") == set()


ADVERSARIAL = [
    '"',
    '""',
    "*",
    "NEAR(",
    "NEAR(a b",
    "OR",
    "a OR b",
    "AND",
    "NOT",
    "-",
    "- 서울",
    "^",
    ":",
    "terms:",
    "idx:서울",
    "{terms}",
    "'); DROP TABLE idx; --",
    "\\",
    "'",
    "a & b | !c",
    "(北京)",
    "서울*",
    '北京"',
    "\x00",
    "\u200b",
]


@pytest.mark.parametrize("query", ADVERSARIAL)
def test_adversarial_queries_never_break_match_syntax(fts: sqlite3.Connection, query: str) -> None:
    search(fts, query)  # no sqlite3.OperationalError
    assert fts.execute("SELECT count(*) FROM idx").fetchone()[0] == len(DOCS)


def test_adversarial_queries_still_search_their_words(fts: sqlite3.Connection) -> None:
    assert search(fts, "- 서울") == {1, 4}
    assert search(fts, "(北京)") == {2, 4}
    assert search(fts, 'joint"') == {3, 4}
    assert search(fts, "joint OR nothing") == set()  # OR is a word here, AND-ed


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_fuzz_fts5_expression_is_always_valid(query: str) -> None:
    conn = make_fts()
    conn.execute("INSERT INTO idx(rowid, terms) VALUES (1, ?)", (index_terms(query),))
    expr = fts5_match_expression(query)
    if expr is None:
        assert query_terms(query) == []
        return
    # Valid syntax, and a document always matches a query made of its own text.
    rows = conn.execute("SELECT rowid FROM idx WHERE idx MATCH ?", (expr,)).fetchall()
    assert rows == [(1,)]
    conn.close()


def test_empty_queries_give_none() -> None:
    for query in ["", "   ", "!!!", '"*"', "\u200b"]:
        assert fts5_match_expression(query) is None
        assert tsquery_expression(query) is None


# --- tsquery ---------------------------------------------------------------------------------


def test_tsquery_expression() -> None:
    assert tsquery_expression("서울 Joint") == f"'{enc('서울')}' & 'joint'"
    assert tsquery_expression("北") == f"'{enc('北')}':*"
    assert tsquery_expression("북경") == f"'{enc('북경')}'"


# One quoted lexeme, optionally followed by :*, joined by " & ": nothing else can appear.
TSQUERY = re.compile(r"'[a-z0-9]+'(:\*)?( & '[a-z0-9]+'(:\*)?)*")


@pytest.mark.parametrize(
    "query",
    [*ADVERSARIAL, "a & b", "a | b", "!a", "a:*", "a:A", "(a", "a)", "a <-> b", "'a'", "a\\'b"],
)
def test_tsquery_expression_is_safe(query: str) -> None:
    expr = tsquery_expression(query)
    assert expr is None or TSQUERY.fullmatch(expr)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_fuzz_tsquery_expression_is_safe(query: str) -> None:
    expr = tsquery_expression(query)
    assert expr is None or TSQUERY.fullmatch(expr)


# --- PostgreSQL (run with GYORYU_TEST_DB=postgres; needs no database fixtures) ----------------

PG_QUERIES = [
    "서울",
    "北京",
    "서",
    "시",
    "京",
    "대기질",
    "공동연구",
    "北京 旅游",
    "JOINT committee",
    "서울 joint 2026",
    "co-operation",
    "operation",
    "대기오염",
    "울시대",
    *ADVERSARIAL,
    "a & b | !c:* <-> (",
    "\\'",
]


@pytest.mark.postgres_only
async def test_postgres_tokens_and_results_agree_with_fts5(fts: sqlite3.Connection) -> None:
    import importlib
    import os

    asyncpg = importlib.import_module("asyncpg")  # untyped; also imported by tests/conftest.py
    dsn = os.environ.get("GYORYU_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
    conn = await asyncpg.connect(dsn)
    try:
        for text in SAMPLES:
            terms = index_terms(text)
            rows = await conn.fetch(
                "SELECT lexeme, unnest(positions) AS pos"
                " FROM unnest(to_tsvector('simple', $1::text)) ORDER BY pos",
                terms,
            )
            assert [r["lexeme"] for r in rows] == terms.split()
        for query in PG_QUERIES:
            expr = tsquery_expression(query)
            matched: set[int] = set()
            if expr is not None:
                for rowid, text in DOCS.items():
                    hit = await conn.fetchval(
                        "SELECT to_tsvector('simple', $1::text) @@ to_tsquery('simple', $2::text)",
                        index_terms(text),
                        expr,
                    )
                    if hit:
                        matched.add(rowid)
            assert matched == search(fts, query), query
    finally:
        await conn.close()
