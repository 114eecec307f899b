"""``aggregator demo``: build the demo site, serve it on 127.0.0.1, crawl it, export feeds.

Owns :func:`run_demo` (called by the CLI) and :func:`compare_archive`, which checks a
crawled archive against the demo site's truth (:class:`aggregator.demo.SiteInfo`). The
whole pipeline runs offline: the only server is a :class:`StaticSiteServer` on loopback.

Layout of the work folder::

    <workdir>/site/          the generated demo site (served while crawling)
    <workdir>/sources.toml   the demo sources, pointing at the server
    <workdir>/archive.db     the archive
    <workdir>/feeds/         the exported feeds
    <workdir>/.demo-port     the port used last time (reused so URLs stay stable)
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from aggregator.archive import Archive
from aggregator.demo.site import SiteInfo, build_site, render_sources
from aggregator.project import DEFAULT_DB
from aggregator.server import StaticSiteServer

PORT_FILE = ".demo-port"


@dataclass
class DemoSummary:
    """Outcome of :func:`run_demo`: the text to print, the exit code and the details."""

    text: str
    exit_code: int
    workdir: Path
    base_url: str
    site: SiteInfo
    check: dict = field(default_factory=dict)
    report: object = None
    exported: object = None


def _start_server(site_dir: Path, workdir: Path) -> tuple[StaticSiteServer, bool]:
    """Serve ``site_dir``, on last run's port when it is free; returns (server, same_port)."""
    port_file = workdir / PORT_FILE
    previous = None
    if port_file.is_file():
        try:
            previous = int(port_file.read_text(encoding="ascii").strip())
        except ValueError:
            previous = None
    if previous:
        try:
            return StaticSiteServer(site_dir, port=previous).start(), True
        except OSError:
            pass
    srv = StaticSiteServer(site_dir, port=0).start()
    port_file.write_text(f"{srv.port}\n", encoding="ascii")
    return srv, previous is None


