"""Tests for server.search.highlight: snippets with the query's matches marked, as the index
matches them, escaped, and the same whether a long text is read whole or in pieces."""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.search import highlight as highlight_module
from server.search.highlight import highlight
from tests.search.test_text import KO, MIXED, ZH


def test_highlight_korean_and_chinese_substrings() -> None:
    assert highlight(KO, "서울") == "<mark>서울</mark>시 대기질 공동연구"
    assert highlight(KO, "대기질 연구") == "서울시 <mark>대기질</mark> 공동<mark>연구</mark>"
    assert highlight(ZH, "北京") == "<mark>北京</mark>市 旅游交流"
    assert highlight(ZH, "京") == "北<mark>京</mark>市 旅游交流"


def test_highlight_words_case_insensitive_and_whole() -> None:
    assert highlight("Joint COMMITTEE", "committee") == "Joint <mark>COMMITTEE</mark>"
    assert highlight("co-operation and cooperation", "cooperation") == (
        "<mark>co-operation</mark> and <mark>cooperation</mark>"
    )
    assert highlight("operational operation", "operation") == "operational <mark>operation</mark>"
    assert highlight("Café BĚIJĪNG", "cafe beijing") == "<mark>Café</mark> <mark>BĚIJĪNG</mark>"
    assert highlight("ＳＥＯＵＬ", "seoul") == "<mark>ＳＥＯＵＬ</mark>"


def test_highlight_mixed() -> None:
    assert (
        highlight(MIXED, "北京 2026") == "서울-<mark>北京</mark> joint committee <mark>2026</mark>"
    )


def test_highlight_escapes_everything_but_marks() -> None:
    text = 'Agenda <script>alert("x")</script> & <b>서울</b>'
    out = highlight(text, "script 서울")
    assert "<script>" not in out and "<b>" not in out
    assert out == (
        "Agenda &lt;<mark>script</mark>&gt;alert(&quot;x&quot;)&lt;/<mark>script</mark>&gt;"
        " &amp; &lt;b&gt;<mark>서울</mark>&lt;/b&gt;"
    )
    assert highlight("<i>x</i>", "") == "&lt;i&gt;x&lt;/i&gt;"
    assert highlight("a", "a", mark=('<em class="hit">', "</em>")) == '<em class="hit">a</em>'


def test_highlight_snippet_around_first_match() -> None:
    text = "가" * 300 + " 北京市 旅游交流 " + "나" * 300
    out = highlight(text, "旅游", max_len=40)
    assert out.startswith("…") and out.endswith("…")
    assert "<mark>旅游</mark>" in out
    assert len(out.replace("<mark>", "").replace("</mark>", "")) <= 42
    # No match: the start of the text.
    assert highlight("abc " * 100, "zzz", max_len=10) == "abc abc ab…"
    with pytest.raises(ValueError):
        highlight("abc", "a", max_len=0)


def test_highlight_decomposed_text_and_variation_selectors() -> None:
    import unicodedata

    nfd = unicodedata.normalize("NFD", "서울시")
    assert len(nfd) == 7  # 서 = 2 jamo, 울 = 3, 시 = 2
    assert highlight(nfd, "서울") == f"<mark>{nfd[:5]}</mark>{nfd[5:]}"
    assert highlight("葛\U000e0100城", "葛城") == "<mark>葛\U000e0100城</mark>"


@settings(max_examples=200, deadline=None)
@given(
    st.text(st.characters(exclude_characters="\x01\x02"), max_size=80),
    st.text(max_size=10),
)
def test_fuzz_highlight_never_leaks_markup(text: str, query: str) -> None:
    out = highlight(text, query, mark=("\x01", "\x02"))
    assert "<" not in out and ">" not in out
    assert out.count("\x01") == out.count("\x02")


def test_highlight_finds_a_match_deep_in_long_minutes_with_its_neighbours() -> None:
    filler = "회의 meeting 会议纪要 co-operation. " * 4000  # about 120,000 characters
    text = filler + "다음 北京市 방문 일정, 北京 두 번째. " + filler
    out = highlight(text, "北京")
    assert out.startswith("…") and out.endswith("…")
    assert out.count("<mark>北京</mark>") == 2


# Pieces of long texts: Korean, Chinese (long runs without spaces), Latin words with
# connectors and accents, decomposed jamo, variation selectors, all kinds of whitespace.
_LONG_TEXT_PARTS = st.sampled_from(
    [
        "서울",
        "시청",
        "北京",
        "市政府旅游交流合作",
        "co-operation",
        "Beijing",
        "Běijīng",
        "don't",
        "\u1109\u1165\u110b\u116e\u11af",  # 서울, decomposed
        "葛\U000e0100城",
        " ",
        "\n",
        "\u3000",
        "\u00a0",
        ".",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(_LONG_TEXT_PARTS, min_size=1, max_size=400).map("".join),
    st.sampled_from(["서울", "北京", "京", "合作", "operation", "beijing", "dont", "葛城"]),
    st.integers(min_value=1, max_value=40),
)
def test_highlight_reading_long_text_in_pieces_matches_reading_it_whole(
    text: str, query: str, scan_chars: int
) -> None:
    with mock.patch.object(highlight_module, "_SCAN_CHARS", 10**9):
        whole = highlight(text, query, max_len=30)
    with mock.patch.object(highlight_module, "_SCAN_CHARS", scan_chars):
        assert highlight(text, query, max_len=30) == whole
