"""Article pages extracted in worker processes, off the crawl's one busy thread.

Scrapy runs downloads, scheduling, spider callbacks and item pipelines on one thread, so
on a fast site the crawl is bound by one core: about half of an article page's CPU time
is our own parsing (field extraction, then sanitising the body). With
``AGGREGATOR_EXTRACT_PROCESSES = N`` (default: one per spare core, at most 2) the spider
ships each article page (its bytes, encoding and URL) to a pool of N processes that run
:func:`aggregator.extract.article.extract_article` and sanitise the body
(:class:`aggregator.pipelines.CleanBody`); the crawl process keeps the network, the
scheduler and the single SQLite writer. ``0`` extracts in the crawl process, as a spider
whose ``extract_fields`` hook is overridden always does.

* The pool starts on the first article page and is shared by every crawler of the process.
* Processes come from a ``forkserver``: they never inherit the reactor's threads or sockets.
* A page that kills its worker process (a parser crash, the OOM killer) is retried once in
  a fresh pool; if that dies too, :class:`ExtractionCrashed` is raised for that page only
  and the crawl goes on.
* Warnings logged while extracting in a worker are logged again in the crawl process, so
  ``--log-file`` and ``--quiet`` see them as before.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path

logger = logging.getLogger(__name__)

MAX_AUTO_PROCESSES = 2
_ROOT = str(Path(__file__).resolve().parents[1])   # so the child imports this very package


class ExtractionCrashed(Exception):
    """The worker process died twice on the same page."""


def auto_processes(value) -> int:
    """Processes to use for a setting value: None/"auto" → one per spare core (≤ 2)."""
    if value in (None, "", "auto"):
        return max(0, min(MAX_AUTO_PROCESSES, (os.cpu_count() or 1) - 1))
    return max(0, int(value))


class _Collect(logging.Handler):
    """Keeps a worker's log records as (logger name, level, text)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record):
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.records.append((record.name, record.levelno, text))


def extract_page(body: bytes, url: str, encoding: str, source, now: datetime | None,
                 max_body_chars: int) -> tuple[dict, list[tuple[str, int, str]]]:
    """In a worker: every field of one article page, the body also sanitised.

    Returns (fields, log records). ``fields["prepared_body"]`` is a ``CleanBody`` made for
    the URL the pipeline will use, so the pipeline need not sanitise the body again.
    """
    from scrapy.http import HtmlResponse

    from aggregator.extract.article import extract_article
    from aggregator.normalize import canonical_url
    from aggregator.pipelines import CleanBody

    handler = _Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        page = HtmlResponse(url=url, body=body, encoding=encoding)
        fields = extract_article(page, source, url=url, now=now)
        if fields.get("body_html"):
            # the item's URL is canonical_url(response.url); the pipeline canonicalises again
            base = canonical_url(canonical_url(url))
            fields["prepared_body"] = CleanBody.of(fields["body_html"], base, max_body_chars, prepare_search=True)
    finally:
        root.removeHandler(handler)
    return fields, handler.records


