"""MetaRefreshMiddleware: follow a page's ``<meta http-equiv="refresh">`` only when safe.

Replaces Scrapy's MetaRefreshMiddleware, which tries to follow any target and loses the
page when it cannot (a ``javascript:`` target inside a body fails the request with
``value_error``). Here a refresh is followed once, and only when its target is an
http(s) URL on the same site (same host, ``www.`` and subdomains of each other count as
the same site) within ``METAREFRESH_MAXDELAY``. Anything else — ``javascript:``,
``data:``, ``file:``, another site, a second refresh after one was followed — leaves the
page as it is: it goes on to extraction (and the sanitiser), and the refresh is counted
(``aggregator/meta_refresh_kept``; ``aggregator/meta_refresh_followed`` for the others).
A followed target still passes :mod:`aggregator.netguard` like any request.
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin, urlsplit

from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.response import get_base_url
from w3lib.html import get_meta_refresh

from aggregator.multisource import request_source, stats_for
from aggregator.netpolicy import WEB_SCHEMES

logger = logging.getLogger(__name__)

#: how much of a page is searched for a refresh (browsers honour one anywhere; a refresh
#: further down is simply not followed, which keeps the page)
SCAN_BYTES = 64 * 1024


def same_site(a: str, b: str) -> bool:
    """True when two host names belong to one site (equal after ``www.``, or one is a
    subdomain of the other)."""
    a, b = a.lower().rstrip("."), b.lower().rstrip(".")
    a, b = a.removeprefix("www."), b.removeprefix("www.")
    return bool(a) and (a == b or a.endswith("." + b) or b.endswith("." + a))


def refresh_target(response) -> tuple[float, str] | None:
    """(delay, absolute target) of an HTML page's meta refresh, or None."""
    if not isinstance(response, HtmlResponse):
        return None
    try:
        text = response.body[:SCAN_BYTES].decode(response.encoding, "replace")
        delay, url = get_meta_refresh(text, get_base_url(response), response.encoding)
    except (ValueError, TypeError, LookupError):
        return None
    if url is None:
        return None
    return delay, url


def why_not_follow(request_url: str, target: str, delay: float, max_delay: float, followed_before: bool) -> str | None:
    """The reason a refresh is not followed (unsafe, offsite, slow, again, loop), or None."""
    try:
        parts, here = urlsplit(target), urlsplit(request_url)
        target_host = parts.hostname or ""
    except ValueError:
        return "unsafe"
    if parts.scheme.lower() not in WEB_SCHEMES:
        return "unsafe"
    if not same_site(target_host, here.hostname or ""):
        return "offsite"
    if delay > max_delay:
        return "slow"
    if followed_before:
        return "again"
    if urljoin(target, "").split("#")[0] == request_url.split("#")[0]:
        return "loop"
    return None


class MetaRefreshMiddleware:
    """Downloader middleware: follow a safe same-site meta refresh once; keep the page otherwise."""

    def __init__(self, crawler):
        settings = crawler.settings
        if not settings.getbool("METAREFRESH_ENABLED", True):
            raise NotConfigured
        self.crawler = crawler
        self.max_delay = settings.getfloat("METAREFRESH_MAXDELAY", 100)
        self.max_redirects = settings.getint("REDIRECT_MAX_TIMES", 20)

    @classmethod
    def from_crawler(cls, crawler):
        """Scrapy constructor."""
        return cls(crawler)

    def process_response(self, request, response):
        """A new request for a followable refresh; the response itself otherwise."""
        if request.meta.get("dont_redirect") or response.status != 200 or request.method == "HEAD":
            return response
        found = refresh_target(response)
        if found is None:
            return response
        delay, target = found
        stats = stats_for(self.crawler, request_source(request))
        redirects = request.meta.get("redirect_times", 0)
        reason = why_not_follow(request.url, target, delay, self.max_delay,
                                bool(request.meta.get("aggregator_refreshed")))
        if reason is None and redirects >= self.max_redirects:
            reason = "too_many"
        if reason is not None:
            stats.inc_value("aggregator/meta_refresh_kept")
            stats.inc_value(f"aggregator/meta_refresh_kept/{reason}")
            logger.debug("meta refresh on %s to %.200s not followed (%s); page kept", request.url, target, reason)
            return response
        meta = {**request.meta, "aggregator_refreshed": True, "redirect_times": redirects + 1,
                "redirect_ttl": request.meta.get("redirect_ttl", self.max_redirects) - 1,
                "redirect_urls": [*request.meta.get("redirect_urls", []), request.url],
                "redirect_reasons": [*request.meta.get("redirect_reasons", []), "meta refresh"]}
        try:
            follow = request.replace(url=target, meta=meta)
        except ValueError:
            stats.inc_value("aggregator/meta_refresh_kept")
            stats.inc_value("aggregator/meta_refresh_kept/unsafe")
            return response
        stats.inc_value("aggregator/meta_refresh_followed")
        logger.debug("following meta refresh on %s to %s", request.url, target)
        return follow
