"""Crawl orchestration: the lock, one crawl for the run, the run summary.

``crawl()`` validates the sources file up front, holds the lock file next to the archive,
runs every selected source in one Scrapy engine (``aggregator.multisource``; one crawler
per source in scale-out mode) and turns each source's run record (written by
``CrawlRunRecorder``) into a :class:`CrawlReport` whose ``exit_code`` the CLI returns.
``run()`` is crawl + export: the cron entry.

Signals: the first SIGINT/SIGTERM stops requesting pages (Scrapy's graceful stop), the
open batch is written, every source's run is recorded ``interrupted`` and the exit code is
130/143; a second signal stops the reactor at once, the writer thread gets ``KILL_GRACE``
seconds for its transaction (its thread is a daemon either way) and the rows are written
with what was stored. ``run()`` exports nothing after an interrupt.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from aggregator import offload
from aggregator.errors import AggregatorError
from aggregator.project import DEFAULT_DB, RunLock, project_settings
from aggregator.sources import load_feeds, load_sources, select_sources

logger = logging.getLogger(__name__)

# --- reports ---------------------------------------------------------------------------


@dataclass
class SourceResult:
    """Outcome of one source in one run."""

    name: str
    status: str = "ok"            # ok | degraded | failed
    reason: str | None = None
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    dropped: int = 0
    errors: int = 0
    pages: int = 0

    def line(self) -> str:
        """One human line: ``name: ok, 12 new, 0 updated, 1 dropped, 0 errors, 15 pages``."""
        s = (f"{self.name}: {self.status}, {self.new} new, {self.updated} updated, {self.dropped} dropped, "
             f"{self.errors} errors, {self.pages} pages")
        return s + (f" ({self.reason})" if self.reason else "")


@dataclass
class CrawlReport:
    """Outcome of a crawl: one SourceResult per source."""

    results: list[SourceResult] = field(default_factory=list)
    seconds: float = 0.0
    #: set by run() when the export after the crawl failed (one line for the user)
    export_error: str | None = None
    signal: int | None = None     # the signal that interrupted the run (SIGINT, SIGTERM), if any

    @property
    def interrupted(self) -> bool:
        """True when a signal stopped the run (its sources are recorded as ``interrupted``)."""
        return self.signal is not None

    @property
    def failed(self) -> list[SourceResult]:
        """Sources that failed or are degraded (an interrupted source is neither)."""
        return [r for r in self.results if r.status not in ("ok", "interrupted")]

    @property
    def exit_code(self) -> int:
        """128 + the signal after an interrupt (130 SIGINT, 143 SIGTERM); else 0 when every
        source succeeded (and the export, under run), 1 when one failed."""
        if self.signal is not None:
            return 128 + int(self.signal)
        return 1 if self.failed or self.export_error else 0

    def failure_lines(self) -> list[str]:
        """One line per failed/degraded source, for stderr."""
        return [f"source {r.name} {r.status}: {r.reason or 'see aggregator status'}" for r in self.failed]


# --- crawl ------------------------------------------------------------------------------


def _result_from(row: dict | None, name: str, failure: str | None) -> SourceResult:
    if failure is not None and row is None:
        return SourceResult(name, "failed", failure)
    if row is None:
        return SourceResult(name, "failed", "the crawl did not finish")
    return SourceResult(
        name=name, status=row["status"], reason=row.get("reason"), new=row["items_new"],
        updated=row["items_updated"], unchanged=row["items_unchanged"], dropped=row["items_dropped"],
        errors=row["errors"], pages=row["pages"],
    )


def crawl(names=(), *, sources=None, db=DEFAULT_DB, quiet=False, log_file=None, log_level=None,
          refresh=False, overrides: dict | None = None, progress: bool | None = None,
          idle_exit: float | None = None, lock: bool = True) -> CrawlReport:
    """Crawl the named sources (all when none) into ``db``; returns the report.

    Raises SourcesError before any request when the sources file is invalid, and LockHeld
    (exit 75) when another run holds the lock.
    """
    all_sources = load_sources(sources)
    selected = select_sources(all_sources, list(names))
    overrides = dict(overrides or {})
    if refresh:
        overrides["AGGREGATOR_REFRESH"] = True
    if idle_exit is not None:
        overrides["AGGREGATOR_IDLE_EXIT"] = float(idle_exit)
    if progress is None:
        progress = not quiet and sys.stderr.isatty()
    if progress and not log_level and not log_file:
        # the live lines are the progress report; log lines would tear them apart
        log_level = "ERROR"
    settings = project_settings(sources=sources, db=db, overrides=overrides, quiet=quiet,
                                log_file=log_file, log_level=log_level)
    with RunLock(db) if lock and not settings.get("REDIS_URL") else contextlib.nullcontext():
        if not settings.get("REDIS_URL"):
            from aggregator.archive import Archive

            with Archive(db) as archive:
                # catalogue entries (enabled = false) enter the archive only once crawled
                archive.upsert_sources([s for s in all_sources if s.enabled or s in selected])
        return _run_crawlers(selected, settings, quiet=quiet, progress=progress)


class _DowngradeRobotsErrors(logging.Filter):
    """Scrapy logs a robots.txt that cannot be downloaded as ERROR with a traceback; for us
    that is an ordinary site failure, counted and reported per source, so log a WARNING."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and record.getMessage().startswith("Error downloading"):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        return True


