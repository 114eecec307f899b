"""Export benchmark: every feed of a large archive, then the same export again (goal: 0 bytes).

``build_archive(path, n, categories, sources)`` fills an archive through the store path
(``Archive.store_articles`` in batches, as the StorePipeline does) with ``n`` generated
articles of about 3 KB of Chinese text (:mod:`tests.benchmarks.text`), spread over
``categories`` categories and ``sources`` sources; the file is kept and reused while its
parameters match. ``time_exports`` times ``aggregator.export.export_all`` into a fresh
folder (every file written) and a second time into the same folder (nothing should
change: bytes written and files touched are counted by the exporter's report and checked
against the folder's mtimes).

    .venv/bin/python -m tests.benchmarks.export_feeds --db /tmp/x.db [--articles 100000] [--categories 500]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.benchmarks.text import PLACES, TextGen

NOW = datetime(2024, 7, 1, tzinfo=timezone.utc)


def _category_names(n: int) -> list[tuple[str, str]]:
    from tests.benchmarks.site import CATEGORIES

    out = []
    for k in range(n):
        slug, name = CATEGORIES[k % len(CATEGORIES)]
        place = PLACES[(k // len(CATEGORIES)) % len(PLACES)]
        out.append((f"c{k:03d}-{slug}", f"{place}{name}"))
    return out


def make_articles(n: int, categories: int, sources: int, seed: int = 11, start: int = 0):
    """Yield ``n`` normalised Articles (batch-friendly generator)."""
    from aggregator.items import Article
    from aggregator.normalize import content_hash

    cats = _category_names(categories)
    rng = random.Random(seed + start)
    gen = TextGen(rng)
    for i in range(start, start + n):
        slug, cname = cats[i % categories]
        src = f"src{i % sources:02d}"
        when = NOW - timedelta(minutes=7 * i + rng.randint(0, 6))
        paras = gen.body(rng.randint(850, 1150))  # about 3 KB of UTF-8 text
        body_text = "\n".join(paras)
        title = gen.headline()
        yield Article(
            url=f"https://news{i % sources}.example.cn/{slug}/{when:%Y%m}/t{when:%Y%m%d}_{i}.html",
            title=title, published=when.replace(microsecond=0).isoformat(), published_from="text",
            source=gen.publisher(), author=gen.person(), category=slug, categories=[slug], category_name=cname,
            spider=src, body_html="".join(f"<p>{p}</p>" for p in paras), body_text=body_text,
            fetched_at=(when + timedelta(minutes=30)).replace(microsecond=0).isoformat(),
            content_hash=content_hash(title, body_text),
        )


def build_archive(path: str | Path, n: int = 100_000, categories: int = 500, sources: int = 20,
                  batch: int = 200, log=None) -> dict:
    """Create (or reuse) the archive; returns ``{"articles", "seconds", "rate", "reused"}``."""
    from aggregator.archive import Archive
    from aggregator.sources import Source

    path = Path(path)
    spec = {"n": n, "categories": categories, "sources": sources, "v": 1}
    stamp = Path(f"{path}.spec.json")
    if path.exists() and stamp.exists() and json.loads(stamp.read_text()).get("spec") == spec:
        with Archive(path):  # brings an archive built by an older version up to date (migrations)
            pass
        return {**json.loads(stamp.read_text()), "reused": True}
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{path}{suffix}").exists():
            os.unlink(f"{path}{suffix}")
    path.parent.mkdir(parents=True, exist_ok=True)
    srcs = [Source(name=f"src{k:02d}", title=f"{PLACES[k % len(PLACES)]}新闻网", start_urls=(f"https://news{k}.example.cn/",))
            for k in range(sources)]
    t0 = time.perf_counter()
    done = 0
    with Archive(path) as archive:
        archive.upsert_sources(srcs)
        for slug, name in _category_names(categories):
            archive.ensure_category(slug, name)
        buf = []
        for art in make_articles(n, categories, sources):
            buf.append(art)
            if len(buf) >= batch:
                archive.store_articles(buf)
                done += len(buf)
                buf = []
                if log and done % 10_000 == 0:
                    log(f"export: archive {done}/{n} articles, {done / (time.perf_counter() - t0):.0f}/s")
        if buf:
            archive.store_articles(buf)
            done += len(buf)
    secs = time.perf_counter() - t0
    info = {"spec": spec, "articles": done, "seconds": secs, "rate": done / secs}
    stamp.write_text(json.dumps(info))
    return {**info, "reused": False}


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*") if p.is_file()}


def time_exports(db: str | Path, runs: int = 3, workdir: str | Path | None = None, limit: int = 50) -> dict:
    """First export (fresh folder) and second export (same folder), ``runs`` times each."""
    from aggregator.export import export_all

    first, second = [], []
    info = {}
    base = Path(workdir or tempfile.mkdtemp(prefix="bench-export-"))
    for r in range(runs):
        out = base / f"feeds-{r}"
        shutil.rmtree(out, ignore_errors=True)
        t0 = time.perf_counter()
        rep1 = export_all(db, out, base_url="https://feeds.example.org/", now=NOW, limit=limit)
        first.append(time.perf_counter() - t0)
        before = _snapshot(out)
        t0 = time.perf_counter()
        rep2 = export_all(db, out, base_url="https://feeds.example.org/", now=NOW, limit=limit)
        second.append(time.perf_counter() - t0)
        after = _snapshot(out)
        touched = sum(1 for k, v in after.items() if before.get(k) != v)
        info = {"feeds": len(rep1.feeds), "files": rep1.files_written, "bytes_first": rep1.bytes_written,
                "bytes_second": rep2.bytes_written, "files_second": rep2.files_written, "touched_second": touched}
        shutil.rmtree(out, ignore_errors=True)
    return {"first": first, "second": second, **info}


def main(argv=None) -> int:
    """Build (or reuse) the archive and time the exports."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--categories", type=int, default=500)
    ap.add_argument("--sources", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    b = build_archive(args.db, args.articles, args.categories, args.sources, log=lambda s: print(s, file=sys.stderr))
    print(json.dumps(b))
    print(json.dumps(time_exports(args.db, args.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
