"""The exporter: archive.db -> feeds/ (RSS 2.0, Atom 1.0, JSON Feed 1.1, OPML, index.html).

Owns turning the archive into files. Reads only the archive (SQL, read-only), never the
crawl; never imports Scrapy. Layout of the output folder (contract, see README "Feeds"):

- ``all.{xml,atom,json}``: every article (syndicated copies once);
- ``<category>.{xml,atom,json}``: one per category slug (a category named ``all`` is
  written as ``all-category.*``);
- ``source/<name>.{xml,atom,json}``: one per source (spider), in a folder so that a
  source name can never collide with a category slug;
- ``feed/<name>.{xml,atom,json}``: one per custom ``[[feed]]``;
- ``index.opml`` (categories), ``sources.opml`` (sources), ``custom.opml`` (custom
  feeds; see ``opml``) and ``index.html``.

Files of categories or sources that no longer exist are left in place (never deleted:
a reader still subscribed keeps its last items rather than a 404).

Modules: ``model`` (SQL and feed rules), ``rss_atom``, ``jsonfeed``, ``opml``, ``html``,
``jekyll`` (renderers, pure), ``write`` (atomic, skip-unchanged writes).
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence

from aggregator.export.html import render_index
from aggregator.export.jekyll import PostNamer, render_post
from aggregator.export.jsonfeed import render_json
from aggregator.export.model import ArchiveView, ExportReport, Feed, build_feeds, normalize_base_url
from aggregator.export.opml import render_opml_files
from aggregator.export.rss_atom import render_atom, render_rss
from aggregator.export.write import safe_path, sweep_stale_temp, write_if_changed

__all__ = ["ExportReport", "export_all"]

NO_BASE_URL_WARNING = (
    "no base URL set: feeds have no self links and index.opml points at this disk (file://); "
    "set base_url in the [export] table of the sources file, or pass --base-url https://example.org/feeds/"
)

_LOG = logging.getLogger(__name__)


def _emit(log, msg: str) -> None:
    if log is None:
        _LOG.info(msg)
    elif hasattr(log, "info"):
        log.info(msg)
    else:
        log(msg)


def render_feed_files(feeds: list[Feed], local_base: str | None = None) -> dict[str, bytes]:
    """Every file of the feeds folder as relative path -> bytes (pure: no I/O).

    ``local_base``: ``file://`` URL of the folder, for absolute OPML URLs without a base URL.
    """
    source_urls = {f.name: f.self_urls["xml"] for f in feeds if f.kind == "source" and f.self_urls}
    files: dict[str, bytes] = {}
    for f in feeds:
        files[f.path("xml")] = render_rss(f, source_urls)
        files[f.path("atom")] = render_atom(f)
        files[f.path("json")] = render_json(f)
    files.update(render_opml_files(feeds, local_base=local_base))
    files["index.html"] = render_index(feeds)
    return files


def export_all(
    db_path: str | Path,
    out_dir: str | Path,
    *,
    base_url: str | None = None,
    now: datetime | None = None,
    limit: int | None = 50,
    days: float | None = None,
    feeds: Sequence = (),
    jekyll_dir: str | Path | None = None,
    log: Callable[[str], None] | logging.Logger | None = None,
) -> ExportReport:
    """Write every feed of the archive at ``db_path`` into ``out_dir``.

    Args:
        db_path: the SQLite archive (opened read-only).
        out_dir: the feeds folder (created if missing); nothing is written outside it.
        base_url: public URL of ``out_dir`` (``https://example.org/feeds/``); needed for
            self links and absolute URLs in ``index.opml``. Without it one warning is
            added to the report.
        now: the reference time of ``days`` (default: the current time). Never written
            into a file: every date in the output comes from the archive.
        limit: the newest N items per feed (None: all). A custom feed's ``limit`` wins.
        days: only items published within this many days before ``now``. A custom
            feed's ``days`` wins.
        feeds: custom feeds (:class:`aggregator.sources.FeedDefinition`).
        jekyll_dir: also write ``_posts/YYYY-MM-DD-<slug>.md`` for every article there.
        log: a callable taking one line, or a logger (default: this module's logger).

    Returns:
        An :class:`ExportReport`. Raises ``ArchiveError`` when the archive is missing or
        is not an aggregator archive, ``AggregatorError`` for a base URL that is not
        http(s), ``ValueError`` for a limit below 1.
    """
    base = normalize_base_url(base_url)
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    if limit is not None and limit < 1:
        raise ValueError("limit must be a positive number of items")
    report = ExportReport()
    if base is None:
        report.warnings.append(NO_BASE_URL_WARNING)
    view = ArchiveView.open(db_path)
    try:
        built, notes = build_feeds(view, base_url=base, now=now, limit=limit, days=days, custom=feeds)
        for note in notes:
            _emit(log, f"export: {note}")
        out = Path(out_dir)
        files = render_feed_files(built, local_base=out.resolve().as_uri() + "/")
        out.mkdir(parents=True, exist_ok=True)
        swept = sweep_stale_temp(out)
        if swept:
            _emit(log, f"export: removed {swept} temp files left by an interrupted export")
        for rel, data in files.items():
            _write(out, rel, data, report)
        report.feeds = [f.stem for f in built]
        _emit(log, f"export: {len(built)} feeds, {report.files_written} files written, "
                   f"{report.files_unchanged} unchanged in {out}")
        if jekyll_dir is not None:
            _export_jekyll(view, Path(jekyll_dir), report, log)
    finally:
        view.close()
    return report


def _write(root: Path, rel: str, data: bytes, report: ExportReport) -> None:
    path = safe_path(root, rel)
    if write_if_changed(path, data):
        report.files_written += 1
        report.bytes_written += len(data)
        report.paths_written.append(str(path))
    else:
        report.files_unchanged += 1


def _export_jekyll(view: ArchiveView, root: Path, report: ExportReport, log) -> None:
    root.mkdir(parents=True, exist_ok=True)
    # every article, oldest first (names are given in that order), a chunk at a time so
    # that a large archive is never held in memory at once
    ids = view.select_ids("a.duplicate_of IS NULL", limit=None, since=None, oldest_first=True)
    namer = PostNamer()
    written = 0
    for start in range(0, len(ids), 500):
        for entry in view.entries(ids[start: start + 500], cache=False):
            before = report.files_written
            _write(root, namer.name(entry), render_post(entry).encode("utf-8"), report)
            written += report.files_written - before
    _emit(log, f"export: {len(ids)} Jekyll posts ({written} written) in {root / '_posts'}")