_ROBOTS_LOGGER = logging.getLogger("scrapy.downloadermiddlewares.robotstxt")
if not any(isinstance(f, _DowngradeRobotsErrors) for f in _ROBOTS_LOGGER.filters):
    _ROBOTS_LOGGER.addFilter(_DowngradeRobotsErrors())


class _Process:
    """Scrapy's CrawlerProcess that remembers the first shutdown signal (for the exit code)."""

    def __new__(cls, settings):
        from scrapy.crawler import CrawlerProcess

        class Process(CrawlerProcess):
            signum: int | None = None

            def _signal_shutdown(self, signum, frame):
                if self.signum is None:
                    self.signum = signum
                super()._signal_shutdown(signum, frame)

        return Process(settings)


#: seconds the writer thread may take to finish its batch after a second signal
KILL_GRACE = 1.5


def _run_crawlers(selected, settings, *, quiet, progress) -> CrawlReport:
    """One crawl for the run: every source in one engine (``aggregator.multisource``);
    with ``REDIS_URL`` (scale-out) one crawler per source, as scrapy-redis expects."""
    from scrapy.spiderloader import get_spider_loader

    started = time.monotonic()
    settings.set("LOG_INSTALL_ROOT_HANDLER", True, priority="cmdline")
    shared = not settings.get("REDIS_URL")
    if shared:
        from aggregator.multisource import RunSpider, run_settings

        loader = get_spider_loader(settings)
        pairs = [(src, loader.load(src.name)) for src in selected]
        for key, value in run_settings(settings, pairs).items():
            settings.set(key, value, priority="cmdline")
    process = _Process(settings)
    if settings.get("LOG_FILE") or quiet:
        # Scrapy's root handler goes to the file (or ERROR+ to stderr); keep Twisted quiet too
        logging.getLogger("py.warnings").setLevel(logging.ERROR)
    crawlers, failures = [], {}

    def _fail(failure, names):
        for name in names:
            failures[name] = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        logger.error("crawl of %s crashed: %s", ", ".join(names), failure.getTraceback())
        return None

    if shared:
        crawler = process.create_crawler(RunSpider)
        crawlers.append((None, crawler))
        process.crawl(crawler, sources=pairs).addErrback(_fail, [s.name for s in selected])
    else:
        for src in selected:
            crawler = process.create_crawler(src.name)
            crawlers.append((src.name, crawler))
            process.crawl(crawler).addErrback(_fail, [src.name])
    live = Progress(selected, crawlers) if progress else None
    if live:
        live.start()
    # Everything allocated so far (modules, settings, sources) lives for the whole run:
    # freezing it keeps the cyclic GC from re-scanning it on every collection of the crawl.
    gc.collect()
    gc.freeze()
    from twisted.internet import reactor

    # reap the extraction processes while the loop still runs (their CPU time is ours)
    reactor.addSystemEventTrigger("before", "shutdown", offload.shutdown_all)
    try:
        process.start()
    finally:
        gc.unfreeze()
        if live:
            live.stop()
    report = CrawlReport(seconds=0.0, signal=process.signum)
    rows: dict[str, dict] = {}
    for name, crawler in crawlers:
        rows.update(_finish(crawler, interrupted=process.signum is not None))
    for src in selected:
        report.results.append(_result_from(rows.get(src.name), src.name, failures.get(src.name)))
    report.seconds = time.monotonic() - started
    return report


