"""Scale-out benchmark: pages/s of 1, 2 and 3 local workers sharing one Redis frontier.

    .venv/bin/python -m tests.benchmarks.scaleout                 # 600 articles, 3 repeats
    .venv/bin/python -m tests.benchmarks.scaleout --articles 1200 --repeat 5 --json out.json

Starts a private ``redis-server`` (free port, no persistence) and the project's
StaticSiteServer over the generated site of tests/test_scaleout.py (4 sources), then for
each configuration runs the real CLI and reports the median of ``--repeat`` runs:

* ``single``: ``aggregator crawl`` without Redis, one process into SQLite (the baseline);
* ``redis xN``: N ``aggregator crawl --idle-exit 1`` workers with ``REDIS_URL`` set; items
  wait in Redis (the crawl alone is measured);
* ``ingest``: ``aggregator ingest`` draining the items of the last worker run (items/s).

Pages/s counts the pages the server answered (articles, listings, robots.txt) over the
crawl window: first to last request in the server's log, sampled every 10 ms, so process
start-up and the idle-exit wait are left out (the wall time including them is shown too).
All processes share this machine's cores with the server and Redis: on a 2-core machine
more workers cannot be faster; the figures show the cost of the shared queue, not a
speed-up. On several machines each worker brings its own cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(folder: Path):
    """(process, url) of a private redis-server."""
    import redis

    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = _free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(200):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    client.close()
    return proc, f"redis://127.0.0.1:{port}/0"


def measure(srv, procs, poll: float = 0.01) -> dict:
    """Wait for the processes while sampling the request log: window, pages, wall time."""
    started = time.monotonic()
    first = last = None
    seen = 0
    while any(p.poll() is None for p in procs):
        n = len(srv.requests)
        if n != seen:
            now = time.monotonic()
            first = first or now
            last = now
            seen = n
        time.sleep(poll)
    wall = time.monotonic() - started
    codes = [p.returncode for p in procs]
    pages = len(srv.requests)
    window = (last - first) if first and last and last > first else float("nan")
    return {"pages": pages, "window_s": window, "pages_per_s": pages / window, "wall_s": wall, "codes": codes}


def run_once(kind: str, n: int, srv, sources: Path, redis_url: str, work: Path) -> dict:
    """One crawl (single or N Redis workers) of the whole site into fresh state."""
    import redis

    env = {**os.environ, "PYTHONWARNINGS": "ignore", "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    client = redis.Redis.from_url(redis_url)
    client.flushall()
    client.close()
    srv.clear_log()
    db = work / f"bench-{kind}-{n}-{time.monotonic_ns()}.db"
    base = [sys.executable, "-m", "aggregator", "crawl", "--sources", str(sources), "-q"]
    if kind == "single":
        procs = [subprocess.Popen([*base, "--db", str(db)], cwd=work, env=env)]
    else:
        env["REDIS_URL"] = redis_url
        procs = [subprocess.Popen([*base, "--idle-exit", "1"], cwd=work, env=env) for _ in range(n)]
    return measure(srv, procs)


def run_ingest(redis_url: str, work: Path) -> dict:
    """Drain what the last worker run left in Redis; items/s over the whole drain."""
    import redis

    client = redis.Redis.from_url(redis_url)
    items = client.llen("aggregator:items")
    client.close()
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "PYTHONPATH": str(ROOT), "REDIS_URL": redis_url}
    db = work / f"ingest-{time.monotonic_ns()}.db"
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "aggregator", "ingest", "--db", str(db), "--idle-exit", "0.2", "-q"],
                   cwd=work, env=env, check=True)
    took = time.monotonic() - started - 0.2
    return {"items": items, "seconds": took, "items_per_s": items / took}


def main(argv=None) -> int:
    """Run the benchmark and print a Markdown table."""
    from aggregator.server import StaticSiteServer
    from tests.test_scaleout import sources_toml, write_site

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=600, help="articles in the site (4 sources)")
    ap.add_argument("--workers", default="1,2,3", help="worker counts to measure")
    ap.add_argument("--repeat", type=int, default=3, help="runs per configuration (median reported)")
    ap.add_argument("--json", type=Path, default=None, help="also write every raw figure here")
    args = ap.parse_args(argv)
    counts = [int(x) for x in args.workers.split(",") if x.strip()]
    sections = 4
    with tempfile.TemporaryDirectory(prefix="scaleout-bench-") as tmp:
        tmp = Path(tmp)
        (tmp / "site").mkdir()
        (tmp / "redis").mkdir()
        write_site(tmp / "site", sections=sections, per_section=max(1, args.articles // sections))
        redis_proc, redis_url = start_redis(tmp / "redis")
        results: dict[str, list[dict]] = {}
        try:
            with StaticSiteServer(tmp / "site") as srv:
                sources = tmp / "sources.toml"
                sources.write_text(sources_toml(srv.base_url, sections), encoding="utf-8")
                configs = [("single", 1)] + [("redis", n) for n in counts]
                for rep in range(args.repeat):
                    for kind, n in configs:   # interleaved, so background load hits all alike
                        label = "single process, no Redis" if kind == "single" else f"redis x{n}"
                        res = run_once(kind, n, srv, sources, redis_url, tmp)
                        results.setdefault(label, []).append(res)
                        print(f"run {rep + 1} {label}: {res['pages']} pages, {res['pages_per_s']:.0f} pages/s, "
                              f"wall {res['wall_s']:.1f} s, exit {res['codes']}", file=sys.stderr)
                    results.setdefault("ingest", []).append(run_ingest(redis_url, tmp))
        finally:
            redis_proc.terminate()
            redis_proc.wait(10)
    print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, site {args.articles} articles / 4 sources, "
          f"median of {args.repeat}\n")
    print("| configuration | pages | pages/s (crawl window) | wall s (incl. start-up, idle exit) |")
    print("|---|---:|---:|---:|")
    for label, runs in results.items():
        if label == "ingest":
            continue
        med = lambda k: statistics.median(r[k] for r in runs)  # noqa: E731
        print(f"| {label} | {med('pages'):.0f} | {med('pages_per_s'):.0f} "
              f"({min(r['pages_per_s'] for r in runs):.0f}–{max(r['pages_per_s'] for r in runs):.0f}) | {med('wall_s'):.1f} |")
    ing = results.get("ingest", [])
    if ing:
        print(f"| ingest (Redis → SQLite) | {statistics.median(r['items'] for r in ing):.0f} items | "
              f"{statistics.median(r['items_per_s'] for r in ing):.0f} items/s | "
              f"{statistics.median(r['seconds'] for r in ing):.1f} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
