"""The crawl ceiling: a minimal Scrapy spider that only follows links.

It fetches the start URLs and follows every ``<a href>`` whose path starts with one of the
``--allow`` prefixes (so it covers the same listing and article pages as our crawl of the
same categories), parsing each page once with parsel/lxml and doing nothing else: no
extraction, no items, no database. Links it has already seen are skipped in the spider
(a set of URLs) before a Request is built, as a link extractor's ``unique`` does: article
pages carry ~70 links each (navigation, sidebars), and pushing every one through
Scrapy's request fingerprinting and dupefilter would make the "ceiling" mostly measure
that, not the download and parse of a page. Its settings are the crawl settings of the benchmark
(:data:`BENCH_CRAWL_SETTINGS`, also written into our crawl's ``[source.settings]``) on top
of the project's concurrency, robots.txt, user agent, timeout and reactor settings, so the
two crawls differ only by what our pipeline does per page.

Run as a separate process (one reactor per process)::

    .venv/bin/python -m tests.benchmarks.ceiling --out stats.json --allow /c/bendi/ URL [URL ...]

Writes Scrapy's final stats (``response_received_count``, ``elapsed_time_seconds`` …) to
``--out`` as JSON.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
from urllib.parse import urlsplit

#: Politeness off for the local server, the same in both crawls (``[source.settings]`` of ours).
BENCH_CRAWL_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
}

#: Project settings the ceiling copies (so only the per-page work differs).
COPIED_SETTINGS = ("USER_AGENT", "ROBOTSTXT_OBEY", "CONCURRENT_ITEMS", "DOWNLOAD_TIMEOUT", "DOWNLOAD_MAXSIZE",
                   "DOWNLOAD_WARNSIZE", "COOKIES_ENABLED", "TELNETCONSOLE_ENABLED", "TWISTED_REACTOR",
                   "REDIRECT_MAX_TIMES", "RETRY_TIMES", "DOWNLOADER")


def ceiling_settings() -> dict:
    """Settings of the ceiling crawl: the project's copied keys + BENCH_CRAWL_SETTINGS."""
    import aggregator.settings as project

    out = {k: getattr(project, k) for k in COPIED_SETTINGS if hasattr(project, k)}
    out.update(BENCH_CRAWL_SETTINGS)
    out.update({"LOG_LEVEL": "WARNING", "HTTPERROR_ALLOWED_CODES": []})
    return out


def make_spider(start_urls, allow):
    """The link-following spider class."""
    import scrapy

    prefixes = tuple(allow)

    class LinkFollower(scrapy.Spider):
        name = "ceiling"

        async def start(self):
            for u in start_urls:
                yield scrapy.Request(u, callback=self.parse)

        seen: set = set()

        def parse(self, response):
            host = urlsplit(response.url).netloc
            seen = self.seen
            for href in response.css("a::attr(href)").getall():
                url = response.urljoin(href)
                if url in seen:
                    continue
                seen.add(url)
                parts = urlsplit(url)
                if parts.netloc == host and parts.path.startswith(prefixes):
                    yield scrapy.Request(url, callback=self.parse)

    return LinkFollower


def main(argv=None) -> int:
    """Run the ceiling crawl; write its stats as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("urls", nargs="+")
    ap.add_argument("--allow", action="append", default=[], help="path prefix to follow (repeatable)")
    ap.add_argument("--out", required=True)
    ap.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE")
    args = ap.parse_args(argv)
    from scrapy.crawler import CrawlerProcess

    settings = ceiling_settings()
    for pair in args.set:
        k, v = pair.split("=", 1)
        settings[k] = v
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(make_spider(args.urls, args.allow or ["/"]))
    process.crawl(crawler)
    process.start()
    stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, (int, float, str))}
    stats["ru_maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(args.out, "w") as fh:
        json.dump(stats, fh, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
