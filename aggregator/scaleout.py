"""Scale-out: many crawl processes on many machines, one shared frontier, one SQLite writer.

Owns everything that happens when ``REDIS_URL`` is set:

* :class:`ScaleOutAddon` switches the project to scrapy-redis when ``REDIS_URL`` is set
  (environment, settings module or ``-s``) and leaves single-machine use untouched otherwise.
* :class:`Scheduler` is scrapy-redis's scheduler with the fixes it needs on Scrapy 2.19
  (no deprecated ``spider=`` stats arguments, no deprecated ``Spider.log``), a per-run
  duplicate filter (scrapy-redis's persistent one would never fetch page 2 of a listing
  again) and *leased* requests: a popped request stays in the worker's lease hash until
  Scrapy has finished it (items pushed, follow-up requests queued), so the requests of a
  killed worker are put back into the shared queue by the survivors.
* :class:`ScaleOut` (extension) joins or seeds the run, keeps the worker's heartbeat,
  wakes the engine when the shared queue has work, re-queues dead workers' leases and
  closes the spider (reason ``idle_exit``) once the shared frontier has been empty for
  ``AGGREGATOR_IDLE_EXIT`` seconds. It lends the spider a Redis-backed known-URL lookup
  (``crawler.aggregator_known``), listing validators (``crawler.aggregator_store``) and a
  run-record sink (``crawler.aggregator_run_sink``).
* :class:`SeedOnce` (spider middleware) lets only the seeding worker run ``start()``.
* :class:`ItemQueue` is what :class:`aggregator.pipelines.RedisItemPipeline` pushes to.
* :func:`ingest` / :class:`Ingest` drain that queue into the archive with the reliable-queue
  pattern (BLMOVE into a processing list, LREM only after the SQLite commit).

Every key lives under ``aggregator:`` (see :class:`Keys`); use another Redis database
number in ``REDIS_URL`` to run two deployments on one server. Redis must be private to the
deployment: the request queue holds pickled requests, as in scrapy-redis.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import secrets
import signal
import socket
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

import redis

from aggregator.errors import AggregatorError
from aggregator.items import Article, ArticleLink
from aggregator.normalize import url_key

logger = logging.getLogger(__name__)

#: How often (seconds) a worker beats, acks finished requests and looks at the frontier.
TICK = 0.2
#: Lifetime of a run key and its duplicate filter; refreshed while any worker of the run lives.
RUN_TTL = 3600
#: Default ``--idle-exit`` of a worker in scale-out mode.
DEFAULT_IDLE_EXIT = 30.0
#: Process-wide identity of this worker (host, pid, random suffix).
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
#: Run id per spider name joined by this process (stamped on every pushed item).
_RUNS: dict[str, str] = {}


class Keys:
    """Names of the Redis keys (all under ``aggregator:``)."""

    items = "aggregator:items"                   # list: envelopes from workers (LPUSH), FIFO
    processing = "aggregator:items:processing"   # list: envelopes ingest is committing
    dead = "aggregator:items:dead"               # list: envelopes ingest could not store
    known = "aggregator:known"                   # hash: url_key -> {"p","f","c"} of archived articles
    validators = "aggregator:validators"         # hash: listing URL -> [etag, last_modified]
    counters = "aggregator:counters"             # hash: operational counters (requeued leases ...)

    @staticmethod
    def spider(name: str, what: str) -> str:
        """Per-spider key: ``requests`` (zset), ``run``, ``workers`` (set), ``dupefilter:<run>`` ..."""
        return f"aggregator:{name}:{what}"

    @staticmethod
    def worker(name: str, what: str, worker: str) -> str:
        """Per-worker key of a spider: ``alive``, ``busy`` or ``leases`` (hash)."""
        return f"aggregator:{name}:{what}:{worker}"

    @staticmethod
    def tally(spider: str, run: str) -> str:
        """Hash of ingest outcomes (new/updated/unchanged/dropped) of one run."""
        return f"aggregator:tally:{spider}:{run}"


def connect(url: str) -> redis.Redis:
    """A Redis client for ``url`` (bytes in, bytes out)."""
    return redis.Redis.from_url(url, socket_connect_timeout=10, socket_timeout=60, health_check_interval=30)


# --- Lua: atomic steps of the shared frontier ---------------------------------------------

# Pop the best request and lease it to a worker in one step: KEYS queue, leases; ARGV lease id.
_POP_LEASE = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('HSET', KEYS[2], ARGV[1], r[2] .. '\\n' .. r[1])
return r[1]
"""

# Put every lease of a (dead) worker back into the queue: KEYS leases, queue.
_REQUEUE = """
local vals = redis.call('HVALS', KEYS[1])
for _, v in ipairs(vals) do
  local nl = string.find(v, '\\n', 1, true)
  redis.call('ZADD', KEYS[2], string.sub(v, 1, nl - 1), string.sub(v, nl + 1))
end
redis.call('DEL', KEYS[1])
return #vals
"""

