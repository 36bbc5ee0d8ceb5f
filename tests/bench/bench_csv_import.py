"""Benchmark (a script, not a test): import a generated 50,000-row cities CSV into a fresh
SQLite database through the directory service, and print one JSON line with the elapsed
seconds and the peak memory the import allocated (tracemalloc).

    .venv/bin/python tests/bench/bench_csv_import.py [--rows 50000]

The import runs twice on two fresh databases: once timed without tracemalloc (which slows
Python down), once under tracemalloc for the peak.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import text

from server.cli import migrate
from server.core.config import Settings
from server.core.db import Database
from server.directory import csvio
from server.identity import service as identity
from server.identity.models import UserCreate
from server.identity.service import Principal
from tests.bench.report import write_section

PROVINCES = ("경기도", "강원특별자치도", "충청북도", "충청남도", "경상북도", "경상남도", "전라남도")


def write_cities(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("\ufeffname,name_lang,name_ko,name_zh_hans,name_en,country\n")
        for n in range(rows):
            if n % 2:
                out.write(f"测试城市{n},zh-Hans,시험도시{n},,Test city {n},CN\n")
            else:
                province = PROVINCES[n % len(PROVINCES)]
                out.write(f"{province} 시험시{n},ko,,试验市{n},Test town {n},KR\n")


async def run_import(csv_path: Path, db_path: Path, *, trace: bool) -> dict[str, object]:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{db_path}")
    await asyncio.to_thread(migrate, settings)
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            admin = await identity.create_user(
                session,
                None,
                UserCreate(
                    username="bench.admin",
                    display_name="Bench",
                    password="a-long-bench-secret",
                    role="admin",
                ),
                ip=None,
            )
        assert admin.id is not None
        actor = Principal(
            user_id=admin.id,
            username=admin.username,
            role="admin",
            organization_id=None,
            is_bot=False,
            token_id=0,
            scopes=None,
            channel_ids=None,
        )
        if trace:
            tracemalloc.start()
        start = time.perf_counter()
        with csv_path.open("rb") as file:
            async with db.transaction() as session:
                report = await csvio.import_csv(
                    session, actor, "cities", file, dry_run=False, ip=None
                )
        elapsed = time.perf_counter() - start
        peak = 0
        if trace:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        async with db.session(write=False) as session:
            cities = (await session.execute(text("SELECT COUNT(*) FROM cities"))).scalar_one()
            changes = (
                await session.execute(text("SELECT COUNT(*) FROM change_log WHERE entity = 'city'"))
            ).scalar_one()
    finally:
        await db.dispose()
    return {
        "elapsed": elapsed,
        "peak": peak,
        "created": report.created,
        "cities": cities,
        "changes": changes,
    }


def _write_docs(result: dict[str, object]) -> None:
    write_section(
        "csv-import",
        f"""## Directory CSV import (`tests/bench/bench_csv_import.py`)

A generated cities CSV of {result["rows"]:,} rows ({result["file_bytes"]:,} bytes, UTF-8 with
Korean, Chinese and English names) imported into a fresh SQLite database through the directory
service: every row validated, written with its change-log row, all or nothing.

| rows | seconds | rows per second | peak memory (tracemalloc) |
| ---: | ---: | ---: | ---: |
| {result["rows"]:,} | {result["elapsed_seconds"]} | \
{int(result["rows"]) / float(str(result["elapsed_seconds"])):,.0f} | \
{result["peak_memory_mib"]} MiB |

Measured on the shared 2-core development machine. Reproduce:
`.venv/bin/python tests/bench/bench_csv_import.py --write-docs`.""",
    )


async def main(rows: int, write_docs: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path = folder / "cities.csv"
        write_cities(csv_path, rows)
        timed = await run_import(csv_path, folder / "timed.db", trace=False)
        traced = await run_import(csv_path, folder / "traced.db", trace=True)
        assert timed["cities"] == timed["changes"] == rows, timed
        result = {
            "bench": "csv_import_cities_sqlite",
            "rows": rows,
            "file_bytes": csv_path.stat().st_size,
            "elapsed_seconds": round(float(str(timed["elapsed"])), 2),
            "elapsed_seconds_under_tracemalloc": round(float(str(traced["elapsed"])), 2),
            "peak_memory_mib": round(int(str(traced["peak"])) / 2**20, 2),
            "created": timed["created"],
            "change_rows": timed["changes"],
        }
        print(json.dumps(result))
        if write_docs:
            _write_docs(result)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    options = parser.parse_args()
    asyncio.run(main(options.rows, options.write_docs))