class _Worker:
    """One extraction process: ``python -m aggregator.offload`` fed over its stdin/stdout.

    Jobs go out through a writer thread (a full pipe never blocks the reactor) and results
    come back through a reader thread that completes the job's future. The child exits at
    EOF on its stdin, so it dies with the crawl process even after ``kill -9``.
    """

    def __init__(self):
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")]))}
        self.proc = subprocess.Popen([sys.executable, "-m", "aggregator.offload"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env, start_new_session=True)
        self.jobs: dict[int, Future] = {}
        self.outbox: queue.SimpleQueue = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.broken = False
        threading.Thread(target=self._write, name="extract-writer", daemon=True).start()
        threading.Thread(target=self._read, name="extract-reader", daemon=True).start()

    def submit(self, job_id: int, args: tuple) -> Future:
        future: Future = Future()
        with self.lock:
            if self.broken:
                future.set_exception(BrokenWorker("extraction process is gone"))
                return future
            self.jobs[job_id] = future
        self.outbox.put(_frame((job_id, args)))
        return future

    def _write(self) -> None:
        pipe = self.proc.stdin
        try:
            while (data := self.outbox.get()) is not None:
                pipe.write(data)
                pipe.flush()
        except (OSError, ValueError):
            pass   # the child died: the reader fails the jobs
        finally:
            try:
                pipe.close()
            except OSError:
                pass

    def _read(self) -> None:
        pipe = self.proc.stdout
        try:
            while (msg := _unframe(pipe)) is not None:
                job_id, ok, payload = msg
                with self.lock:
                    future = self.jobs.pop(job_id, None)
                if future is not None:
                    future.set_result(payload) if ok else future.set_exception(payload)
        except (OSError, EOFError, pickle.UnpicklingError):
            pass
        pipe.close()
        try:
            self.proc.wait(30)   # reap it (it closed its end: it is exiting)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        with self.lock:
            self.broken = True
            jobs, self.jobs = self.jobs, {}
        for future in jobs.values():
            future.set_exception(BrokenWorker(f"extraction process exited ({self.proc.poll()})"))
        self.outbox.put(None)

    def load(self) -> int:
        return len(self.jobs)

    def close(self) -> None:
        self.outbox.put(None)


def _frame(obj) -> bytes:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return struct.pack("<I", len(data)) + data


def _unframe(pipe):
    head = pipe.read(4)
    if len(head) < 4:
        return None
    (n,) = struct.unpack("<I", head)
    data = pipe.read(n)
    if len(data) < n:
        return None
    return pickle.loads(data)


class BrokenWorker(Exception):
    """An extraction process exited with jobs in hand."""


class ExtractPool:
    """N extraction processes, started on first use (see the module doc)."""

    def __init__(self, processes: int):
        self.processes = processes
        self.workers: list[_Worker] = []
        self._ids = itertools.count()
        self._lock = threading.Lock()

    def _pick(self) -> _Worker:
        with self._lock:
            self.workers = [w for w in self.workers if not w.broken]
            while len(self.workers) < self.processes:
                self.workers.append(_Worker())
            return min(self.workers, key=_Worker.load)

    async def extract(self, body: bytes, url: str, encoding: str, source, now, max_body_chars: int):
        """(fields, log records) of one page, from an extraction process."""
        args = (body, url, encoding, source, now, max_body_chars)
        for attempt in (1, 2):
            try:
                return await asyncio.wrap_future(self._pick().submit(next(self._ids), args))
            except BrokenWorker as exc:
                logger.warning("%s while extracting %s (attempt %d of 2)", exc, url, attempt)
        raise ExtractionCrashed(url)

    def shutdown(self) -> None:
        """Stop the extraction processes (they also stop when this process exits)."""
        with self._lock:
            workers, self.workers = self.workers, []
        for w in workers:
            w.close()
        for w in workers:
            try:
                w.proc.wait(10)
            except subprocess.TimeoutExpired:
                w.proc.kill()


_POOLS: dict[int, ExtractPool] = {}


def pool(processes: int) -> ExtractPool:
    """The process-wide pool with this many processes."""
    if processes not in _POOLS:
        _POOLS[processes] = ExtractPool(processes)
    return _POOLS[processes]


def shutdown_all() -> None:
    """Stop every pool's processes and wait for them (a new crawl starts them again)."""
    for p in list(_POOLS.values()):
        p.shutdown()


def serve() -> None:
    """The extraction process: read jobs from stdin, answer on stdout, exit at EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the crawl process's to handle
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)                                  # a stray print() must not corrupt the answers
    inp = os.fdopen(0, "rb")
    import aggregator.archive  # noqa: F401
    import aggregator.extract.article  # noqa: F401  (warm up before the first page)
    import aggregator.pipelines  # noqa: F401
    while (msg := _unframe(inp)) is not None:
        job_id, args = msg
        try:
            answer = (job_id, True, extract_page(*args))
        except Exception as exc:  # reported to the spider, like an exception in its callback
            answer = (job_id, False, exc)
        try:
            data = _frame(answer)
        except Exception as exc:   # an unpicklable exception
            data = _frame((job_id, False, RuntimeError(f"{type(exc).__name__}: {exc}")))
        out.write(data)
        out.flush()


if __name__ == "__main__":
    serve()
