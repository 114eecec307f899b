"""Scrapy components that keep a crawl out of the server's files and private network.

They apply :mod:`aggregator.netpolicy` at the three places a request can still escape:

* :class:`SchemeGuardMiddleware` (downloader middleware, first in the chain) refuses a
  scheme the source may not request (``file:`` on a web source, ``data:``, ``ftp:`` ...)
  on every path: listing links, feed/sitemap/JSON items, pagination, continuations,
  redirects and meta refreshes all pass through it;
  :class:`RedirectSchemeGuardMiddleware` turns a redirect to such a scheme into the same
  counted skip;
* :class:`GuardedHTTPDownloadHandler` resolves the host of every http(s) request before
  it is sent and refuses it when the host is, or resolves to, a non-public address the
  source does not allow; :class:`GuardedFileDownloadHandler` reads ``file:`` URLs only
  for a ``jekyll`` source and only inside its folder; :class:`RefusedSchemeHandler`
  stands in for Scrapy's ``data``/``ftp``/``s3`` handlers;
* :class:`GuardedResolver` (``TWISTED_DNS_RESOLVER``) is the resolver the connections
  themselves use: it never hands out a non-public address that no source of the process
  allows, so a name that changes its answer between the check and the connection
  (DNS rebinding) still cannot reach inside.

A refused request is a counted skip (``aggregator/blocked_address``,
``aggregator/blocked_scheme``), logged once per host, never a failure of the source.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urljoin

from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.core.downloader.handlers.file import FileDownloadHandler
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.error import DNSLookupError

from aggregator.multisource import request_source, settings_for, source_of, stats_for
from aggregator.netpolicy import AddressPolicy, file_inside, host_of, is_public, parse_ip, scheme_allowed

logger = logging.getLogger(__name__)

#: what any source of this process may reach (the resolver's rule; see GuardedResolver)
_PROCESS_POLICY = AddressPolicy()


class BlockedRequest(IgnoreRequest):
    """A request refused by the network policy; ``aggregator_kind`` names the rule."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.aggregator_kind = kind


class BlockedLookup(DNSLookupError):
    """A name resolved only to non-public addresses that no source allows."""

    def __init__(self, name: str, address: str):
        super().__init__(f"{name} resolves to {address}, a non-public address")
        self.name = name
        self.address = address


def _register(policy: AddressPolicy) -> None:
    global _PROCESS_POLICY
    _PROCESS_POLICY = _PROCESS_POLICY.merged(policy)


class NetGuard:
    """The policies of a crawler's sources, their counters and the once-per-host log.

    In a multi-source run (``aggregator.multisource``) a request belongs to the source in
    its meta: that source's start URL hosts and ``AGGREGATOR_ALLOWED_HOSTS`` decide, and
    its own stats count the refusal. A one-source crawler has one policy."""

    def __init__(self, crawler):
        self.crawler = crawler
        self._policies: dict[str | None, AddressPolicy] = {}
        self._logged: set[tuple[str | None, str, str]] = set()

    @classmethod
    def of(cls, crawler) -> "NetGuard":
        """The crawler's guard (one per crawler, shared by its handlers and middleware)."""
        guard = getattr(crawler, "aggregator_netguard", None)
        if guard is None:
            guard = crawler.aggregator_netguard = cls(crawler)
        return guard

    def source_for(self, request) -> Any:
        """The Source a request is made for (None for a spider that is not a source spider)."""
        delegate = source_of(self.crawler, request_source(request))
        spider = delegate if delegate is not None else getattr(self.crawler, "spider", None)
        return getattr(spider, "source", None)

    def policy_for(self, request) -> AddressPolicy:
        """Start URL hosts of the request's source plus its ``AGGREGATOR_ALLOWED_HOSTS``."""
        name = request_source(request)
        policy = self._policies.get(name)
        if policy is None:
            delegates = getattr(self.crawler, "aggregator_delegates", None)
            if name is None and delegates:
                # a request of the run itself (robots.txt): what any of its sources may reach
                policy = AddressPolicy()
                for delegate in delegates.values():
                    policy = policy.merged(self._build(delegate.name, getattr(delegate, "source", None),
                                                       delegate.settings))
            else:
                policy = self._build(name or getattr(self.crawler.spider, "name", "?"), self.source_for(request),
                                     settings_for(self.crawler, request))
            self._policies[name] = policy
            _register(policy)
        return policy

    def _build(self, name: str, src, settings) -> AddressPolicy:
        start = src.start_urls if src is not None else getattr(self.crawler.spider, "start_urls", ())
        try:
            return AddressPolicy.build(start, settings.getlist("AGGREGATOR_ALLOWED_HOSTS"))
        except ValueError as exc:
            # a bad entry allows nothing extra: refusing too much is the safe side
            logger.error("%s: %s; only the start URL hosts are allowed", name, exc)
            return AddressPolicy.build(start)

    def refuse(self, kind: str, request, what: str, why: str) -> BlockedRequest:
        """Count and log (once per source and host or scheme) a refused request; the exception to raise."""
        name = request_source(request)
        if not request.meta.get("dont_obey_robotstxt"):
            # the robots.txt request made for a refused host is not counted: its page is
            stats_for(self.crawler, name).inc_value(f"aggregator/{kind}")
        key = (name, kind, what)
        spider = name or getattr(self.crawler.spider, "name", "?")
        if key not in self._logged:
            self._logged.add(key)
            hint = " (allow it with AGGREGATOR_ALLOWED_HOSTS in [source.settings])" if kind == "blocked_address" else ""
            logger.warning("%s: not requesting %s: %s%s", spider, request.url, why, hint)
        else:
            logger.debug("%s: not requesting %s: %s", spider, request.url, why)
        return BlockedRequest(kind, f"{kind}: {request.url}: {why}")

    def check_scheme(self, request) -> None:
        """Raise BlockedRequest when the source may not request this URL's scheme."""
        src = self.source_for(request)
        kind = src.type if src is not None else "listing"
        if not scheme_allowed(request.url, kind):
            scheme = request.url.split(":", 1)[0].lower()
            raise self.refuse("blocked_scheme", request, scheme, f"scheme {scheme!r} is not allowed for a {kind} source")

    async def check_address(self, request) -> None:
        """Raise BlockedRequest when the request's host is, or resolves to, an address
        the source may not reach. Failed lookups pass (the download reports them)."""
        host = host_of(request.url)
        policy = self.policy_for(request)
        if not host or policy.host_allowed(host):
            return
        ip = parse_ip(host)
        if ip is not None:
            if not policy.address_allowed(host, ip):
                raise self.refuse("blocked_address", request, host, f"{ip} is not a public address")
            return
        from twisted.internet import reactor

        try:
            address = await maybe_deferred_to_future(reactor.resolve(host))
        except BlockedLookup as exc:
            address = exc.address
        except Exception:  # noqa: BLE001 - any lookup failure is the download's to report
            return
        if not policy.address_allowed(host, address):
            raise self.refuse("blocked_address", request, host, f"{host} resolves to {address}, not a public address")