# Join the run in progress, or start (seed) a new one when no live worker belongs to it.
# KEYS run, workers; ARGV new run id, run ttl (s), worker id, alive-key prefix, alive ttl (ms).
# A worker's alive key holds the run it belongs to, so "a run is in progress" means "a live
# worker says so"; the whole decision is one script, so exactly one worker seeds.
_JOIN = """
local cur = redis.call('GET', KEYS[1])
redis.call('SADD', KEYS[2], ARGV[3])
if cur then
  for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    if w ~= ARGV[3] and redis.call('GET', ARGV[4] .. w) == cur then
      redis.call('SET', ARGV[4] .. ARGV[3], cur, 'PX', ARGV[5])
      return {0, cur}
    end
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('SET', ARGV[4] .. ARGV[3], ARGV[1], 'PX', ARGV[5])
return {1, ARGV[1]}
"""

# Leave the run; the last live worker out ends it. KEYS run, workers, own alive, own busy,
# own leases, dupefilter; ARGV run id, worker id, alive-key prefix. Returns 1 when it ended the run.
_LEAVE = """
redis.call('DEL', KEYS[3], KEYS[4], KEYS[5])
redis.call('SREM', KEYS[2], ARGV[2])
for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('GET', ARGV[3] .. w) == ARGV[1] then return 0 end
end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('DEL', KEYS[6])
return 1
"""


# --- settings switch ----------------------------------------------------------------------


class ScaleOutAddon:
    """Scrapy add-on: with ``REDIS_URL`` set, swap in the shared scheduler, the Redis item
    pipeline, the :class:`ScaleOut` extension and :class:`SeedOnce`; otherwise do nothing.

    An add-on (not an ``if`` in the settings module) so that ``-s REDIS_URL=…`` switches too.
    """

    def update_settings(self, settings) -> None:
        """Apply the scale-out settings when ``REDIS_URL`` is set."""
        if not settings.get("REDIS_URL"):
            return
        from aggregator.pipelines import RedisItemPipeline, StorePipeline

        settings.set("SCHEDULER", "aggregator.scaleout.Scheduler", "addon")
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", "addon")
        settings.set("SCHEDULER_PERSIST", True, "addon")
        try:
            settings.replace_in_component_priority_dict("ITEM_PIPELINES", StorePipeline, RedisItemPipeline, 900)
        except KeyError:
            settings.set_in_component_priority_dict("ITEM_PIPELINES", RedisItemPipeline, 900)
        settings.set_in_component_priority_dict("EXTENSIONS", ScaleOut, 100)
        settings.set_in_component_priority_dict("SPIDER_MIDDLEWARES", SeedOnce, 50)


# --- items: workers -> Redis -> ingest ----------------------------------------------------


def source_to_dict(src) -> dict:
    """A Source as plain JSON data (mappings and tuples unwrapped)."""
    out = {}
    for f in fields(src):
        v = getattr(src, f.name)
        if isinstance(v, Mapping):
            v = dict(v)
        elif isinstance(v, tuple):
            v = list(v)
        out[f.name] = v
    return out


def source_from_dict(data: dict):
    """The Source of :func:`source_to_dict` (unknown keys ignored)."""
    from types import MappingProxyType

    from aggregator.sources import Source

    kw = {}
    for f in fields(Source):
        if f.name not in data:
            continue
        v = data[f.name]
        if isinstance(v, dict):
            v = MappingProxyType(dict(v))
        elif isinstance(v, list):
            v = tuple(v)
        kw[f.name] = v
    return Source(**kw)


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


# --- the shared frontier ----------------------------------------------------------------------


def _engine_slot(crawler):
    """The engine's private slot (``inprogress``, ``nextcall``), or None.

    Scrapy has no public "request finished" signal (items through the pipelines and
    follow-up requests scheduled); ``_slot.inprogress`` is exactly that set, so leases are
    acked against it. tests/test_scaleout.py pins the attributes this relies on.
    """
    try:
        engine = crawler.engine
    except (AttributeError, RuntimeError):   # Scrapy sets crawler.engine when the crawl starts
        return None
    return getattr(engine, "_slot", None) if engine is not None else None


