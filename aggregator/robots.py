"""RobotsTxtMiddleware: Scrapy's robots.txt middleware without its start-up race.

Owns obeying robots.txt (``ROBOTSTXT_OBEY``). It replaces
``scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware`` in
``DOWNLOADER_MIDDLEWARES`` and changes one thing: how requests that arrive while a host's
robots.txt is still downloading wait for it.

Why: in Scrapy 2.19 every such request awaits the *same* Deferred through
``maybe_deferred_to_future`` (``Deferred.asFuture``), and the callback ``asFuture`` adds
returns ``None``. The first waiter therefore receives the parser, every later waiter
receives ``None``, which the middleware reads as "no robots.txt": those requests are let
through even when robots.txt forbids them. It happens whenever a listing page links
several articles on a host not seen before (a CDN or another subdomain of the portal).
Here each waiter gets its own Deferred, fed by a pass-through callback on the shared one,
so all of them see the same parser. tests/test_faults.py shows the leak with Scrapy's
class and its absence with this one.

It also honours ``Crawl-delay`` (Scrapy reads it but never applies it): the host's download
slot waits at least that long between requests, capped by ``AGGREGATOR_MAX_CRAWL_DELAY``
(one crawl per run, so it holds for every source on the host; tests/test_many_sources.py).
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

__all__ = ["RobotsTxtMiddleware"]


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's RobotsTxtMiddleware where every request waiting for a robots.txt gets the
    parser, and a host's ``Crawl-delay`` becomes its download slot's minimum delay."""

    async def _parse_robots(self, response, netloc, request):
        await super()._parse_robots(response, netloc, request)
        self.apply_crawl_delay(self._parsers.get(netloc), request)

    def apply_crawl_delay(self, parser, request) -> float | None:
        """Make the request's download slot wait ``Crawl-delay`` (capped); the delay applied."""
        crawl_delay = getattr(parser, "crawl_delay", None)
        if crawl_delay is None:
            return None
        ua = self._robotstxt_useragent or request.headers.get(b"User-Agent", self._default_useragent)
        try:
            delay = crawl_delay(ua)
        except (TypeError, ValueError):
            return None
        if not delay or delay <= 0:
            return None
        delay = min(float(delay), self.crawler.settings.getfloat("AGGREGATOR_MAX_CRAWL_DELAY", 30.0))
        downloader = getattr(self.crawler.engine, "downloader", None)
        if downloader is None or delay <= 0:
            return None
        key = downloader.get_slot_key(request)
        own = downloader.per_slot_settings.setdefault(key, {})
        own["delay"] = max(float(own.get("delay", 0.0)), delay)
        own["jitter"] = 0.0   # a minimum: no random shortening (Scrapy's jitter is ±50 %)
        slot = downloader.slots.get(key)
        if slot is not None:
            slot.delay, slot.jitter = max(slot.delay, delay), 0.0
        self._stats.inc_value("aggregator/crawl_delay_hosts")
        return delay

    async def robot_parser(self, request):
        """The host's robots.txt parser (None when it could not be fetched); waits for a
        download already under way instead of starting a second one."""
        netloc = urlparse_cached(request).netloc
        pending = self._parsers.get(netloc)
        if not isinstance(pending, Deferred):
            # first request for this host (starts the download), or the parser is known
            return await super().robot_parser(request)
        waiter: Deferred = Deferred()

        def relay(result):
            # hand the parser to this waiter and pass it on unchanged to the next one
            waiter.callback(result)
            return result

        pending.addBoth(relay)
        return await maybe_deferred_to_future(waiter)
