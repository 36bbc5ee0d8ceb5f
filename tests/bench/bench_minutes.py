"""Benchmark (a script, not a test): reading uploaded minutes files of about a hundred pages,
in each format the secretaries upload.

    .venv/bin/python tests/bench/bench_minutes.py [--items 60] [--paragraphs 50] [--repeat 3]
        [--write-docs]

Each file holds ``--items`` agenda items with ``--paragraphs`` paragraphs each (60 × 50 is
about a hundred pages), sentences of the exchanges in Korean, Chinese and English drawn with a
fixed seed. DOCX is written by python-docx with Word's heading styles, HWPX and PDF by the
builders of the extraction tests (``tests/meetings/documents.py``; the PDF in English, as its
hand-written font has no CJK glyphs), Markdown as text. Each file is read ``--repeat`` times
by ``server.meetings.extraction.extract`` (what an upload runs, in a worker thread) and the
median time is reported, with the sections found.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import docx

from server.meetings.extraction import extract
from tests.bench.bench_search import CHINESE, ENGLISH, KOREAN, sentence
from tests.bench.report import write_section
from tests.meetings.documents import docx_bytes, hwpx_p, make_hwpx, make_pdf

WEIGHTS = [1 / (rank + 1) for rank in range(len(KOREAN))]


def paragraphs(rng: random.Random, count: int, languages: list[list[str]]) -> list[str]:
    return [
        " ".join(sentence(rng, rng.choice(languages), WEIGHTS) for _ in range(3))
        for _ in range(count)
    ]


def minutes_docx(items: int, per_item: int) -> bytes:
    rng = random.Random(2026)
    document = docx.Document()
    document.add_heading("서울-베이징 공동위원회 회의록 首尔-北京联合委员会会议纪要", level=0)
    for n in range(items):
        document.add_heading(f"{n + 1}. 의제 {n + 1} 议程 agenda", level=1)
        for text in paragraphs(rng, per_item, [KOREAN, CHINESE, ENGLISH]):
            document.add_paragraph(text)
    return docx_bytes(document)


def minutes_hwpx(items: int, per_item: int) -> bytes:
    rng = random.Random(2026)
    body: list[str] = []
    for n in range(items):
        body.append(hwpx_p(f"{n + 1}. 의제 {n + 1} 议程", para="1", style="2"))
        body += [hwpx_p(text) for text in paragraphs(rng, per_item, [KOREAN, CHINESE, ENGLISH])]
    return make_hwpx([body], title="서울-베이징 공동위원회 회의록")


def minutes_pdf(items: int, per_item: int) -> bytes:
    rng = random.Random(2026)
    lines: list[str] = []
    for n in range(items):
        lines.append(f"{n + 1}. Agenda item {n + 1}")
        lines += paragraphs(rng, per_item, [ENGLISH])
    per_page = 30
    return make_pdf([lines[i : i + per_page] for i in range(0, len(lines), per_page)])


def minutes_markdown(items: int, per_item: int) -> bytes:
    rng = random.Random(2026)
    parts = ["# 서울-베이징 공동위원회 회의록"]
    for n in range(items):
        parts.append(f"## {n + 1}. 의제 {n + 1} 议程 agenda")
        parts += paragraphs(rng, per_item, [KOREAN, CHINESE, ENGLISH])
    return "\n\n".join(parts).encode()


FORMATS = {
    "DOCX": ("minutes.docx", minutes_docx),
    "HWPX": ("minutes.hwpx", minutes_hwpx),
    "PDF": ("minutes.pdf", minutes_pdf),
    "Markdown": ("minutes.md", minutes_markdown),
}


def bench(items: int, per_item: int, repeat: int) -> list[dict[str, Any]]:
    results = []
    for name, (filename, build) in FORMATS.items():
        data = build(items, per_item)
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            document = extract(data, filename, max_bytes=len(data) + 1)
            timings.append(time.perf_counter() - started)
        results.append(
            {
                "format": name,
                "bytes": len(data),
                "sections": len(document.sections),
                "seconds": round(statistics.median(timings), 2),
            }
        )
    return results


def write_docs(results: list[dict[str, Any]], items: int, per_item: int, repeat: int) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rows = "\n".join(
        f"| {r['format']} | {r['bytes'] / 1024:,.0f} KiB | {r['sections']} | {r['seconds']} |"
        for r in results
    )
    body = (
        "## Reading minutes files (`tests/bench/bench_minutes.py`)\n\n"
        f"Run on {stamp} with `.venv/bin/python -m tests.bench.run minutes --write-docs`; "
        "2 cores, shared.\n\n"
        f"Minutes of {items} agenda items with {per_item} paragraphs each (about a hundred "
        "pages), read by `server.meetings.extraction.extract` as an upload reads them; median "
        f"of {repeat}.\n\n"
        "| format | file | sections found | seconds |\n|---|---:|---:|---:|\n" + rows + "\n"
    )
    write_section("minutes", body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--paragraphs", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    results = bench(args.items, args.paragraphs, args.repeat)
    print(json.dumps({"bench": "minutes", "results": results}, ensure_ascii=False))
    if args.write_docs:
        write_docs(results, args.items, args.paragraphs, args.repeat)


if __name__ == "__main__":
    main()
