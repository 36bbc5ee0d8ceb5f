"""Markdown for messages, descriptions and minutes: rendered and sanitized on the server.

:func:`render_markdown` turns CommonMark (plus GFM tables and strikethrough) into HTML that the
web client can insert as is:

* raw HTML in the source is not interpreted: it shows up as text;
* images are never emitted (the client must load nothing from third-party hosts): an image
  becomes a link to its URL, labelled with its alt text;
* links keep only ``http``, ``https`` and ``mailto`` URLs and always carry
  ``rel="noopener noreferrer nofollow"``;
* ``@username`` becomes ``<span class="mention" data-username="username">@username</span>``;
* the result goes through nh3 (ammonia) with an allow-list of exactly the tags and attributes
  the renderer produces, as a second line of defence.

Mentions (:func:`extract_mentions` finds the same ones) follow the username rule
``[a-z0-9][a-z0-9._-]{1,39}``, case-insensitively (the username is lower-cased), and are not
recognized inside code spans or code blocks, inside links, after a backslash (``\\@name``),
inside an e-mail address or after a letter, digit or ``/`` (``kim@seoul.go.kr``,
``example.com/@kim``). Trailing dots are sentence punctuation, not part of the name
(``thanks @kim.`` mentions ``kim``), and a longer run of name characters is no mention at all.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Final
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

__all__ = ["USERNAME_PATTERN", "extract_mentions", "render_markdown"]

USERNAME_PATTERN: Final = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")
"""A username, as mentions recognize it (lower-case; mentions match case-insensitively)."""

_NAME_RUN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# An "@" right after one of these is part of an e-mail address, a URL path or a word.
_NOT_BEFORE_MENTION: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-/@\\"
)

ALLOWED_URL_SCHEMES: Final = frozenset({"http", "https", "mailto"})
LINK_REL: Final = "noopener noreferrer nofollow"


# --- mentions on the token stream ------------------------------------------------------------


def _find_mentions(text: str, literal: Sequence[bool]) -> list[tuple[int, int, str]]:
    """``(start, end, username)`` of each mention in ``text``.

    ``literal[i]`` is False where character ``i`` came from a backslash escape or an entity;
    such an ``@`` does not start a mention.
    """
    found: list[tuple[int, int, str]] = []
    pos = text.find("@")
    while pos != -1:
        if literal[pos] and (pos == 0 or text[pos - 1] not in _NOT_BEFORE_MENTION):
            run = _NAME_RUN.match(text, pos + 1)
            if run is not None:
                end = run.end()
                name = run.group().rstrip(".")
                followed_by_at = end < len(text) and text[end] == "@"
                if not followed_by_at and USERNAME_PATTERN.fullmatch(name.lower()):
                    found.append((pos, pos + 1 + len(name), name.lower()))
                pos = text.find("@", end)
                continue
        pos = text.find("@", pos + 1)
    return found


def _text_token(content: str) -> Token:
    return Token("text", "", 0, content=content)


def _replace_group(group: list[Token]) -> list[Token]:
    """Split a run of adjacent text tokens around the mentions in it."""
    text = "".join(t.content for t in group)
    literal: list[bool] = []
    for t in group:
        literal.extend([t.type == "text"] * len(t.content))
    mentions = _find_mentions(text, literal)
    if not mentions:
        return group
    out: list[Token] = []
    pos = 0
    for start, end, username in mentions:
        if start > pos:
            out.append(_text_token(text[pos:start]))
        out.append(
            Token("mention", "span", 0, content=text[start:end], meta={"username": username})
        )
        pos = end
    if pos < len(text):
        out.append(_text_token(text[pos:]))
    return out


def _mentions_rule(state: StateCore) -> None:
    """Core rule (before ``text_join``): turn ``@name`` in plain text into mention tokens.

    Code spans and code blocks are separate tokens, so they are never looked at; text inside
    links is skipped. Running before ``text_join`` keeps escapes (``\\@``) and entities
    (``&#64;``) visible as ``text_special`` tokens.
    """
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        group: list[Token] = []
        link_depth = 0
        for child in block.children:
            if link_depth == 0 and child.type in ("text", "text_special"):
                group.append(child)
                continue
            if group:
                children.extend(_replace_group(group))
                group = []
            if child.type == "link_open":
                link_depth += 1
            elif child.type == "link_close":
                link_depth = max(0, link_depth - 1)
            elif child.type in ("s_open", "s_close"):
                child.tag = "del"
            children.append(child)
        if group:
            children.extend(_replace_group(group))
        block.children = children


# --- rendering -----------------------------------------------------------------------------


def _safe_url(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_URL_SCHEMES:
        return False
    return bool(parts.netloc) if scheme in ("http", "https") else bool(parts.path)


def _render_mention(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    username = html.escape(str(token.meta["username"]))
    return f'<span class="mention" data-username="{username}">{html.escape(token.content)}</span>'


def _render_image(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """An image becomes a link to it (or just its alt text): nothing loads by itself."""
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env)
    src = str(token.attrGet("src") or "")
    if not _safe_url(src):
        return html.escape(alt)
    label = html.escape(alt or src)
    return f'<a href="{html.escape(src)}">{label}</a>'


_ALIGNMENT: Final = re.compile(r"text-align:(left|right|center)")


def _alignment_as_class_rule(state: StateCore) -> None:
    """A table cell's alignment as a class (``align-left|center|right``) instead of a style
    attribute: the web client's Content-Security-Policy allows no inline styles."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open") and token.attrs:
            style = str(token.attrs.pop("style", ""))
            if (found := _ALIGNMENT.fullmatch(style)) is not None:
                token.attrSet("class", f"align-{found.group(1)}")


def _make_markdown() -> MarkdownIt:
    # breaks: a single newline is a line break, as people expect in chat messages.
    md = MarkdownIt(
        "commonmark", {"html": False, "linkify": False, "typographer": False, "breaks": True}
    )
    md.enable(["table", "strikethrough"])
    md.core.ruler.before("text_join", "mentions", _mentions_rule)
    md.core.ruler.push("alignment_as_class", _alignment_as_class_rule)
    md.add_render_rule("mention", _render_mention)
    md.add_render_rule("image", _render_image)
    return md


_MD: Final = _make_markdown()

_TAGS: Final = frozenset(
    {
        "p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "span",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
_ATTRIBUTES: Final = {
    "a": {"href", "title"},
    "span": {"class", "data-username"},
    "code": {"class"},
    "ol": {"start"},
    "th": {"class"},
    "td": {"class"},
}
_CODE_CLASS: Final = re.compile(r"language-[A-Za-z0-9_+#.-]{1,40}")
_CELL_CLASS: Final = re.compile(r"align-(left|right|center)")


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    """Second check of every attribute value nh3 would keep (by tag and name)."""
    if attribute == "href":
        return value if _safe_url(value) else None
    if element == "span":
        if attribute == "class":
            return value if value == "mention" else None
        if attribute == "data-username":
            return value if USERNAME_PATTERN.fullmatch(value) else None
    if element == "code" and attribute == "class":
        return value if _CODE_CLASS.fullmatch(value) else None
    if element in ("th", "td") and attribute == "class":
        return value if _CELL_CLASS.fullmatch(value) else None
    if attribute == "start":
        return value if value.isascii() and value.isdigit() and len(value) <= 9 else None
    return value


_CLEANER: Final = nh3.Cleaner(
    tags=set(_TAGS),
    attributes=_ATTRIBUTES,
    attribute_filter=_attribute_filter,
    link_rel=LINK_REL,
    url_schemes=set(ALLOWED_URL_SCHEMES),
    url_relative="deny",
)


# Besides letters and digits, what a line of plain text may hold and still mean nothing to
# Markdown, mentions or the sanitizer ("." only where it cannot end a list number).
_PLAIN_MARKS: Final = frozenset(" ,.?\u3002\uff0c\u3001\uff1f\uff01\uff1a\uff1b")


def _plain_paragraph(source: str) -> str | None:
    """The HTML of ``source`` when it is one line of words and spaces that no rule changes
    (most chat messages: "회의 일정을 확인합니다.", "北京市的青年交流项目。"), without parsing it;
    None when it may be anything else. A property test holds it to the full rendering."""
    text = source.rstrip(" ")
    if not text or text[0] == " " or (text[0].isdigit() and "." in text):
        return None  # leading spaces can make code; "1." starts a list
    for char in text:
        if not (char.isalnum() or char in _PLAIN_MARKS):
            return None
    return f"<p>{text}</p>\n"


def render_markdown(source: str) -> str:
    """Render Markdown ``source`` to sanitized HTML (see the module docstring for the rules)."""
    plain = _plain_paragraph(source)
    if plain is not None:
        return plain
    return str(_CLEANER.clean(_MD.render(source)))


def extract_mentions(source: str) -> list[str]:
    """Usernames mentioned in ``source``, lower-cased, de-duplicated, in order of appearance.

    Exactly the mentions :func:`render_markdown` marks up (not in code, links or e-mail
    addresses). Whether such a user exists is for the caller to check.
    """
    if "@" not in source:
        return []  # the usual case, without parsing the text a second time
    seen: dict[str, None] = {}
    for block in _MD.parse(source):
        for child in block.children or []:
            if child.type == "mention":
                seen.setdefault(str(child.meta["username"]), None)
    return list(seen)
