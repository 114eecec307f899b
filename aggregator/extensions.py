"""CrawlRunRecorder: one ``crawl_runs`` row per spider run, with a health verdict.

At ``spider_closed`` it copies the run's stats (pages, new/updated/dropped articles by
reason, errors by kind, field coverage) into the archive and judges the run: ``failed``
(the site could not be crawled), ``degraded`` (pages came back but extraction broke:
most items dropped, or a field that used to be found is suddenly missing) or ``ok``.
``aggregator status`` and ``aggregator run``'s exit status read these rows.
"""

from __future__ import annotations

import logging

from scrapy import signals

from aggregator.failures import summarize_stats
from aggregator.project import DEFAULT_DB, utc_now_iso as _now

logger = logging.getLogger(__name__)

class CrawlRunRecorder:
    """Write a crawl_runs row when a spider closes (archive from AGGREGATOR_DB)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.started_at = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        """Scrapy constructor."""
        return cls(crawler)

    def spider_opened(self, spider):
        """Remember the start time and how many start URLs there are."""
        self.started_at = _now()
        src = getattr(spider, "source", None)
        if src is not None and src.type == "jekyll":
            self.crawler.stats.set_value("aggregator/jekyll_posts", 0)

    def spider_closed(self, spider, reason):
        """Summarise the run's stats into a crawl_runs row (and keep it on the crawler)."""
        stats = dict(self.crawler.stats.get_stats())
        sink = getattr(self.crawler, "aggregator_run_sink", None)
        previous = []
        archive = None
        if sink is None:
            from aggregator.archive import Archive

            archive = Archive(self.crawler.settings.get("AGGREGATOR_DB") or DEFAULT_DB)
            previous = archive.recent_coverage(spider.name)
        row = summarize_stats(stats, reason, previous)
        row.update({"spider": spider.name, "started_at": self.started_at or _now(), "finished_at": _now()})
        self.crawler.aggregator_run = row
        try:
            if sink is not None:
                sink(row)
            else:
                row["id"] = archive.record_run(row)
        finally:
            if archive is not None:
                archive.close()
        level = logging.INFO if row["status"] == "ok" else logging.WARNING
        logger.log(level, "%s: run %s%s", spider.name, row["status"], f" ({row['reason']})" if row["reason"] else "")
