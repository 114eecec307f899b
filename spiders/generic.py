"""Generic spiders, one per source ``type``: listing, feed, sitemap, json, jekyll.

Each is a thin Scrapy layer over the pure extractors in ``aggregator.extract``: the spider
decides what to fetch (pagination, incremental skips, multi-page stitching) and hands
pages to the extractors; pipelines normalise and store what it yields.

A source that needs code gets ``spiders/<name>.py`` with a subclass overriding ONE hook:
``extract_fields(page, url)`` (all fields of an article page) or ``post_process(article,
page)`` (adjust the finished Article). Both are pure: page in, value out.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse

from aggregator.extract import jsonapi
from aggregator.extract.article import extract_article, stitch_pages
from aggregator.extract.dates import date_from_url, parse_date
from aggregator.extract.encoding import detect_encoding
from aggregator.extract.feeds import SitemapTooLarge, feed_links, read_sitemap
from aggregator.extract.links import discover_links
from aggregator.items import Article, ArticleLink
from aggregator.netpolicy import scheme_allowed
from aggregator.normalize import MAX_BODY_CHARS, canonical_url, collapse_ws
from aggregator.offload import ExtractionCrashed, ExtractPool, auto_processes
from aggregator.sources import Source

MAX_ARTICLE_PAGES = 10


def _pascal(name: str) -> str:
    return "".join(p.capitalize() for p in re.split(r"[_\W]+", name) if p)


def error_kind(failure) -> str:
    """Short, stable name of a download failure (``http_500``, ``timeout``, ``dns`` ...).

    Kinds: ``http_<status>``, ``timeout``, ``dns``, ``connection_refused``,
    ``connection_lost`` (reset / closed before a complete answer), ``data_loss`` (body
    shorter than its Content-Length), ``cancelled`` (Scrapy cancels a download that
    exceeds DOWNLOAD_MAXSIZE), ``robots_forbidden``, ``redirect_loop`` (REDIRECT_MAX_TIMES reached),
    ``offsite``, ``unsupported_scheme``, ``ignored``; anything else is its exception
    class name in snake case. Scrapy >= 2.14 wraps Twisted's errors in its own classes
    (DownloadTimeoutError, DownloadFailedError, ...); both spellings are recognised.
    """
    from scrapy import exceptions as sx
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.internet import error as terr
    from twisted.internet.defer import CancelledError
    from twisted.web import _newclient

    exc = failure.value
    if getattr(exc, "aggregator_kind", None):   # refused by aggregator.netguard
        return exc.aggregator_kind
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    chain = [exc]
    while chain[-1].__cause__ is not None and len(chain) < 5:
        chain.append(chain[-1].__cause__)

    def has(*types) -> bool:
        return any(isinstance(e, t) for e in chain for t in types if t is not None)

    def wrapped(*types) -> bool:
        """A Twisted ResponseFailed/ResponseNeverReceived carrying one of ``types``."""
        for e in chain:
            for reason in getattr(e, "reasons", None) or ():
                if any(t and isinstance(getattr(reason, "value", None), t) for t in types):
                    return True
        return False

    message = str(exc).lower()
    if has(getattr(sx, "DownloadTimeoutError", None), terr.TimeoutError, terr.TCPTimedOutError) \
            or "Timeout" in type(exc).__name__:
        return "timeout"
    if has(getattr(sx, "CannotResolveHostError", None), terr.DNSLookupError):
        return "dns"
    if has(getattr(sx, "DownloadConnectionRefusedError", None), terr.ConnectionRefusedError):
        return "connection_refused"
    if has(getattr(sx, "ResponseDataLossError", None)) or wrapped(getattr(_newclient, "_DataLoss", ())):
        return "data_loss"
    if has(getattr(sx, "DownloadCancelledError", None), CancelledError):
        return "cancelled"
    if has(getattr(sx, "DownloadFailedError", None), _newclient.ResponseFailed, _newclient.ResponseNeverReceived,
           terr.ConnectionLost, terr.ConnectionDone):
        return "connection_lost"
    if has(getattr(sx, "UnsupportedURLSchemeError", None)):
        return "unsupported_scheme"
    if isinstance(exc, sx.IgnoreRequest):
        if "robots.txt" in message:
            return "robots_forbidden"
        if "download_maxsize" in message:   # HttpCompressionMiddleware: a decompression bomb
            return "too_large"
        if "max redirections" in message or "redirect loop" in message:
            return "redirect_loop"
        if "offsite" in message:
            return "offsite"
        return "ignored"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()


def looks_binary(body: bytes, sample: int = 4096) -> bool:
    """True when a response that claims to be a page is binary garbage (NULs or many
    control bytes in its first KB), so it is counted as ``not_html`` instead of stored."""
    head = body[:sample]
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls / len(head) > 0.02


_CONTROL_BYTES = bytes([*range(9), *range(14, 32), 127])


class SourceSpider(scrapy.Spider):
    """Base of every generic spider: one Source bound per subclass (see ``for_source``)."""

    name = "_source"
    source: Source | None = None
    abstract = True
    #: this source's stats in a multi-source run (aggregator.multisource); None: the crawler's
    stats = None

    @classmethod
    def for_source(cls, src: Source) -> type:
        """A subclass of this spider bound to ``src`` (name, settings, allowed domains)."""
        attrs = {
            "name": src.name,
            "source": src,
            "abstract": False,
            "custom_settings": {**(getattr(cls, "custom_settings", None) or {}), **dict(src.settings)},
            "__module__": cls.__module__,
        }
        if src.allowed_domains:
            attrs["allowed_domains"] = list(src.allowed_domains)
        return type(f"{_pascal(src.name)}Spider", (cls,), attrs)

    # --- helpers shared by all types ----------------------------------------------------

    @property
    def store(self):
        """The StorePipeline's archive (None in scale-out mode or before it opens)."""
        return getattr(self.crawler, "aggregator_store", None)

    @property
    def now(self) -> datetime:
        """Fetch time used for relative dates ("3小时前"); AGGREGATOR_NOW overrides it in tests."""
        fixed = self.settings.get("AGGREGATOR_NOW") if getattr(self, "crawler", None) else None
        if fixed:
            return datetime.fromisoformat(fixed)
        return datetime.now(timezone.utc)

    def inc(self, key: str, n: int = 1) -> None:
        """Increment an ``aggregator/…`` stat."""
        (self.stats or self.crawler.stats).inc_value(f"aggregator/{key}", n)

    def known(self, url: str) -> dict | None:
        """The archive's row for an article URL when it need not be fetched again."""
        if self.settings.getbool("AGGREGATOR_REFRESH"):
            return None
        known = getattr(self.crawler, "aggregator_known", None)
        if known is None:
            return None
        row = known.lookup(url)
        if row and self.source.revisit_days:
            seen = row.get("published") or row.get("first_seen_at")
            try:
                age = self.now - datetime.fromisoformat(seen)
            except (TypeError, ValueError):
                age = None
            if age is not None and age < timedelta(days=self.source.revisit_days):
                return None
        return row

    def decoded(self, response):
        """The response re-decoded with a charset we trust (see extract.encoding)."""
        if not isinstance(response, TextResponse):
            if not response.body:
                return response
            response = HtmlResponse(url=response.url, body=response.body, headers=response.headers,
                                    status=response.status, request=response.request)
        header = response.headers.get(b"Content-Type", b"").decode("latin-1")
        m = re.search(r"charset=([\w-]+)", header, re.I)
        enc = self.source.encoding or detect_encoding(response.body, m.group(1) if m else None)
        if self.source.encoding and enc.lower().replace("-", "") in ("gb2312", "gbk"):
            enc = "gb18030"
        if enc and enc.lower() != (response.encoding or "").lower():
            response = response.replace(encoding=enc)
        return response

    def on_error(self, failure):
        """Count a failed request by kind (``aggregator/errors/<kind>``); listing failures apart."""
        kind = error_kind(failure)
        request = failure.request
        if kind.startswith("blocked_"):
            return   # a counted skip of the network policy (aggregator.netguard), not a failure
        if request.meta.get("aggregator_guessed_page") and kind == "http_404":
            # a guessed next API page that does not exist is the end of the list, not an error
            self.inc("listing_end")
            return
        if kind == "robots_forbidden":
            # the site's policy, not a failure: counted by kind, never against its health
            self.inc(f"errors/{kind}")
            self.logger.debug("%s: %s forbidden by robots.txt", self.name, request.url)
        elif request.meta.get("aggregator_listing"):
            self.count_listing_error(kind, request.url)
        else:
            self.count_error(kind, request.url)

    def failed_before(self, url: str, kind: str) -> bool:
        """Record a failed article download; True when the same link had failed before."""
        store = self.store
        if store is None or store.archive is None:
            return False
        return store.archive.record_failure(url, self.name, kind) > 0

    def count_error(self, kind: str, url: str) -> None:
        """Count a failed or unusable article page (download error, empty, binary) by kind;
        a link that had failed on an earlier run too is the site's state, not news."""
        self.inc(f"errors/{kind}")
        self.inc("article_errors_repeated" if self.failed_before(url, kind) else "article_errors")
        self.logger.warning("%s: %s (%s)", self.name, url, kind)

    def count_listing_error(self, kind: str, url: str) -> None:
        """Count a failed or unusable listing page by kind; it counts against the source's health."""
        self.inc(f"errors/{kind}")
        self.inc("listing_errors")
        (self.stats or self.crawler.stats).set_value("aggregator/last_listing_error", f"{kind} on {url}")
        self.logger.warning("%s: %s (%s)", self.name, url, kind)

    def listing_request(self, url: str, page_no: int = 1, callback=None) -> Request:
        """Request for a listing page (feed, API page, category page)."""
        return Request(url, callback=callback or self.parse_listing, errback=self.on_error,
                       meta={"aggregator_listing": True, "page_no": page_no, "aggregator_source": self.name},
                       dont_filter=page_no == 1)

    def article_request(self, url: str, **hints) -> Request:
        """Request for an article page; hints are what the listing said about it."""
        return Request(url, callback=self.parse_article, errback=self.on_error, cb_kwargs={"hints": hints},
                       meta={"aggregator_article": True, "aggregator_source": self.name})

    def follow_links(self, response, links) -> tuple[list, int]:
        """Requests for new article links and ArticleLinks for known ones; returns (out, new)."""
        out, new = [], 0
        for link in links:
            url = canonical_url(link["url"])
            if not scheme_allowed(url, self.source.type):
                self.inc("blocked_scheme")   # file:, data:, javascript: ... (docs/security.md)
                continue
            row = self.known(url)
            if row is not None:
                self.inc("links_known")
                if self.source.category not in (row.get("categories") or []):
                    out.append(ArticleLink(url=row.get("url") or url, category=self.source.category,
                                           category_name=self.source.category_name, spider=self.name))
                continue
            new += 1
            self.inc("links_new")
            hints = {k: v for k, v in link.items() if k != "url" and v}
            if hints.get("body_html"):
                out.append(self.build_article(url, hints, hints))
            else:
                out.append(self.article_request(url, **hints))
        if new:
            self.warm_extraction()
        return out, new

    def warm_extraction(self) -> None:
        """Start the extraction processes (if any, and not yet running): called once a
        listing holds new links, so they import while the articles download, and a run
        with nothing new never starts them."""
        workers = self.extract_pool
        if workers is not None:
            try:
                workers.start()
            except RuntimeError:   # no running asyncio loop: they start with the first page
                pass

    def remember_validators(self, response, had_new: bool) -> None:
        """Store a listing page's ETag/Last-Modified once nothing on it was new.

        Saving them only when the page held no new links means a page whose articles
        failed to download is fetched in full again next time (nothing is lost to a 304).
        """
        store = self.store
        if store is None or had_new or response.status != 200:
            return
        etag = response.headers.get(b"ETag")
        lm = response.headers.get(b"Last-Modified")
        if etag or lm:
            store.archive.set_validator(response.url, etag.decode("latin-1") if etag else None,
                                        lm.decode("latin-1") if lm else None)

    async def start(self):
        """The first listing page (category page, feed, sitemap, API page) of every start URL."""
        for url in self.source.start_urls:
            yield self.listing_request(url)

    def listing_changed(self, response) -> bool:
        """Count a listing response; False when the server said 304 Not Modified."""
        if response.status == 304:
            self.inc("listing_not_modified")
            return False
        self.inc("listing_pages")
        return True

    # --- article pages -----------------------------------------------------------------

    def extract_fields(self, page, url: str) -> dict:
        """Hook: every field of one article page (default: the generic extractor)."""
        return extract_article(page, self.source, url=url, now=self.now)

    def post_process(self, article: Article, page) -> Article:
        """Hook: adjust the finished Article (default: unchanged)."""
        return article

    @property
    def extract_pool(self) -> ExtractPool | None:
        """The extraction processes (``AGGREGATOR_EXTRACT_PROCESSES``); None: extract here.

        A spider that overrides ``extract_fields`` extracts in the crawl process.
        """
        if type(self).extract_fields is not SourceSpider.extract_fields \
                or not auto_processes(self.settings.get("AGGREGATOR_EXTRACT_PROCESSES")):
            return None
        return getattr(self.crawler, "aggregator_extract_pool", None)

    async def article_fields(self, response) -> dict | None:
        """``extract_fields`` of a page, in an extraction process when there is a pool.

        None when the page killed the extraction process twice (counted as an error).
        """
        workers = self.extract_pool
        if workers is None:
            return self.extract_fields(response, response.url)
        max_body = self.settings.getint("AGGREGATOR_MAX_BODY_CHARS", MAX_BODY_CHARS)
        fields = await self.from_workers(workers.extract(response.body, response.url, response.encoding,
                                                         self.source, self.now, max_body),
                                         response.url, self.count_error)
        if fields is not None:
            self.inc("pages_extracted_in_workers")
        return fields

    async def from_workers(self, job, url: str, count_crash) -> Any:
        """Await a job of the extraction processes and log here what it logged there.

        None when the page killed its extraction process twice: ``count_crash(kind, url)``
        counts it (``count_error`` or ``count_listing_error``).
        """
        try:
            result, records = await job
        except ExtractionCrashed:
            count_crash("extract_crashed", url)
            return None
        for name, level, text in records:
            logging.getLogger(name).log(level, text)
        return result

    async def parse_article(self, response, hints=None, parts=None, first_url=None):
        """Extract an article page; follow its next page (multi-page) before yielding."""
        if response.status == 304:
            return
        if not response.body.strip():
            self.count_error("empty_response", response.url)
            return
        self.inc("article_pages")
        if looks_binary(response.body):
            self.count_error("not_html", response.url)
            return
        response = self.decoded(response)
        if not isinstance(response, TextResponse):
            self.count_error("not_html", response.url)
            return
        if not parts and response.meta.get("redirect_urls"):
            # remember the URLs that redirected here: the listing links the old one
            hints = {**(hints or {}), "aliases": list(response.meta["redirect_urls"])}
        fields = await self.article_fields(response)
        if fields is None:
            return
        prepared = fields.pop("prepared_body", None)   # the body sanitised by the extraction process
        parts = (parts or []) + [fields]
        first_url = first_url or response.url
        nxt = fields.get("next_page")
        if nxt and len(parts) < MAX_ARTICLE_PAGES:
            nxt = urljoin(response.url, nxt)
            seen = {canonical_url(first_url), canonical_url(response.url)}
            if canonical_url(nxt) not in seen:
                self.inc("article_continuation_pages")
                yield Request(nxt, callback=self.parse_article, errback=self.on_continuation_error,
                              cb_kwargs={"hints": hints, "parts": parts, "first_url": first_url},
                              meta={"aggregator_article": True, "aggregator_parts": parts,
                                    "aggregator_source": self.name,
                                    "aggregator_first_url": first_url, "aggregator_hints": hints})
                return
        if len(parts) > 1:
            fields = stitch_pages(parts[0], parts[1:])
            fields["pages"] = len(parts)
        article = self.build_article(canonical_url(first_url), fields, hints or {})
        if prepared is not None and len(parts) == 1:
            article.prepared_body = prepared   # used by NormalizePipeline only if body_html is unchanged
        yield self.post_process(article, response)

    def on_continuation_error(self, failure):
        """A later page of a multi-page article failed: keep what we have, count it."""
        self.on_error(failure)
        meta = failure.request.meta
        parts = meta.get("aggregator_parts") or []
        if parts:
            fields = stitch_pages(parts[0], parts[1:]) if len(parts) > 1 else parts[0]
            fields["pages"] = len(parts)
            self.inc("article_incomplete")
            yield self.build_article(canonical_url(meta["aggregator_first_url"]), fields,
                                     meta.get("aggregator_hints") or {})

    def parse_json_list(self, response):
        """Items of one JSON/JSONP list API page (a ``json`` source, or the list API a listing
        page's scripts load); next page by ``page=N`` / ``_N.json`` while items are new."""
        if not self.listing_changed(response):
            return
        src = self.source
        try:
            data = jsonapi.loads(response.body.decode(src.encoding or "utf-8", "replace"))
        except (ValueError, RecursionError):   # RecursionError: nested deeper than Python's stack
            self.inc("errors/bad_json")
            self.logger.warning("%s: not JSON: %s", self.name, response.url)
            return
        links = jsonapi.api_links(data, response.url, src.json_items, src.json_fields)
        if links is None:
            self.inc("errors/bad_json")
            return
        out, new = self.follow_links(response, links)
        yield from out
        self.remember_validators(response, had_new=bool(new))
        page_no = response.meta.get("page_no", 1)
        if new and page_no < src.max_pages:
            nxt, guessed = jsonapi.next_page(data, response.url, page_no, src.json_items)
            if nxt:
                req = self.listing_request(nxt, page_no + 1, callback=self.parse_json_list)
                req.meta["aggregator_guessed_page"] = guessed
                yield req

    def build_article(self, url: str, fields: dict, hints: dict) -> Article:
        """Article from extracted fields plus listing hints, with the date fallback chain.

        Date: page → listing → URL → fetch time; any fallback sets ``published_guessed``.
        """
        src = self.source
        now = self.now
        published, published_from, guessed = fields.get("published"), fields.get("published_from"), False
        if not published and hints.get("date"):
            dt = parse_date(hints["date"], tz=src.timezone, now=now)
            if dt:
                published, published_from, guessed = dt.isoformat(), "listing", True
        if not published:
            dt = date_from_url(url, tz=src.timezone)
            if dt:
                published, published_from, guessed = dt.isoformat(), "url", True
        if not published:
            published, published_from, guessed = now.isoformat(), "fetched", True
        if guessed:
            self.inc("date_guessed")
        title = fields.get("title") or collapse_ws(hints.get("text") or hints.get("title"))
        return Article(
            url=url,
            title=title or "",
            published=published,
            published_guessed=guessed or bool(fields.get("published_guessed")),
            published_from=published_from,
            source=fields.get("source") or hints.get("source") or None,
            author=fields.get("author") or hints.get("author") or None,
            category=src.category,
            categories=[src.category],
            category_name=src.category_name,
            spider=self.name,
            body_html=fields.get("body_html") or "",
            body_text=fields.get("body_text") or "",
            origin_url=fields.get("origin_url") or None,
            fetched_at=now.astimezone(timezone.utc).replace(microsecond=0).isoformat(),
            listing_published=hints.get("date"),
            pages=fields.get("pages", 1),
            aliases=[canonical_url(u) for u in hints.get("aliases") or ()],
        )


