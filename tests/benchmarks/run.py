"""The benchmark suite: one command, one table, every figure a median of several runs.

    .venv/bin/python -m tests.benchmarks.run            # full: ~20-30 min on 2 cores
    .venv/bin/python -m tests.benchmarks.run --quick    # a few minutes, smaller site/archive

What it does (see docs/performance.md):

1. generates the benchmark site (:mod:`tests.benchmarks.site`, reused between runs) and
   serves it on 127.0.0.1 with nginx when installed (``apt-get install -y nginx-light``),
   else the project's threaded Python server (:mod:`tests.benchmarks.serve`);
2. crawl ceiling (:mod:`tests.benchmarks.ceiling`) and our ``aggregator crawl`` of the
   same categories into a fresh archive, interleaved run by run so background load hits
   both alike; pages/s, ratio, peak RSS;
3. extraction pages/s (:mod:`tests.benchmarks.extract_speed`, runners of
   :mod:`tests.benchmarks.extraction`);
4. archive ingest and search latency (the functions of the archive's own benchmark,
   :mod:`tests.benchmarks.archive`: ``ingest`` and ``search_latency``);
5. export of a 100,000-article / 500-category archive, then again unchanged
   (:mod:`tests.benchmarks.export_feeds`);
6. a second ``aggregator run`` on the unchanged site (pages fetched, wall time);
7. peak RSS of crawls of about 1,000, 5,000 and 20,000 pages.

Prints the machine (CPU, cores, RAM, load, Python, Scrapy, lxml, SQLite, server) and a
Markdown table (median, min–max, goal); ``--json PATH`` also saves every raw figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.benchmarks import crawl as C
from tests.benchmarks import extract_speed as X
from tests.benchmarks import export_feeds as E
from tests.benchmarks.serve import SiteServer
from tests.benchmarks.site import generate

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("AGGREGATOR_BENCH_CACHE", Path(tempfile.gettempdir()) / "aggregator-bench"))

PROFILES = {
    # site: categories x articles per category; crawl: categories crawled by (1)/(2);
    # memory: category counts for the RSS crawls; archive/export sizes
    "full": {"site": (40, 500), "crawl": 10, "memory": (2, 10, 40), "runs": 3, "extract_runs": 5,
             "generated": 300, "export_articles": 100_000, "export_categories": 500, "archive_articles": 100_000},
    "quick": {"site": (10, 200), "crawl": 10, "memory": (1, 2, 10), "runs": 3, "extract_runs": 3,
              "generated": 100, "export_articles": 10_000, "export_categories": 500, "archive_articles": 10_000},
}


def log(msg: str) -> None:
    """Progress on stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- figures ----------------------------------------------------------------------------


def med(xs) -> float:
    """Median of a non-empty list."""
    return statistics.median(xs)


def fmt(xs, digits: int = 0, unit: str = "") -> tuple[str, str]:
    """(median, "min–max") as text."""
    if not xs:
        return "n/a", ""
    f = f"{{:,.{digits}f}}"
    u = f" {unit}" if unit else ""
    return f.format(med(xs)) + u, f"{f.format(min(xs))}–{f.format(max(xs))}"


@dataclass
class Row:
    """One line of the table."""

    no: str
    what: str
    median: str
    spread: str = ""
    goal: str = ""
    note: str = ""


@dataclass
class Report:
    """Every row plus raw figures for --json."""

    rows: list[Row] = field(default_factory=list)
    raw: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, *a, **kw) -> None:
        """Append a row."""
        self.rows.append(Row(*a, **kw))

    def table(self) -> str:
        """The Markdown table."""
        out = ["| # | measurement | median | min–max | goal / check |", "|---|---|---:|---:|---|"]
        for r in self.rows:
            out.append(f"| {r.no} | {r.what} | {r.median} | {r.spread} | {r.goal} |")
        return "\n".join(out)


# --- machine --------------------------------------------------------------------------------


