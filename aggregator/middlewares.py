"""Downloader middlewares: conditional listing requests and polite retries.

``ConditionalListingMiddleware`` sends If-None-Match / If-Modified-Since on listing pages
whose validators the archive remembers (a 304 then means "nothing new here").
``RetryAfterMiddleware`` is Scrapy's RetryMiddleware plus a wait before each retry:
the server's ``Retry-After`` when given (capped), else exponential backoff.
``HttpCompressionMiddleware`` is Scrapy's without a wasted charset guess per compressed page.
"""

from __future__ import annotations

import email.utils
import logging
import time

from urllib.parse import urljoin, urlsplit

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware as _ScrapyCompression
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response, TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor, task

from aggregator.multisource import request_source, settings_for, stats_for

logger = logging.getLogger(__name__)


class ConditionalListingMiddleware:
    """Add validators remembered for a listing page (see ListingSpider.remember_validators)."""

    def __init__(self, crawler):
        if not crawler.settings.getbool("AGGREGATOR_CONDITIONAL_LISTINGS", True):
            raise NotConfigured
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        """Scrapy constructor."""
        return cls(crawler)

    def process_request(self, request):
        """Set If-None-Match / If-Modified-Since on listing requests."""
        if not request.meta.get("aggregator_listing"):
            return None
        own = settings_for(self.crawler, request)
        if own.getbool("AGGREGATOR_REFRESH") or not own.getbool("AGGREGATOR_CONDITIONAL_LISTINGS", True):
            return None
        store = getattr(self.crawler, "aggregator_store", None)
        if store is None or store.archive is None:
            return None
        validators = store.archive.get_validator(request.url)
        if validators:
            etag, last_modified = validators
            if etag:
                request.headers.setdefault(b"If-None-Match", etag)
            if last_modified:
                request.headers.setdefault(b"If-Modified-Since", last_modified)
            stats_for(self.crawler, request_source(request)).inc_value("aggregator/listing_conditional")
        return None


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1", "replace")
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class RetryAfterMiddleware(RetryMiddleware):
    """RetryMiddleware that waits before retrying: Retry-After (capped) or backoff."""

    def __init__(self, settings):
        super().__init__(settings)
        self.max_wait = settings.getfloat("AGGREGATOR_RETRY_MAX_WAIT", 60.0)
        self.backoff_base = settings.getfloat("AGGREGATOR_RETRY_BACKOFF", 1.0)

    async def process_response(self, request, response):
        """Retry 429/5xx after the wait the server asked for (or a growing backoff)."""
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retries = request.meta.get("retry_times", 0)
        max_retries = request.meta.get("max_retry_times", self.max_retry_times)
        if retries < max_retries:
            max_wait, backoff_base = self.max_wait, self.backoff_base
            own = settings_for(self.crawler, request)
            if own is not self.crawler.settings:   # a source of a multi-source run: its own values
                max_wait = own.getfloat("AGGREGATOR_RETRY_MAX_WAIT", max_wait)
                backoff_base = own.getfloat("AGGREGATOR_RETRY_BACKOFF", backoff_base)
            wait = retry_after_seconds(response.headers.get(b"Retry-After"))
            if wait is None:
                wait = backoff_base * (2 ** retries)
            wait = min(wait, max_wait)
            if wait > 0:
                stats_for(self.crawler, request_source(request)).inc_value("aggregator/retry_waits")
                await maybe_deferred_to_future(task.deferLater(reactor, wait, lambda: None))
        return super().process_response(request, response)


class RedirectLoop(IgnoreRequest):
    """A redirect leads back to a URL already visited in the same chain."""


class RedirectGuardMiddleware:
    """Sees redirects before Scrapy's RedirectMiddleware: a loop (A→B→A) fails the request
    as ``redirect_loop`` instead of vanishing in the dupefilter; a redirect to another
    host is followed but counted (``aggregator/redirected_offsite``)."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        """Scrapy constructor."""
        return cls(crawler)

    def process_response(self, request, response):
        """Check a 3xx response's Location against the chain so far."""
        if response.status not in (301, 302, 303, 307, 308) or b"Location" not in response.headers:
            return response
        target = urljoin(request.url, response.headers[b"Location"].decode("latin-1"))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target.split("#")[0] in {u.split("#")[0] for u in chain}:
            stats_for(self.crawler, request_source(request)).inc_value("aggregator/redirect_loops")
            raise RedirectLoop(f"redirect loop: {' -> '.join(chain + [target])}")
        if urlsplit(target).netloc != urlsplit(request.url).netloc:
            stats_for(self.crawler, request_source(request)).inc_value("aggregator/redirected_offsite")
        return response


class HttpCompressionMiddleware(_ScrapyCompression):
    """Scrapy's HttpCompressionMiddleware (same place, same limits), minus one wasted step.

    Scrapy builds the decompressed response with ``response.replace(...)``, which reads
    every attribute of the compressed one first, ``encoding`` included (then drops it:
    the new response recomputes it). When the Content-Type names no charset, reading it
    runs charset detection (charset_normalizer) over the *compressed* bytes: about a
    quarter of the crawl process's CPU time on such a site. Handing Scrapy's code the same
    response as a plain ``Response`` (its attributes without ``encoding``) skips that; the
    result is the same response class, body and headers as before.
    """

    def process_response(self, request, response):
        """Decompress (Scrapy's code) without guessing the compressed body's charset."""
        if isinstance(response, TextResponse) and request.method != "HEAD" \
                and response.headers.getlist("Content-Encoding"):
            response = Response(**{name: getattr(response, name) for name in Response.attributes})
        return super().process_response(request, response)
