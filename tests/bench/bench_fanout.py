"""Benchmark (a script, not a test): real-time fan-out of Gyoryu against the minimal reference
server in ``../shared/bench`` (its README explains both scripts), with the same load in the
same run, and the server memory per idle WebSocket connection.

    .venv/bin/python -m tests.bench.run fanout [--sizes 100,500,1000] [--messages 2000]
                                               [--senders 8] [--idle 1000] [--no-report]

For each S: a fresh reference server (SQLite, one INSERT + COMMIT per message) and a fresh
``gyoryu serve`` (SQLite, no Redis, an administrator made by ``gyoryu create-admin``) are
started one after the other; ``fanout.py`` puts S subscribers on one channel, 8 senders post
2,000 messages over HTTP, and reports deliveries/s, latency from POST to receipt
(p50/p95/p99), messages lost, server CPU seconds, CPU µs per delivery and peak RSS. Then
1,000 idle WebSocket connections (authenticated and subscribed) are opened to each server and
the RSS growth divided by 1,000 is the memory per idle connection.

The results go into ``docs/benchmarks.md`` between the ``fanout`` markers (other benchmarks
keep their own sections) and, raw, as JSON lines under ``var/bench/``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from tests.bench.report import markers
from tests.bench.report import write_section as report_section

ROOT = Path(__file__).resolve().parents[2]
SHARED_BENCH = ROOT.parent / "shared" / "bench"
GYORYU = Path(sys.executable).with_name("gyoryu")
REPORT = ROOT / "docs" / "benchmarks.md"
START_MARK, END_MARK = markers("fanout")
ADMIN, ADMIN_PASSWORD = "bench.admin", "fan-out-bench-password-2026"
TARGETS = {"deliveries_ratio": 0.5, "p99_ratio": 2.0, "idle_kib": 64.0}


def log(*parts: object) -> None:
    print(f"[bench_fanout {time.strftime('%H:%M:%S')}]", *parts, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def raise_fd_limit() -> None:
    # Over a thousand sockets on each side; the servers inherit the limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    url: str

    @property
    def pid(self) -> int:
        return self.process.pid


@contextlib.contextmanager
def started(
    name: str, argv: list[str], env: dict[str, str], health: str, log_path: Path
) -> Iterator[Server]:
    port = free_port()
    argv = [a.replace("{port}", str(port)) for a in argv]
    env = {k: v.replace("{port}", str(port)) for k, v in env.items()}
    with log_path.open("ab") as out:
        process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    server = Server(name, process, f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited early; see {log_path}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(server.url + health, timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not become ready; see {log_path}")
            time.sleep(0.1)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Bench:
    def __init__(self, args: argparse.Namespace, folder: Path) -> None:
        self.args = args
        self.folder = folder
        self.jsonl = folder / "fanout.jsonl"
        self.gyoryu_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("GYORYU_")},
            "GYORYU_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'gyoryu.db'}",
            "GYORYU_HOST": "127.0.0.1",
            "GYORYU_PORT": "{port}",
            "GYORYU_DEMO": "0",
            "GYORYU_DATA_DIR": str(folder / "data"),
            "GYORYU_WEB_DIST": str(folder / "no-web-build"),
            "GYORYU_LOG_LEVEL": "WARNING",
            # 2,000 posts a minute from one token is the load here, not abuse.
            "GYORYU_WRITE_LIMIT_PER_MINUTE": "100000000",
        }

    # ---- servers ----------------------------------------------------------------------

    def prepare_gyoryu(self) -> None:
        for argv, stdin in (
            ([str(GYORYU), "migrate"], b""),
            ([str(GYORYU), "create-admin", ADMIN, "--password-stdin"], ADMIN_PASSWORD.encode()),
        ):
            env = {**self.gyoryu_env, "GYORYU_PORT": "8000"}  # unused by these commands
            done = subprocess.run(
                argv, env=env, cwd=ROOT, input=stdin, capture_output=True, check=False
            )
            if done.returncode != 0:
                raise RuntimeError(f"{argv[1]} failed: {done.stdout!r} {done.stderr!r}")

    def gyoryu(self) -> contextlib.AbstractContextManager[Server]:
        return started(
            "gyoryu", [str(GYORYU), "serve"], self.gyoryu_env, "/readyz", self.folder / "gyoryu.log"
        )

    def reference(self) -> contextlib.AbstractContextManager[Server]:
        argv = [
            sys.executable,
            str(SHARED_BENCH / "reference_server.py"),
            "--port",
            "{port}",
            "--db",
            str(self.folder / "reference.sqlite3"),
        ]
        env = dict(os.environ)
        return started("reference", argv, env, "/health", self.folder / "reference.log")

    # ---- load -------------------------------------------------------------------------

    def fanout(self, server: Server, subscribers: int) -> dict[str, Any]:
        a = self.args
        argv = [
            sys.executable,
            str(SHARED_BENCH / "fanout.py"),
            "--target",
            "project" if server.name == "gyoryu" else "reference",
            "--base-url",
            server.url,
            "-S",
            str(subscribers),
            "-P",
            str(a.senders),
            "-K",
            str(a.messages),
            "--server-pid",
            str(server.pid),
            "--label",
            f"{server.name} S={subscribers}",
            "--timeout",
            str(a.timeout),
            "--drain-timeout",
            "120",
            "--json-out",
            str(self.jsonl),
        ]
        if server.name == "gyoryu":
            argv += ["--project-user", ADMIN, "--project-password", ADMIN_PASSWORD]
        log(f"{server.name}: S={subscribers} P={a.senders} K={a.messages}")
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if not lines:
            raise RuntimeError(f"fanout.py printed no result: {done.stderr[-2000:]}")
        result: dict[str, Any] = json.loads(lines[-1])
        lat, srv = result.get("latency_ms") or {}, result.get("server") or {}
        log(
            f"  -> {result['status']}: {result.get('deliveries_per_s')} deliveries/s,"
            f" p99 {lat.get('p99')} ms, lost {result.get('lost')},"
            f" {srv.get('cpu_us_per_delivery')} µs CPU/delivery"
        )
        return result

    # ---- idle connections -------------------------------------------------------------

    async def _open_idle(self, server: Server, count: int) -> tuple[int, int]:
        """RSS (KiB) before and after ``count`` idle, subscribed connections."""
        opening: list[str]
        if server.name == "gyoryu":
            async with httpx.AsyncClient(base_url=server.url + "/api/v1") as http:
                token = (
                    await http.post(
                        "/auth/login", json={"username": ADMIN, "password": ADMIN_PASSWORD}
                    )
                ).json()["token"]
                headers = {"Authorization": f"Bearer {token}"}
                channel = (
                    await http.post(
                        "/channels", json={"name": "idle", "member_ids": []}, headers=headers
                    )
                ).json()["id"]
            url = server.url.replace("http", "ws", 1) + "/api/v1/ws"
            opening = [
                json.dumps({"type": "auth", "token": token}),
                json.dumps({"type": "subscribe", "scopes": [f"channel:{channel}"]}),
            ]
            ack = "caught_up"
        else:
            url = server.url.replace("http", "ws", 1) + "/rooms/idle/ws"
            opening, ack = [], "subscribed"

        async def one() -> ClientConnection:
            ws = await connect(url, max_queue=16, open_timeout=60)
            for text in opening:
                await ws.send(text)
            while json.loads(await asyncio.wait_for(ws.recv(), 60)).get("type") != ack:
                pass
            return ws

        # Warm up first (imports, caches, pools), so the delta is the connections only.
        warm = [await one() for _ in range(20)]
        for ws in warm:
            await ws.close()
        await asyncio.sleep(2)
        before = rss_kib(server.pid)
        gate = asyncio.Semaphore(32)

        async def gated() -> ClientConnection:
            async with gate:
                return await one()

        sockets = await asyncio.gather(*(gated() for _ in range(count)))
        await asyncio.sleep(3)  # let the server settle (writer tasks idle, buffers drained)
        after = rss_kib(server.pid)
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
        return before, after

    def idle(self, server: Server) -> dict[str, Any]:
        count = self.args.idle
        before, after = asyncio.run(self._open_idle(server, count))
        result = {
            "target": server.name,
            "connections": count,
            "rss_before_kib": before,
            "rss_after_kib": after,
            "kib_per_connection": round((after - before) / count, 1),
        }
        log(f"{server.name}: {count} idle connections, {result['kib_per_connection']} KiB each")
        with self.jsonl.open("a") as out:
            out.write(json.dumps({"bench": "idle-connections", **result}) + "\n")
        return result

    # ---- the run ----------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        self.prepare_gyoryu()
        runs: list[dict[str, Any]] = []
        for size in self.args.sizes:
            with self.reference() as server:
                runs.append(self.fanout(server, size))
            with self.gyoryu() as server:
                runs.append(self.fanout(server, size))
        idle: list[dict[str, Any]] = []
        if self.args.idle:
            with self.reference() as server:
                idle.append(self.idle(server))
            with self.gyoryu() as server:
                idle.append(self.idle(server))
        return {
            "runs": runs,
            "idle": idle,
            "finished_at": datetime.now(UTC),
            "loadavg": _max_loadavg(runs),
        }


# ---- the report -------------------------------------------------------------------------


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _verdict(ok: bool) -> str:
    return "yes" if ok else "**no**"


LABELS = (("reference", "reference"), ("project", "Gyoryu"))


def _max_loadavg(runs: list[dict[str, Any]]) -> float:
    return max([(r.get("machine") or {}).get("loadavg_1m") or 0.0 for r in runs] or [0.0])


def _cost_model(runs: list[dict[str, Any]], target: str) -> tuple[float, float] | None:
    """(µs per message, µs per delivery) fitted to server CPU per message against S."""
    points = [
        (float(r["subscribers"]), r["server"]["cpu_s"] * 1e6 / r["accepted"])
        for r in runs
        if r["target"] == target and r.get("accepted") and (r.get("server") or {}).get("cpu_s")
    ]
    if len({x for x, _ in points}) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sum(
        (x - mean_x) ** 2 for x, _ in points
    )
    return mean_y - slope * mean_x, slope


def report(results: dict[str, Any], args: argparse.Namespace) -> str:
    runs = {(r["target"], r["subscribers"]): r for r in results["runs"]}
    lines = [
        START_MARK,
        "## Real-time fan-out (`tests/bench/bench_fanout.py`)",
        "",
        f"Run `make bench` (or `.venv/bin/python -m tests.bench.run fanout`) on "
        f"{results['finished_at']:%Y-%m-%d %H:%M} UTC; Python {platform.python_version()}, "
        f"{os.cpu_count()} cores, 1-minute load average up to {results['loadavg']:.1f} "
        "during the runs.",
        "",
        "**These numbers come from a shared 2-core machine** (other people's builds and tests "
        "may run at the same time; the load generator takes about one core itself), so absolute "
        "figures move from run to run: compare the Gyoryu/reference *ratios* of the same run. "
        "Server CPU µs per delivery depends least on the load generator and on the neighbours.",
        "",
        f"Load: S subscribers on one channel, {args.senders} concurrent senders, "
        f"{args.messages:,} messages over HTTP (plus 20 warm-up messages), each server "
        "freshly started on SQLite. The reference is `../shared/bench/reference_server.py` "
        "(one INSERT + COMMIT per message, one pre-serialized frame sent to every subscriber); "
        "Gyoryu runs `gyoryu serve` without Redis (the in-memory broker) with every write "
        "going through its services, change log, search index and realtime hub. Latency is "
        "from just before the POST to receipt by a subscriber.",
        "",
        "| server | S | deliveries/s | p50 ms | p95 ms | p99 ms | lost | server CPU s "
        "| CPU µs/delivery | peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in args.sizes:
        for target, label in LABELS:
            r = runs.get((target, size))
            if r is None:
                continue
            lat, srv = r.get("latency_ms") or {}, r.get("server") or {}
            status = "" if r.get("status") == "ok" else f" ({r.get('status')})"
            lines.append(
                f"| {label}{status} | {size:,} | {_fmt(r.get('deliveries_per_s'), 0)} "
                f"| {_fmt(lat.get('p50'))} | {_fmt(lat.get('p95'))} | {_fmt(lat.get('p99'))} "
                f"| {_fmt(r.get('lost'))} | {_fmt(srv.get('cpu_s'))} "
                f"| {_fmt(srv.get('cpu_us_per_delivery'))} | {_fmt(srv.get('peak_rss_mib'))} |"
            )
    lines += [
        "",
        "Targets: Gyoryu at least half the reference's deliveries/s, p99 within twice the "
        "reference's, zero messages lost.",
        "",
        "| S | deliveries/s Gyoryu ÷ reference | p99 Gyoryu ÷ reference "
        "| CPU µs/delivery Gyoryu ÷ reference | lost | targets met |",
        "|---:|---:|---:|---:|---:|---|",
    ]
    for size in args.sizes:
        ref, gy = runs.get(("reference", size)), runs.get(("project", size))
        if ref is None or gy is None:
            continue
        d_ratio = (gy.get("deliveries_per_s") or 0) / (ref.get("deliveries_per_s") or 1)
        p99_ref = (ref.get("latency_ms") or {}).get("p99") or 0
        p99_gy = (gy.get("latency_ms") or {}).get("p99") or 0
        p_ratio = p99_gy / p99_ref if p99_ref else float("inf")
        cpu_ref = (ref.get("server") or {}).get("cpu_us_per_delivery") or 0
        cpu_gy = (gy.get("server") or {}).get("cpu_us_per_delivery") or 0
        c_ratio = cpu_gy / cpu_ref if cpu_ref else float("inf")
        met = (
            d_ratio >= TARGETS["deliveries_ratio"]
            and p_ratio <= TARGETS["p99_ratio"]
            and gy.get("lost") == 0
            and gy.get("status") == "ok"
        )
        lines.append(
            f"| {size:,} | {d_ratio:.2f} | {p_ratio:.2f} | {c_ratio:.2f} "
            f"| {_fmt(gy.get('lost'))} | {_verdict(met)} |"
        )
    costs = [(label, _cost_model(results["runs"], target)) for target, label in LABELS]
    if all(model is not None for _, model in costs):
        lines += [
            "",
            "Where the server CPU goes, fitted over the runs above (server CPU per message = "
            "a + b × S, least squares): *a* is the cost of accepting one message, *b* the cost "
            "of one delivery. Gyoryu's *a* is a whole API request (token, access checks, the "
            "message, its change-log row, search index and thread counters in one transaction); "
            "the reference's is one INSERT.",
            "",
            "| server | a: ms CPU per message | b: µs CPU per delivery |",
            "|---|---:|---:|",
        ]
        for label, model in costs:
            assert model is not None
            lines.append(f"| {label} | {model[0] / 1000:.2f} | {model[1]:.1f} |")
    if results["idle"]:
        lines += [
            "",
            "Memory per idle connection: 20 connections to warm up, then N idle WebSocket "
            "connections (Gyoryu: authenticated and subscribed to a channel; reference: joined "
            "to a room); the server's RSS growth divided by N. Target: under 64 KiB for Gyoryu.",
            "",
            "| server | connections | RSS before MiB | RSS after MiB | KiB per connection "
            "| under 64 KiB |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for item in results["idle"]:
            label = "Gyoryu" if item["target"] == "gyoryu" else "reference"
            kib = item["kib_per_connection"]
            lines.append(
                f"| {label} | {item['connections']:,} | {item['rss_before_kib'] / 1024:.1f} "
                f"| {item['rss_after_kib'] / 1024:.1f} | {kib:.1f} "
                f"| {_verdict(kib < TARGETS['idle_kib']) if label == 'Gyoryu' else '–'} |"
            )
    lines += ["", END_MARK]
    return "\n".join(lines)


def write_section(section: str) -> None:
    """Replace only what lies between the fanout markers (or append the section)."""
    body = section.replace(START_MARK, "").replace(END_MARK, "")
    report_section("fanout", body, REPORT)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench_fanout",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[100, 500, 1000],
        help="subscriber counts S, comma separated",
    )
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--idle", type=int, default=1000, help="idle connections (0: skip)")
    parser.add_argument("--timeout", type=float, default=900, help="per fanout.py run, s")
    parser.add_argument(
        "--no-report", action="store_true", help=f"do not write {REPORT.relative_to(ROOT)}"
    )
    parser.add_argument(
        "--from-jsonl",
        type=Path,
        default=None,
        help="write the report from the raw results of an earlier run (var/bench/fanout-*.jsonl)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    missing = [n for n in ("fanout.py", "reference_server.py") if not (SHARED_BENCH / n).exists()]
    if missing:
        print(
            f"bench_fanout: {', '.join(missing)} not found in {SHARED_BENCH}.\n"
            "This benchmark needs the shared fan-out yardstick next to the repository "
            "(../shared/bench/fanout.py and ../shared/bench/reference_server.py).",
            file=sys.stderr,
        )
        return 2
    if args.from_jsonl is not None:
        rows = [json.loads(line) for line in args.from_jsonl.read_text().splitlines() if line]
        results = {
            "runs": [r for r in rows if r.get("bench") == "room-fanout"],
            "idle": [
                {k: v for k, v in r.items() if k != "bench"}
                for r in rows
                if r.get("bench") == "idle-connections"
            ],
        }
        results["finished_at"] = datetime.fromtimestamp(args.from_jsonl.stat().st_mtime, UTC)
        results["loadavg"] = _max_loadavg(results["runs"])
        args.sizes = sorted({r["subscribers"] for r in results["runs"]})
        args.messages = results["runs"][0]["messages"] if results["runs"] else args.messages
        args.senders = results["runs"][0]["senders"] if results["runs"] else args.senders
        section = report(results, args)
        print(section)
        if not args.no_report:
            write_section(section)
        return 0
    raise_fd_limit()
    with tempfile.TemporaryDirectory(prefix="gyoryu-fanout-") as tmp:
        bench = Bench(args, Path(tmp))
        results = bench.run()
        raw_dir = ROOT / "var" / "bench"
        raw_dir.mkdir(parents=True, exist_ok=True)
        raw = raw_dir / f"fanout-{datetime.now(UTC):%Y%m%dT%H%M%S}.jsonl"
        raw.write_text(bench.jsonl.read_text())
        log(f"raw results: {raw}")
    section = report(results, args)
    print(section)
    if not args.no_report:
        write_section(section)
        log(f"wrote the fanout section of {REPORT}")
    failed = [r for r in results["runs"] if r.get("status") != "ok" or r.get("lost")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
