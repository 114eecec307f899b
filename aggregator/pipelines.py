"""Item pipelines: validate (100) → normalise (200) → dedupe (300) → store (900).

Thin Scrapy wrappers around the pure functions of ``aggregator.normalize`` and the
archive. Every drop is a ``DropItem`` subclass, so Scrapy counts it per reason as
``item_dropped_reasons_count/<Class>``; routine drops log at INFO, not WARNING.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time

from scrapy.exceptions import DropItem
from twisted.python.threadpool import ThreadPool

from aggregator import normalize as N
from aggregator.items import Article, ArticleLink
from aggregator.multisource import source_of, stats_for
from aggregator.normalize import normalize_article
from aggregator.project import DEFAULT_DB, DEFAULT_TZ_NAME

logger = logging.getLogger(__name__)


class NotAnArticle(DropItem):
    """The page has no URL or is not an article page."""


class MissingTitle(DropItem):
    """No headline could be found (or it was only white space)."""


class MissingBody(DropItem):
    """No body text survived extraction and sanitising."""


class Duplicate(DropItem):
    """The same article (by URL key) was already seen in this run."""


def _drop(cls, msg):
    return cls(msg, log_level="INFO")


class ValidatePipeline:
    """Drop items that cannot become an article: no URL, no title, no body."""

    def __init__(self, crawler=None):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        """Scrapy constructor."""
        return cls(crawler)

    def process_item(self, item):
        """Pass ArticleLinks through; check an Article's required fields."""
        if isinstance(item, ArticleLink):
            return item
        if not isinstance(item, Article):
            return item
        if not item.url:
            raise _drop(NotAnArticle, "article without URL")
        if not N.collapse_ws(item.title):
            raise _drop(MissingTitle, f"no title: {item.url}")
        if not (item.body_html or "").strip() and not (item.body_text or "").strip():
            raise _drop(MissingBody, f"no body: {item.url}")
        return item


