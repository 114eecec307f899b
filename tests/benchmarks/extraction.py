"""Extraction benchmark: our extractor vs trafilatura, GNE and readability-lxml.

Not part of the test suite (pytest never collects this folder: no ``test_*`` files and a
``collect_ignore`` in ``tests/conftest.py`` is not needed). Run from the repo root:

    .venv/bin/python tests/benchmarks/extraction.py                # zh + en + fixtures
    .venv/bin/python tests/benchmarks/extraction.py --set zh --tools ours,gne
    .venv/bin/python tests/benchmarks/extraction.py --data ../shared/data --details

Scores per page set and tool: title exact match (white space collapsed), date (same
minute; same day when the gold label is a day), source and author exact match, body
precision/recall/F1 over character bigrams with white space removed (micro-averaged over
pages: mean of per-page values; on the fixtures, which carry snippets instead of whole
bodies, P is the share of boilerplate snippets absent and R the share of text snippets
present), and pages per second of the extraction call alone (all
tools get the same decoded text; our time includes building the parsel Selector).
Fields a tool does not extract count as None. The English pages have gold labels for
title and body only. The competitors are the ``bench`` extra (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
import tomllib
import warnings
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from aggregator.extract.article import extract_article  # noqa: E402
from aggregator.extract.encoding import decode_html  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures" / "pages"
_WS = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")


# --- page sets -----------------------------------------------------------------------


def load_shared(data: Path, lang: str) -> list[dict]:
    """Pages of ../shared/data/<lang> with their labels (bytes decoded once, here)."""
    pages = []
    labels = data / lang / "labels.jsonl"
    if not labels.is_file():
        return pages
    for line in labels.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        lab = json.loads(line)
        raw = (data / lab["file"]).read_bytes()
        if lab["file"].endswith(".gz"):
            raw = gzip.decompress(raw)
        html, _enc = decode_html(raw)
        labelled = ("title", "published", "source", "author", "body") if lang == "zh" else ("title", "body")
        pages.append({"id": lab["id"], "url": lab.get("url") or f"http://{lab.get('site') or 'example.com'}/",
                      "html": html, "gold": lab, "labelled": labelled})
    return pages


def load_fixtures(root: Path = FIXTURES) -> list[dict]:
    """The project's hand-written page fixtures with their expect.toml (gold = expect)."""
    pages = []
    for exp in sorted(root.glob("*/*.expect.toml")):
        case = exp.with_name(exp.name.replace(".expect.toml", ".html"))
        if not case.is_file():
            continue
        with exp.open("rb") as fh:
            e = tomllib.load(fh)
        html, _ = decode_html(case.read_bytes(), e.get("http_charset"))
        gold = {"title": e.get("title"), "published": e.get("published"), "source": e.get("source"),
                "author": e.get("author"), "body_with": e.get("body_with", []),
                "body_without": e.get("body_without", [])}
        pages.append({"id": f"{exp.parent.name}/{case.stem}", "url": e.get("url", "http://example.com/"),
                      "html": html, "gold": gold, "labelled": ("title", "published", "source", "author"),
                      "now": e.get("now")})
    return pages


# --- tools ---------------------------------------------------------------------------


def run_ours(page):
    from parsel import Selector

    now = None
    if page.get("now"):
        now = datetime.fromisoformat(page["now"])
    sel = Selector(text=page["html"])
    r = extract_article(sel, url=page["url"], now=now)
    return {"title": r["title"], "published": r["published"], "source": r["source"],
            "author": r["author"], "body": r["body_text"]}


def run_trafilatura(page):
    import trafilatura

    doc = trafilatura.bare_extraction(page["html"], url=page["url"], with_metadata=True,
                                      date_extraction_params={"outputformat": "%Y-%m-%dT%H:%M:%S",
                                                              "original_date": True,
                                                              "extensive_search": True})
    if doc is None:
        return {}
    d = doc if isinstance(doc, dict) else doc.as_dict()
    return {"title": d.get("title"), "published": d.get("date"), "source": d.get("sitename"),
            "author": d.get("author"), "body": d.get("text") or d.get("raw_text")}


