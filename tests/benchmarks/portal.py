"""The evaluation corpus crawled end to end, the way a user's source meets it.

    .venv/bin/python tests/corpus/restore.py                      # once
    .venv/bin/python -m tests.benchmarks.portal [--split dev|test] [--lang zh|other|all] [--keep DIR] [--details]

``tests/benchmarks/extraction.py`` scores the extractor on decoded text. This scores what the
archive holds after a real ``aggregator crawl``: every corpus page of the split is served, as
its original bytes, by a portal on 127.0.0.1 (one listing page per 20 articles, headlines as
link text, no dates; ``Content-Type: text/html`` without a charset, so the page's own
declaration, right or wrong, is all the crawler gets). Each page sits at its original URL's
path under ``/<site>/`` (``/<site>/<id>.html`` when the URL is unknown). The source has only
``name``, ``title`` and ``start_urls``. The stored rows are scored against the gold labels
with the scoring of ``extraction.py`` (the stored ``published`` is UTC; a day-only label is
compared in the page's zone); a page the crawl did not store scores zero on every field.
The source's ``title`` is the contract's fallback ``source`` and a ``published_guessed`` date
is a fallback too: both count as "none found". Pages in other languages (``--lang other``)
are crawled too, but a time they print without a zone is read in the source's zone (the
default, Asia/Shanghai), so their dates are not comparable with the labels: read their
other columns only.
"""

from __future__ import annotations

import argparse
import html
import sqlite3
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "corpus"))

import corpus as cp  # noqa: E402

from aggregator.project import DEFAULT_TZ_NAME  # noqa: E402
from tests.benchmarks.crawl import PYTHON, run_measured  # noqa: E402
from tests.benchmarks.extraction import body_prf, collapse, date_ok  # noqa: E402
from tests.manysite import CountingServer  # noqa: E402

PER_LISTING = 20
#: the zone a day-only label is read in: the source's, the default (day labels carry no zone)
SOURCE_ZONE = ZoneInfo(DEFAULT_TZ_NAME)
PORTAL_TITLE = "本地门户测试源"


def page_path(row: dict) -> str:
    """Where the portal serves a corpus page: its original path under ``/<site>/``."""
    site = (row.get("site") or "site").strip("/")
    path = urlsplit(row.get("url") or "").path
    if not path or path.endswith("/"):
        path = f"/{row['id']}.html"
    return f"/{site}{path}"


class Portal(CountingServer):
    """Listing pages ``/list/<n>.html`` and the corpus pages, as their original bytes."""

    def __init__(self, rows: list[dict], titles: dict[str, str]):
        super().__init__()
        self.pages: dict[str, bytes] = {"/robots.txt": b"User-agent: *\nAllow: /\n"}
        self.where: dict[str, str] = {}
        for row in rows:
            path = page_path(row)
            if path in self.pages:          # two pages with one path: keep them apart
                path = f"/{row.get('site') or 'site'}/{row['id']}.html"
            self.pages[path] = cp.unpack(cp.page_path(row).read_bytes())
            self.where[row["id"]] = path
        ids = list(self.where)
        chunks = [ids[i:i + PER_LISTING] for i in range(0, len(ids), PER_LISTING)]
        for n, chunk in enumerate(chunks):
            items = "".join(f'<li><a href="{html.escape(self.where[i])}">{html.escape(titles.get(i) or i)}</a></li>'
                            for i in chunk)
            nxt = f'<a class="next" href="/list/{n + 1}.html">下一页</a>' if n + 1 < len(chunks) else ""
            self.pages[f"/list/{n}.html"] = (
                '<!doctype html><html><head><meta charset="utf-8"><title>新闻列表_本地门户</title></head><body>'
                f'<div class="nav"><a href="/list/0.html">首页</a></div><ul class="news-list">{items}</ul>'
                f'<div class="pages">{nxt}</div><div class="footer">本地门户 版权所有</div></body></html>').encode()
        self.listings = len(chunks)

    def page(self, path: str) -> bytes | None:
        return self.pages.get(unquote(path))

    def content_type(self, path: str, status: int) -> str:
        return "text/plain" if path.endswith(".txt") or status == 404 else "text/html"


