"""Many sources on one host: one crawl for the run (issue #19), measured side by side.

    .venv/bin/python -m tests.benchmarks.many [--categories 10] [--memory 10,100,500] [--json PATH]

On the benchmark site (:mod:`tests.benchmarks.site`; 10 categories × 10 listing pages ×
20 articles by default), served on 127.0.0.1 by a threaded server in this process that
counts the requests it has in flight at once and every robots.txt fetch, with the same
``[source.settings]`` in every source (AutoThrottle off, no delay, 8 per host), whole
``aggregator crawl`` processes:

1. **one source** whose ``start_urls`` are the 100 listing pages, into a fresh archive;
2. the same pages as **100 sources** of one listing page each, into a fresh archive:
   pages/s of both (pages fetched / wall time, start-up included) and their ratio (goal
   ≥ 0.75), the most requests the server had in flight (goal ≤ 8, the per-host budget);
3. a **second run** of the 100 sources with nothing new: wall time (goal ≤ 3 s) and
   robots.txt fetches (goal 1);
4. **memory**: peak RSS (VmHWM of the crawl and its extraction processes) of runs of 10,
   100 and 500 sources over the filled archive (each source one listing page, the 100
   pages reused with a ``?s=N`` query, every article known): goal RSS(500) ≤ 1.5 × RSS(10).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.crawl import PYTHON, REPO, run_measured
from tests.benchmarks.site import generate
from tests.manysite import CountingServer

CACHE = Path(tempfile.gettempdir()) / "aggregator-bench"
SETTINGS = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 8}
BUDGET = SETTINGS["CONCURRENT_REQUESTS_PER_DOMAIN"]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class FolderServer(CountingServer):
    """Static files of ``root`` (the generated site), counted as :class:`CountingServer` does."""

    def __init__(self, root: Path):
        super().__init__()
        self.root = Path(root).resolve()

    def page(self, path: str) -> bytes | None:
        f = (self.root / path.lstrip("/")).resolve()
        return f.read_bytes() if self.root in f.parents and f.is_file() else None

    @property
    def robots(self) -> int:
        return self.hits["/robots.txt"]


def _settings_block() -> str:
    return "[source.settings]\n" + "\n".join(f"{k} = {json.dumps(v)}" for k, v in SETTINGS.items()) + "\n"


def one_source(urls: list[str]) -> str:
    return (f'[[source]]\nname = "all"\ntitle = "塞上新闻网"\ncategory = "all"\n'
            f"start_urls = {json.dumps(urls)}\nmax_pages = 1\n" + _settings_block())


def many_sources(urls: list[str]) -> str:
    return "\n".join(f'[[source]]\nname = "s{i:03d}"\ntitle = "塞上新闻网{i}"\ncategory = "c{i:03d}"\n'
                     f'start_urls = ["{u}"]\nmax_pages = 1\n' + _settings_block() for i, u in enumerate(urls))


def crawl(work: Path, toml: str, db: Path, server: FolderServer) -> dict:
    """One ``aggregator crawl`` process: wall, CPU, peak RSS, pages, stored articles, server counts."""
    sources = work / f"sources-{db.stem}.toml"
    sources.write_text(toml, encoding="utf-8")
    server.reset()
    m = run_measured([PYTHON, "-m", "aggregator", "crawl", "--sources", str(sources), "--db", str(db), "--quiet"],
                     cwd=work)
    con = sqlite3.connect(db)
    try:
        pages, runs, bad = con.execute(
            "select coalesce(sum(pages), 0), count(*), count(case when status != 'ok' then 1 end) from crawl_runs "
            "where id > coalesce((select max(id) from crawl_runs) - ?, 0)", [toml.count("[[source]]")]).fetchone()
        articles = con.execute("select count(*) from articles").fetchone()[0]
    finally:
        con.close()
    return {"returncode": m.returncode, "wall": round(m.wall, 2), "cpu": round(m.cpu, 2), "rss_mib": round(m.rss_mib, 1),
            "pages": pages, "runs": runs, "runs_not_ok": bad, "articles": articles,
            "server_requests": server.total, "robots": server.robots, "max_in_flight": server.max_in_flight,
            "pages_per_s": round(server.total / m.wall, 1) if m.wall else 0.0, "stderr": m.stderr[-1500:]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--categories", type=int, default=10)
    ap.add_argument("--memory", default="10,100,500", help="source counts of the memory runs")
    ap.add_argument("--json", type=Path, help="also save every figure here")
    args = ap.parse_args(argv)
    site_dir = CACHE / f"site-many-{args.categories}"
    log(f"site: {site_dir}")
    manifest = generate(site_dir, categories=args.categories, per_category=200, per_page=20, log=log)
    listing = [f"/c/{c['slug']}/index.html" if p == 0 else f"/c/{c['slug']}/index_{p}.html"
               for c in manifest["categories"] for p in range(10)]
    out: dict = {"site": {"listing_pages": len(listing), "articles": manifest["articles"]}}
    work = Path(tempfile.mkdtemp(prefix="bench-many-"))
    try:
        with FolderServer(site_dir) as server:
            urls = [server.base_url + p for p in listing]
            log(f"one source over {len(urls)} listing pages")
            out["one"] = crawl(work, one_source(urls), work / "one.db", server)
            log(f"{len(urls)} sources of one listing page each")
            out["many"] = crawl(work, many_sources(urls), work / "many.db", server)
            log("second run of the same sources, nothing new")
            out["second"] = crawl(work, many_sources(urls), work / "many.db", server)
            out["memory"] = {}
            for n in [int(x) for x in args.memory.split(",") if x]:
                db = work / f"mem{n}.db"
                shutil.copy(work / "many.db", db)
                mem_urls = [f"{urls[i % len(urls)]}?s={i}" for i in range(n)]
                log(f"memory: {n} sources over a filled archive")
                out["memory"][n] = crawl(work, many_sources(mem_urls), db, server)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    one, many, second, mem = out["one"], out["many"], out["second"], out["memory"]
    ratio = many["pages_per_s"] / one["pages_per_s"] if one["pages_per_s"] else 0.0
    rows = [
        ("pages/s, 1 source × 100 listing pages", f"{one['pages_per_s']}", f"{one['server_requests']} requests, "
         f"{one['wall']} s, {one['articles']} articles, max {one['max_in_flight']} in flight", ""),
        ("pages/s, 100 sources × 1 listing page", f"{many['pages_per_s']}", f"{many['server_requests']} requests, "
         f"{many['wall']} s, {many['articles']} articles, {many['runs']} runs", ""),
        ("ratio 100 sources / 1 source", f"{ratio:.2f}", "", "≥ 0.75"),
        ("most requests in flight (100 sources)", f"{many['max_in_flight']}", f"budget {BUDGET} per host", f"≤ {BUDGET}"),
        ("second run, 100 sources, nothing new", f"{second['wall']} s", f"{second['server_requests']} requests, "
         f"{second['runs']} runs ({second['runs_not_ok']} not ok)", "≤ 3 s"),
        ("robots.txt fetches in the second run", f"{second['robots']}", "", "1"),
    ]
    for n, r in mem.items():
        rows.append((f"peak RSS, {n} sources (filled archive)", f"{r['rss_mib']} MiB",
                     f"{r['server_requests']} requests, {r['wall']} s", ""))
    if mem:
        lo, hi = min(mem), max(mem)
        rows.append((f"RSS {hi} / RSS {lo} sources", f"{mem[hi]['rss_mib'] / mem[lo]['rss_mib']:.2f}", "", "≤ 1.5"))
    print("| figure | value | detail | goal |\n|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    for name, r in [("one", one), ("many", many), ("second", second), *[(f"mem{n}", r) for n, r in mem.items()]]:
        if r["returncode"] != 0 or r["runs_not_ok"]:
            print(f"\n{name}: exit {r['returncode']}, {r['runs_not_ok']} runs not ok\n{r['stderr']}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