_GNE = None


def run_gne(page):
    global _GNE
    from gne import GeneralNewsExtractor

    if _GNE is None:
        _GNE = GeneralNewsExtractor()
    r = _GNE.extract(page["html"])
    return {"title": r.get("title"), "published": r.get("publish_time"), "source": None,
            "author": r.get("author"), "body": r.get("content")}


def run_readability(page):
    import lxml.html
    from readability import Document

    doc = Document(page["html"])
    summary = doc.summary(html_partial=True)
    text = lxml.html.fromstring(summary).text_content() if summary.strip() else ""
    return {"title": doc.short_title(), "published": None, "source": None, "author": None, "body": text}


TOOLS = {"ours": run_ours, "trafilatura": run_trafilatura, "gne": run_gne, "readability": run_readability}


# --- scoring -------------------------------------------------------------------------


def collapse(s):
    return _WS.sub(" ", s or "").strip() or None


def bigrams(text: str) -> Counter:
    s = _WS.sub("", text or "")
    return Counter(s[i:i + 2] for i in range(len(s) - 1))


def body_prf(pred: str | None, gold: str | None) -> tuple[float, float, float]:
    g = bigrams(gold)
    p = bigrams(pred)
    if not g:
        return (1.0, 1.0, 1.0) if not p else (0.0, 1.0, 0.0)
    if not p:
        return 0.0, 0.0, 0.0
    overlap = sum((p & g).values())
    prec = overlap / sum(p.values())
    rec = overlap / sum(g.values())
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1


_CN = timezone(timedelta(hours=8))


def _as_dt(v) -> datetime | None:
    if not v:
        return None
    if isinstance(v, datetime):
        return v
    s = str(v).strip().replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        from aggregator.extract.dates import parse_date

        dt = parse_date(s)
    return dt


def date_ok(pred, gold) -> bool:
    if gold is None:
        return pred is None
    if pred is None:
        return False
    p = _as_dt(pred)
    if p is None:
        return False
    gold = str(gold)
    if len(gold) == 10:  # a day: compare the local calendar day
        if p.tzinfo is not None:
            p = p.astimezone(_CN)
        return p.date().isoformat() == gold
    g = datetime.fromisoformat(gold)
    if p.tzinfo is None:
        p = p.replace(tzinfo=g.tzinfo or _CN)
    return abs((p - g).total_seconds()) < 60 and p.astimezone(timezone.utc).minute == g.astimezone(timezone.utc).minute


