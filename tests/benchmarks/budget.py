"""Per-page CPU budget of the crawl pipeline, stage by stage, on the generated site.

The crawl ceiling spends a few milliseconds of CPU per page (download, Scrapy engine,
one parse); everything our crawl adds on top has to fit in the goal's budget (the crawl
at >= 60 % of the ceiling's pages/s means at most 1.67x its CPU per page). This script
times each stage of our pipeline in isolation, on the same article pages, in the same
order the crawl runs them, and prints milliseconds per page:

- ``response``: building the ``HtmlResponse`` and re-decoding it (``SourceSpider.decoded``:
  ``detect_encoding``);
- ``parse``: the lxml tree behind ``response.selector`` (the ceiling pays this too);
- ``extract``: ``extract_article`` on the parsed response (parse excluded);
- ``build``: ``SourceSpider.build_article`` (date fallbacks, Article construction);
- ``normalize``: ``normalize.normalize_article`` (sanitise, text, hash);
- ``store``: ``Archive.store_articles`` in batches of 200 into a fresh archive (FTS included);
- ``links``: ``discover_links`` on a listing page, divided by the 20 articles it lists.

    .venv/bin/python -m tests.benchmarks.budget [--site DIR] [--pages 1000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.crawl import sources_toml  # noqa: F401  (same package, keeps imports warm)


def _pages(site: Path, n: int, seed: int = 3) -> tuple[list[tuple[str, bytes]], list[tuple[str, bytes]]]:
    arts = sorted(site.glob("c/*/*/t*.html"))
    lists = sorted(site.glob("c/*/index*.html"))
    rng = random.Random(seed)
    arts = rng.sample(arts, min(n, len(arts)))
    lists = rng.sample(lists, min(max(1, n // 20), len(lists)))
    base = "http://127.0.0.1:8000/"
    return ([(base + str(p.relative_to(site)), p.read_bytes()) for p in arts],
            [(base + str(p.relative_to(site)), p.read_bytes()) for p in lists])


def measure(site: Path, n: int = 1000, runs: int = 3) -> dict:
    """``{stage: [ms per page, one per run]}``."""
    from datetime import datetime, timezone

    from scrapy import Request
    from scrapy.http import HtmlResponse

    from aggregator.archive import Archive
    from aggregator.extract.article import extract_article
    from aggregator.extract.links import discover_links
    from aggregator.normalize import normalize_article
    from aggregator.sources import Source
    from spiders.generic import ListingSpider

    src = Source(name="bench", title="塞上新闻网", start_urls=("http://127.0.0.1:8000/c/bendi/index.html",),
                 category="bench", category_name="塞上新闻网", max_pages=10_000)
    spider_cls = ListingSpider.for_source(src)
    spider = spider_cls.__new__(spider_cls)  # no crawler: only the pure helpers are used
    now = datetime(2024, 7, 1, tzinfo=timezone.utc)
    type(spider).now = property(lambda self: now)
    spider.inc = lambda *a, **k: None
    arts, lists = _pages(site, n)
    out: dict[str, list[float]] = {k: [] for k in ("response", "parse", "extract", "build", "normalize", "store", "links")}
    headers = {b"Content-Type": b"text/html; charset=utf-8"}
    for _ in range(runs):
        t0 = time.process_time()
        responses = []
        for url, body in arts:
            r = HtmlResponse(url=url, body=body, headers=headers, request=Request(url))
            responses.append(spider.decoded(r))
        t1 = time.process_time()
        for r in responses:
            r.selector  # noqa: B018 - builds the lxml tree
        t2 = time.process_time()
        fields = [extract_article(r, src, url=r.url, now=now) for r in responses]
        t3 = time.process_time()
        items = [spider.build_article(r.url, f, {}) for r, f in zip(responses, fields)]
        t4 = time.process_time()
        normed = [normalize_article(a, site_names=(src.title,))[0] for a in items]
        t5 = time.process_time()
        with tempfile.TemporaryDirectory() as tmp:
            with Archive(Path(tmp) / "a.db") as archive:
                archive.upsert_sources([src])
                t6 = time.process_time()
                for k in range(0, len(normed), 200):
                    archive.store_articles(normed[k:k + 200])
                t7 = time.process_time()
        lresp = [HtmlResponse(url=u, body=b, headers=headers, request=Request(u)) for u, b in lists]
        t8 = time.process_time()
        for r in lresp:
            discover_links(r, src, base_url=r.url)
        t9 = time.process_time()
        per = 1000.0 / len(arts)
        out["response"].append((t1 - t0) * per)
        out["parse"].append((t2 - t1) * per)
        out["extract"].append((t3 - t2) * per)
        out["build"].append((t4 - t3) * per)
        out["normalize"].append((t5 - t4) * per)
        out["store"].append((t7 - t6) * per)
        out["links"].append((t9 - t8) * 1000.0 / (len(lresp) * 20))
        del responses, fields, items, normed
    return out


def main(argv=None) -> int:
    """Print the budget (ms of CPU per article page, median and min–max of the runs)."""
    from tests.benchmarks.run import CACHE, PROFILES
    from tests.benchmarks.site import generate

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", default=None)
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    if args.site:
        site = Path(args.site)
    else:
        cats, per = PROFILES["quick"]["site"]
        site = CACHE / f"site-{cats}x{per}"
        generate(site, cats, per)
    res = measure(site, args.pages, args.runs)
    total = sum(statistics.median(v) for v in res.values())
    for k, v in res.items():
        print(f"{k:10} {statistics.median(v):6.3f} ms/page  ({min(v):.3f}–{max(v):.3f})  "
              f"{statistics.median(v) / total:5.1%}")
    print(f"{'total':10} {total:6.3f} ms/page")
    if args.json:
        Path(args.json).write_text(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