def _finish(crawler, *, interrupted: bool) -> dict:
    """The run rows of a crawler; after a second signal (the reactor stopped before the
    spider closed) the writer thread gets ``KILL_GRACE`` s for its batch, then the rows of
    the sources are written here, as ``interrupted``, with what was stored until then."""
    from aggregator.extensions import CrawlRunRecorder

    runs = getattr(crawler, "aggregator_runs", None) or {}
    spider = getattr(crawler, "spider", None)
    expected = len(getattr(spider, "delegates", None) or ()) or 1
    if not interrupted or spider is None or len(runs) >= expected:
        return runs
    store = getattr(crawler, "aggregator_store", None)
    if store is not None and hasattr(store, "stop_writer"):
        store.stop_writer(timeout=KILL_GRACE)
    recorder = CrawlRunRecorder.of(crawler)
    if recorder is None:
        return runs
    try:
        return recorder.record_all(spider, "shutdown")
    except Exception as exc:   # the archive may be busy or gone: the summary still prints
        logger.warning("could not record the interrupted run: %s", exc)
        return runs


class Progress:
    """A live line per source on a terminal (pages, items, errors), redrawn every second."""

    def __init__(self, selected, crawlers):
        self.names = [src.name for src in selected]
        self.crawlers = crawlers
        self.loop = None
        self.lines = 0

    def start(self) -> None:
        """Start redrawing (inside the reactor)."""
        from twisted.internet import task

        self.loop = task.LoopingCall(self.draw)
        self.loop.start(1.0, now=False)

    def _stats(self):
        """(name, stats dict, done) per source."""
        from aggregator.multisource import stats_for

        for own, c in self.crawlers:
            runs = getattr(c, "aggregator_runs", None) or {}
            names = [own] if own is not None else self.names
            for name in names:
                st = stats_for(c, name) if c.stats else None
                yield name, (st.get_stats() if st is not None else {}), name in runs

    def draw(self) -> None:
        """Redraw the block of per-source lines in place."""
        out = []
        for name, st, done in self._stats():
            out.append(
                f"{name:<24} pages {st.get('response_received_count', 0):>5}  "
                f"items {st.get('item_scraped_count', 0):>5}  errors {sum(v for k, v in st.items() if k.startswith('aggregator/errors/')):>3}"
                + ("  done" if done else "")
            )
        if self.lines:
            sys.stderr.write(f"\x1b[{self.lines}F")
        sys.stderr.write("".join(f"\x1b[2K{line}\n" for line in out))
        sys.stderr.flush()
        self.lines = len(out)

    def stop(self) -> None:
        """Stop redrawing (after a last frame)."""
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.draw()


# --- export and run ------------------------------------------------------------------------


def export(*, db=DEFAULT_DB, out="feeds", base_url=None, limit=50, days=None, jekyll=None, sources=None,
           feeds_file=None, now=None):
    """Write every feed of the archive into ``out`` (see aggregator.export.export_all)."""
    from aggregator.export import export_all

    if not Path(db).exists():
        raise AggregatorError(f"archive {db} does not exist (run `aggregator crawl` first)")
    feeds = []
    if feeds_file:
        feeds = load_feeds(feeds_file)
    else:
        try:
            feeds = load_feeds(sources)
        except AggregatorError:
            feeds = []
    try:
        return export_all(db, out, base_url=base_url, now=now, limit=limit, days=days, feeds=feeds, jekyll_dir=jekyll)
    except OSError as exc:  # a read-only or full disk, a file where the folder should be
        raise AggregatorError(f"cannot write the feeds in {out}: {exc.strerror or exc}"
                              + (f" ({exc.filename})" if exc.filename else "")) from exc


def run(names=(), *, sources=None, db=DEFAULT_DB, out="feeds", base_url=None, limit=50, days=None,
        quiet=False, log_file=None, log_level=None, refresh=False, overrides=None, progress=None, jekyll=None):
    """Crawl + export under one lock: the cron entry. Returns (CrawlReport, ExportReport);
    the ExportReport is None when a signal interrupted the crawl (nothing is exported)."""
    load_sources(sources)
    with RunLock(db):
        report = crawl(names, sources=sources, db=db, quiet=quiet, log_file=log_file, log_level=log_level,
                       refresh=refresh, overrides=overrides, progress=progress, lock=False)
        if report.interrupted:
            return report, None   # the user asked to stop: no export after an interrupt
        try:
            exported = export(db=db, out=out, base_url=base_url, limit=limit, days=days, sources=sources,
                              jekyll=jekyll)
        except (AggregatorError, sqlite3.Error) as exc:
            # the crawl's summary must not be lost with the export
            from aggregator.export import ExportReport

            report.export_error = " ".join(str(exc).split())
            exported = ExportReport()
    return report, exported