def score(pages, tool, repeat=1, details=False):
    fn = TOOLS[tool]
    n = {"title": 0, "published": 0, "source": 0, "author": 0}
    hit = {"title": 0, "published": 0, "source": 0, "author": 0}
    prf = [0.0, 0.0, 0.0]
    nbody = 0
    elapsed = 0.0
    rows = []
    for page in pages:
        best = None
        result = {}
        for _ in range(repeat):
            t0 = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    result = fn(page) or {}
            except Exception as exc:  # a competitor crashing on a page scores zero there
                result = {"error": repr(exc)}
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
        elapsed += best
        gold = page["gold"]
        row = {"id": page["id"]}
        for f in ("title", "source", "author"):
            if f not in page["labelled"]:
                continue
            if f == "title" and gold.get("title") is None and "published" not in page["labelled"]:
                continue  # en pages without a gold headline
            n[f] += 1
            ok = collapse(result.get(f)) == collapse(gold.get(f))
            hit[f] += ok
            row[f] = (ok, result.get(f), gold.get(f))
        if "published" in page["labelled"]:
            n["published"] += 1
            ok = date_ok(result.get("published"), gold.get("published"))
            hit["published"] += ok
            row["published"] = (ok, result.get("published"), gold.get("published"))
        if "body_with" in gold:
            # fixtures have snippets, not whole bodies: P = boilerplate snippets absent,
            # R = text snippets present
            text = _WS.sub("", result.get("body") or "")
            wanted = [_WS.sub("", x) for x in gold["body_with"]]
            unwanted = [_WS.sub("", x) for x in gold["body_without"]]
            r = sum(w in text for w in wanted) / len(wanted) if wanted else 1.0
            p = (sum(u not in text for u in unwanted) / len(unwanted) if unwanted else 1.0) if text else 0.0
            f1 = 2 * p * r / (p + r) if p + r else 0.0
            prf[0] += p
            prf[1] += r
            prf[2] += f1
            nbody += 1
            row["body"] = (round(p, 3), round(r, 3), round(f1, 3))
        elif gold.get("body") and "body" in page["labelled"]:
            p, r, f1 = body_prf(result.get("body"), gold["body"])
            prf[0] += p
            prf[1] += r
            prf[2] += f1
            nbody += 1
            row["body"] = (round(p, 3), round(r, 3), round(f1, 3))
        rows.append(row)
    out = {f: (hit[f] / n[f] if n[f] else None) for f in n}
    out["n"] = len(pages)
    if nbody:
        out.update(body_p=prf[0] / nbody, body_r=prf[1] / nbody, body_f1=prf[2] / nbody)
    out["pages_s"] = len(pages) / elapsed if elapsed else 0.0
    if details:
        out["rows"] = rows
    return out


def fmt(v, pct=True):
    if v is None:
        return "  -  "
    return f"{100 * v:5.1f}" if pct else f"{v:6.1f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"),
                    help="folder of the gold-labelled pages (default: ../shared/data)")
    ap.add_argument("--set", default="zh,en,fixtures", help="page sets: zh, en, fixtures")
    ap.add_argument("--tools", default="ours,trafilatura,gne,readability")
    ap.add_argument("--repeat", type=int, default=3, help="timing: best of N runs per page")
    ap.add_argument("--details", action="store_true", help="print per-page misses of our extractor")
    ap.add_argument("--json", help="also write the results to this JSON file")
    args = ap.parse_args(argv)
    data = Path(args.data)
    sets = {}
    for s in args.set.split(","):
        s = s.strip()
        if s in ("zh", "en"):
            sets[s] = load_shared(data, s)
        elif s == "fixtures":
            sets[s] = load_fixtures()
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    results = {}
    print(f"{'set':9} {'tool':12} {'pages':>5} {'title':>6} {'date':>6} {'source':>6} {'author':>6} "
          f"{'body P':>6} {'body R':>6} {'body F1':>7} {'pages/s':>8}")
    for sname, pages in sets.items():
        if not pages:
            print(f"{sname:9} (no pages found)")
            continue
        for tool in tools:
            try:
                r = score(pages, tool, repeat=args.repeat, details=args.details and tool == "ours")
            except ImportError as exc:
                print(f"{sname:9} {tool:12} not installed ({exc.name}); pip install -e '.[bench]'")
                continue
            results[(sname, tool)] = r
            print(f"{sname:9} {tool:12} {r['n']:5d} {fmt(r['title']):>6} {fmt(r['published']):>6} "
                  f"{fmt(r['source']):>6} {fmt(r['author']):>6} {fmt(r.get('body_p')):>6} "
                  f"{fmt(r.get('body_r')):>6} {fmt(r.get('body_f1')):>7} {r['pages_s']:8.1f}")
            if args.details and tool == "ours":
                for row in r["rows"]:
                    misses = {k: v for k, v in row.items() if k != "id" and isinstance(v, tuple)
                              and ((len(v) == 3 and v[0] is False) or (k == "body" and v[2] < 0.9))}
                    if misses:
                        print("   ", row["id"], misses)
    if args.json:
        Path(args.json).write_text(json.dumps({f"{k[0]}/{k[1]}": {kk: vv for kk, vv in v.items() if kk != "rows"}
                                               for k, v in results.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
