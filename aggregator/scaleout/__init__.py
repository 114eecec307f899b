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
* :class:`ItemQueue` is what :class:`RedisItemPipeline` pushes to.
* :func:`ingest` / :class:`Ingest` drain that queue into the archive with the reliable-queue
  pattern (BLMOVE into a processing list, LREM only after the SQLite commit).

Every key lives under ``aggregator:`` (see :class:`Keys`); use another Redis database
number in ``REDIS_URL`` to run two deployments on one server. Redis must be private to the
deployment: the request queue holds pickled requests, as in scrapy-redis.

Modules, along scrapy-redis's seams: ``keys`` (connection, keys, Lua), ``addon``,
``items`` (item queue, pipeline, shared known URLs and validators), ``frontier``
(scheduler, seeding, the ScaleOut extension), ``ingest``.
"""

from aggregator.scaleout.addon import ScaleOutAddon
from aggregator.scaleout.frontier import LeasedQueue, ScaleOut, Scheduler, SeedOnce
from aggregator.scaleout.ingest import Ingest, IngestReport, ingest
from aggregator.scaleout.items import (ItemQueue, KnownUrls, RedisItemPipeline, RedisValidators, envelope, known_entry,
                                       source_from_dict, source_to_dict)
from aggregator.scaleout.keys import (_JOIN, _LEAVE, _POP_LEASE, _REQUEUE, _RUNS, DEFAULT_IDLE_EXIT, RUN_TTL, TICK,
                                      WORKER_ID, Keys, connect)

__all__ = [
    "DEFAULT_IDLE_EXIT", "Ingest", "IngestReport", "ItemQueue", "Keys", "KnownUrls", "LeasedQueue", "RUN_TTL",
    "RedisItemPipeline", "RedisValidators", "ScaleOut", "ScaleOutAddon", "Scheduler", "SeedOnce", "TICK",
    "WORKER_ID", "connect", "envelope", "ingest", "known_entry", "source_from_dict", "source_to_dict",
    "_JOIN", "_LEAVE", "_POP_LEASE", "_REQUEUE", "_RUNS",
]