class LeasedQueue:
    """scrapy-redis's priority queue (same zset, same pickled ``Request.to_dict``), but every
    pop leases the request to this worker until :meth:`ack` (see :class:`Scheduler`)."""

    def __init__(self, server: redis.Redis, spider, key: str, leases_key: str, serializer=None):
        from scrapy_redis import picklecompat

        self.server = server
        self.spider = spider
        self.key = key
        self.leases_key = leases_key
        self.serializer = serializer or picklecompat
        self._pop = server.register_script(_POP_LEASE)
        self._ids = itertools.count(1)
        self.leased: dict[str, Any] = {}

    def __len__(self) -> int:
        return self.server.zcard(self.key)

    def push(self, request) -> None:
        """Add a request with score -priority (scrapy-redis's encoding)."""
        data = self.serializer.dumps(request.to_dict(spider=self.spider))
        self.server.zadd(self.key, {data: -request.priority})

    def pop(self):
        """The best request, leased to this worker; None when the queue is empty."""
        from scrapy.utils.request import request_from_dict

        lease = f"{next(self._ids)}"
        data = self._pop(keys=[self.key, self.leases_key], args=[lease])
        if not data:
            return None
        request = request_from_dict(self.serializer.loads(data), spider=self.spider)
        self.leased[lease] = request
        return request

    def ack(self, inprogress) -> int:
        """Release the leases of requests no longer in ``inprogress`` (None: release all)."""
        done = [k for k, r in self.leased.items() if inprogress is None or r not in inprogress]
        if done:
            self.server.hdel(self.leases_key, *done)
            for k in done:
                del self.leased[k]
        return len(done)

    def clear(self) -> None:
        """Drop every queued request of this spider."""
        self.server.delete(self.key)


class Scheduler:
    """Shared-frontier scheduler: scrapy-redis's Scheduler made fit for Scrapy 2.19.

    Differences from ``scrapy_redis.scheduler.Scheduler`` 0.9.1 (and why):

    * stats are counted without the ``spider=`` argument and nothing calls ``Spider.log()``:
      both are deprecated in Scrapy 2.19 (ScrapyDeprecationWarning per request) and go away
      in a later release;
    * the duplicate filter is per *run* (``aggregator:<spider>:dupefilter:<run>``), deleted
      when the run ends: scrapy-redis keeps one forever with ``SCHEDULER_PERSIST``, so listing
      page 2 or an article whose download failed would never be fetched again;
    * popped requests are leased (:class:`LeasedQueue`) and acked when finished, so a killed
      worker loses nothing: plain scrapy-redis drops every request the dead process held.

    It keeps scrapy-redis's queue format and its RFPDupeFilter (fingerprints over method,
    canonical URL and body), so tools that read those keys still work.
    """

    def __init__(self, crawler, server: redis.Redis):
        self.crawler = crawler
        self.server = server
        self.stats = crawler.stats
        self.spider = None
        self.queue: LeasedQueue | None = None
        self.df = None

    @classmethod
    def from_crawler(cls, crawler):
        """Scrapy constructor: connect (and ping) Redis from ``REDIS_URL``."""
        from scrapy_redis.connection import get_redis_from_settings

        server = get_redis_from_settings(crawler.settings)
        server.ping()
        return cls(crawler, server)

    def open(self, spider) -> None:
        """Join or seed the run (via :class:`ScaleOut`) and open its queue and duplicate filter."""
        from scrapy.utils.misc import load_object
        from scrapy_redis.dupefilter import RFPDupeFilter

        self.spider = spider
        scaleout = ScaleOut.of(self.crawler)
        run_id = scaleout.open_run(self)
        serializer = self.crawler.settings.get("SCHEDULER_SERIALIZER")
        if isinstance(serializer, str):
            import importlib

            serializer = importlib.import_module(serializer)
        self.queue = LeasedQueue(self.server, spider, Keys.spider(spider.name, "requests"),
                                 Keys.worker(spider.name, "leases", WORKER_ID), serializer)
        df_cls = load_object(self.crawler.settings.get("DUPEFILTER_CLASS") or RFPDupeFilter)
        if not (isinstance(df_cls, type) and issubclass(df_cls, RFPDupeFilter)):
            df_cls = RFPDupeFilter
        self.df = df_cls(self.server, key=Keys.spider(spider.name, f"dupefilter:{run_id}"),
                         debug=self.crawler.settings.getbool("DUPEFILTER_DEBUG"))
        self.server.expire(self.df.key, RUN_TTL)
        if len(self.queue):
            spider.logger.info("Resuming crawl (%d requests scheduled)", len(self.queue))

    def close(self, reason: str) -> None:
        """Nothing to flush: the queue is shared; :class:`ScaleOut` ends the run."""

    def __len__(self) -> int:
        return len(self.queue) if self.queue is not None else 0

    def has_pending_requests(self) -> bool:
        """True while the shared queue holds requests."""
        return len(self) > 0

    def enqueue_request(self, request) -> bool:
        """Queue a request unless this run has seen it (``dont_filter`` requests always)."""
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self):
        """Lease the next request of the shared queue (None when empty)."""
        request = self.queue.pop()
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
            if not ScaleOut.of(self.crawler).can_ack:
                self.queue.ack(None)
        return request