class ListingSpider(SourceSpider):
    """``type = "listing"``: HTML category pages → article links, with pagination."""

    name = "_listing"

    async def parse_listing(self, response):
        """Follow new article links; paginate while pages still hold new articles."""
        page_no = response.meta.get("page_no", 1)
        if not self.listing_changed(response):
            return
        response = self.decoded(response)
        if not isinstance(response, TextResponse):
            self.inc("errors/not_html")
            return
        found = await self.listing_links(response)
        if found is None:
            return
        links = [{"url": l.url, "text": l.text, "date": l.date} for l in found.articles]
        if not links:
            apis = jsonapi.api_urls_in_scripts(response.text, response.url, self.source.json_api)
            if apis:
                # the list is loaded by a script: read the list API(s) it names instead
                self.inc("listing_script_api", len(apis))
                for api in apis:
                    yield self.listing_request(api, page_no, callback=self.parse_json_list)
                return
            self.inc("listing_empty")
        out, new = self.follow_links(response, links)
        for item in out:
            yield item
        self.remember_validators(response, had_new=bool(new))
        if new == 0 and links:
            self.logger.debug("%s: nothing new on %s, not paginating", self.name, response.url)
            return
        if page_no < self.source.max_pages:
            for nxt in found.next_pages[:1]:
                yield self.listing_request(urljoin(response.url, nxt), page_no + 1)

    async def listing_links(self, response):
        """``discover_links`` of a listing page, in an extraction process when there is a pool.

        None when the page killed the extraction process twice (counted as a listing error).
        """
        workers = self.extract_pool
        if workers is None or not workers.warm():
            # the processes are still starting: read this listing page here, at once
            return discover_links(response, self.source, base_url=response.url, now=self.now)
        return await self.from_workers(workers.links(response.body, response.url, response.encoding, self.source,
                                                     self.now), response.url, self.count_listing_error)


