"""CrawlRunRecorder: one ``crawl_runs`` row per spider run, with a health verdict.

At ``spider_closed`` it copies the run's stats (pages, new/updated/dropped articles by
reason, errors by kind, field coverage) into the archive and judges the run: ``failed``
(the site could not be crawled), ``degraded`` (pages came back but extraction broke:
most items dropped, or a field that used to be found is suddenly missing) or ``ok``.
``aggregator status`` and ``aggregator run``'s exit status read these rows.
"""

from __future__ import annotations

import logging
import time

from scrapy import signals

from aggregator.failures import summarize_stats
from aggregator.project import DEFAULT_DB, utc_now_iso as _now

logger = logging.getLogger(__name__)


class CrawlRunRecorder:
    """Write a crawl_runs row per source when the spider closes (archive from AGGREGATOR_DB).

    A one-source crawl (``scrapy crawl NAME``, scale-out) gets one row from the crawler's
    stats; a multi-source run (``aggregator.multisource.RunSpider``) one row per source,
    each from that source's own stats, all written in one go (``record_all``).
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.started_at = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        """Scrapy constructor."""
        return cls(crawler)

    @staticmethod
    def of(crawler) -> "CrawlRunRecorder | None":
        """The recorder of a crawler (None when the extension is off)."""
        return getattr(crawler, "aggregator_recorder", None)

    def spider_opened(self, spider):
        """Remember the start time and which sources are Jekyll folders."""
        self.started_at = _now()
        self.crawler.aggregator_recorder = self
        for name, src, stats in self._sources(spider):
            if src is not None and src.type == "jekyll":
                stats.set_value("aggregator/jekyll_posts", 0)

    def _sources(self, spider):
        """(name, Source, stats) of every source the spider crawls."""
        delegates = getattr(spider, "delegates", None)
        if delegates is not None:
            return [(n, d.source, d.stats) for n, d in delegates.items()]
        return [(spider.name, getattr(spider, "source", None), self.crawler.stats)]

    def spider_closed(self, spider, reason):
        """Summarise each source's stats into a crawl_runs row (kept on the crawler too)."""
        self.record_all(spider, reason)

    def record_all(self, spider, reason: str) -> dict:
        """Write the row of every source not recorded yet; ``{name: row}`` of all of them.

        Called at ``spider_closed`` and, after a second signal stopped the reactor before
        that, by the runner (``reason="shutdown"``): then the rows are written here.
        """
        runs = getattr(self.crawler, "aggregator_runs", None)
        if runs is None:
            runs = self.crawler.aggregator_runs = {}
        todo = [(n, stats) for n, _src, stats in self._sources(spider) if n not in runs]
        if not todo:
            return runs
        sink = getattr(self.crawler, "aggregator_run_sink", None)
        archive = None
        t0 = time.perf_counter()
        if sink is None:
            from aggregator.archive import Archive

            archive = Archive(self.crawler.settings.get("AGGREGATOR_DB") or DEFAULT_DB)
        try:
            for name, stats in todo:
                previous = archive.recent_coverage(name) if archive is not None else []
                row = summarize_stats(dict(stats.get_stats()), reason, previous)
                row.update({"spider": name, "started_at": self.started_at or _now(), "finished_at": _now()})
                runs[name] = row
                if sink is not None:
                    sink(row)
                else:
                    row["id"] = archive.record_run(row)
                level = logging.INFO if row["status"] == "ok" else logging.WARNING
                logger.log(level, "%s: run %s%s", name, row["status"], f" ({row['reason']})" if row["reason"] else "")
        finally:
            if archive is not None:
                archive.close()
        logger.info("recorded %d source runs in %.0f ms", len(todo), (time.perf_counter() - t0) * 1000)
        if len(runs) == 1 and getattr(spider, "delegates", None) is None:
            self.crawler.aggregator_run = next(iter(runs.values()))
        return runs