class SeedOnce:
    """Spider middleware: only the worker that started the run feeds ``start()`` into the queue.

    The others join the run and take requests from the shared queue. The stat
    ``aggregator/start_urls`` says how many start requests this worker seeded (0 when it
    joined); ingest adds up the workers' parts of a run.
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        """Scrapy constructor."""
        return cls(crawler)

    async def process_start(self, start):
        """Pass ``start()`` through for the seeder; yield nothing for the others."""
        so = getattr(self.crawler, "aggregator_scaleout", None)
        stats = self.crawler.stats
        if so is not None and not so.seeder:
            stats.set_value("aggregator/start_urls", 0)
            close = getattr(start, "aclose", None)
            if close is not None:
                await close()
            return
        n = 0
        async for item in start:
            n += 1
            yield item
        stats.set_value("aggregator/start_urls", n)


class ScaleOut:
    """Worker side of scale-out (extension): run membership, heartbeat, lease acks and
    re-queueing, engine wake-ups, idle exit, and the Redis-backed helpers for the spider."""

    def __init__(self, crawler):
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        url = crawler.settings.get("REDIS_URL")
        if not url:
            raise NotConfigured("REDIS_URL not set")
        self.crawler = crawler
        self.server = connect(url)
        self.items = ItemQueue(server=self.server)
        idle = crawler.settings.get("AGGREGATOR_IDLE_EXIT")
        self.idle_exit = DEFAULT_IDLE_EXIT if idle in (None, "") else float(idle)
        self.worker_ttl = max(1.0, crawler.settings.getfloat("AGGREGATOR_WORKER_TTL", 15.0))
        self.spider_name = crawler.spidercls.name
        self.scheduler: Scheduler | None = None
        self.run_id: str | None = None
        self.seeder = False
        self.can_ack = True
        self.empty_since: float | None = None
        self.loop = None
        self.last_reap = self.last_refresh = 0.0
        self._join = self.server.register_script(_JOIN)
        self._leave = self.server.register_script(_LEAVE)
        self._requeue = self.server.register_script(_REQUEUE)
        crawler.aggregator_scaleout = self
        crawler.aggregator_known = KnownUrls(self.server)
        crawler.aggregator_store = RedisValidators(self.server)
        crawler.aggregator_run_sink = self.push_run
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        """Scrapy constructor (one instance per crawler)."""
        return getattr(crawler, "aggregator_scaleout", None) or cls(crawler)

    @classmethod
    def of(cls, crawler) -> "ScaleOut":
        """The crawler's instance (created on demand if the extension was not enabled)."""
        return cls.from_crawler(crawler)

    # keys of this worker
    def _k(self, what: str) -> str:
        return Keys.spider(self.spider_name, what)

    def _w(self, what: str, worker: str = WORKER_ID) -> str:
        return Keys.worker(self.spider_name, what, worker)

    def open_run(self, scheduler: Scheduler) -> str:
        """Join the run in progress or start a new one (then this worker seeds); returns its id."""
        self.scheduler = scheduler
        slot = _engine_slot(self.crawler)
        self.can_ack = slot is not None and hasattr(slot, "inprogress")
        if not self.can_ack:
            logger.warning("Scrapy engine has no _slot.inprogress: leases are released at once, "
                           "so a killed worker loses the requests it held (plain scrapy-redis behaviour)")
        new_id = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)
        seeded, run_id = self._join(
            keys=[self._k("run"), self._k("workers")],
            args=[new_id, RUN_TTL, WORKER_ID, self._k("alive:"), int(self.worker_ttl * 1000)])
        self.run_id = run_id.decode() if isinstance(run_id, bytes) else str(run_id)
        self.seeder = bool(seeded)
        self.server.set(self._w("busy"), 1, px=int(self.worker_ttl * 1000))
        _RUNS[self.spider_name] = self.run_id
        self.crawler.stats.set_value("aggregator/redis/run_id", self.run_id)
        self.crawler.stats.set_value("aggregator/redis/seeder", int(self.seeder))
        logger.info("%s: %s run %s as worker %s", self.spider_name, "seeding" if self.seeder else "joining",
                    self.run_id, WORKER_ID)
        return self.run_id

    def push_run(self, row: dict) -> None:
        """Run-record sink: send this worker's part of the run to ingest, which merges the parts.

        In a shared crawl any worker, the seeder included, may get no listing page of a
        source at all because others took them; extensions.summarize_stats reads "no listing
        page fetched" as "site unreachable". Without a listing error of its own, that is not
        a failure of this worker (its exit status); ingest judges the merged run. A worker
        whose listing requests failed still reports the failure.
        """
        stats = row.get("stats") or {}
        if isinstance(stats, str):
            stats = json.loads(stats)
        if (row.get("status") == "failed" and row.get("finish_reason") in _OK_REASONS
                and not stats.get("aggregator/listing_errors")
                and str(row.get("reason") or "").startswith("site unreachable")):
            row["status"], row["reason"] = "ok", None
            self.crawler.aggregator_run = row
        self.items.push_run(row)

    def spider_opened(self, spider) -> None:
        """Register the source for ingest and start the heartbeat loop."""
        from twisted.internet import task

        src = getattr(spider, "source", None)
        if src is not None:
            self.items.push_source(src)
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(TICK, now=True).addErrback(
            lambda f: logger.error("scale-out heartbeat stopped: %s", f.getTraceback()))

    def tick(self) -> None:
        """Heartbeat, ack finished requests, re-queue dead workers, wake the engine, track idleness."""
        engine = self.crawler.engine
        if engine is None or self.scheduler is None or self.scheduler.queue is None:
            return
        try:
            self._tick(engine)
        except redis.RedisError as exc:
            self.crawler.stats.inc_value("aggregator/redis/errors")
            logger.warning("%s: Redis error in heartbeat: %s", self.spider_name, exc)

    def _tick(self, engine) -> None:
        now = time.monotonic()
        ttl_ms = int(self.worker_ttl * 1000)
        slot = _engine_slot(self.crawler)
        if slot is None:
            return
        idle = engine.spider_is_idle()
        pipe = self.server.pipeline(transaction=False)
        pipe.set(self._w("alive"), self.run_id, px=ttl_ms)
        # back in the set if a long stall let another worker take us for dead
        pipe.sadd(self._k("workers"), WORKER_ID)
        if idle:
            pipe.delete(self._w("busy"))
        else:
            pipe.set(self._w("busy"), 1, px=ttl_ms)
        if now - self.last_refresh > 5:
            self.last_refresh = now
            pipe.expire(self._k("run"), RUN_TTL)
            pipe.expire(self.scheduler.df.key, RUN_TTL)
        pipe.execute()
        if self.can_ack:
            self.scheduler.queue.ack(slot.inprogress)
        if now - self.last_reap > min(1.0, self.worker_ttl / 2):
            self.last_reap = now
            self.reap()
        queued = len(self.scheduler.queue)
        if queued and not engine.needs_backout():
            slot.nextcall.schedule()   # don't wait for the engine's 5 s heartbeat
        if not idle or queued or not self.frontier_empty():
            self.empty_since = None
            return
        if self.empty_since is None:
            self.empty_since = now
        if now - self.empty_since >= self.idle_exit:
            slot.nextcall.schedule()   # let spider_idle fire now and close the spider

    def frontier_empty(self) -> bool:
        """No queued request, no other worker busy, no lease held by any other worker."""
        others = [w.decode() for w in self.server.smembers(self._k("workers")) if w.decode() != WORKER_ID]
        pipe = self.server.pipeline(transaction=False)
        pipe.zcard(self._k("requests"))
        for w in others:
            pipe.exists(self._w("busy", w))
            pipe.hlen(self._w("leases", w))
        return not any(pipe.execute())

    def reap(self) -> int:
        """Re-queue the leases of workers whose heartbeat expired; returns how many."""
        total = 0
        for raw in self.server.smembers(self._k("workers")):
            w = raw.decode()
            if w == WORKER_ID or self.server.exists(self._w("alive", w)):
                continue
            n = int(self._requeue(keys=[self._w("leases", w), self._k("requests")]))
            self.server.delete(self._w("busy", w))
            self.server.srem(self._k("workers"), w)
            if n:
                total += n
                self.server.hincrby(Keys.counters, f"{self.spider_name}:requeued", n)
                logger.warning("%s: worker %s is gone; %d of its requests put back in the queue",
                               self.spider_name, w, n)
        if total:
            self.crawler.stats.inc_value("aggregator/redis/requeued", total)
        return total

    def spider_idle(self, spider) -> None:
        """Keep the spider open until the shared frontier has been empty for ``idle_exit`` s."""
        from scrapy.exceptions import CloseSpider, DontCloseSpider

        if self.empty_since is not None and time.monotonic() - self.empty_since >= self.idle_exit:
            raise CloseSpider("idle_exit")
        raise DontCloseSpider

    def spider_closed(self, spider, reason) -> None:
        """Stop beating, release everything this worker held, end the run if it is the last."""
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.scheduler is None or self.scheduler.queue is None:
            return
        # Everything in progress has finished by now (the engine drains before closing).
        self.scheduler.queue.ack(None)
        ended = self._leave(
            keys=[self._k("run"), self._k("workers"), self._w("alive"), self._w("busy"), self._w("leases"),
                  self.scheduler.df.key],
            args=[self.run_id, WORKER_ID, self._k("alive:")])
        if ended:
            logger.info("%s: run %s ended (last worker out)", self.spider_name, self.run_id)