class NormalizePipeline:
    """Canonical URL, clean title, UTC date, sanitised body_html, body_text, content_hash."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.max_body = crawler.settings.getint("AGGREGATOR_MAX_BODY_CHARS", N.MAX_BODY_CHARS)

    @classmethod
    def from_crawler(cls, crawler):
        """Scrapy constructor."""
        return cls(crawler)

    def process_item(self, item):
        """Normalise an Article; drop it when nothing of title or body survives."""
        if not isinstance(item, Article):
            if isinstance(item, ArticleLink):
                item.url = N.canonical_url(item.url)
            return item
        spider = source_of(self.crawler, item.spider) or self.crawler.spider
        src = getattr(spider, "source", None)
        names = (src.title,) if src else ()
        tz = src.timezone if src else DEFAULT_TZ_NAME
        max_body = spider.settings.getint("AGGREGATOR_MAX_BODY_CHARS", self.max_body) \
            if spider is not self.crawler.spider else self.max_body
        art, truncated = normalize_article(item, max_body, names, tz)
        stats = stats_for(self.crawler, item.spider)
        if truncated:
            stats.inc_value("aggregator/body_truncated")
        if not art.title:
            raise _drop(MissingTitle, f"title empty after clean-up: {art.url}")
        if not art.body_text:
            raise _drop(MissingBody, f"body empty after sanitising: {art.url}")
        for f in ("published", "source", "author", "origin_url"):
            if getattr(art, f) and not (f == "published" and art.published_guessed):
                stats.inc_value(f"aggregator/coverage/{f}")
        stats.inc_value("aggregator/coverage/articles")
        return art


class DedupePipeline:
    """Drop the second copy of an article (same URL key) within one source's run.

    Only 8-byte digests are kept, so memory stays flat; across runs the archive's upsert by
    URL key and the incremental skip of known URLs do the deduplication.
    """

    def __init__(self):
        self.seen: set[bytes] = set()

    @classmethod
    def from_crawler(cls, crawler):
        """Scrapy constructor."""
        return cls()

    def process_item(self, item):
        """Drop an Article whose URL key was seen earlier in this run."""
        if not isinstance(item, Article):
            return item
        # per source: two sources of one run that both link an article each store (link) it
        key = hashlib.blake2b(f"{item.spider}\0{N.url_key(item.url)}".encode("utf-8", "surrogatepass"),
                              digest_size=8).digest()
        if key in self.seen:
            raise _drop(Duplicate, f"duplicate in this run: {item.url}")
        self.seen.add(key)
        return item


class StorePipeline:
    """Write Articles to the archive in batched transactions; link known articles to categories.

    Batches are written by one dedicated writer thread with its own connection: SQLite
    does its work (the row inserts, both full-text indexes, the commit) without holding
    the GIL, so the crawl goes on meanwhile. Batches and links are written in the order
    they were handed over; the item that completes a batch waits for its commit, which
    is also the back-pressure when the disk is slower than the crawl. The pipeline's
    other connection (``archive``) is lent to the spider (``crawler.aggregator_store``)
    for incremental look-ups, listing validators and failed links.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.db_path = crawler.settings.get("AGGREGATOR_DB") or DEFAULT_DB
        self.batch_size = max(1, crawler.settings.getint("AGGREGATOR_BATCH_SIZE", 200))
        self.buffer: list[Article] = []
        self.archive = None
        self.writer = None    # the writer thread's Archive
        self.pool = None
        self.last = None      # Deferred of the last job handed to the writer thread
        crawler.aggregator_store = self

    @classmethod
    def from_crawler(cls, crawler):
        """Scrapy constructor."""
        return cls(crawler)

    def open_spider(self):
        """Open (create, migrate) the archive and register the spider's source."""
        from aggregator.archive import Archive

        self.archive = Archive(self.db_path)
        self.crawler.aggregator_known = self.archive
        src = getattr(self.crawler.spider, "source", None)
        if src is not None:
            self.archive.upsert_sources([src])
        self.writer = Archive(self.db_path)
        self.pool = _DaemonThreadPool(1, 1, name="archive-writer")
        self.pool.start()

    def _submit(self, fn, *args):
        """Run ``fn(*args)`` in the writer thread after everything handed over before."""
        from twisted.internet import reactor, threads

        d = threads.deferToThreadPool(reactor, self.pool, fn, *args)
        self.last = d
        return d

    async def process_item(self, item):
        """Buffer an Article (write a full batch) or link an ArticleLink after what came before."""
        from scrapy.utils.defer import maybe_deferred_to_future

        if isinstance(item, ArticleLink):
            self.flush(report=True)
            await maybe_deferred_to_future(self._submit(self._link, item))
            return item
        if isinstance(item, Article):
            self.buffer.append(item)
            if len(self.buffer) >= self.batch_size:
                await maybe_deferred_to_future(self.flush())
        return item

    def _link(self, item) -> None:
        """In the writer thread: link a known article to the item's category (counted there)."""
        if self.writer.link_category(item.url, item.category, item.category_name):
            stats_for(self.crawler, item.spider).inc_value("aggregator/articles/linked")

    def _store(self, batch: list) -> None:
        """In the writer thread: one transaction, counted per source as soon as it commits,
        so a run stopped by a second signal still reports what it stored."""
        outcomes = self.writer.store_articles(batch)
        for item, outcome in zip(batch, outcomes):
            stats_for(self.crawler, item.spider).inc_value(f"aggregator/articles/{outcome}")

    def flush(self, report: bool = False):
        """Hand the buffered articles to the writer thread (one transaction); a Deferred.

        ``report``: nobody waits for the result, so a failure is logged and counted here.
        """
        from twisted.internet import defer

        if not self.buffer:
            return defer.succeed(None)
        batch, self.buffer = self.buffer, []
        d = self._submit(self._store, batch)
        if report:
            d.addErrback(self._failed, len(batch))
        return d

    def _failed(self, failure, n: int) -> None:
        self.crawler.stats.inc_value("aggregator/store_errors")
        logger.error("storing %d articles failed: %s", n, failure.getErrorMessage(), exc_info=failure.value)

    def stop_writer(self, timeout: float | None = None) -> None:
        """Let the writer thread finish its job in hand, then end it (idempotent).

        ``timeout``: wait at most this long (after a second signal); the thread is a daemon,
        and SQLite rolls back a transaction that was cut off, so the archive stays whole.
        """
        pool, self.pool = self.pool, None
        if pool is None:
            return
        if timeout is None:
            pool.stop()
            return
        pool.stop_within(timeout)

    async def close_spider(self):
        """Write what is left, wait for the writer thread, close both connections."""
        from scrapy.utils.defer import maybe_deferred_to_future

        try:
            self.flush(report=True)
            if self.last is not None:
                # wait for the last job (jobs run in order); its failure was reported to its item
                await maybe_deferred_to_future(self.last.addErrback(lambda _: None))
        finally:
            self.stop_writer()
            for archive in (self.writer, self.archive):
                if archive is not None:
                    archive.close()
            self.crawler.aggregator_known = None


class _DaemonThreadPool(ThreadPool):
    """Twisted's ThreadPool whose threads are daemons: a writer thread never keeps a
    stopped process alive (it is also joined by ``StorePipeline.stop_writer``)."""

    def threadFactory(self, *args, **kwargs):   # noqa: N802 (Twisted's name)
        return threading.Thread(*args, daemon=True, **kwargs)

    def stop_within(self, timeout: float) -> None:
        """``stop()`` that waits at most ``timeout`` seconds for the job in hand."""
        self.joined, self.started = True, False
        self._team.quit()
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
