"""Second run of 100 one-page sources with nothing new (issue #19), this checkout against
another one, alternating in one invocation (a loaded machine makes wall times of separate
invocations incomparable; CPU-seconds are the steadier figure).

    .venv/bin/python -m tests.benchmarks.second_ab --other /path/to/old/checkout [--rounds 3] [--first]

``--first`` measures first runs instead: one source over the 100 listing pages into a fresh
archive (2,101 pages, 2,000 articles), CPU of the crawl and its extraction processes.

``--other`` is a plain copy of another commit (``git archive <commit> | tar -x``): its
``aggregator`` and ``spiders`` packages are put first on ``PYTHONPATH`` for its runs.
The archive is filled once by this checkout; every second run starts from a copy of it.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from tests.benchmarks.crawl import PYTHON, REPO, run_measured
from tests.benchmarks.many import CACHE, CountingServer, crawl, log, many_sources, one_source
from tests.benchmarks.site import generate


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--other", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--first", action="store_true", help="first runs (fresh archive) instead of second runs")
    args = ap.parse_args(argv)
    site_dir = CACHE / "site-many-10"
    manifest = generate(site_dir, categories=10, per_category=200, per_page=20, log=log)
    listing = [f"/c/{c['slug']}/index.html" if p == 0 else f"/c/{c['slug']}/index_{p}.html"
               for c in manifest["categories"] for p in range(10)]
    work = Path(tempfile.mkdtemp(prefix="bench-ab-"))
    runs: dict[str, list[dict]] = {"this": [], "other": []}
    try:
        with CountingServer(site_dir) as server:
            urls = [server.base_url + p for p in listing]
            toml = one_source(urls) if args.first else many_sources(urls)
            if not args.first:
                log("first run (fills the archive)")
                first = crawl(work, toml, work / "filled.db", server)
                assert first["returncode"] == 0, first["stderr"]
            for r in range(args.rounds):
                for name in ("other", "this") if r % 2 == 0 else ("this", "other"):
                    db = work / f"{name}{r}.db"
                    if not args.first:
                        shutil.copy(work / "filled.db", db)
                    env = {"PYTHONPATH": str(args.other.resolve())} if name == "other" else {}
                    sources = work / f"sources-{db.stem}.toml"
                    sources.write_text(toml, encoding="utf-8")
                    server.reset()
                    m = run_measured([PYTHON, "-m", "aggregator", "crawl", "--sources", str(sources), "--db", str(db),
                                      "--quiet"], cwd=work, env=env)
                    assert m.returncode == 0, m.stderr[-800:]
                    runs[name].append({"wall": m.wall, "cpu": m.cpu, "requests": server.total})
                    log(f"{name}: {m.wall:.2f} s wall, {m.cpu:.2f} CPU-s, {server.total} requests")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| checkout | wall s (median) | CPU-s (median) | requests |\n|---|---|---|---|")
    for name, rs in runs.items():
        print(f"| {name} | {statistics.median(r['wall'] for r in rs):.2f} | "
              f"{statistics.median(r['cpu'] for r in rs):.2f} | {rs[0]['requests']} |")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
