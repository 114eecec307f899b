"""Items: workers push articles, links, sources and run records to Redis; known URLs and
listing validators shared by every worker."""

from __future__ import annotations

import json
import logging

import redis

from aggregator.items import Article, ArticleLink
from aggregator.normalize import url_key
from aggregator.scaleout.keys import _RUNS, WORKER_ID, Keys, connect

logger = logging.getLogger("aggregator.scaleout")

def source_to_dict(src) -> dict:
    """A Source as plain JSON data for the Redis items list (:meth:`Source.to_data`)."""
    return src.to_data()


def source_from_dict(data: dict):
    """The Source of :func:`source_to_dict` (unknown keys ignored)."""
    from aggregator.sources import Source

    return Source.from_data(data)


def envelope(kind: str, data: dict, spider: str = "") -> bytes:
    """One queue entry: ``{"v":1,"type":kind,"spider","run","worker","data"}`` as JSON bytes."""
    env = {"v": 1, "type": kind, "spider": spider, "run": _RUNS.get(spider), "worker": WORKER_ID, "data": data}
    return json.dumps(env, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


class ItemQueue:
    """The workers' end of the item queue: LPUSH JSON envelopes onto ``aggregator:items``."""

    def __init__(self, url: str | None = None, server: redis.Redis | None = None):
        self.server = server if server is not None else connect(url)

    def push(self, item) -> None:
        """Push an Article or ArticleLink (tagged ``article`` / ``link``)."""
        if isinstance(item, Article):
            self.server.lpush(Keys.items, envelope("article", item.to_dict(), item.spider))
        elif isinstance(item, ArticleLink):
            self.server.lpush(Keys.items, envelope("link", item.to_dict(), item.spider))
        else:
            raise TypeError(f"cannot queue {type(item).__name__}")

    def push_source(self, src) -> None:
        """Push a source definition, so ingest can register it before its articles."""
        self.server.lpush(Keys.items, envelope("source", source_to_dict(src), src.name))

    def push_run(self, row: dict) -> None:
        """Push a worker's crawl_runs row (ingest merges the rows of one run)."""
        self.server.lpush(Keys.items, envelope("run", dict(row), row.get("spider", "")))

    def __len__(self) -> int:
        return self.server.llen(Keys.items)


def known_entry(row: dict) -> bytes:
    """Compact value of the known-URL hash from an ``Archive.lookup`` row."""
    return json.dumps({"p": row.get("published"), "f": row.get("first_seen_at"),
                       "c": list(row.get("categories") or [])}, separators=(",", ":")).encode()


class KnownUrls:
    """``crawler.aggregator_known`` in scale-out mode: article URLs already in the archive.

    Ingest fills ``aggregator:known`` (url_key -> published, first_seen_at, categories) after
    each commit and rebuilds it from the archive when it starts; workers cannot read the
    archive, which lives on the ingest machine.
    """

    def __init__(self, server: redis.Redis):
        self.server = server

    def lookup(self, url: str) -> dict | None:
        """Like ``Archive.lookup``: a dict (url, categories, published, first_seen_at) or None."""
        raw = self.server.hget(Keys.known, url_key(url))
        if raw is None:
            return None
        try:
            v = json.loads(raw)
        except ValueError:
            v = {}
        return {"url": url, "categories": v.get("c") or [], "published": v.get("p"), "first_seen_at": v.get("f")}


class RedisValidators:
    """Listing-page ETag/Last-Modified in Redis, shaped like the StorePipeline the spider and
    ConditionalListingMiddleware expect (``store.archive.get_validator/set_validator``)."""

    def __init__(self, server: redis.Redis):
        self.server = server
        self.archive = self

    def get_validator(self, url: str):
        """(etag, last_modified) remembered for a listing URL, or None."""
        raw = self.server.hget(Keys.validators, url)
        if raw is None:
            return None
        etag, lm = json.loads(raw)
        return etag, lm

    def set_validator(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Remember a listing URL's validators."""
        self.server.hset(Keys.validators, url, json.dumps([etag, last_modified]))


class RedisItemPipeline:
    """Scale-out: push normalised items to Redis for `aggregator ingest` (single SQLite writer)."""

    def __init__(self, crawler):
        from scrapy.exceptions import NotConfigured

        url = crawler.settings.get("REDIS_URL")
        if not url:
            raise NotConfigured("REDIS_URL not set")
        self.crawler = crawler
        self.queue = ItemQueue(url)

    @classmethod
    def from_crawler(cls, crawler):
        """Scrapy constructor."""
        return cls(crawler)

    def process_item(self, item):
        """Push one item (Article or ArticleLink) as JSON."""
        if isinstance(item, (Article, ArticleLink)):
            self.queue.push(item)
            self.crawler.stats.inc_value("aggregator/articles/queued")
        return item
