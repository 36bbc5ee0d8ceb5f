"""Plain text and Markdown."""

from __future__ import annotations

import re
from typing import Final

from server.meetings.extraction.common import Block, Parsed, clean
from server.meetings.extraction.headings import apply_line_heuristic

_ATX_HEADING: Final = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_ATX_CLOSING: Final = re.compile(r"(?:^|[ \t]+)#+$")
_FENCE: Final = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def parse_text(text: str) -> Parsed:
    blocks = [Block(line) for line in clean(text).split("\n")]
    apply_line_heuristic(blocks)
    return Parsed(title=None, blocks=blocks, warnings=[], explicit_headings=False)


def parse_markdown(text: str) -> Parsed:
    blocks: list[Block] = []
    fence: str | None = None
    for line in clean(text).split("\n"):
        fence_match = _FENCE.match(line)
        if fence is not None:
            if (
                fence_match is not None
                and fence_match.group(1)[0] == fence[0]
                and len(fence_match.group(1)) >= len(fence)
                and not line[fence_match.end() :].strip()
            ):
                fence = None
            blocks.append(Block(line, candidate=False))
            continue
        if fence_match:
            fence = fence_match.group(1)
            blocks.append(Block(line, candidate=False))
            continue
        m = _ATX_HEADING.match(line)
        if m:
            content = _ATX_CLOSING.sub("", m.group(2) or "").strip()
            if content:
                blocks.append(Block(content, level=len(m.group(1))))
                continue
        blocks.append(Block(line, candidate=False))
    return Parsed(title=None, blocks=blocks, warnings=[], explicit_headings=True)