class FeedSourceSpider(SourceSpider):
    """``type = "feed"``: a site's RSS 2.0 / Atom feed, each item followed to its page."""

    name = "_feed"

    def parse_listing(self, response):
        """Items of an RSS/Atom document → article requests (feed date as listing date)."""
        if not self.listing_changed(response):
            return
        links = feed_links(response.body, response.url, self.source.article_url)
        if links is None:
            self.inc("errors/bad_feed")
            self.logger.warning("%s: not a feed: %s", self.name, response.url)
            return
        out, new = self.follow_links(response, links)
        yield from out
        self.remember_validators(response, had_new=bool(new))


class NewsSitemapSpider(SourceSpider):
    """``type = "sitemap"``: (news) sitemaps and sitemap indexes → article requests."""

    name = "_sitemap"

    def parse_listing(self, response):
        """``<url>`` entries (with news:publication_date / lastmod) or child sitemaps."""
        if not self.listing_changed(response):
            return
        try:   # capped like any download: a gzip bomb stops at DOWNLOAD_MAXSIZE
            sitemap = read_sitemap(response.body, response.url, self.source.article_url,
                                   max_bytes=self.settings.getint("DOWNLOAD_MAXSIZE") or None)
        except SitemapTooLarge:
            self.count_listing_error("too_large", response.url)
            return
        if sitemap is None:
            self.inc("errors/bad_sitemap")
            return
        page_no = response.meta.get("page_no", 1)
        if sitemap.index:
            # nested indexes share one budget: at most max_pages sitemaps per run in all
            budget = max(0, self.source.max_pages - getattr(self, "_sitemaps_requested", 0))
            if len(sitemap.children) > budget:
                self.inc("sitemaps_over_max_pages", len(sitemap.children) - budget)
            self._sitemaps_requested = getattr(self, "_sitemaps_requested", 0) + min(budget, len(sitemap.children))
            for loc in sitemap.children[:budget]:
                yield self.listing_request(loc, page_no + 1)
            return
        out, new = self.follow_links(response, sitemap.links)
        yield from out
        self.remember_validators(response, had_new=bool(new))


