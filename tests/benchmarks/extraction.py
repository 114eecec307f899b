"""Extraction benchmark: our extractor vs trafilatura, GNE, readability-lxml and htmldate.

Not part of the test suite (pytest never collects this folder: no ``test_*`` files and a
``collect_ignore`` in ``tests/conftest.py`` is not needed). Run from the repo root:

    .venv/bin/python tests/benchmarks/extraction.py                # zh + en + fixtures
    .venv/bin/python tests/benchmarks/extraction.py --set zh --tools ours,gne
    .venv/bin/python tests/benchmarks/extraction.py --data ../shared/data --details
    .venv/bin/python tests/corpus/restore.py                       # then:
    .venv/bin/python tests/benchmarks/extraction.py --set corpus-test   # the quality floor
    .venv/bin/python tests/benchmarks/extraction.py --set corpus-dev --details   # tune here only

``corpus-dev`` / ``corpus-test`` are the evaluation corpus (tests/corpus/README.md; pages
restored by ``tests/corpus/restore.py``, gold body rebuilt by ``corpus.gold_body``), each
reported as two sets, Chinese (``/zh``) and other languages (``/other``). ``--corpus DIR``
reads the manifests, labels and ``pages/`` of another corpus folder. Every tool gets the page
text decoded once by the project's ``decode_html`` (the crawler's view of the bytes).
On ``corpus-test`` the results are checked against the floor in
``tests/extraction_corpus_floor.json`` (exit status 1 below it); ``--raise-floor`` raises
the floor to the current figures (never lowers it). Tune only on ``corpus-dev``.

Scores per page set and tool: title exact match (white space collapsed), date (same
minute; same day when the gold label is a day), source and author exact match, body
precision/recall/F1 over character bigrams with white space removed (micro-averaged over
pages: mean of per-page values; on the fixtures, which carry snippets instead of whole
bodies, P is the share of boilerplate snippets absent and R the share of text snippets
present), and pages per second of the extraction call alone (all
tools get the same decoded text; our time includes building the parsel Selector), as
pages per CPU-second (``time.process_time``, best of ``--repeat`` runs per page).
htmldate is scored on dates only. A date is right when it is the same minute (the same day
when the label gives only a day); a date without an offset (the peers' usual output, and ours
when the page printed a wall-clock time without a zone: ``published_zone == "source"``) is
read in the gold label's zone.
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
CORPUS = REPO / "tests" / "corpus"
CORPUS_FLOOR = REPO / "tests" / "extraction_corpus_floor.json"
FLOOR_FIELDS = ("title", "published", "source", "author", "body_f1")
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


def load_corpus(split: str, root: Path = CORPUS) -> dict[str, list[dict]]:
    """Pages of one split of the evaluation corpus, as ``{"zh": [...], "other": [...]}``.

    Pages not restored yet (no file under ``root/pages``) are counted and skipped."""
    import importlib.util

    # the corpus helpers of that corpus folder (they may be newer than ours), else ours
    helper = root / "corpus.py" if (root / "corpus.py").is_file() else CORPUS / "corpus.py"
    spec = importlib.util.spec_from_file_location("corpus_helpers", helper)
    cp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cp)

    labels = cp.labels(root)
    pages_dir = root / "pages" if (root / "pages").is_dir() else CORPUS / "pages"
    out: dict[str, list[dict]] = {"zh": [], "other": []}
    missing = 0
    for row in cp.manifest(root):
        if row.get("split") != split or row["id"] not in labels:
            continue
        path = cp.page_path(row, pages_dir)
        if not path.is_file():
            missing += 1
            continue
        raw = path.read_bytes()
        lab = labels[row["id"]]
        gold_html = cp.decode(raw, row.get("charset"))
        html, _enc = decode_html(raw)
        gold = {"title": lab.get("title"), "published": lab.get("published"), "source": lab.get("source"),
                "author": lab.get("author"), "body": cp.gold_body(gold_html, lab["body"]) if lab.get("body") else None}
        lang = "zh" if (row.get("lang") or "").startswith("zh") else "other"
        out[lang].append({"id": row["id"], "url": row.get("url") or f"http://{row.get('site') or 'example.com'}/",
                          "html": html, "gold": gold,
                          "labelled": ("title", "published", "source", "author", "body")})
    if missing:
        print(f"corpus-{split}: {missing} pages not restored (run tests/corpus/restore.py)", file=sys.stderr)
    return out


# --- tools ---------------------------------------------------------------------------


def run_ours(page):
    from parsel import Selector

    now = None
    if page.get("now"):
        now = datetime.fromisoformat(page["now"])
    sel = Selector(text=page["html"], type="html")   # as scrapy's HtmlResponse does
    r = extract_article(sel, url=page["url"], now=now)
    published = r["published"]
    if published and r.get("published_zone") == "source":
        # a wall-clock time read in the (unconfigured) source zone: compared as printed, like
        # the peers' dates without an offset
        published = published[:19]
    return {"title": r["title"], "published": published, "source": r["source"],
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


def run_htmldate(page):
    from htmldate import find_date

    d = find_date(page["html"], url=page["url"], original_date=True, extensive_search=True,
                  outputformat="%Y-%m-%dT%H:%M:%S")
    return {"published": d}


TOOLS = {"ours": run_ours, "trafilatura": run_trafilatura, "gne": run_gne, "readability": run_readability,
         "htmldate": run_htmldate}
#: Fields each tool extracts at all (others are not scored for it).
TOOL_FIELDS = {"htmldate": ("published",)}


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


def run_interleaved(pages, tools, repeat=1) -> dict:
    """Every tool on every page, the tools taking turns on each page and each repeat, so that
    a slower or busier stretch of the machine falls on all of them alike (a virtual machine's
    CPU time varies by a third from minute to minute). ``{tool: {page id: (result, best CPU
    seconds)}}``; a tool that is not installed is left out (its ImportError is kept)."""
    out: dict = {t: {} for t in tools}
    missing: dict = {}
    for page in pages:
        for _ in range(repeat):
            for tool in tools:
                if tool in missing:
                    continue
                t0 = time.process_time()
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        result = TOOLS[tool](page) or {}
                except ImportError as exc:
                    missing[tool] = exc
                    continue
                except Exception as exc:  # a competitor crashing on a page scores zero there
                    result = {"error": repr(exc)}
                dt = time.process_time() - t0
                prev = out[tool].get(page["id"])
                out[tool][page["id"]] = (result, dt if prev is None else min(dt, prev[1]))
    for tool, exc in missing.items():
        out[tool] = exc
    return out


def score(pages, tool, repeat=1, details=False, runs=None):
    """Figures of ``tool`` on ``pages``; ``runs``: its results and timings from
    :func:`run_interleaved` (else it runs here, ``repeat`` times a page)."""
    if runs is None:
        runs = run_interleaved(pages, [tool], repeat)[tool]
        if isinstance(runs, ImportError):
            raise runs
    n = {"title": 0, "published": 0, "source": 0, "author": 0}
    hit = {"title": 0, "published": 0, "source": 0, "author": 0}
    prf = [0.0, 0.0, 0.0]
    nbody = 0
    elapsed = 0.0
    rows = []
    for page in pages:
        result, best = runs[page["id"]]
        elapsed += best
        gold = page["gold"]
        row = {"id": page["id"]}
        only = TOOL_FIELDS.get(tool)
        for f in ("title", "source", "author"):
            if f not in page["labelled"] or (only and f not in only):
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
        if only and "body" not in only:
            pass
        elif "body_with" in gold:
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
    out["pages_s"] = len(pages) / elapsed if elapsed else 0.0  # pages per CPU-second
    if details:
        out["rows"] = rows
    return out


def fmt(v, pct=True):
    if v is None:
        return "  -  "
    return f"{100 * v:5.1f}" if pct else f"{v:6.1f}"


def _default_data() -> Path:
    for cand in (REPO.parent / "shared" / "data", REPO.parents[1] / "shared" / "data"):
        if cand.is_dir():
            return cand
    return REPO.parent / "shared" / "data"


def compare(sname: str, results: dict) -> list[str]:
    """Lines saying, per field, whether ours is at or above the best peer, and the speed ratio."""
    ours = results.get((sname, "ours"))
    peers = {t: r for (s, t), r in results.items() if s == sname and t != "ours"}
    if not ours or not peers:
        return []
    out = []
    for f in FLOOR_FIELDS:
        if ours.get(f) is None:
            continue
        vals = {t: r.get(f) for t, r in peers.items() if r.get(f) is not None}
        if not vals:
            continue
        best_t = max(vals, key=vals.get)
        mark = "ok " if ours[f] + 1e-9 >= vals[best_t] else "BELOW"
        out.append(f"{f}: ours {fmt(ours[f]).strip()} vs best peer {best_t} {fmt(vals[best_t]).strip()} {mark}")
    # speed is compared with the whole-page extractors; a dates-only tool (htmldate) reads one
    # field and is shown in its row for reference
    full = [t for t in peers if t not in TOOL_FIELDS] or list(peers)
    fastest = max(full, key=lambda t: peers[t]["pages_s"])
    ratio = ours["pages_s"] / peers[fastest]["pages_s"] if peers[fastest]["pages_s"] else float("inf")
    out.append(f"speed: ours {ours['pages_s']:.1f} pages/CPU-s = {ratio:.2f}x the fastest peer ({fastest}) "
               + ("ok" if ratio >= 3 else "BELOW 3x"))
    return out


def check_floor(results: dict, sets: dict, raise_floor: bool = False) -> bool:
    """Compare ours on the corpus-test sets with the stored floors; optionally raise them.

    A set's floor is a list of rows, each naming the page ids it was measured on (``pages``; a
    legacy row without ids was set on the current split). Every row is checked on its own pages,
    so a split that grows keeps the floor of its older pages; ``--raise-floor`` raises every row
    to what its pages score now (never lowering a figure) and adds one for a grown split."""
    floor = json.loads(CORPUS_FLOOR.read_text(encoding="utf-8")) if CORPUS_FLOOR.is_file() else {}
    ok = True
    new = dict(floor)
    for (sname, tool), r in results.items():
        if tool != "ours" or not sname.startswith("corpus-test"):
            continue
        pages = sets.get(sname, [])
        now_ids = sorted(p["id"] for p in pages)
        rows = floor.get(sname, [])
        rows = [dict(x) for x in (rows if isinstance(rows, list) else [rows])]
        cur = {f: round(r[f], 4) for f in FLOOR_FIELDS if r.get(f) is not None}
        for row in rows:
            ids = row.pop("pages", None) or now_ids
            row["pages"] = ids
            on = cur
            if ids != now_ids:
                old = [p for p in pages if p["id"] in set(ids)]
                if len(old) < len(ids):
                    print(f"FLOOR {sname}: {len(ids) - len(old)} of a floor's pages are not restored")
                    ok = False
                sub = score(old, "ours") if old else {}
                on = {f: round(sub[f], 4) for f in FLOOR_FIELDS if sub.get(f) is not None}
                print(f"corpus floor {sname}: one row checked on the {len(old)} pages it was set on "
                      f"(the split now has {len(pages)})")
            for f, v in list(row.items()):
                if f != "pages" and f in on and on[f] + 1e-9 < v:
                    print(f"FLOOR {sname} {f}: {on[f]} < floor {v} (on {len(ids)} pages)")
                    ok = False
                elif raise_floor and f != "pages" and f in on:
                    row[f] = max(v, on[f])   # an older row goes up with its own pages too
        if raise_floor:
            mine = next((row for row in rows if row["pages"] == now_ids), None)
            if mine is None:
                rows.append(mine := {"pages": now_ids})
            mine.update({f: max(v, mine.get(f, 0.0)) for f, v in cur.items()})
            new[sname] = rows
    if raise_floor and ok:
        CORPUS_FLOOR.write_text(json.dumps(new, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"floor written to {CORPUS_FLOOR.relative_to(REPO)}")
    elif floor:
        print("corpus floor: " + ("held" if ok else "BROKEN"))
    return ok


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(_default_data()),
                    help="folder of the gold-labelled pages (default: ../shared/data)")
    ap.add_argument("--set", default="zh,en,fixtures",
                    help="page sets: zh, en, fixtures, corpus-dev, corpus-test")
    ap.add_argument("--corpus", default=str(CORPUS), help="corpus folder (manifest-*.jsonl, labels-*.jsonl, pages/)")
    ap.add_argument("--tools", default="ours,trafilatura,gne,readability,htmldate")
    ap.add_argument("--repeat", type=int, default=3, help="timing: best of N runs per page")
    ap.add_argument("--details", action="store_true", help="print per-page misses of our extractor")
    ap.add_argument("--json", help="also write the results to this JSON file")
    ap.add_argument("--raise-floor", action="store_true", help="raise the corpus-test floor to the current figures")
    args = ap.parse_args(argv)
    data = Path(args.data)
    sets = {}
    for s in args.set.split(","):
        s = s.strip()
        if s in ("zh", "en"):
            sets[s] = load_shared(data, s)
        elif s == "fixtures":
            sets[s] = load_fixtures()
        elif s in ("corpus-dev", "corpus-test"):
            for lang, pages in load_corpus(s.split("-", 1)[1], Path(args.corpus)).items():
                sets[f"{s}/{lang}"] = pages
        else:
            ap.error(f"unknown page set {s!r}")
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    results = {}
    w = max([9] + [len(k) for k in sets])
    print(f"{'set':{w}} {'tool':12} {'pages':>5} {'title':>6} {'date':>6} {'source':>6} {'author':>6} "
          f"{'body P':>6} {'body R':>6} {'body F1':>7} {'pages/cpu-s':>11}")
    for sname, pages in sets.items():
        if not pages:
            print(f"{sname:{w}} (no pages found)")
            continue
        runs = run_interleaved(pages, tools, repeat=args.repeat)
        for tool in tools:
            if isinstance(runs[tool], ImportError):
                exc = runs[tool]
                print(f"{sname:{w}} {tool:12} not installed ({exc.name}); pip install -e '.[bench]'")
                continue
            r = score(pages, tool, details=args.details and tool == "ours", runs=runs[tool])
            results[(sname, tool)] = r
            print(f"{sname:{w}} {tool:12} {r['n']:5d} {fmt(r['title']):>6} {fmt(r['published']):>6} "
                  f"{fmt(r['source']):>6} {fmt(r['author']):>6} {fmt(r.get('body_p')):>6} "
                  f"{fmt(r.get('body_r')):>6} {fmt(r.get('body_f1')):>7} {r['pages_s']:11.1f}")
            if args.details and tool == "ours":
                for row in r["rows"]:
                    misses = {k: v for k, v in row.items() if k != "id" and isinstance(v, tuple)
                              and ((len(v) == 3 and v[0] is False) or (k == "body" and v[2] < 0.9))}
                    if misses:
                        print("   ", row["id"], misses)
        for line in compare(sname, results):
            print(f"{'':{w}}   {line}")
    ok = True
    if any(k[0].startswith("corpus-test") for k in results):
        ok = check_floor(results, sets, args.raise_floor)
    if args.json:
        Path(args.json).write_text(json.dumps({f"{k[0]}/{k[1]}": {kk: vv for kk, vv in v.items() if kk != "rows"}
                                               for k, v in results.items()}, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