def machine(server: SiteServer | None) -> dict:
    """CPU model, cores, RAM, load, versions."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    import lxml.etree
    import scrapy

    try:
        commit = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True,
                                text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {
        "commit": commit, "cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(ram, 1), "os": platform.platform(),
        "python": platform.python_version(), "scrapy": scrapy.__version__,
        "lxml": ".".join(map(str, lxml.etree.LXML_VERSION)), "sqlite": sqlite3.sqlite_version,
        "server": f"{server.kind} {server.version}" if server else "",
        "load": os.getloadavg(),
    }


def machine_text(m: dict) -> str:
    """The machine as two lines."""
    return (f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, {m['os']}\n"
            f"Python {m['python']}, Scrapy {m['scrapy']}, lxml {m['lxml']}, SQLite {m['sqlite']}; "
            f"site served by {m['server']}; load average at start {m['load'][0]:.2f} {m['load'][1]:.2f} {m['load'][2]:.2f}"
            + (f"; code at {m['commit']}" if m.get("commit") else ""))


# --- sections -----------------------------------------------------------------------------


def crawl_section(rep: Report, server: SiteServer, manifest: dict, prof: dict, work: Path) -> list:
    """(1) ceiling, (2) our crawl, interleaved; returns our crawl results (for (6)/(7))."""
    cats = manifest["categories"][:prof["crawl"]]
    ceil, ours = [], []
    for r in range(prof["runs"]):
        (work / f"ceiling-{r}").mkdir(parents=True, exist_ok=True)
        c = C.ceiling_crawl(server.base_url, cats, work / f"ceiling-{r}")
        ceil.append(c)
        log(f"(1) ceiling run {r + 1}: {c.pages} pages in {c.wall:.1f}s = {c.wall_rate:.0f}/s, {c.cpu_rate:.0f}/CPU-s, "
            f"rss {c.rss_mib:.0f} MiB, load {os.getloadavg()[0]:.2f}")
        o = C.our_crawl(server.base_url, cats, work / f"ours-{r}")
        ours.append(o)
        log(f"(2) ours    run {r + 1}: {o.pages} pages in {o.wall:.1f}s = {o.wall_rate:.0f}/s, {o.cpu_rate:.0f}/CPU-s, "
            f"rss {o.rss_mib:.0f} MiB, load {os.getloadavg()[0]:.2f}, "
            f"{o.status}, {o.extra['articles']} articles")
    # whole processes, start-up included (issue #15): pages / wall time of the process
    # (a run of many sources in one engine has no per-source elapsed_time_seconds)
    crates = [c.wall_rate for c in ceil]
    orates = [o.wall_rate for o in ours]
    ratios = [o / c for o, c in zip(orates, crates)]
    cpu_ratios = [o.cpu_rate / c.cpu_rate for o, c in zip(ours, ceil)]
    m, s = fmt(crates, 0, "pages/s")
    rep.add("1", f"crawl ceiling: link-following Scrapy spider, {ceil[0].pages:,} pages, "
                 f"{C.BENCH_CRAWL_SETTINGS['CONCURRENT_REQUESTS']} concurrent", m, s,
            f"reference; {fmt([c.cpu_rate for c in ceil], 0)[0]} pages per CPU-second")
    m, s = fmt(orates, 0, "pages/s")
    ok = med(ratios) >= 0.75
    rep.add("2", f"our `aggregator crawl` (same pages, fresh archive; {ours[0].extra['articles']:,} articles stored)", m, s,
            f"{med(ratios):.0%} of ceiling by wall time (runs {min(ratios):.0%}–{max(ratios):.0%}); goal ≥ 75 %: "
            + ("**met**" if ok else "**missed**"))
    m, s = fmt([o.cpu_rate for o in ours], 0, "pages/CPU-s")
    rep.add("2", "our crawl: pages per CPU-second of the crawl and its extraction processes (robust to background load)", m, s,
            f"{med(cpu_ratios):.0%} of the ceiling's (runs {min(cpu_ratios):.0%}–{max(cpu_ratios):.0%}); goal ≥ 50 %: "
            + ("**met**" if med(cpu_ratios) >= 0.50 else "**missed**"))
    m, s = fmt([o.rss_mib for o in ours], 0, "MiB")
    rep.add("2", "our crawl: peak RSS of the crawl process + its extraction processes", m, s, f"ceiling: {fmt([c.rss_mib for c in ceil], 0, 'MiB')[0]}")
    m, s = fmt([o.wall for o in ours], 1, "s")
    rep.add("2", "our crawl: wall time of the process (incl. start-up)", m, s,
            f"ceiling: {fmt([c.wall for c in ceil], 1, 's')[0]}")
    rep.raw["crawl"] = {"ceiling": [vars(c) for c in ceil], "ours": [vars(o) for o in ours]}
    bad = [o for o in ours if o.status != "ok" or o.extra["returncode"] != 0]
    if bad:
        rep.notes.append(f"our crawl: {len(bad)} run(s) not ok: {bad[0].status} {bad[0].extra['stderr'][-300:]!r}")
    return ours


def incremental_section(rep: Report, server: SiteServer, manifest: dict, prof: dict, work: Path) -> None:
    """(6) second and third `aggregator run` on the unchanged site, after a first run."""
    cats = manifest["categories"][:prof["crawl"]]
    second, third = [], []
    for r in range(prof["runs"]):
        d = work / f"incr-{r}"
        C.our_crawl(server.base_url, cats, d, command="run")  # the first run: crawl + export
        for bucket in (second, third):
            before = server.statuses()
            res = C.our_crawl(server.base_url, cats, d, command="run", fresh=False)
            after = server.statuses()
            if before is not None:
                fetched = sum(after.values()) - sum(before.values())
                not_modified = after.get(304, 0) - before.get(304, 0)
            else:
                fetched, not_modified = res.pages, res.extra["stats"].get("downloader/response_status_count/304", 0)
            bucket.append((fetched, res.wall, res.pages, res.extra["run"].get("items_new", 0), res.status,
                           not_modified))
        log(f"(6) incremental run {r + 1}: 2nd run {second[-1][0]} requests in {second[-1][1]:.2f}s, "
            f"3rd run {third[-1][0]} requests in {third[-1][1]:.2f}s")
    for label, b in (("second", second), ("third", third)):
        m, s = fmt([x[0] for x in b], 0, "requests")
        wm, ws = fmt([x[1] for x in b], 2, "s")
        rep.add("6", f"incremental: {label} `aggregator run` on the unchanged site ({len(cats)} start pages): requests",
                m, s, f"{med([x[5] for x in b]):.0f} of them 304; wall {wm} ({ws}), incl. export; "
                      f"{med([x[3] for x in b]):.0f} new articles")
    rep.raw["incremental"] = {"second": second, "third": third}


def memory_section(rep: Report, server: SiteServer, manifest: dict, prof: dict, work: Path, crawl_runs) -> None:
    """(7) peak RSS of crawls of growing size (the crawl-size runs of (2) are reused)."""
    per_cat = manifest["pages_per_category"]
    results = {}
    for n_cats in prof["memory"]:
        if n_cats == prof["crawl"] and crawl_runs:
            results[n_cats] = crawl_runs
            continue
        runs = []
        for r in range(prof["runs"]):
            o = C.our_crawl(server.base_url, manifest["categories"][:n_cats], work / f"mem-{n_cats}-{r}")
            runs.append(o)
            log(f"(7) memory {n_cats} categories run {r + 1}: {o.pages} pages, rss {o.rss_mib:.0f} MiB, {o.wall_rate:.0f}/s")
            shutil.rmtree(work / f"mem-{n_cats}-{r}", ignore_errors=True)
        results[n_cats] = runs
    smallest = med([o.rss_mib for o in results[prof["memory"][0]]])
    for n_cats in prof["memory"]:
        runs = results[n_cats]
        m, s = fmt([o.rss_mib for o in runs], 0, "MiB")
        growth = med([o.rss_mib for o in runs]) / smallest
        goal = f"{growth:.2f}× the smallest crawl; {fmt([o.wall_rate for o in runs], 0, 'pages/s')[0]}"
        if n_cats == prof["memory"][-1]:
            goal += "; goal ≤ 1.5×: " + ("**met**" if growth <= 1.5 else "**missed**")
        rep.add("7", f"memory: peak RSS, crawl of {runs[0].pages:,} pages (~{n_cats * per_cat:,})", m, s, goal)
    rep.raw["memory"] = {str(k): [vars(o) for o in v] for k, v in results.items()}


def extraction_section(rep: Report, site: Path, prof: dict) -> None:
    """(3) extraction pages/s per page set and tool."""
    sets = X.load_sets(site, prof["generated"])
    if not sets["zh"] and not sets["en"]:
        rep.notes.append(f"extraction: no real pages found in {X.DATA} (pass --data PATH to ../shared/data)")
    res = X.measure(sets, runs=prof["extract_runs"], log=log)
    rep.raw["extraction"] = {f"{s}/{t}": r for (s, t), r in res.items()}
    for sname, label in (("generated", f"generated pages ({len(sets.get('generated', []))})"),
                         ("real", f"real pages zh+en ({len(sets['zh']) + len(sets['en'])})"),
                         ("zh", f"real zh ({len(sets['zh'])})"), ("en", f"real en ({len(sets['en'])})")):
        ours = res.get((sname, "ours"))
        if not ours:
            continue
        comp = {t: med(res[(sname, t)]["rates"]) for t in X.COMPETITORS if (sname, t) in res and "rates" in res[(sname, t)]}
        fastest = max(comp, key=comp.get) if comp else None
        m, s = fmt(ours["rates"], 0, "pages/s")
        goal = ""
        if fastest:
            ratio = med(ours["rates"]) / comp[fastest]
            goal = f"{ratio:.1f}× the fastest other ({fastest}, {comp[fastest]:.0f}/s)"
            if sname == "real":
                goal += "; goal ≥ 3×: " + ("**met**" if ratio >= 3 else "**missed**")
        rep.add("3", f"extraction (pages per CPU-second), ours, {label}", m, s, goal)
        if sname in ("zh", "en"):
            continue  # the other tools' rows for zh+en together are enough
        for t in ("lxml", *X.COMPETITORS):
            r = res.get((sname, t))
            if r and "rates" in r:
                m, s = fmt(r["rates"], 0, "pages/s")
                what = "lxml.html.fromstring only (parse floor)" if t == "lxml" else t
                rep.add("3", f"extraction, {what}, {label}", m, s,
                        f"ours = {med(ours['rates']) / med(r['rates']):.2f}×" + (f"; {r['errors']} errors" if r["errors"] else ""))
    missing = [r["missing"] for (s, t), r in res.items() if s == "*"]
    if missing:
        rep.notes.append("extraction: not installed: " + "; ".join(missing) + " (pip install -e '.[bench]')")


def archive_section(rep: Report, prof: dict, work: Path) -> None:
    """(4) ingest and search, with the archive's own benchmark functions (tests/benchmarks/archive.py)."""
    try:
        from tests.benchmarks import archive as AB
    except ImportError as exc:
        rep.add("4", "archive ingest / search", "n/a", "", f"tests/benchmarks/archive.py not importable: {exc}")
        return
    n = prof["archive_articles"]
    rates, cpu_rates, searches = [], [], []
    for r in range(prof["runs"]):
        db = work / f"archive-bench-{r}.db"
        try:
            rate, cpu_rate = AB.ingest(db, n, 500, 4 + r, quiet=True)
        except TypeError:  # an older archive benchmark without ``quiet``
            rate, cpu_rate = AB.ingest(db, n, 500, 4 + r)
        rates.append(rate)
        cpu_rates.append(cpu_rate)
        # rows are (term, median wall ms, ...): only the first two are used here
        res = [(row[0], row[1]) for row in AB.search_latency(db)]
        searches.append(res)
        log(f"(4) archive run {r + 1}: ingest {rate:,.0f}/s ({cpu_rate:,.0f}/CPU-s); search "
            + ", ".join(f"{t} {ms:.1f} ms" for t, ms in res))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    rep.raw["archive"] = {"articles": n, "ingest": rates, "ingest_cpu": cpu_rates, "search": searches}
    m, s = fmt(rates, 0, "articles/s")
    rep.add("4", f"archive: ingest through `store_articles` (batches of 500), FTS maintained, {n:,} articles of ~3 KB",
            m, s, f"{fmt(cpu_rates, 0)[0]}/CPU-s; goal ≥ 1,500/s: " + ("**met**" if med(rates) >= 1500 else "**missed**"))
    lengths = sorted({len(t) for run in searches for t, _ms in run}, key=lambda k: (k not in (2, 4), k))
    for length in lengths:
        label = f"{length}-character"
        terms = sorted({t for run in searches for t, _ms in run if len(t) == length})
        if not terms:
            continue
        per_run = [med([ms for t, ms in run if len(t) == length]) for run in searches]
        worst = max(ms for run in searches for t, ms in run if len(t) == length)
        m, s = fmt(per_run, 1, "ms")
        goal = f"slowest term {worst:.1f} ms"
        if length in (2, 4):
            goal += "; goal < 50 ms: " + ("**met**" if med(per_run) < 50 else "**missed**")
        rep.add("4", f"archive: search, {label} ({', '.join(terms)}), top 20 ranked, {n:,} articles", m, s, goal)


