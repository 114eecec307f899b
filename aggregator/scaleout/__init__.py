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

# Names are imported on first use (PEP 562): the add-on is in every crawl's ADDONS, and a
# crawl without REDIS_URL must not pay for importing redis and scrapy-redis at start-up.
_HOME = {
    "ScaleOutAddon": "addon",
    "LeasedQueue": "frontier", "ScaleOut": "frontier", "Scheduler": "frontier", "SeedOnce": "frontier",
    "Ingest": "ingest", "IngestReport": "ingest", "ingest": "ingest",
    "ItemQueue": "items", "KnownUrls": "items", "RedisItemPipeline": "items", "RedisValidators": "items",
    "envelope": "items", "known_entry": "items", "source_from_dict": "items", "source_to_dict": "items",
    "_JOIN": "keys", "_LEAVE": "keys", "_POP_LEASE": "keys", "_REQUEUE": "keys", "_RUNS": "keys",
    "DEFAULT_IDLE_EXIT": "keys", "RUN_TTL": "keys", "TICK": "keys", "WORKER_ID": "keys", "Keys": "keys",
    "connect": "keys",
}


def __getattr__(name: str):
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_IDLE_EXIT", "Ingest", "IngestReport", "ItemQueue", "Keys", "KnownUrls", "LeasedQueue", "RUN_TTL",
    "RedisItemPipeline", "RedisValidators", "ScaleOut", "ScaleOutAddon", "Scheduler", "SeedOnce", "TICK",
    "WORKER_ID", "connect", "envelope", "ingest", "known_entry", "source_from_dict", "source_to_dict",
    "_JOIN", "_LEAVE", "_POP_LEASE", "_REQUEUE", "_RUNS",
]
