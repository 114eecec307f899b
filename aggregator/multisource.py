"""One crawl for one run: every selected source in one Scrapy engine.

Why one engine and not one crawler per source: Scrapy's per-host limits
(``CONCURRENT_REQUESTS_PER_DOMAIN``, ``DOWNLOAD_DELAY``, AutoThrottle) live in the
downloader's slots, and the robots.txt cache lives in a downloader middleware; both are
per crawler. With a crawler per source, a site split into N sources got N times the load
and N robots.txt downloads, and every source paid for its own pipelines, writer thread and
close-down. Here one :class:`RunSpider` hosts every source:

* each source is a *delegate*: an instance of its own spider class (generic type or a
  coded ``spiders/<name>.py``), bound to the run's crawler, with its own :class:`SourceStats`
  and its own settings view (``[source.settings]`` over the project's), so selectors,
  ``max_pages``, encoding and hooks work per source as before;
* every request carries its source in ``meta["aggregator_source"]``; a spider middleware
  passes it on to requests a callback makes; :class:`SourcePolicyMiddleware` turns the
  source's per-request settings (robots, timeouts, size limits, retries, user agent) into
  request meta, and the request fingerprint includes the source, so two sources linking
  the same article each get it, as with separate crawls;
* per-host settings of all sources on one host merge by the stricter value into
  ``DOWNLOAD_SLOTS`` (:func:`run_settings`); one downloader enforces them across sources;
* the recorder (``extensions.CrawlRunRecorder``) writes one ``crawl_runs`` row per source.

``scrapy crawl NAME`` and scale-out (``REDIS_URL``) still run one source per crawler;
every helper here falls back to ``crawler.stats`` when there is no run spider.
"""

from __future__ import annotations

import hashlib
import logging
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

META_KEY = "aggregator_source"

#: settings merged per host by the stricter value: (key, merge function)
_HOST_MIN = ("CONCURRENT_REQUESTS_PER_DOMAIN",)
_HOST_MAX = ("DOWNLOAD_DELAY",)


class SourceStats:
    """The stats of one source in a multi-source run (the StatsCollector calls we use)."""

    __slots__ = ("_stats",)

    def __init__(self):
        self._stats: dict = {}

    def get_value(self, key, default=None):
        return self._stats.get(key, default)

    def get_stats(self, *_args) -> dict:
        return self._stats

    def set_value(self, key, value, *_args) -> None:
        self._stats[key] = value

    def inc_value(self, key, count=1, start=0, *_args) -> None:
        d = self._stats
        d[key] = d.get(key, start) + count

    def max_value(self, key, value, *_args) -> None:
        self._stats[key] = max(self._stats.setdefault(key, value), value)

    def min_value(self, key, value, *_args) -> None:
        self._stats[key] = min(self._stats.setdefault(key, value), value)


class SourceSettings(BaseSettings):
    """A read-only view: a source's own settings over the crawler's, without copying them.

    A key set on the command line (``-s``, priority above ``spider``) beats the source's
    value, as it does for a per-source crawler's ``custom_settings``.
    """

    def __init__(self, base: BaseSettings, overrides):
        super().__init__()
        self._base = base
        spider_prio = 30
        self._over = {k: v for k, v in dict(overrides or {}).items() if (base.getpriority(k) or 0) <= spider_prio}
        self.frozen = True

    def __getitem__(self, name):
        if name in self._over:
            return self._over[name]
        return self._base[name]

    def get(self, name, default=None):
        if name in self._over:
            return self._over[name]
        return self._base.get(name, default)

    def __contains__(self, name) -> bool:
        return name in self._over or name in self._base

    def getpriority(self, name):
        return 30 if name in self._over else self._base.getpriority(name)

    def copy_to_dict(self) -> dict:
        return {**self._base.copy_to_dict(), **self._over}


def source_of(crawler, name: str | None):
    """The delegate spider of source ``name`` in a multi-source run, else None."""
    run = getattr(crawler, "aggregator_delegates", None)
    if run is None or name is None:
        return None
    return run.get(name)


def stats_for(crawler, name: str | None):
    """Stats of source ``name``: its own in a multi-source run, else the crawler's."""
    delegate = source_of(crawler, name)
    return delegate.stats if delegate is not None else crawler.stats