def score_rows(rows, labels, stored, raw: dict[str, bytes]) -> tuple[dict, list]:
    """Scores of the stored rows against the labels; ``raw`` holds each page's served bytes."""
    fields = ("title", "published", "source", "author")
    hit = dict.fromkeys(fields, 0)
    prf = [0.0, 0.0, 0.0]
    misses = []
    for row in rows:
        gold, got = labels[row["id"]], stored.get(row["id"])
        if got is None:
            misses.append((row["id"], {"stored": False}))
            continue
        gold_body = cp.gold_body(cp.decode(raw[row["id"]], row.get("charset")),
                                 gold["body"]) if gold.get("body") else None
        miss = {}
        for f in ("title", "source", "author"):
            ok = collapse(got[f]) == collapse(gold.get(f))
            hit[f] += ok
            if not ok:
                miss[f] = (got[f], gold.get(f))
        pub = got["published"]
        if pub and len(str(gold.get("published") or "")) == 10:
            # a day label: the stored UTC instant read in the page's own zone
            pub = datetime.fromisoformat(pub.replace("Z", "+00:00")).astimezone(SOURCE_ZONE).isoformat()
        ok = date_ok(pub, gold.get("published"))
        hit["published"] += ok
        if not ok:
            miss["published"] = (got["published"], gold.get("published"))
        p, r, f1 = body_prf(got["body"], gold_body)
        prf[0] += p
        prf[1] += r
        prf[2] += f1
        if f1 < 0.9:
            miss["body"] = (round(p, 3), round(r, 3), round(f1, 3))
        if miss:
            misses.append((row["id"], miss))
    n = len(rows) or 1
    out = {f: hit[f] / n for f in fields}
    out.update(body_p=prf[0] / n, body_r=prf[1] / n, body_f1=prf[2] / n)
    return out, misses


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev", choices=("dev", "test"))
    ap.add_argument("--lang", default="zh", choices=("zh", "other", "all"))
    ap.add_argument("--details", action="store_true", help="per-page misses (use on dev only)")
    ap.add_argument("--keep", type=Path, help="keep the archive, sources file and crawl log in this folder")
    args = ap.parse_args(argv)
    labels = cp.labels()
    rows = [r for r in cp.manifest() if r.get("split") == args.split and r["id"] in labels
            and cp.page_path(r).is_file()]
    is_zh = lambda r: (r.get("lang") or "").startswith("zh")  # noqa: E731
    if args.lang != "all":
        rows = [r for r in rows if is_zh(r) == (args.lang == "zh")]
    if not rows:
        print("no corpus pages restored: run tests/corpus/restore.py", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp, Portal(rows, {i: l.get("title") for i, l in labels.items()}) as portal:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        # politeness off for our own 127.0.0.1 portal only (it changes no extraction)
        toml = (f'[[source]]\nname = "portal"\ntitle = "{PORTAL_TITLE}"\n'
                f'start_urls = ["{portal.base_url}/list/0.html"]\nmax_pages = {portal.listings + 1}\n'
                '[source.settings]\nAUTOTHROTTLE_ENABLED = false\nDOWNLOAD_DELAY = 0\n')
        (work / "sources.toml").write_text(toml, encoding="utf-8")
        db = work / "archive.db"
        m = run_measured([PYTHON, "-m", "aggregator", "crawl", "--sources", str(work / "sources.toml"),
                          "--db", str(db), "--log-level", "INFO"], cwd=work)
        (work / "crawl.log").write_text(m.stderr, encoding="utf-8")
        con = sqlite3.connect(db)
        con.row_factory = sqlite3.Row
        by_path = {v: k for k, v in portal.where.items()}
        stored = {}
        for a in con.execute("SELECT url, title, published, published_guessed, source, author, body_text FROM articles"):
            pid = by_path.get(unquote(urlsplit(a["url"]).path))
            if pid is None:
                continue
            stored[pid] = {"title": a["title"], "published": None if a["published_guessed"] else a["published"],
                           "source": None if a["source"] == PORTAL_TITLE else a["source"],
                           "author": a["author"], "body": a["body_text"]}
        con.close()
    print(f"portal crawl of corpus-{args.split} ({args.lang}): {len(rows)} pages served, {len(stored)} stored, "
          f"exit {m.returncode}, {m.wall:.1f} s", file=sys.stderr)
    if m.returncode not in (0,) and not stored:
        print(m.stderr[-3000:], file=sys.stderr)
    groups = {"zh": [r for r in rows if is_zh(r)], "other": [r for r in rows if not is_zh(r)]}
    print("set                     pages stored  title   date source author body P body R body F1")
    for lang, rs in groups.items():
        if not rs:
            continue
        res, misses = score_rows(rs, labels, stored, {i: portal.pages[p] for i, p in portal.where.items()})
        n_stored = sum(r["id"] in stored for r in rs)
        print(f"portal-{args.split}/{lang:<9} {len(rs):>9} {n_stored:>6} " + " ".join(
            f"{100 * res[k]:6.1f}" for k in ("title", "published", "source", "author", "body_p", "body_r", "body_f1")))
        if args.details:
            for pid, miss in misses:
                print(f"    {pid} {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
