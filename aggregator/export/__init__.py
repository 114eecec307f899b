"""The exporter: archive.db -> feeds/ (RSS 2.0, Atom 1.0, JSON Feed 1.1, OPML, index.html).

Owns turning the archive into files. Reads only the archive (SQL, read-only), never the
crawl; never imports Scrapy. Layout of the output folder (contract, see docs/feeds.md):

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

Only feeds whose inputs changed since the last export are rendered (``state``): an
unchanged archive is exported without rendering anything.

Modules: ``model`` (SQL and feed rules), ``rss_atom``, ``jsonfeed``, ``opml``, ``html``,
``jekyll`` (renderers, pure), ``write`` (atomic, skip-unchanged writes), ``state`` (what
the last export wrote).
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence

from aggregator.export.html import render_index
from aggregator.export.jekyll import PostNamer, render_post
from aggregator.export.jsonfeed import render_json
from aggregator.export.model import FORMATS, ArchiveView, ExportReport, as_cross_listed, build_feeds, normalize_base_url
from aggregator.export.opml import opml_file_names, render_opml_files
from aggregator.export.rss_atom import render_atom, render_rss
from aggregator.export.state import EXPORTER_VERSION, ExportState, digest
from aggregator.export.write import safe_path, sweep_stale_temp, write_if_changed
from aggregator.normalize import SANITIZER_VERSION
from aggregator.project import utc_now

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
    now = now or utc_now()
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    if limit is not None and limit < 1:
        raise ValueError("limit must be a positive number of items")
    report = ExportReport()
    if base is None:
        report.warnings.append(NO_BASE_URL_WARNING)
    out = Path(out_dir)
    view = ArchiveView.open(db_path)
    try:
        out.mkdir(parents=True, exist_ok=True)
        swept = sweep_stale_temp(out)
        if swept:
            _emit(log, f"export: removed {swept} temp files left by an interrupted export")
        _export_feeds(view, out, report, log, base=base, now=now, limit=limit, days=days, custom=feeds,
                      local_base=None if base else out.resolve().as_uri() + "/")
        if jekyll_dir is not None:
            _export_jekyll(view, Path(jekyll_dir), report, log)
    finally:
        view.close()
    return report


def _export_feeds(view: ArchiveView, out: Path, report: ExportReport, log, *, base, now, limit, days, custom,
                  local_base: str | None = None) -> None:
    """Render and write the feeds whose inputs changed since the last export into ``out``.

    ``local_base``: the folder's ``file://`` URL, for absolute OPML feed URLs without a base URL.
    """
    state = ExportState.load(out)
    params = {"exporter": EXPORTER_VERSION, "sanitizer": SANITIZER_VERSION, "base_url": base, "limit": limit,
              "days": days, "custom": [repr(fd) for fd in custom], "local_base": local_base}
    # a days bound moves with the clock: then only the per-feed check below applies
    timeless = not days and not any(getattr(fd, "days", None) for fd in custom)
    quick = digest(params, view.change_marker()) if timeless else None
    if quick is not None and quick == state.quick and state.intact(out, state.files):
        for note in state.notes:
            _emit(log, f"export: {note}")
        report.files_unchanged += len(state.files)
        report.feeds = list(state.stems)
        _emit(log, f"export: {len(state.stems)} feeds unchanged since the last export in {out}")
        return
    built, notes = build_feeds(view, base_url=base, now=now, limit=limit, days=days, custom=custom)
    for note in notes:
        _emit(log, f"export: {note}")
    sigs = view.signatures(i for f in built for i in f.ids)
    shared = digest(params, sorted(view.categories.items()),
                    sorted((k, v.get("title")) for k, v in view.sources.items()))
    source_urls = {f.name: f.self_urls["xml"] for f in built if f.kind == "source" and f.self_urls}
    new = ExportState(quick=quick, stems=[f.stem for f in built], notes=list(notes))
    rendered = 0
    for f in built:
        meta = (f.kind, f.name, f.title, f.description, f.stem, f.html_url, f.feed_id, f.self_urls)
        new.feeds[f.stem] = digest(shared, meta, source_urls, [(i, sigs.get(i)) for i in f.ids])
        rels = [f.path(fmt) for fmt in FORMATS]
        if state.feeds.get(f.stem) == new.feeds[f.stem] and state.intact(out, rels):
            report.files_unchanged += len(rels)
            new.files.update({rel: state.files[rel] for rel in rels})
            continue
        f.entries = view.entries(f.ids)
        if f.kind == "category":
            f.entries = [as_cross_listed(e, f.name) for e in f.entries]
        files = {rels[0]: render_rss(f, source_urls), rels[1]: render_atom(f), rels[2]: render_json(f)}
        for rel, data in files.items():
            _write(out, rel, data, report)
            new.files[rel] = len(data)
        rendered += 1
    new.index = digest([new.feeds[f.stem] for f in built])
    index_files = [*opml_file_names(built), "index.html"]
    if new.index == state.index and state.intact(out, index_files):
        report.files_unchanged += len(index_files)
        new.files.update({rel: state.files[rel] for rel in index_files})
    else:
        for f in built:
            if not f.entries:
                f.entries = view.entries(f.ids, light=True)
        files = {**render_opml_files(built, local_base=local_base), "index.html": render_index(built)}
        for rel, data in files.items():
            _write(out, rel, data, report)
            new.files[rel] = len(data)
    new.save(out)
    report.feeds = [f.stem for f in built]
    _emit(log, f"export: {len(built)} feeds ({rendered} rendered), {report.files_written} files written, "
               f"{report.files_unchanged} unchanged in {out}")


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