def export_section(rep: Report, prof: dict, runs: int) -> None:
    """(5) export of a large archive, first and second time."""
    n, cats = prof["export_articles"], prof["export_categories"]
    db = CACHE / f"export-{n}-{cats}.db"
    log(f"(5) building/reusing the export archive {db} ({n:,} articles, {cats} categories)")
    b = E.build_archive(db, n, cats, log=log)
    log(f"(5) archive: {b['articles']:,} articles" + (" (reused)" if b.get("reused") else f", {b['rate']:.0f}/s"))
    res = E.time_exports(db, runs)
    rep.raw["export"] = {"build": b, **res}
    m, s = fmt(res["first"], 1, "s")
    rep.add("5", f"export: every feed of a {n:,}-article archive, {cats} categories ({res['feeds']} feeds, "
                 f"{res['files']:,} files, {res['bytes_first'] / 1e6:.0f} MB)", m, s, "")
    m, s = fmt(res["second"], 1, "s")
    rep.add("5", "export again, archive unchanged: time", m, s,
            f"{res['bytes_second']} bytes written, {res['files_second']} files rewritten, {res['touched_second']} mtimes "
            "changed; goal 0 bytes: " + ("**met**" if res["bytes_second"] == 0 and res["touched_second"] == 0 else "**missed**"))


