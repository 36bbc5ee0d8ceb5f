"""Each benchmark owns one section of docs/benchmarks.md, between its own markers
(``<!-- name:start -->`` ... ``<!-- name:end -->``), and replaces only that section."""

from __future__ import annotations

from pathlib import Path

REPORT = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def write_section(name: str, body: str, report: Path = REPORT) -> None:
    """Put ``body`` (Markdown, without the markers) in section ``name``, adding it at the end
    if the report has none yet."""
    start, end = markers(name)
    section = f"{start}\n{body.strip()}\n{end}"
    text = report.read_text(encoding="utf-8") if report.exists() else "# Benchmarks\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(text, encoding="utf-8")
