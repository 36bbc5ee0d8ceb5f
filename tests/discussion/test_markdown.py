"""Tests for server.discussion.markdown: rendering, sanitizing and mentions."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.discussion import markdown
from server.discussion.markdown import extract_mentions, render_markdown

ALLOWED: dict[str, set[str]] = {
    **{
        tag: set()
        for tag in (
            "p", "br", "strong", "em", "del", "pre", "blockquote", "ul", "li",
            "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr",
        )
    },
    "a": {"href", "title", "rel"},
    "span": {"class", "data-username"},
    "code": {"class"},
    "ol": {"start"},
    "th": {"class"},
    "td": {"class"},
}  # fmt: skip


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(out: str) -> _Collector:
    collector = _Collector()
    collector.feed(out)
    collector.close()
    return collector


def assert_safe(out: str) -> None:
    """Only allowed tags and attributes; links safe; nothing that loads or runs anything."""
    for tag, attrs in parse(out).elements:
        assert tag in ALLOWED, (tag, out)
        assert set(attrs) <= ALLOWED[tag], (tag, attrs, out)
        if tag == "a":
            assert attrs["rel"] == "noopener noreferrer nofollow"
            if "href" in attrs:
                href = attrs["href"] or ""
                assert urlsplit(href).scheme in {"http", "https", "mailto"}, out
        if tag == "span":
            assert attrs.get("class") == "mention"
        if tag in ("th", "td") and "class" in attrs:
            assert attrs["class"] in {"align-left", "align-right", "align-center"}
        assert "style" not in attrs, out  # the client's policy allows no inline styles
        for value in attrs.values():
            assert "javascript:" not in (value or "").lower()


def mentions_in(out: str) -> list[str]:
    return [attrs["data-username"] or "" for tag, attrs in parse(out).elements if tag == "span"]


# --- basic rendering ---------------------------------------------------------------------------


def test_paragraphs_emphasis_and_cjk_text() -> None:
    assert render_markdown("**서울시**와 *北京市*의 ~~폐기~~ 공동연구") == (
        "<p><strong>서울시</strong>와 <em>北京市</em>의 <del>폐기</del> 공동연구</p>\n"
    )
    assert render_markdown("# 회의록\n\n## 会议纪要\n\n> 인용 引用") == (
        "<h1>회의록</h1>\n<h2>会议纪要</h2>\n<blockquote>\n<p>인용 引用</p>\n</blockquote>\n"
    )


def test_lists_code_rule_and_breaks() -> None:
    out = render_markdown(
        "3. 첫째\n4. 둘째\n\n- a\n- b\n\n---\n\n`x < y`\n\n    indented\n\nl1  \nl2"
    )
    assert '<ol start="3">\n<li>첫째</li>\n<li>둘째</li>\n</ol>' in out
    assert "<ul>\n<li>a</li>\n<li>b</li>\n</ul>" in out
    assert "<hr>" in out
    assert "<code>x &lt; y</code>" in out
    assert "<pre><code>indented\n</code></pre>" in out
    assert "l1<br>\nl2" in out
    assert_safe(out)


def test_tables() -> None:
    out = render_markdown(
        "| 도시 | 城市 | n |\n|:--|:-:|--:|\n| 서울 | 北京 | 2026 |\n| a | b | c |"
    )
    assert out.startswith("<table>\n<thead>\n<tr>\n")
    assert '<th class="align-left">도시</th>' in out
    assert '<th class="align-center">城市</th>' in out
    assert '<td class="align-right">2026</td>' in out
    assert "<tbody>" in out and out.count("<tr>") == 3
    assert_safe(out)


def test_fenced_code_keeps_language_class() -> None:
    out = render_markdown("```python\nprint('<b>')\n```")
    assert out == "<pre><code class=\"language-python\">print('&lt;b&gt;')\n</code></pre>\n"


def test_links() -> None:
    out = render_markdown(
        '[회의](https://gyoryu.example/m/1 "제목") <https://a.example/x> <kim@seoul.go.kr>'
    )
    rel = 'rel="noopener noreferrer nofollow"'
    assert f'<a href="https://gyoryu.example/m/1" title="제목" {rel}>회의</a>' in out
    assert '<a href="https://a.example/x" rel="noopener noreferrer nofollow">' in out
    assert '<a href="mailto:kim@seoul.go.kr" rel="noopener noreferrer nofollow">' in out
    assert_safe(out)


def test_bare_urls_are_not_linkified() -> None:
    assert render_markdown("see https://a.example/x") == "<p>see https://a.example/x</p>\n"


def test_images_never_render_as_images() -> None:
    out = render_markdown(
        "![chart](https://evil.example/a.png) ![](https://evil.example/b.png)"
        " ![pixel](data:image/png;base64,iVBORw0KGgo=) ![x](/local.png)"
    )
    assert "<img" not in out
    assert (
        '<a href="https://evil.example/a.png" rel="noopener noreferrer nofollow">chart</a>' in out
    )
    assert ">https://evil.example/b.png</a>" in out
    assert "data:" not in out
    assert " pixel " in out
    assert_safe(out)


def test_relative_and_other_scheme_links_lose_their_href() -> None:
    for source in ["[x](/channels/3)", "[x](#top)", "[x](//evil.example/x)", "[x](ftp://a/b)"]:
        out = render_markdown(source)
        assert "href" not in out, out
        assert_safe(out)


# --- XSS -------------------------------------------------------------------------------------

XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<div onclick="alert(1)">x</div>',
    "<iframe src=https://evil.example></iframe>",
    "<style>body{display:none}</style>",
    "<svg onload=alert(1)>",
    "<!-- comment --><b>bold</b>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](file:///etc/passwd)",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '[x](https://ok.example "a\\" onmouseover=\\"alert(1)")',
    '[x](https://ok.example/"onmouseover="alert(1))',
    '```"><script>alert(1)</script>\ncode\n```',
    "```js onload=alert(1)\ncode\n```",
    '@kim"><script>alert(1)</script>',
    "| <script>x</script> |\n|---|\n| <img src=x onerror=alert(1)> |",
    "**<img src=x onerror=alert(1)>**",
    "<scr<script>ipt>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
]


@pytest.mark.parametrize("source", XSS)
def test_xss_attempts_are_neutralized(source: str) -> None:
    out = render_markdown(source)
    assert_safe(out)
    assert "<script" not in out.lower()
    assert "<img" not in out.lower()
    assert "<iframe" not in out.lower()
    assert "<svg" not in out.lower()


def test_raw_html_is_shown_as_text() -> None:
    assert render_markdown("<b>굵게</b> <script>alert(1)</script>") == (
        "<p>&lt;b&gt;굵게&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
    )
    assert render_markdown("<div onclick=x>\nhi\n</div>") == (
        "<p>&lt;div onclick=x&gt;<br>\nhi<br>\n&lt;/div&gt;</p>\n"
    )


def test_a_single_newline_is_a_line_break_as_in_chat() -> None:
    assert render_markdown("첫 줄\n둘째 줄") == "<p>첫 줄<br>\n둘째 줄</p>\n"


def test_javascript_link_is_not_a_link() -> None:
    out = render_markdown("[x](javascript:alert(1))")
    assert "<a" not in out
    assert out == "<p>[x](javascript:alert(1))</p>\n"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                *"<>\"'`=/:[]()!*_~#|-@ \n\\&;",
                *["javascript:", "data:", "script", "img", "onerror", "a", "서", "京"],
                *["http://x", "&#58;", "&#x6a;", "```", "    "],
            ]
        ),
        max_size=40,
    ).map("".join)
)
def test_fuzz_output_is_always_safe(source: str) -> None:
    assert_safe(render_markdown(source))


# --- mentions --------------------------------------------------------------------------------


def test_mentions_render_as_spans() -> None:
    out = render_markdown("@kim.minsu 님, @Li_Wei 和 @lee-jy 확인 부탁드립니다")
    assert out == (
        '<p><span class="mention" data-username="kim.minsu">@kim.minsu</span> 님, '
        '<span class="mention" data-username="li_wei">@Li_Wei</span> 和 '
        '<span class="mention" data-username="lee-jy">@lee-jy</span> 확인 부탁드립니다</p>\n'
    )
    assert_safe(out)


def test_mentions_next_to_cjk_and_punctuation() -> None:
    source = "@kim님 감사합니다. (@park) 请@wang确认, thanks @lee. **@choi**"
    assert extract_mentions(source) == ["kim", "park", "wang", "lee", "choi"]
    assert mentions_in(render_markdown(source)) == ["kim", "park", "wang", "lee", "choi"]


def test_extract_mentions_lowercases_and_deduplicates_in_order() -> None:
    assert extract_mentions("@Park @kim @PARK @kim, @lee") == ["park", "kim", "lee"]
    assert extract_mentions("") == []


def test_code_does_not_mention() -> None:
    source = "`@inline` code\n\n```\n@fenced\n```\n\n    @indented\n\n~~~\n@tilde\n~~~\n\n@real"
    assert extract_mentions(source) == ["real"]
    out = render_markdown(source)
    assert mentions_in(out) == ["real"]
    assert "<code>@inline</code>" in out


def test_emails_and_urls_do_not_mention() -> None:
    source = (
        "mail kim@seoul.go.kr or <li.wei@beijing.gov.cn>, see example.com/@kim, "
        "a+b@c.de, x@@y, [@linked](https://x.example) @a@b.cn"
    )
    assert extract_mentions(source) == []
    assert mentions_in(render_markdown(source)) == []


def test_invalid_usernames_and_escapes_do_not_mention() -> None:
    assert extract_mentions("@a @_x @.x @-x @ kim") == []
    assert extract_mentions("@" + "a" * 40) == ["a" * 40]
    assert extract_mentions("@" + "a" * 41) == []
    assert extract_mentions("\\@kim &#64;lee @park") == ["park"]
    assert extract_mentions("@kim...") == ["kim"]


def test_mentions_in_tables_headings_and_lists() -> None:
    source = "# @chair\n\n- @one\n\n| 담당 |\n|---|\n| @two |"
    assert extract_mentions(source) == ["chair", "one", "two"]
    out = render_markdown(source)
    assert '<h1><span class="mention" data-username="chair">@chair</span></h1>' in out
    assert '<td><span class="mention" data-username="two">@two</span></td>' in out


def test_mention_span_survives_sanitizer_but_cannot_be_forged() -> None:
    forged = '<span class="mention" data-username="admin">@admin</span>'
    out = render_markdown(forged)
    assert out.startswith('<p>&lt;span class="mention"')  # raw HTML is text
    # Only the visible "@admin" text becomes a (real) mention.
    assert mentions_in(out) == ["admin"]
    assert extract_mentions(forged) == ["admin"]


# Characters plain text is made of, and characters that mean something to Markdown.
_PLAIN = "aZ09가北²Ⅻ .,?。，、？！：；"
_SPECIAL = "-#*_>!)(\t\n@&<\"'[]|~`\\=+:\u00a0"


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=_PLAIN + _SPECIAL, max_size=24) | st.text(alphabet=_PLAIN, max_size=24))
def test_plain_text_skips_the_parser_and_renders_as_the_parser_would(source: str) -> None:
    plain = markdown._plain_paragraph(source)
    if plain is not None:
        assert plain == str(markdown._CLEANER.clean(markdown._MD.render(source)))


def test_everyday_chat_messages_take_the_plain_text_path() -> None:
    for source in (
        "서울시와 베이징시 실무자 회의 일정을 확인합니다.",
        "北京市和首尔市的青年交流项目进展顺利。",
    ):
        assert markdown._plain_paragraph(source) == f"<p>{source}</p>\n"
    for source in ("1. 안건", "    코드", "**굵게**", "@kim 확인", "a < b", "첫 줄\n둘째 줄"):
        assert markdown._plain_paragraph(source) is None
