"""CrawlRunRecorder: one ``crawl_runs`` row per spider run, with a health verdict.

At ``spider_closed`` it copies the run's stats (pages, new/updated/dropped articles by
reason, errors by kind, field coverage) into the archive and judges the run: ``failed``
(the site could not be crawled), ``degraded`` (pages came back but extraction broke:
most items dropped, or a field that used to be found is suddenly missing) or ``ok``.
``aggregator status`` and ``aggregator run``'s exit status read these rows.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timezone

from scrapy import signals

logger = logging.getLogger(__name__)

#: drop reasons that mean "extraction failed" (not "already had it")
EXTRACTION_DROPS = ("MissingTitle", "MissingBody", "NotAnArticle")
COVERAGE_FIELDS = ("published", "source", "author")
#: finish reasons of a run stopped by SIGINT/SIGTERM (Scrapy's graceful stop says ``shutdown``)
INTERRUPTED = ("shutdown", "interrupted")


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def summarize_stats(stats: dict, reason: str, previous: list[dict] | None = None) -> dict:
    """A crawl_runs row (without id/spider/times) and its verdict, from a run's stats. Pure."""
    g = lambda k, d=0: stats.get(k, d) or d  # noqa: E731
    dropped = {k.split("/", 1)[1]: v for k, v in stats.items() if k.startswith("item_dropped_reasons_count/")}
    errors = {k.split("/", 2)[2]: v for k, v in stats.items() if k.startswith("aggregator/errors/")}
    new, updated, unchanged = g("aggregator/articles/new"), g("aggregator/articles/updated"), g("aggregator/articles/unchanged")
    # in scale-out mode a worker stores nothing itself: what it queued for ingest counts
    stored = new + updated + unchanged + g("aggregator/articles/queued")
    extraction_drops = sum(dropped.get(k, 0) for k in EXTRACTION_DROPS)
    n_cov = g("aggregator/coverage/articles")
    coverage = {f: round(g(f"aggregator/coverage/{f}") / n_cov, 3) for f in COVERAGE_FIELDS} if n_cov else {}
    listing_pages, listing_errors = g("aggregator/listing_pages"), g("aggregator/listing_errors")
    not_modified = g("aggregator/listing_not_modified")
    article_pages, article_errors = g("aggregator/article_pages"), g("aggregator/article_errors")
    row = {
        "finish_reason": reason,
        "pages": g("response_received_count"),
        "listing_pages": listing_pages,
        "article_pages": article_pages,
        "items_new": new,
        "items_updated": updated,
        "items_unchanged": unchanged,
        "items_dropped": sum(dropped.values()),
        "dropped": json.dumps(dropped, sort_keys=True),
        "errors": sum(errors.values()),
        "error_kinds": json.dumps(errors, sort_keys=True),
        "coverage": json.dumps(coverage, sort_keys=True),
        "stats": json.dumps({k: v for k, v in stats.items() if isinstance(v, (int, float, str))}, sort_keys=True, default=str),
    }
    status, why = "ok", None
    attempted = stored + extraction_drops
    if reason in INTERRUPTED:
        # a signal stopped the run: its own verdict, never counted against the site's health
        status, why = "interrupted", "interrupted by a signal"
    elif reason not in ("finished", "idle_exit"):
        status, why = "failed", f"crawl ended with {reason}"
    elif listing_pages == 0 and not_modified == 0 and (listing_errors or stats.get("aggregator/start_urls", 1)):
        last = stats.get("aggregator/last_listing_error") or "no listing page could be fetched"
        if stats.get("aggregator/jekyll_posts") is None and not article_pages:
            status, why = "failed", f"site unreachable: {last}"
    if status == "ok" and attempted >= 3 and extraction_drops / attempted > 0.5:
        reasons = ", ".join(f"{k}={dropped[k]}" for k in EXTRACTION_DROPS if dropped.get(k))
        status, why = "degraded", f"{extraction_drops} of {attempted} articles dropped ({reasons}): page layout changed?"
    if status == "ok" and article_pages >= 3 and article_errors / (article_pages + article_errors) > 0.5:
        status, why = "degraded", f"{article_errors} of {article_pages + article_errors} article pages failed to download"
    if status == "ok" and n_cov >= 3 and previous:
        for f in COVERAGE_FIELDS:
            before = [json.loads(p.get("coverage") or "{}").get(f) for p in previous]
            before = [b for b in before if b is not None]
            if before and min(before) >= 0.8 and coverage.get(f, 0) < 0.3:
                status, why = "degraded", f"field {f!r} found on {coverage.get(f, 0):.0%} of articles (was >= {min(before):.0%}): page layout changed?"
                break
    row["status"] = status
    row["reason"] = why
    return row


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

            archive = Archive(self.crawler.settings.get("AGGREGATOR_DB") or "archive.db")
        try:
            for name, stats in todo:
                previous = []
                if archive is not None:
                    previous = [
                        {"coverage": c} for (c,) in archive.db.execute(
                            "select coverage from crawl_runs where spider = ? and status = 'ok' order by id desc limit 5",
                            [name],
                        ).fetchall()
                    ]
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