# --- main -----------------------------------------------------------------------------------


def main(argv=None) -> int:
    """Run the suite and print the table."""
    ap = argparse.ArgumentParser(description="Benchmark suite with ceilings (see module doc)")
    ap.add_argument("--quick", action="store_true", help="small site/archive, fewer pages: a few minutes")
    ap.add_argument("--only", default="crawl,extract,archive,export,incremental,memory",
                    help="comma-separated sections to run")
    ap.add_argument("--server", choices=("nginx", "python"), default="nginx", help="prefer nginx (default) or Python")
    ap.add_argument("--json", default=None, help="also write every raw figure here")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (archives, feeds)")
    ap.add_argument("--data", default=None, help="gold-labelled real pages (default: ../shared/data of the repo)")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up (server, children)
    if args.data:
        X.DATA = Path(args.data)
    prof = PROFILES["quick" if args.quick else "full"]
    only = set(args.only.split(","))
    rep = Report()
    started = time.monotonic()
    cats, per_cat = prof["site"]
    site = CACHE / f"site-{cats}x{per_cat}"
    log(f"generating/reusing the site in {site} ({cats} categories x {per_cat} articles)")
    manifest = generate(site, cats, per_cat, log=None)
    work = Path(tempfile.mkdtemp(prefix="bench-work-"))
    server = SiteServer(site, prefer=args.server)
    try:
        server.start()
        mach = machine(server)
        log(machine_text(mach))
        rep.raw["machine"] = mach
        rep.raw["site"] = {k: v for k, v in manifest.items() if k != "categories"}
        ours = []
        if "crawl" in only:
            ours = crawl_section(rep, server, manifest, prof, work)
        if "extract" in only:
            extraction_section(rep, site, prof)
        if "archive" in only:
            archive_section(rep, prof, work)
        if "export" in only:
            export_section(rep, prof, prof["runs"])
        if "incremental" in only:
            incremental_section(rep, server, manifest, prof, work)
        if "memory" in only:
            memory_section(rep, server, manifest, prof, work, ours)
    finally:
        server.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    load_end = os.getloadavg()
    ab = manifest["article_bytes"]
    print(machine_text(mach))
    print(f"Site: {manifest['articles']:,} article pages ({ab['min'] / 1024:.1f}–{ab['max'] / 1024:.1f} KB, median "
          f"{ab['median'] / 1024:.1f} KB) + {manifest['listing_pages']:,} listing pages of {prof['site'][0]} categories; "
          f"profile {'quick' if args.quick else 'full'}; {prof['runs']} runs per crawl figure, {prof['extract_runs']} per "
          f"extraction figure; load average at end {load_end[0]:.2f}; total {time.monotonic() - started:.0f}s")
    print()
    print(rep.table())
    for n in rep.notes:
        print(f"\nNote: {n}")
    rep.raw["load_end"] = load_end
    if args.json:
        Path(args.json).write_text(json.dumps(rep.raw, indent=1, default=str, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