class SchemeGuardMiddleware:
    """Downloader middleware: only the schemes a source may request reach the downloader."""

    def __init__(self, crawler):
        self.guard = NetGuard.of(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        """Scrapy constructor."""
        return cls(crawler)

    def process_request(self, request):
        """Refuse a disallowed scheme before robots.txt or anything else looks at it."""
        self.guard.check_scheme(request)
        return None


class RedirectSchemeGuardMiddleware:
    """Downloader middleware before RedirectMiddleware: a redirect to a scheme the source
    may not request (``file:``, ``data:`` ...) is a counted skip, not an ``http_302`` error."""

    def __init__(self, crawler):
        self.guard = NetGuard.of(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        """Scrapy constructor."""
        return cls(crawler)

    def process_response(self, request, response):
        """Refuse a 3xx whose Location has a disallowed scheme."""
        location = response.headers.get(b"Location") if 300 <= response.status < 400 else None
        if not location:
            return response
        target = urljoin(request.url, location.decode("latin-1").strip())
        src = self.guard.source_for(request)
        kind = src.type if src is not None else "listing"
        if not scheme_allowed(target, kind):
            scheme = target.split(":", 1)[0].lower()
            raise self.guard.refuse("blocked_scheme", request, scheme, f"redirects to a {scheme}: URL")
        return response


class GuardedHTTPDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, refusing hosts that are or resolve to non-public addresses."""

    async def download_request(self, request):
        """Check the scheme and the address, then download as Scrapy does."""
        guard = NetGuard.of(self._crawler)
        guard.check_scheme(request)
        await guard.check_address(request)
        return await super().download_request(request)


class GuardedFileDownloadHandler(FileDownloadHandler):
    """``file:`` only for a ``jekyll`` source, only inside its folder (symlinks resolved)."""

    async def download_request(self, request):
        """Read the file when the policy allows it."""
        guard = NetGuard.of(self.crawler)
        src = guard.source_for(request)
        if src is None or src.type != "jekyll" or not file_inside(request.url, src.path):
            raise guard.refuse("blocked_scheme", request, "file", "file: URLs are read only inside a jekyll source's folder")
        return await super().download_request(request)


class RefusedSchemeHandler(BaseDownloadHandler):
    """Stands in for the handlers of schemes no source requests (data, ftp, s3)."""

    lazy = False

    async def download_request(self, request):
        """Always refuse."""
        raise NetGuard.of(self.crawler).refuse("blocked_scheme", request, request.url.split(":", 1)[0].lower(),
                                               "scheme not allowed")


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver that fails a lookup whose answer is a non-public address
    no source of this process allows (checked on cached answers too)."""

    def getHostByName(self, name, timeout=()):
        """Resolve ``name``; a non-public answer fails with BlockedLookup unless allowed."""
        d = super().getHostByName(name, timeout)
        d.addCallback(self._check, name)
        return d

    @staticmethod
    def _check(address: str, name: str) -> str:
        if is_public(address) or _PROCESS_POLICY.address_allowed(name, address):
            return address
        raise BlockedLookup(name, address)