def request_source(request) -> str | None:
    """The source name a request belongs to (None outside a multi-source run)."""
    return request.meta.get(META_KEY) if request is not None else None


# --- settings of the run -----------------------------------------------------------------


def _effective(settings: BaseSettings, overrides: dict, key: str):
    if key in overrides and (settings.getpriority(key) or 0) <= 30:
        return overrides[key]
    return settings.get(key)


def _hosts(src) -> set[str]:
    hosts = {urlsplit(u).hostname or "" for u in src.start_urls}
    hosts.update(d.lower() for d in (src.allowed_domains or ()))
    return {h for h in hosts if h}


def run_settings(settings: BaseSettings, classes: list[tuple[object, type]]) -> dict:
    """Settings for the one crawler of a run: every source's politeness, host by host.

    ``classes`` is ``[(source, spider class)]``. For each host named by a source (start
    URLs, allowed domains) the concurrency is the lowest and the delay the highest any
    source on it asks for (``DOWNLOAD_SLOTS``); AutoThrottle and robots.txt are on when
    any source wants them (per-source exceptions are request meta, see
    :class:`SourcePolicyMiddleware`); the total concurrency is the largest asked for, the
    archive batch (one writer for the run) the smallest.
    Hosts no source names (an article on a CDN) get the project's defaults.
    """
    slots: dict[str, dict] = {}
    throttle = robots = False
    total = settings.getint("CONCURRENT_REQUESTS")
    batch = None
    start_delay = max_delay = None
    target = None
    for src, cls in classes:
        over = {**(getattr(cls, "custom_settings", None) or {})}

        def eff(key, over=over):
            return _effective(settings, over, key)

        conc = int(eff("CONCURRENT_REQUESTS_PER_DOMAIN"))
        delay = float(eff("DOWNLOAD_DELAY") or 0)
        total = max(total, int(eff("CONCURRENT_REQUESTS")))
        # one archive writer for the run: the smallest batch any source asks for (less to lose)
        b = int(eff("AGGREGATOR_BATCH_SIZE") or 0)
        batch = b if batch is None else min(batch, b)
        on = _bool(eff("AUTOTHROTTLE_ENABLED"))
        robots = robots or _bool(eff("ROBOTSTXT_OBEY"))
        if on:
            throttle = True
            start_delay = max(start_delay or 0.0, float(eff("AUTOTHROTTLE_START_DELAY")))
            max_delay = max(max_delay or 0.0, float(eff("AUTOTHROTTLE_MAX_DELAY")))
            t = float(eff("AUTOTHROTTLE_TARGET_CONCURRENCY"))
            target = t if target is None else min(target, t)
        for host in _hosts(src):
            slot = slots.setdefault(host, {"concurrency": conc, "delay": delay, "throttle": on})
            slot["concurrency"] = min(slot["concurrency"], conc)
            slot["delay"] = max(slot["delay"], delay)
            slot["throttle"] = slot["throttle"] or on
    out = {
        "DOWNLOAD_SLOTS": {h: {"concurrency": s["concurrency"], "delay": s["delay"]} for h, s in slots.items()},
        "AGGREGATOR_THROTTLED_HOSTS": sorted(h for h, s in slots.items() if s["throttle"]),
        "AUTOTHROTTLE_ENABLED": throttle,
        "ROBOTSTXT_OBEY": robots,
        "CONCURRENT_REQUESTS": total,
    }
    if batch:
        out["AGGREGATOR_BATCH_SIZE"] = batch
    if throttle:
        out.update(AUTOTHROTTLE_START_DELAY=start_delay, AUTOTHROTTLE_MAX_DELAY=max_delay,
                   AUTOTHROTTLE_TARGET_CONCURRENCY=target)
    return out


def _bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


# --- the run spider ------------------------------------------------------------------------


