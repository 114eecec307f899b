"""Ingest: drain the item queue into the archive, the single SQLite writer of a deployment.

Items arrive finished (normalised by the workers' NormalizePipeline): ingest stores them
as they are and never normalises again.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import redis

from aggregator.errors import AggregatorError
from aggregator.failures import OK_FINISH_REASONS
from aggregator.failures import summarize_stats
from aggregator.items import Article, ArticleLink
from aggregator.normalize import url_key
from aggregator.project import DEFAULT_DB, RunLock, project_settings
from aggregator.scaleout.items import known_entry, source_from_dict
from aggregator.scaleout.keys import Keys, connect

logger = logging.getLogger("aggregator.scaleout")

_MAX_STATS = ("elapsed_time_seconds", "memusage/max", "memusage/startup")


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
                 idle_exit: float | None = None, poll: float = 1.0):
        self.redis_url = redis_url
        self.db = str(db)
        self.batch_size = max(1, int(batch_size))
        self.idle_exit = idle_exit
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
        n = 0
        pipe = self.server.pipeline(transaction=False)
        for key, published, first_seen, cats in self.archive.known_articles():
            pipe.hset(tmp, key, known_entry({"published": published, "first_seen_at": first_seen, "categories": cats}))
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
                    art = Article.from_dict(data)   # finished by the worker's NormalizePipeline
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
        part = dict(env["data"])
        spider, run, worker = part.get("spider") or env.get("spider") or "", env.get("run"), env.get("worker") or "?"
        stats = json.loads(part.get("stats") or "{}")
        if not run:
            self.archive.record_run(part)
            self.report.runs += 1
            return
        old = self.archive.find_run(spider, run)
        parts: list[str] = []
        merged = stats
        reason = part.get("finish_reason") or "finished"
        started, finished = part.get("started_at"), part.get("finished_at")
        if old is not None:
            old_stats = json.loads(old["stats"] or "{}")
            parts = [p for p in str(old_stats.get("aggregator/run_parts") or "").split(",") if p]
            if worker in parts:
                return   # this part was merged before (redelivered after a crash)
            merged = _merge_stats({k: v for k, v in old_stats.items() if not k.startswith("aggregator/articles/")}, stats)
            started = min(filter(None, [old["started_at"], started]), default=None)
            finished = max(filter(None, [old["finished_at"], finished]), default=None)
            if old["finish_reason"] in OK_FINISH_REASONS and reason not in OK_FINISH_REASONS:
                reason = old["finish_reason"]
        merged["aggregator/run_id"] = run
        merged["aggregator/run_parts"] = ",".join(parts + [worker])
        merged["aggregator/run_workers"] = len(parts) + 1
        counts = Counter({k.decode(): int(v) for k, v in self.server.hgetall(Keys.tally(spider, run)).items()})
        counts.update(pending.get((spider, run), Counter()))
        for outcome in ("new", "updated", "unchanged"):
            merged[f"aggregator/articles/{outcome}"] = counts.get(outcome, 0)
        previous = self.archive.recent_coverage(spider, exclude_run=old["id"] if old is not None else None)
        row = summarize_stats(merged, reason, previous)
        row.update({"spider": spider, "started_at": started, "finished_at": finished})
        if old is None:
            self.archive.record_run(row)
        else:
            self.archive.update_run(old["id"], row)
        self.report.runs += 1


def _safe_url(url: str) -> str:
    """The Redis URL without its password (for messages)."""
    from urllib.parse import urlsplit, urlunsplit

    p = urlsplit(url)
    if p.password:
        netloc = f"{p.username or ''}:***@{p.hostname}" + (f":{p.port}" if p.port else "")
        return urlunsplit(p._replace(netloc=netloc))
    return url


def ingest(*, redis_url: str | None = None, db: str | os.PathLike = DEFAULT_DB, batch_size: int | None = None,
           idle_exit: float | None = None) -> IngestReport:
    """Run one ingest process (see :class:`Ingest`); ``redis_url``/``batch_size`` default to the settings."""
    settings = project_settings()
    url = redis_url or settings.get("REDIS_URL")
    if not url:
        raise AggregatorError("REDIS_URL is not set: ingest reads the items crawl workers push to Redis")
    Path(db).resolve().parent.mkdir(parents=True, exist_ok=True)
    return Ingest(url, db, batch_size=batch_size or settings.getint("AGGREGATOR_BATCH_SIZE", 200),
                  idle_exit=idle_exit).run()