class JsonApiSpider(SourceSpider):
    """``type = "json"``: a list API returning JSON or JSONP; items followed to article
    pages (or taken whole when they carry the body). Reading: ``aggregator.extract.jsonapi``."""

    name = "_json"

    def parse_listing(self, response):
        """Items of one API page (see :meth:`SourceSpider.parse_json_list`)."""
        return self.parse_json_list(response)

    def build_article(self, url, fields, hints):
        """JSON items that carry their body are articles without a page fetch."""
        if "body_html" in fields and "published" not in fields:
            dt = parse_date(fields.get("date"), tz=self.source.timezone, now=self.now) if fields.get("date") else None
            fields = {"title": fields.get("text"), "published": dt.isoformat() if dt else None,
                      "published_from": "json" if dt else None, "source": fields.get("source"),
                      "author": fields.get("author"), "body_html": fields.get("body_html")}
        return super().build_article(url, fields, hints)


class JekyllSpider(SourceSpider):
    """``type = "jekyll"``: a folder of Jekyll ``_posts/*.md`` files (read via file:// URLs)."""

    name = "_jekyll"
    # local files: no politeness delays, no robots.txt
    custom_settings = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": False,
                       "CONCURRENT_REQUESTS_PER_DOMAIN": 16}

    async def start(self):
        """One file:// request per post (``_posts/`` inside ``path``, or ``path`` itself)."""
        folder = Path(self.source.path)
        posts = folder / "_posts" if (folder / "_posts").is_dir() else folder
        for f in sorted(posts.glob("*.md")) + sorted(posts.glob("*.markdown")) + sorted(posts.glob("*.html")):
            yield Request(f.resolve().as_uri(), callback=self.parse_post, errback=self.on_error,
                          meta={"aggregator_article": True, "aggregator_source": self.name})

    def parse_post(self, response):
        """One post file → Article."""
        from aggregator.extract.jekyll import parse_post

        self.inc("article_pages")
        path = Path(urlsplit(response.url).path)
        try:
            text = response.body.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = response.body.decode("gb18030", "replace")
            self.inc("errors/bad_encoding")
        fields = parse_post(text, path.name, site=self.source.site, category=self.source.category,
                            tz=self.source.timezone, file_url=response.url)
        if fields is None:
            self.inc("errors/bad_front_matter")
            self.logger.warning("%s: no front matter in %s", self.name, path)
            return
        url = canonical_url(fields["url"])
        if self.known(url) is not None:
            self.inc("links_known")
            return
        cat = fields.get("category") or self.source.category
        article = self.build_article(url, fields, {})
        article.category = cat
        article.categories = [cat]
        article.category_name = fields.get("category_name") or (self.source.category_name if cat == self.source.category else cat)
        yield self.post_process(article, response)


GENERIC_BY_TYPE = {
    "listing": ListingSpider,
    "feed": FeedSourceSpider,
    "sitemap": NewsSitemapSpider,
    "json": JsonApiSpider,
    "jekyll": JekyllSpider,
}