class RunSpider(scrapy.Spider):
    """Hosts every source of a run (see the module doc). ``sources``: ``[(Source, class)]``."""

    name = "_run"
    abstract = True   # never listed by the spider loader

    def __init__(self, sources=(), **kw):
        super().__init__(**kw)
        self.sources = list(sources)
        self.delegates: dict[str, scrapy.Spider] = {}

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.aggregator_delegates = spider.delegates
        for src, klass in spider.sources:
            d = klass.from_crawler(crawler)
            d.settings = SourceSettings(crawler.settings, getattr(klass, "custom_settings", None))
            d.stats = SourceStats()
            spider.delegates[src.name] = d
        crawler.signals.connect(spider._response, signal=signals.response_received)
        crawler.signals.connect(spider._scraped, signal=signals.item_scraped)
        crawler.signals.connect(spider._dropped, signal=signals.item_dropped)
        crawler.signals.connect(spider._downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(spider._scheduled, signal=signals.request_scheduled)
        return spider

    async def start(self):
        """The start requests of every source, each tagged with its source."""
        for name, d in self.delegates.items():
            async for request in d.start():
                if isinstance(request, scrapy.Request):
                    request.meta.setdefault(META_KEY, name)
                yield request

    # per-source copies of Scrapy's core stats (CoreStats counts them for the whole run)
    def _response(self, response, request, spider):
        d = self.delegates.get(request_source(request))
        if d is not None:
            d.stats.inc_value("response_received_count")

    def _downloaded(self, response, request, spider):
        d = self.delegates.get(request_source(request))
        if d is not None:
            d.stats.inc_value("downloader/response_count")
            d.stats.inc_value(f"downloader/response_status_count/{response.status}")

    def _scheduled(self, request, spider):
        if request.meta.get("retry_times"):   # a retry (RetryMiddleware) re-enters the scheduler
            d = self.delegates.get(request_source(request))
            if d is not None:
                d.stats.inc_value("retry/count")

    def _scraped(self, item, response, spider):
        d = self.delegates.get(getattr(item, "spider", None))
        if d is not None:
            d.stats.inc_value("item_scraped_count")

    def _dropped(self, item, response, exception, spider):
        d = self.delegates.get(getattr(item, "spider", None))
        if d is not None:
            d.stats.inc_value("item_dropped_count")
            d.stats.inc_value(f"item_dropped_reasons_count/{type(exception).__name__}")


class SourceTagMiddleware:
    """Spider middleware: a request made in a callback belongs to the source of the
    response that made it (``meta["aggregator_source"]``)."""

    @classmethod
    def from_crawler(cls, crawler):
        return cls()

    def process_spider_output(self, response, result):
        name = request_source(response.request) if response is not None else None
        for out in result:
            if name is not None and isinstance(out, scrapy.Request):
                out.meta.setdefault(META_KEY, name)
            yield out

    async def process_spider_output_async(self, response, result):
        name = request_source(response.request) if response is not None else None
        async for out in result:
            if name is not None and isinstance(out, scrapy.Request):
                out.meta.setdefault(META_KEY, name)
            yield out


class SourcePolicyMiddleware:
    """Downloader middleware: a source's own settings for its requests, hosts merged strictly.

    Per request: ``ROBOTSTXT_OBEY = false`` → ``dont_obey_robotstxt``; ``DOWNLOAD_TIMEOUT``,
    ``DOWNLOAD_MAXSIZE``, ``DOWNLOAD_WARNSIZE``, ``RETRY_TIMES`` → their meta keys;
    ``USER_AGENT`` → the header. Per host: a host first met through a source (an article
    on a CDN) gets that source's concurrency and delay; when another source with stricter
    values reaches it, the stricter values hold from then on (the live slot included).
    AutoThrottle stays off for a source that turned it off unless a source that wants it
    reaches the same host.
    """

    META = {"DOWNLOAD_TIMEOUT": "download_timeout", "DOWNLOAD_MAXSIZE": "download_maxsize",
            "DOWNLOAD_WARNSIZE": "download_warnsize", "RETRY_TIMES": "max_retry_times"}

    def __init__(self, crawler):
        self.crawler = crawler
        self.throttled = set(crawler.settings.getlist("AGGREGATOR_THROTTLED_HOSTS"))
        self.throttle = crawler.settings.getbool("AUTOTHROTTLE_ENABLED")
        self.hosts: dict[str, tuple[int, float]] = {
            h: (int(v.get("concurrency", 0)), float(v.get("delay", 0.0)))
            for h, v in crawler.settings.getdict("DOWNLOAD_SLOTS").items()}
        self.policies: dict[str, tuple[int, float, bool]] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _policy(self, name: str, d) -> tuple[int, float, bool]:
        p = self.policies.get(name)
        if p is None:
            s = d.settings
            p = self.policies[name] = (s.getint("CONCURRENT_REQUESTS_PER_DOMAIN"), s.getfloat("DOWNLOAD_DELAY"),
                                       s.getbool("AUTOTHROTTLE_ENABLED"))
        return p

    def _merge_host(self, request, conc: int, delay: float) -> None:
        downloader = getattr(self.crawler.engine, "downloader", None)
        if downloader is None:
            return
        key = downloader.get_slot_key(request)
        known = self.hosts.get(key)
        if known is not None and known[0] <= conc and known[1] >= delay:
            return
        conc, delay = (conc, delay) if known is None else (min(known[0], conc), max(known[1], delay))
        self.hosts[key] = (conc, delay)
        own = downloader.per_slot_settings.setdefault(key, {})
        own["concurrency"] = min(int(own.get("concurrency", conc)), conc)
        own["delay"] = max(float(own.get("delay", delay)), delay)
        slot = downloader.slots.get(key)
        if slot is not None:   # only ever stricter (a Crawl-delay may already hold it)
            slot.concurrency, slot.delay = min(slot.concurrency, conc), max(slot.delay, delay)

    def process_request(self, request):
        name = request_source(request)
        d = source_of(self.crawler, name)
        if d is None:
            return None
        conc, delay, throttle = self._policy(name, d)
        self._merge_host(request, conc, delay)
        host = urlsplit(request.url).hostname or ""
        if throttle:
            self.throttled.add(host)
        elif self.throttle and host not in self.throttled:
            request.meta.setdefault("autothrottle_dont_adjust_delay", True)
        s = d.settings
        over = s._over if isinstance(s, SourceSettings) else {}
        if not over:
            return None
        if "ROBOTSTXT_OBEY" in over and not _bool(over["ROBOTSTXT_OBEY"]):
            request.meta.setdefault("dont_obey_robotstxt", True)
        for key, meta in self.META.items():
            if key in over:
                request.meta.setdefault(meta, over[key])
        if "USER_AGENT" in over:
            request.headers.setdefault(b"User-Agent", str(over["USER_AGENT"]))
        return None


def settings_for(crawler, request):
    """The settings that apply to ``request``: its source's in a multi-source run."""
    d = source_of(crawler, request_source(request))
    return d.settings if d is not None else crawler.settings


class SourceFingerprinter:
    """Request fingerprints that include the request's source: within one source a URL
    is fetched once, and two sources that both link it each get it (as separate crawls did)."""

    def __init__(self, crawler=None):
        from scrapy.utils.request import RequestFingerprinter

        self.base = RequestFingerprinter(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def fingerprint(self, request) -> bytes:
        fp = self.base.fingerprint(request)
        name = request_source(request)
        if name is None:
            return fp
        return hashlib.sha1(fp + b"\0" + name.encode("utf-8")).digest()


class OptionalComponents:
    """Scrapy add-on: a component the project turns off (``COOKIES_ENABLED``,
    ``REMOTE_CONTROL_ENABLED``) is dropped from Scrapy's base component list, so its module
    is not imported at all (Scrapy imports every component it lists, even one set to
    None, and these are costly: the cookies middleware pulls in tldextract and requests,
    the remote control aiohttp). Turned on (``-s COOKIES_ENABLED=true``), it stays."""

    OPTIONAL = (
        ("COOKIES_ENABLED", "DOWNLOADER_MIDDLEWARES_BASE", "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"),
        ("REMOTE_CONTROL_ENABLED", "EXTENSIONS_BASE", "scrapy.extensions.remote_control.RemoteControl"),
    )

    def update_settings(self, settings) -> None:
        for flag, setting, path in self.OPTIONAL:
            base = dict(settings[setting] or {})
            if not settings.getbool(flag) and path in base:
                del base[path]
                settings.set(setting, base, "addon")
