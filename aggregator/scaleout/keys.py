"""Connection and keys: every Redis key of a deployment, the worker's identity, the Lua steps.

Every key lives under ``aggregator:`` (see :class:`Keys`); use another Redis database
number in ``REDIS_URL`` to run two deployments on one server.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket

import redis

logger = logging.getLogger("aggregator.scaleout")

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
