"""The shared frontier: scrapy-redis's scheduler with leased requests, the seeding
middleware and the ScaleOut extension (join/seed a run, heartbeat, idle exit)."""

from __future__ import annotations

import itertools
import json
import logging
import secrets
import time
from typing import Any

import redis

from aggregator.failures import OK_FINISH_REASONS as _OK_REASONS
from aggregator.scaleout.items import ItemQueue, KnownUrls, RedisValidators
from aggregator.scaleout.keys import (_JOIN, _LEAVE, _POP_LEASE, _REQUEUE, _RUNS, DEFAULT_IDLE_EXIT, RUN_TTL, TICK,
                                      WORKER_ID, Keys, connect)

logger = logging.getLogger("aggregator.scaleout")

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
