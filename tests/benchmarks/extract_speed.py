"""Extraction throughput: our extractor vs the lxml parse floor and trafilatura, GNE, readability.

Reuses the runners and page loaders of :mod:`tests.benchmarks.extraction` (which owns the
quality scores); this module only times them. Every tool gets the same decoded text of
each page; one timed run is a pass over the whole page set (after one untimed warm-up
pass over a few pages), pages/s = pages / CPU seconds of that pass (single-threaded
tools: the same as wall time on an idle machine, and robust to other jobs on the cores). Page sets: ``generated``
(article pages of the benchmark site), ``zh`` and ``en`` (the real pages of
``../shared/data``), and ``real`` = zh + en together.

    .venv/bin/python -m tests.benchmarks.extract_speed [--runs 3] [--generated 200] [--site DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import warnings
from pathlib import Path

from tests.benchmarks import extraction as xb

DATA = xb.REPO.parent / "shared" / "data"
COMPETITORS = ("trafilatura", "gne", "readability")


def run_lxml(page):
    """The parse floor: lxml.html.fromstring of the page text, nothing else."""
    import lxml.html

    return lxml.html.fromstring(page["html"])


TOOLS = {"lxml": run_lxml, **xb.TOOLS}


def load_generated(site: Path, n: int, seed: int = 7) -> list[dict]:
    """``n`` article pages of the generated site (a fixed random sample)."""
    files = sorted(Path(site).glob("c/*/*/t*.html"))
    rng = random.Random(seed)
    files = rng.sample(files, min(n, len(files)))
    return [{"id": f.name, "url": f"http://127.0.0.1/{f.relative_to(site)}", "html": f.read_text("utf-8")}
            for f in files]


def time_pass(fn, pages) -> tuple[float, int]:
    """CPU seconds of this process for one pass of ``fn`` over ``pages``; errors counted, not raised.

    CPU time, not wall time: every tool is single-threaded, so on an idle machine the two
    are the same, and on a busy one (other jobs on the same cores) CPU time still measures
    the tool rather than the neighbours.
    """
    errors = 0
    t0 = time.process_time()
    for p in pages:
        try:
            fn(p)
        except Exception:  # a competitor crashing on a page still costs its time
            errors += 1
    return time.process_time() - t0, errors


def measure(sets: dict[str, list[dict]], tools=("ours", "lxml", *COMPETITORS), runs: int = 3, log=None) -> dict:
    """``{(set, tool): {"rates": [...], "errors": n, "pages": n}}`` (pages per CPU-second, per run).

    Runs are interleaved (run 1 of every tool and set, then run 2 …) so that a change in
    background load during the measurement hits every tool alike.
    """
    out = {}
    usable = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for tool in tools:
            fn = TOOLS[tool]
            try:
                fn(next(iter(p for ps in sets.values() for p in ps)))
            except ImportError as exc:
                out[("*", tool)] = {"missing": str(exc)}
                continue
            except Exception:
                pass
            usable.append(tool)
            for pages in sets.values():
                time_pass(fn, pages[:10])  # warm-up: imports, compiled patterns, caches
        for run in range(runs):
            for tool in usable:
                for sname, pages in sets.items():
                    if not pages:
                        continue
                    secs, errors = time_pass(TOOLS[tool], pages)
                    r = out.setdefault((sname, tool), {"rates": [], "errors": 0, "pages": len(pages)})
                    r["rates"].append(len(pages) / secs)
                    r["errors"] = errors
            if log:
                log(f"extract: run {run + 1}/{runs}: " + ", ".join(
                    f"{s}/{t} {out[(s, t)]['rates'][-1]:.0f}" for t in usable for s in sets if (s, t) in out))
    # zh + en as one set: pages / summed seconds, run by run
    for tool in tools:
        zh, en = out.get(("zh", tool)), out.get(("en", tool))
        if zh and en and "rates" in zh and "rates" in en:
            n = zh["pages"] + en["pages"]
            rates = [n / (zh["pages"] / a + en["pages"] / b) for a, b in zip(zh["rates"], en["rates"])]
            out[("real", tool)] = {"rates": rates, "errors": zh["errors"] + en["errors"], "pages": n}
    return out


def load_sets(site: Path | None, generated: int, data: Path | None = None) -> dict[str, list[dict]]:
    """The page sets: generated (if a site is given), zh, en (from ``data``, default :data:`DATA`)."""
    data = Path(data) if data is not None else DATA
    sets = {}
    if site is not None:
        sets["generated"] = load_generated(site, generated)
    sets["zh"] = xb.load_shared(data, "zh")
    sets["en"] = xb.load_shared(data, "en")
    return sets


def main(argv=None) -> int:
    """Print pages/s per set and tool (median, min–max)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", default=None, help="generated benchmark site (tests.benchmarks.site)")
    ap.add_argument("--generated", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tools", default="ours,lxml," + ",".join(COMPETITORS))
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    sets = load_sets(Path(args.site) if args.site else None, args.generated)
    res = measure(sets, tuple(t for t in args.tools.split(",") if t), args.runs,
                  log=lambda s: print(s, file=sys.stderr))
    for (s, t), r in res.items():
        if "rates" in r:
            print(f"{s:9} {t:12} {statistics.median(r['rates']):8.1f} ({min(r['rates']):.1f}–{max(r['rates']):.1f}) "
                  f"pages/s, {r['pages']} pages, {r['errors']} errors")
    if args.json:
        Path(args.json).write_text(json.dumps({f"{s}/{t}": r for (s, t), r in res.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