def _same_moment(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    try:
        return datetime.fromisoformat(a) == datetime.fromisoformat(b)
    except ValueError:
        return False


def compare_archive(db: str | Path, info: SiteInfo) -> dict:
    """Compare the articles stored in ``db`` with the demo truth.

    Returns counts: ``expected``, ``stored`` (demo articles found, by URL path),
    ``unexpected`` (stored rows that are no demo article, e.g. a second page), and per
    field the number of exact matches: ``title``, ``published`` (over the articles whose
    page states a date), ``source``, ``spider``, ``body`` (first and last paragraph in
    ``body_text``), plus ``missing`` (paths never stored) and ``mismatches``
    (``(path, field, got, want)``, at most 20).
    """
    with Archive(db, readonly=True) as archive:
        rows = archive.article_rows(("url", "title", "published", "source", "spider", "body_text"))
    truth = {a.path: a for a in info.articles}
    pages = {p: a for a in info.articles for p in a.pages}
    out = {"expected": len(truth), "stored": 0, "unexpected": 0, "title": 0, "published": 0, "dated": 0,
           "source": 0, "spider": 0, "body": 0, "missing": [], "mismatches": []}
    seen = set()

    def miss(path, name, got, want):
        if len(out["mismatches"]) < 20:
            out["mismatches"].append((path, name, got, want))

    for url, title, published, source, spider, body_text in rows:
        path = unquote(urlsplit(url).path)
        art = truth.get(path) or pages.get(path)
        if art is None or art.path in seen:
            out["unexpected"] += 1
            continue
        seen.add(art.path)
        out["stored"] += 1
        checks = {
            "title": (title, art.title, title == art.title),
            "source": (source, art.source, source == art.source),
            "spider": (spider, art.spider, spider == art.spider or art.path == info.dual_listed),
        }
        body = "".join((body_text or "").split())
        ok_body = all("".join(p.split()) in body for p in (art.first_paragraph, art.last_paragraph))
        checks["body"] = ((body_text or "")[:40], art.first_paragraph[:40], ok_body)
        if art.published:
            out["dated"] += 1
            checks["published"] = (published, art.published_utc, _same_moment(published, art.published))
        for name, (got, want, ok) in checks.items():
            if ok:
                out[name] += 1
            else:
                miss(art.path, name, got, want)
    out["missing"] = sorted(set(truth) - seen)
    return out


def _check_lines(check: dict) -> list[str]:
    n = check["stored"]
    lines = [
        f"archive: {n} of {check['expected']} demo articles stored"
        + (f", {check['unexpected']} other rows" if check["unexpected"] else ""),
        f"extraction vs truth: title {check['title']}/{n}, published {check['published']}/{check['dated']}, "
        f"source {check['source']}/{n}, body {check['body']}/{n}",
    ]
    for path, name, got, want in check["mismatches"][:5]:
        lines.append(f"  {name} of {path}: got {got!r}, want {want!r}")
    if check["missing"]:
        lines.append(f"  not stored: {', '.join(check['missing'][:5])}" + (" …" if len(check["missing"]) > 5 else ""))
    return lines


def command_prefix() -> str:
    """How to run ``aggregator`` in a fresh shell here: the console script of the running
    interpreter (``.venv/bin/aggregator``, relative when below the working directory), or
    ``python -m aggregator`` when there is none; a bare ``aggregator`` is rarely on PATH."""
    script = Path(sys.executable).parent / "aggregator"
    if not script.is_file():
        return f"{shlex.quote(sys.executable)} -m aggregator"
    rel = os.path.relpath(script)
    return shlex.quote(rel if not rel.startswith("..") else str(script))


def run_demo(workdir: str | Path = "demo", quiet: bool = False) -> DemoSummary:
    """Build and serve the demo site, crawl it with the demo sources, export the feeds.

    Everything is written under ``workdir``. The server listens on 127.0.0.1 only while
    the crawl runs; the port of the previous run is reused when free so article URLs stay
    the same across runs (a different port starts a fresh archive, otherwise every
    article would be stored twice). Returns a :class:`DemoSummary`; its ``exit_code`` is
    the crawl's (0 when every source succeeded).
    """
    from aggregator import runner  # Scrapy-facing; imported here so `import aggregator.demo` stays light

    workdir = Path(workdir)
    site_dir = workdir / "site"
    site_dir.mkdir(parents=True, exist_ok=True)
    db = workdir / DEFAULT_DB
    out = workdir / "feeds"
    srv, same_port = _start_server(site_dir, workdir)
    notes = []
    try:
        if not same_port and db.exists():
            # the site moved to another port: its URLs changed, so start over
            for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
                p.unlink(missing_ok=True)
            notes.append(f"port changed to {srv.port}: started a fresh archive")
        info = build_site(site_dir, srv.base_url)
        sources = render_sources(srv.base_url, workdir / "sources.toml")
        # the demo server is ours and local: no politeness delays needed
        report, exported = runner.run(sources=str(sources), db=str(db), out=str(out), quiet=quiet,
                                      overrides={"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0,
                                                 "CONCURRENT_REQUESTS_PER_DOMAIN": 8})
    finally:
        srv.stop()
    check = compare_archive(db, info)
    with Archive(db, readonly=True) as archive:
        per_category = archive.category_counts()
    cmd = command_prefix()
    q_db, q_out = shlex.quote(str(db)), shlex.quote(str(out))
    lines = [
        f"demo site: {len(info.articles)} articles, {len(info.sources)} sources, served at {srv.base_url} from {site_dir}",
        *notes,
        *(r.line() for r in getattr(report, "results", [])),
        *_check_lines(check),
        "categories: " + ", ".join(f"{name} ({slug}) {n}" for slug, name, n in per_category),
        f"archive: {db}",
        f"feeds: {out} ({getattr(exported, 'files_written', 0)} written, {getattr(exported, 'files_unchanged', 0)} unchanged)",
        *(f"warning: {w}" for w in getattr(exported, "warnings", [])),
        *([f"export failed: {report.export_error}"] if getattr(report, "export_error", None) else []),
        f"read:  newsboat -i {shlex.quote(str(out / 'index.opml'))}   "
        f"(then newsboat; one feed per category, or {out / 'sources.opml'}: one per source)",
        f"try:   {cmd} search 银川 --db {q_db}",
        f"       sqlite3 {q_db} \"select category, count(*) from articles group by category\"",
        f"serve: {cmd} serve --dir {q_out}   (then open http://127.0.0.1:8080/index.html)",
    ]
    return DemoSummary(
        text="\n".join(lines), exit_code=getattr(report, "exit_code", 1), workdir=workdir, base_url=srv.base_url,
        site=info, check=check, report=report, exported=exported,
    )
