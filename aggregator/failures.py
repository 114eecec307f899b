"""The failure taxonomy everyone shares: error kinds, drop reasons, run statuses, verdicts.

Names only and the pure rule that judges a run; no Scrapy. The Scrapy layer counts what
goes wrong under these names, the archive stores them, ``aggregator status`` reports them.

* **Error kinds**: a failed request or page is counted as the stat
  ``aggregator/errors/<kind>`` (:func:`error_stat`). Download failures are named by
  ``spiders.generic.error_kind`` (``http_<status>``, ``timeout``, ``dns``,
  ``connection_refused``, ``connection_lost``, ``data_loss``, ``cancelled``,
  ``robots_forbidden``, ``redirect_loop``, ``offsite``, ``unsupported_scheme``,
  ``ignored``, else the exception class in snake case); pages that arrive but cannot be
  read are :data:`PAGE_ERROR_KINDS`.
* **Drop reasons**: an item that cannot become an article is dropped with one of
  :data:`DROP_REASONS` (the ``DropItem`` subclasses in ``aggregator.pipelines`` carry
  these names; Scrapy counts ``item_dropped_reasons_count/<name>``).
* **Run statuses** (``crawl_runs.status``): :data:`RUN_STATUSES`, decided by
  :func:`summarize_stats`.
* **Health verdicts** (``aggregator status``): :data:`VERDICTS`, decided by
  ``Archive.status``.
"""

from __future__ import annotations

import json

#: Stat prefix of counted errors: ``aggregator/errors/<kind>``.
ERROR_STAT_PREFIX = "aggregator/errors/"
#: Kinds of pages that arrived but could not be read.
PAGE_ERROR_KINDS = ("not_html", "bad_feed", "bad_sitemap", "bad_json", "bad_encoding", "bad_front_matter")

#: Why an item was dropped (class names of the pipelines' DropItem subclasses).
DROP_REASONS = ("NotAnArticle", "MissingTitle", "MissingBody", "Duplicate")
#: Drop reasons that mean "extraction failed" (not "already had it").
EXTRACTION_DROPS = ("MissingTitle", "MissingBody", "NotAnArticle")
#: Fields whose coverage is watched from run to run.
COVERAGE_FIELDS = ("published", "source", "author")

#: Scrapy finish reasons of a run that ended normally.
OK_FINISH_REASONS = ("finished", "idle_exit")
#: finish reasons of a run stopped by SIGINT/SIGTERM (Scrapy's graceful stop says ``shutdown``)
INTERRUPTED_FINISH_REASONS = ("shutdown", "interrupted")
RUN_OK, RUN_DEGRADED, RUN_FAILED, RUN_INTERRUPTED = "ok", "degraded", "failed", "interrupted"
#: ``interrupted``: a signal stopped the run; its own verdict, never counted against the site's health
RUN_STATUSES = (RUN_OK, RUN_DEGRADED, RUN_FAILED, RUN_INTERRUPTED)
VERDICT_OK, VERDICT_DEGRADED, VERDICT_FAILING, VERDICT_SILENT = "ok", "degraded", "failing", "silent"
VERDICTS = (VERDICT_OK, VERDICT_DEGRADED, VERDICT_FAILING, VERDICT_SILENT)


def error_stat(kind: str) -> str:
    """The stat that counts errors of ``kind``."""
    return ERROR_STAT_PREFIX + kind


def summarize_stats(stats: dict, reason: str, previous: list[dict] | None = None) -> dict:
    """A crawl_runs row (without id/spider/times) and its verdict, from a run's stats. Pure."""
    g = lambda k, d=0: stats.get(k, d) or d  # noqa: E731
    dropped = {k.split("/", 1)[1]: v for k, v in stats.items() if k.startswith("item_dropped_reasons_count/")}
    errors = {k[len(ERROR_STAT_PREFIX):]: v for k, v in stats.items() if k.startswith(ERROR_STAT_PREFIX)}
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
    status, why = RUN_OK, None
    attempted = stored + extraction_drops
    if reason in INTERRUPTED_FINISH_REASONS:
        status, why = RUN_INTERRUPTED, "interrupted by a signal"
    elif reason not in OK_FINISH_REASONS:
        status, why = RUN_FAILED, f"crawl ended with {reason}"
    elif listing_pages == 0 and not_modified == 0 and (listing_errors or stats.get("aggregator/start_urls", 1)):
        last = stats.get("aggregator/last_listing_error") or "no listing page could be fetched"
        if stats.get("aggregator/jekyll_posts") is None and not article_pages:
            status, why = RUN_FAILED, f"site unreachable: {last}"
    if status == RUN_OK and attempted >= 3 and extraction_drops / attempted > 0.5:
        reasons = ", ".join(f"{k}={dropped[k]}" for k in EXTRACTION_DROPS if dropped.get(k))
        status, why = RUN_DEGRADED, f"{extraction_drops} of {attempted} articles dropped ({reasons}): page layout changed?"
    if status == RUN_OK and article_pages >= 3 and article_errors / (article_pages + article_errors) > 0.5:
        status, why = RUN_DEGRADED, f"{article_errors} of {article_pages + article_errors} article pages failed to download"
    if status == RUN_OK and n_cov >= 3 and previous:
        for f in COVERAGE_FIELDS:
            before = [json.loads(p.get("coverage") or "{}").get(f) for p in previous]
            before = [b for b in before if b is not None]
            if before and min(before) >= 0.8 and coverage.get(f, 0) < 0.3:
                status, why = RUN_DEGRADED, f"field {f!r} found on {coverage.get(f, 0):.0%} of articles (was >= {min(before):.0%}): page layout changed?"
                break
    row["status"] = status
    row["reason"] = why
    return row


