"""THE settings module: Scrapy's keys and ours (``AGGREGATOR_*``).

How to add a setting: put it in the group it belongs to with a one-line comment, give
it a row in the settings table of docs/operations.md (tests/test_docs.py checks), and read it with
``crawler.settings`` in the component that owns it. Our keys start with ``AGGREGATOR_``
and never with ``FEED``: Scrapy owns ``FEEDS``/``FEED_*`` and a collision would silently
switch on Scrapy's own feed exports. Per-source overrides come from ``[source.settings]``
(spider priority); ``-s NAME=VALUE`` beats everything.
"""

import os

BOT_NAME = "aggregator"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
SPIDER_LOADER_CLASS = "aggregator.spiderloader.SourceSpiderLoader"

# --- what to crawl, where to store -------------------------------------------------
AGGREGATOR_SOURCES = None              # sources TOML; None = spiders/sources.toml
AGGREGATOR_DB = os.environ.get("AGGREGATOR_DB", "archive.db")   # SQLite archive
AGGREGATOR_FEEDS_DIR = "feeds"         # default output folder of the exporter
AGGREGATOR_BATCH_SIZE = 200            # articles per archive transaction
AGGREGATOR_MAX_BODY_CHARS = 1_000_000  # longer bodies are cut (counted: aggregator/body_truncated)
AGGREGATOR_EXTRACT_PROCESSES = "auto"     # article pages extracted in N worker processes; auto: one per spare core (max 2), 0: in the crawl process
AGGREGATOR_EXTRACT_TIMEOUT = 60.0     # seconds a page may take in an extraction process before it is killed (0: no limit)
AGGREGATOR_REFRESH = False             # True: re-fetch articles already in the archive
AGGREGATOR_CONDITIONAL_LISTINGS = True # If-None-Match/If-Modified-Since on listing pages
AGGREGATOR_NOW = None                  # ISO time used as "now" for relative dates (tests)

# --- politeness ---------------------------------------------------------------------
AGGREGATOR_CONTACT_URL = "https://github.com/aggregator-news/aggregator"
USER_AGENT = f"aggregator/0.1 (+{AGGREGATOR_CONTACT_URL}; regional news archive bot)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024     # bigger responses are cancelled (counted as errors)
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False         # Scrapy 2.19's code-executing HTTP control server: not for a cron crawler
# (while these two are off, their components are not even imported, see
# aggregator.multisource.OptionalComponents: a quarter of a crawl's start-up)
DEPTH_LIMIT = 0
HTTPERROR_ALLOWED_CODES = [304]
AGGREGATOR_RETRY_MAX_WAIT = 60.0       # longest Retry-After we honour, in seconds
AGGREGATOR_RETRY_BACKOFF = 1.0         # first backoff before a retry without Retry-After (doubles)
AGGREGATOR_MAX_CRAWL_DELAY = 30.0      # longest robots.txt Crawl-delay we honour, in seconds

# --- pipeline ------------------------------------------------------------------------
ITEM_PIPELINES = {
    "aggregator.pipelines.ValidatePipeline": 100,
    "aggregator.pipelines.NormalizePipeline": 200,
    "aggregator.pipelines.DedupePipeline": 300,
    "aggregator.pipelines.StorePipeline": 900,
}
DOWNLOADER_MIDDLEWARES = {
    "aggregator.middlewares.ConditionalListingMiddleware": 560,
    "aggregator.middlewares.RetryAfterMiddleware": 540,
    "aggregator.middlewares.RedirectGuardMiddleware": 650,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    # robots.txt without Scrapy 2.19's race (see aggregator/robots.py)
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "aggregator.robots.RobotsTxtMiddleware": 100,
    # network policy (docs/security.md): schemes first, meta refresh only when safe
    "aggregator.netguard.SchemeGuardMiddleware": 50,
    "aggregator.netguard.RedirectSchemeGuardMiddleware": 700,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "aggregator.refresh.MetaRefreshMiddleware": 580,
    # Scrapy's, without a charset guess over each compressed body (see aggregator/middlewares.py)
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "aggregator.middlewares.HttpCompressionMiddleware": 590,
    # a source's per-request settings (robots, timeouts, sizes) in a multi-source run
    "aggregator.multisource.SourcePolicyMiddleware": 40,
}
# --- network policy (docs/security.md) ----------------------------------------------
# hosts are refused when they are or resolve to non-public addresses, except a source's
# own start_urls hosts and these (per source in [source.settings]): names, ".suffix", IPs, networks
AGGREGATOR_ALLOWED_HOSTS = []
DOWNLOAD_HANDLERS = {
    "http": "aggregator.netguard.GuardedHTTPDownloadHandler",
    "https": "aggregator.netguard.GuardedHTTPDownloadHandler",
    "file": "aggregator.netguard.GuardedFileDownloadHandler",
    "data": "aggregator.netguard.RefusedSchemeHandler",
    "ftp": "aggregator.netguard.RefusedSchemeHandler",
    "s3": "aggregator.netguard.RefusedSchemeHandler",
}
TWISTED_DNS_RESOLVER = "aggregator.netguard.GuardedResolver"
# Scrapy's downloader with its per-host concurrency enforced (see aggregator/downloader.py)
DOWNLOADER = "aggregator.downloader.PoliteDownloader"
SPIDER_MIDDLEWARES = {
    # requests made in a callback belong to the response's source (multi-source run)
    "aggregator.multisource.SourceTagMiddleware": 50,
}
# one URL is fetched once per source (two sources linking one article each get it)
REQUEST_FINGERPRINTER_CLASS = "aggregator.multisource.SourceFingerprinter"
EXTENSIONS = {
    "aggregator.extensions.CrawlRunRecorder": 500,
    "aggregator.offload.ExtractionPool": 100,   # extraction processes (NotConfigured at 0)
}
CONCURRENT_ITEMS = 50

# --- logging -------------------------------------------------------------------------
LOG_LEVEL = "INFO"
LOG_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"

# --- runtime -------------------------------------------------------------------------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
# Scrapy's lint of callbacks (a generator `return value`) reads and parses a callback's
# source; its cache holds bound methods weakly, so it misses every time, and with one
# spider object per source a run of 500 sources spent seconds in inspect.getsource
WARN_ON_GENERATOR_RETURN_VALUE = False
FEED_EXPORT_ENCODING = "utf-8"         # Scrapy's own key (used by `scrapy crawl -o`), not ours

# --- scale-out (scrapy-redis) ---------------------------------------------------------
# With REDIS_URL set (environment, this module or -s), the same spiders share one frontier
# and push items to Redis; one `aggregator ingest` process writes them to the archive
# (single SQLite writer). The switch is an add-on, so it also sees -s REDIS_URL=...:
# it swaps in aggregator.scaleout.Scheduler (scrapy-redis, adapted to Scrapy 2.19),
# RedisItemPipeline for StorePipeline, the ScaleOut extension and the SeedOnce middleware.
REDIS_URL = os.environ.get("REDIS_URL") or None
AGGREGATOR_IDLE_EXIT = None            # scale-out worker: exit once the shared frontier was empty this long (None: 30 s)
AGGREGATOR_WORKER_TTL = 15.0           # scale-out: seconds without heartbeat before a worker's requests are re-queued
ADDONS = {"aggregator.scaleout.ScaleOutAddon": 0, "aggregator.multisource.OptionalComponents": 0}