# --- ingest: Redis -> archive ------------------------------------------------------------------

_MAX_STATS = ("elapsed_time_seconds", "memusage/max", "memusage/startup")
_OK_REASONS = ("finished", "idle_exit")


@dataclass
class IngestReport:
    """What one ingest process did."""

    articles: Counter = field(default_factory=Counter)   # outcome -> count
    links: int = 0
    runs: int = 0
    sources: int = 0
    requeued: int = 0
    dead: int = 0
    batches: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        """One human line for stderr."""
        a = self.articles
        return (f"ingested {sum(a.values())} articles ({a['new']} new, {a['updated']} updated, "
                f"{a['unchanged']} unchanged, {a['dropped']} dropped), {self.links} links, {self.runs} run records "
                f"in {self.batches} batches, {self.seconds:.1f} s"
                + (f"; {self.requeued} unacknowledged items re-queued at start" if self.requeued else "")
                + (f"; {self.dead} items could not be stored (see {Keys.dead})" if self.dead else ""))


def _merge_stats(old: dict, new: dict) -> dict:
    out = dict(old)
    for k, v in new.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            if v not in (None, ""):
                out[k] = v
        elif k in _MAX_STATS:
            out[k] = max(out.get(k) or 0, v)
        elif isinstance(out.get(k), (int, float)):
            out[k] = out[k] + v
        else:
            out[k] = v
    return out


class Ingest:
    """Drain ``aggregator:items`` into the archive: the single SQLite writer of a deployment.

    Reliable queue: each batch is BLMOVEd into ``aggregator:items:processing``, stored (one
    archive transaction for the articles), and only then acked (LREM) together with the
    known-URL updates and the run tallies in one MULTI. A killed ingest leaves its batch in
    the processing list; the next one puts it back first. A redelivered article is an upsert
    by url_key, i.e. stored once ("unchanged").
    """

    def __init__(self, redis_url: str, db: str | os.PathLike, *, batch_size: int = 200,
                 idle_exit: float | None = None, max_body_chars: int | None = None, poll: float = 1.0):
        from aggregator.normalize import MAX_BODY_CHARS

        self.redis_url = redis_url
        self.db = str(db)
        self.batch_size = max(1, int(batch_size))
        self.idle_exit = idle_exit
        self.max_body_chars = max_body_chars or MAX_BODY_CHARS
        self.poll = poll
        self.report = IngestReport()
        self.stopping = False
        self.archive = None
        self.server: redis.Redis | None = None
        self._sources_seen: set[str] = set()

    # --- lifecycle ---

    def run(self) -> IngestReport:
        """Lock, open, recover, rebuild the known set, then drain until idle or stopped."""
        from aggregator.archive import Archive
        from aggregator.runner import RunLock

        started = time.monotonic()
        self.server = connect(self.redis_url)
        try:
            self.server.ping()
        except redis.RedisError as exc:
            raise AggregatorError(f"cannot reach Redis at {_safe_url(self.redis_url)}: {exc}") from None
        old = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
        for s in old:
            signal.signal(s, self._stop)
        try:
            with RunLock(f"{self.db}.ingest"), Archive(self.db) as archive:
                self.archive = archive
                self.report.requeued = self.requeue_processing()
                n = self.rebuild_known()
                logger.info("ingest: %d archived articles known to the workers", n)
                self.drain()
        finally:
            for s, h in old.items():
                signal.signal(s, h)
            self.report.seconds = time.monotonic() - started
        return self.report

    def _stop(self, signum, frame) -> None:
        logger.info("ingest: signal %d, stopping after this batch", signum)
        self.stopping = True

    def requeue_processing(self) -> int:
        """Put entries a killed ingest left in the processing list back, oldest first."""
        n = 0
        while self.server.lmove(Keys.processing, Keys.items, "LEFT", "RIGHT") is not None:
            n += 1
        if n:
            logger.warning("ingest: %d unacknowledged items of a previous ingest re-queued", n)
        return n

    def rebuild_known(self) -> int:
        """Replace ``aggregator:known`` with every article of the archive (atomic RENAME)."""
        tmp = f"{Keys.known}:rebuild:{secrets.token_hex(4)}"
        rows = self.archive.db.execute(
            "select a.url_key, a.published, a.first_seen_at, a.category, "
            "(select group_concat(c.category, ' ') from article_categories c where c.article_id = a.id) "
            "from articles a")
        n = 0
        pipe = self.server.pipeline(transaction=False)
        for key, published, first_seen, category, cats in rows:
            cl = [c for c in ([category] if category else []) + (cats or "").split() if c]
            pipe.hset(tmp, key, known_entry({"published": published, "first_seen_at": first_seen,
                                              "categories": list(dict.fromkeys(cl))}))
            n += 1
            if n % 5000 == 0:
                pipe.execute()
        pipe.execute()
        if n:
            self.server.rename(tmp, Keys.known)
        else:
            self.server.delete(Keys.known)
        return n

    def drain(self) -> None:
        """Move batches through the processing list until idle-exit or a stop signal."""
        last = time.monotonic()
        while not self.stopping:
            timeout = self.poll
            if self.idle_exit is not None:
                left = self.idle_exit - (time.monotonic() - last)
                if left <= 0:
                    logger.info("ingest: no items for %.0f s, exiting", self.idle_exit)
                    return
                timeout = max(0.05, min(self.poll, left))
            first = self.server.blmove(Keys.items, Keys.processing, timeout, "RIGHT", "LEFT")
            if first is None:
                continue
            batch = [first]
            more = min(self.batch_size - 1, self.server.llen(Keys.items))
            if more > 0:
                pipe = self.server.pipeline(transaction=False)
                for _ in range(more):
                    pipe.lmove(Keys.items, Keys.processing, "RIGHT", "LEFT")
                batch += [r for r in pipe.execute() if r is not None]
            self.process(batch)
            last = time.monotonic()

    # --- one batch ---

    def process(self, raws: list[bytes]) -> None:
        """Store one batch, then ack it (with known-URL and tally updates) in one MULTI."""
        from aggregator.pipelines import normalize_article

        known: dict[str, bytes] = {}
        tally: dict[tuple[str, str], Counter] = defaultdict(Counter)
        dead: list[bytes] = []
        group: list[tuple[dict, Article, bytes]] = []

        def flush() -> None:
            if not group:
                return
            self._store(group, known, tally, dead)
            group.clear()

        for raw in raws:
            try:
                env = json.loads(raw)
                kind, data = env["type"], env["data"]
            except (ValueError, KeyError, TypeError):
                logger.error("ingest: unreadable queue entry dropped: %r", raw[:200])
                dead.append(raw)
                continue
            if kind == "article":
                try:
                    art, _ = normalize_article(Article.from_dict(data), self.max_body_chars)
                except Exception as exc:  # noqa: BLE001 - a malformed item must not block the queue
                    logger.error("ingest: malformed article entry (%s) set aside", exc)
                    dead.append(raw)
                    continue
                if not art.title or not art.body_text:
                    tally[(env.get("spider") or "", env.get("run") or "")]["dropped"] += 1
                    self.report.articles["dropped"] += 1
                    continue
                group.append((env, art, raw))
            elif kind == "link":
                flush()
                self._link(data, known)
            elif kind == "source":
                self._source(data)
            elif kind == "run":
                flush()
                self._run(env, tally)
            else:
                logger.error("ingest: unknown entry type %r dropped", kind)
                dead.append(raw)
        flush()
        pipe = self.server.pipeline(transaction=True)
        for (spider, run), counts in tally.items():
            if run:
                for outcome, n in counts.items():
                    pipe.hincrby(Keys.tally(spider, run), outcome, n)
                pipe.expire(Keys.tally(spider, run), 7 * 86400)
        if known:
            pipe.hset(Keys.known, mapping=known)
        for raw in dead:
            pipe.lpush(Keys.dead, raw)
        for raw in raws:
            pipe.lrem(Keys.processing, -1, raw)
        pipe.execute()
        self.report.dead += len(dead)
        self.report.batches += 1

    def _store(self, group, known, tally, dead) -> None:
        import sqlite3

        latest: dict[str, tuple[dict, Article, bytes]] = {}
        for env, art, raw in group:
            k = url_key(art.url)
            if k in latest:   # the same article twice in one batch (a redelivery): keep the newest
                self._count(tally, latest[k][0], "unchanged")
            latest[k] = (env, art, raw)
        entries = list(latest.values())
        try:
            outcomes = self.archive.store_articles([a for _, a, _ in entries])
            stored = list(zip(entries, outcomes))
        except sqlite3.OperationalError:
            raise   # locked / disk full / I/O: crash, the batch stays in processing for the next start
        except Exception as exc:  # noqa: BLE001 - a bad item must not block the queue forever
            logger.error("ingest: batch of %d failed (%s); storing one by one", len(entries), exc)
            stored = []
            for entry in entries:
                try:
                    stored.append((entry, self.archive.store_articles([entry[1]])[0]))
                except sqlite3.OperationalError:
                    raise
                except Exception as one:  # noqa: BLE001
                    logger.error("ingest: cannot store %s: %s", entry[1].url, one)
                    dead.append(entry[2])
        for (env, art, _), outcome in stored:
            self._count(tally, env, outcome)
            row = self.archive.lookup(art.url)
            if row:
                known[url_key(art.url)] = known_entry(row)

    def _count(self, tally, env: dict, outcome: str) -> None:
        tally[(env.get("spider") or "", env.get("run") or "")][outcome] += 1
        self.report.articles[outcome] += 1

    def _link(self, data: dict, known) -> None:
        link = ArticleLink(**{k: v for k, v in data.items() if k in ("url", "category", "category_name", "spider")})
        self.archive.link_category(link.url, link.category, link.category_name)
        self.report.links += 1
        row = self.archive.lookup(link.url)
        if row:
            known[url_key(link.url)] = known_entry(row)

    def _source(self, data: dict) -> None:
        src = source_from_dict(data)
        self.archive.upsert_sources([src])
        self._sources_seen.add(src.name)
        self.report.sources += 1

    def _run(self, env: dict, pending: dict) -> None:
        """Merge one worker's run record into the run's single crawl_runs row."""
        from aggregator.extensions import summarize_stats

        part = dict(env["data"])
        spider, run, worker = part.get("spider") or env.get("spider") or "", env.get("run"), env.get("worker") or "?"
        stats = json.loads(part.get("stats") or "{}")
        if not run:
            self.archive.record_run(part)
            self.report.runs += 1
            return
        db = self.archive.db
        old = db.execute(
            "select id, stats, started_at, finished_at, finish_reason from crawl_runs "
            "where spider = ? and json_extract(stats, '$.\"aggregator/run_id\"') = ?", [spider, run]).fetchone()
        parts: list[str] = []
        merged = stats
        reason = part.get("finish_reason") or "finished"
        started, finished = part.get("started_at"), part.get("finished_at")
        if old is not None:
            old_stats = json.loads(old[1] or "{}")
            parts = [p for p in str(old_stats.get("aggregator/run_parts") or "").split(",") if p]
            if worker in parts:
                return   # this part was merged before (redelivered after a crash)
            merged = _merge_stats({k: v for k, v in old_stats.items() if not k.startswith("aggregator/articles/")}, stats)
            started = min(filter(None, [old[2], started]), default=None)
            finished = max(filter(None, [old[3], finished]), default=None)
            if old[4] in _OK_REASONS and reason not in _OK_REASONS:
                reason = old[4]
        merged["aggregator/run_id"] = run
        merged["aggregator/run_parts"] = ",".join(parts + [worker])
        merged["aggregator/run_workers"] = len(parts) + 1
        counts = Counter({k.decode(): int(v) for k, v in self.server.hgetall(Keys.tally(spider, run)).items()})
        counts.update(pending.get((spider, run), Counter()))
        for outcome in ("new", "updated", "unchanged"):
            merged[f"aggregator/articles/{outcome}"] = counts.get(outcome, 0)
        previous = [{"coverage": c} for (c,) in db.execute(
            "select coverage from crawl_runs where spider = ? and status = 'ok' and id != ? order by id desc limit 5",
            [spider, old[0] if old is not None else -1]).fetchall()]
        row = summarize_stats(merged, reason, previous)
        row.update({"spider": spider, "started_at": started, "finished_at": finished})
        if old is None:
            self.archive.record_run(row)
        else:
            # as Archive.record_run does for a new row, plus the source's crawl times
            when = row["finished_at"] or row["started_at"]
            with db.atomic():
                db.execute(f"UPDATE crawl_runs SET {', '.join(f'{c} = ?' for c in row)} WHERE id = ?",
                           [*row.values(), old[0]])
                db.execute("UPDATE sources SET last_crawl_at = ? WHERE name = ?", [when, spider])
                if row["status"] == "ok":
                    db.execute("UPDATE sources SET last_success_at = ? WHERE name = ?", [when, spider])
        self.report.runs += 1


def _safe_url(url: str) -> str:
    """The Redis URL without its password (for messages)."""
    from urllib.parse import urlsplit, urlunsplit

    p = urlsplit(url)
    if p.password:
        netloc = f"{p.username or ''}:***@{p.hostname}" + (f":{p.port}" if p.port else "")
        return urlunsplit(p._replace(netloc=netloc))
    return url


def ingest(*, redis_url: str | None = None, db: str | os.PathLike = "archive.db", batch_size: int | None = None,
           idle_exit: float | None = None) -> IngestReport:
    """Run one ingest process (see :class:`Ingest`); ``redis_url``/``batch_size`` default to the settings."""
    from aggregator.runner import project_settings

    settings = project_settings()
    url = redis_url or settings.get("REDIS_URL")
    if not url:
        raise AggregatorError("REDIS_URL is not set: ingest reads the items crawl workers push to Redis")
    Path(db).resolve().parent.mkdir(parents=True, exist_ok=True)
    return Ingest(url, db, batch_size=batch_size or settings.getint("AGGREGATOR_BATCH_SIZE", 200),
                  idle_exit=idle_exit, max_body_chars=settings.getint("AGGREGATOR_MAX_BODY_CHARS", 0) or None).run()
