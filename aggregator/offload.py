"""Article and listing pages extracted in worker processes, off the crawl's one busy thread.

Scrapy runs downloads, scheduling, spider callbacks and item pipelines on one thread, so
on a fast site the crawl is bound by one core: about half of an article page's CPU time
is our own parsing (field extraction, then sanitising the body). With
``AGGREGATOR_EXTRACT_PROCESSES = N`` (default: one per spare core, at most 2) the spider
ships each article page and each listing page (its bytes, encoding and URL) to N worker
processes: :func:`extract_page` runs :func:`aggregator.extract.article.extract_article`,
sanitises the body (:class:`aggregator.normalize.CleanBody`) and prepares its search-index
text; :func:`listing_links` runs :func:`aggregator.extract.links.discover_links`. The crawl
process keeps the network, the scheduler and the SQLite writer. ``0`` extracts in the
crawl process, as a spider whose ``extract_fields`` hook is overridden always does.

* The pool is a Scrapy component (:class:`ExtractionPool`, an extension built
  ``from_crawler``, ``NotConfigured`` at 0); its workers start with the first listing
  page that holds new links (or the first job; a run with nothing new starts none), are
  shared by every crawler of the process and stop on the last ``engine_stopped``.
  Listing pages go to them only once one is ready (``warm()``): until then (the
  processes' own start-up) they are read in the crawl process.
* A worker is ``python -m aggregator.offload`` (a fresh interpreter: it inherits none of
  the reactor's threads or sockets) and exits at EOF on its stdin, i.e. with the crawl.
* A page that kills its worker (a parser crash, the OOM killer) or holds it longer than
  ``AGGREGATOR_EXTRACT_TIMEOUT`` is retried once in a fresh worker; if that fails too,
  :class:`ExtractionCrashed` is raised for that page only and the crawl goes on.
* Warnings logged while extracting in a worker are logged again in the crawl process, so
  ``--log-file`` and ``--quiet`` see them as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import itertools
import logging
import os
import pickle
import signal
import struct
import subprocess
import sys
from datetime import datetime
from pathlib import Path

logger = logging.getLogger(__name__)

MAX_AUTO_PROCESSES = 2
PIPE_BUFFER = 1 << 20
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


@contextlib.contextmanager
def _collect_logs():
    """Collect this process's WARNING+ log records while the block runs (yields the list)."""
    handler = _Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler.records
    finally:
        root.removeHandler(handler)


def parsed_page(body: bytes, url: str, encoding: str):
    """The parsel Selector of a page, the same tree Scrapy's ``HtmlResponse(url=url, body=body,
    encoding=encoding).selector`` has: text decoded as ``TextResponse.text`` does (a BOM
    wins over ``encoding``, undecodable bytes replaced), base URL from ``<base href>``
    as ``scrapy.utils.response.get_base_url``. Built without Scrapy, whose import was most
    of an extraction process's start-up (half a CPU-second)."""
    if not encoding:   # (the spider always sends one) let Scrapy infer it, as before
        from scrapy.http import HtmlResponse

        return HtmlResponse(url=url, body=body).selector
    from parsel import Selector
    from w3lib.encoding import html_to_unicode
    from w3lib.html import get_base_url

    text = html_to_unicode(f"charset={encoding}", body)[1]
    return Selector(text=text, type="html", base_url=get_base_url(text[0:4096], url, encoding))


def extract_page(body: bytes, url: str, encoding: str, source, now: datetime | None,
                 max_body_chars: int) -> tuple[dict, list[tuple[str, int, str]]]:
    """In a worker: every field of one article page, the body also sanitised.

    Returns (fields, log records). ``fields["prepared_body"]`` is a ``CleanBody`` made for
    the URL the pipeline will use, so the pipeline need not sanitise the body again.
    """
    from aggregator.extract.article import extract_article
    from aggregator.normalize import CleanBody, canonical_url

    with _collect_logs() as records:
        fields = extract_article(parsed_page(body, url, encoding), source, url=url, now=now)
        if fields.get("body_html"):
            # the item's URL is canonical_url(response.url); the pipeline canonicalises again
            base = canonical_url(canonical_url(url))
            fields["prepared_body"] = CleanBody.of(fields["body_html"], base, max_body_chars, prepare_search=True)
    return fields, records


def listing_links(body: bytes, url: str, encoding: str, source, now: datetime | None):
    """In a worker: the article links and next pages of one listing page (``Links``)."""
    from aggregator.extract.links import discover_links

    with _collect_logs() as records:
        found = discover_links(parsed_page(body, url, encoding), source, base_url=url, now=now)
    return found, records


_JOBS = {"article": extract_page, "links": listing_links}


class _Worker:
    """One extraction process: ``python -m aggregator.offload`` fed over its stdin/stdout.

    Both pipes are asyncio transports of the crawl's event loop (no extra threads to
    compete for the GIL): jobs are written without blocking, answers complete the job's
    future in ``data_received``. The child exits at EOF on its stdin, so it dies with the
    crawl process even after ``kill -9``.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, timeout: float | None = None):
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")]))}
        self.loop = loop
        self.proc = subprocess.Popen([sys.executable, "-m", "aggregator.offload"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env, start_new_session=True)
        for pipe in (self.proc.stdin, self.proc.stdout):
            _widen(pipe)
        self.jobs: dict[int, asyncio.Future] = {}
        self.broken = False
        self.out = self.inp = None
        self.buf = bytearray()
        self.timeout = timeout     # seconds one page may take; None: no limit
        self.progress = loop.time()
        self.why = "exited"
        self.ready = False        # the child said it is ready (imports done)
        self.connected = loop.create_task(self._connect())

    async def _connect(self) -> None:
        self.out, _ = await self.loop.connect_write_pipe(lambda: _PipeEnd(self), self.proc.stdin)
        self.inp, _ = await self.loop.connect_read_pipe(lambda: _PipeEnd(self), self.proc.stdout)

    async def submit(self, job_id: int, job: tuple):
        """The answer to one job (raises what the job raised, or BrokenWorker)."""
        try:
            await self.connected
        except asyncio.CancelledError:
            if not (self.broken and self.connected.cancelled()):
                raise
            # the process died while its pipes were being connected (lost() cancelled that)
        if self.broken:
            raise BrokenWorker("extraction process is gone")
        future = self.loop.create_future()
        if not self.jobs:
            self.progress = self.loop.time()   # idle until now: the clock starts with this job
        self.jobs[job_id] = future
        self.out.write(_frame((job_id, job)))
        return await future

    def received(self, data: bytes) -> None:
        self.buf += data
        while len(self.buf) >= 4:
            (n,) = struct.unpack_from("<I", self.buf)
            if len(self.buf) < 4 + n:
                break
            job_id, ok, payload = pickle.loads(memoryview(self.buf)[4:4 + n])
            del self.buf[:4 + n]
            self.progress = self.loop.time()
            if job_id is None:   # the child's "ready" frame: the per-page clock may run
                self.ready = True
                if self.timeout:
                    self.loop.call_later(min(1.0, self.timeout / 4), self._watch)
                continue
            future = self.jobs.pop(job_id, None)
            if future is not None and not future.done():
                future.set_result(payload) if ok else future.set_exception(payload)

    def _watch(self) -> None:
        """Kill the process when its current page has taken longer than ``timeout``."""
        if self.broken:
            return
        if self.jobs and self.loop.time() - self.progress > self.timeout:
            self.why = f"gave no answer within {self.timeout:g} s"
            self.proc.kill()
            self.lost()
            return
        self.loop.call_later(min(1.0, self.timeout / 4), self._watch)

    def lost(self) -> None:
        if self.broken:
            return
        self.broken = True
        jobs, self.jobs = self.jobs, {}
        for future in jobs.values():
            if not future.done():
                future.set_exception(BrokenWorker(f"extraction process {self.why} ({self.proc.poll()})"))
        self.stop()

    def load(self) -> int:
        return len(self.jobs)

    def stop(self) -> None:
        """End the process now (it holds no state), reap it, close the pipes."""
        for transport in (self.out, self.inp):
            if transport is not None and not transport.is_closing() and not self.loop.is_closed():
                transport.close()
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if not self.connected.done():
            self.connected.cancel()


def _widen(pipe) -> None:
    """Give a pipe a 1 MiB buffer (Linux; 64 KiB by default): an answer holds a page's
    body several times over, and a full pipe would stall the worker until the crawl's
    event loop comes round to reading it."""
    try:
        fcntl.fcntl(pipe.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_BUFFER)
    except OSError:   # not Linux, or above /proc/sys/fs/pipe-max-size: keep the default
        pass


class _PipeEnd(asyncio.Protocol):
    def __init__(self, worker: _Worker):
        self.worker = worker

    def data_received(self, data: bytes) -> None:
        self.worker.received(data)

    def connection_lost(self, exc) -> None:
        self.worker.lost()


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

    def __init__(self, processes: int, timeout: float | None = None):
        self.processes = processes
        self.timeout = timeout
        self.workers: list[_Worker] = []
        self._ids = itertools.count()
        self.users = 0   # crawlers running with this pool (ExtractionPool)

    def start(self) -> None:
        """Start the missing processes (in the running event loop)."""
        self._pick()

    def _pick(self) -> _Worker:
        loop = asyncio.get_running_loop()
        for w in self.workers:
            if w.loop is not loop and not w.broken:   # left over from an earlier event loop
                w.broken = True
                w.stop()
        self.workers = [w for w in self.workers if not w.broken]
        while len(self.workers) < self.processes:
            self.workers.append(_Worker(loop, self.timeout))
        return min(self.workers, key=_Worker.load)

    def warm(self) -> bool:
        """True when a process is up and ready (none is started here)."""
        return any(w.ready and not w.broken for w in self.workers)

    async def extract(self, body: bytes, url: str, encoding: str, source, now, max_body_chars: int):
        """(fields, log records) of one article page, from an extraction process."""
        return await self._run("article", (body, url, encoding, source, now, max_body_chars), url)

    async def links(self, body: bytes, url: str, encoding: str, source, now):
        """(``Links``, log records) of one listing page, from an extraction process."""
        return await self._run("links", (body, url, encoding, source, now), url)

    async def _run(self, kind: str, args: tuple, url: str):
        for attempt in (1, 2):
            try:
                return await self._pick().submit(next(self._ids), (kind, args))
            except BrokenWorker as exc:
                logger.warning("%s while extracting %s (attempt %d of 2)", exc, url, attempt)
        raise ExtractionCrashed(url)

    def shutdown(self) -> None:
        """Stop the extraction processes (a later job starts new ones)."""
        workers, self.workers = self.workers, []
        for w in workers:
            w.why = "was shut down"
            w.lost()   # fails any job still in hand (the spider counts it), then stops the process


_POOLS: dict[tuple, ExtractPool] = {}


class ExtractionPool:
    """Scrapy extension: the extraction processes of a crawl (``crawler.aggregator_extract_pool``).

    Switched off (``NotConfigured``) when ``AGGREGATOR_EXTRACT_PROCESSES`` resolves to 0
    or the reactor is not asyncio's; the processes are shut down on ``engine_stopped``
    once no other crawler of the process still uses the same pool.
    """

    def __init__(self, crawler):
        from scrapy import signals
        from scrapy.exceptions import NotConfigured
        from scrapy.utils.reactor import is_asyncio_reactor_installed

        n = auto_processes(crawler.settings.get("AGGREGATOR_EXTRACT_PROCESSES"))
        if not n:
            raise NotConfigured("AGGREGATOR_EXTRACT_PROCESSES is 0: pages are extracted in the crawl process")
        if not is_asyncio_reactor_installed():
            raise NotConfigured("extraction processes need the asyncio reactor")
        self.pool = pool(n, crawler.settings.getfloat("AGGREGATOR_EXTRACT_TIMEOUT", 60.0) or None)
        crawler.aggregator_extract_pool = self.pool
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler):
        """Scrapy constructor."""
        return cls(crawler)

    def engine_started(self) -> None:
        """Count this crawler as a user. The processes are not started here but by the
        first listing page with new links (``SourceSpider.warm_extraction``) or the first
        job: they import while the articles download (listing pages are read in the crawl
        process until one is ready, see ``ExtractPool.warm``), and a run with nothing new
        (most hourly runs) does not pay for starting them."""
        self.pool.users += 1

    def engine_stopped(self) -> None:
        """Stop the processes when the last crawler using them stops."""
        self.pool.users = max(0, self.pool.users - 1)
        if not self.pool.users:
            self.pool.shutdown()


def pool(processes: int, timeout: float | None = None) -> ExtractPool:
    """The process-wide pool with this many processes (and this per-page time limit)."""
    key = (processes, timeout)
    if key not in _POOLS:
        _POOLS[key] = ExtractPool(processes, timeout)
    return _POOLS[key]


def shutdown_all() -> None:
    """Stop every pool's processes and wait for them (a new crawl starts them again).

    Call it while the event loop still runs (e.g. a reactor "before shutdown" trigger),
    so the pipe transports close cleanly."""
    for p in list(_POOLS.values()):
        p.shutdown()


def _send(out, data: bytes) -> None:
    """Write one answer; when the crawl is gone (killed, or stopped by a second signal),
    end this process at once and quietly (nothing buffered is left to fail at exit)."""
    try:
        out.write(data)
        out.flush()
    except (BrokenPipeError, ValueError):
        os._exit(0)


def serve() -> None:
    """The extraction process: read jobs from stdin, answer on stdout, exit at EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the crawl process's to handle
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)                                  # a stray print() must not corrupt the answers
    inp = os.fdopen(0, "rb")
    import parsel  # noqa: F401  (warm up before the first page: the parser, the extractors,
    import aggregator.extract.article  # noqa: F401  sanitising and search text; not Scrapy)
    import aggregator.extract.links  # noqa: F401
    import aggregator.normalize  # noqa: F401
    _send(out, _frame((None, True, None)))   # ready: the parent's per-page clock may start
    while (msg := _unframe(inp)) is not None:
        job_id, (kind, args) = msg
        try:
            answer = (job_id, True, _JOBS[kind](*args))
        except Exception as exc:  # reported to the spider, like an exception in its callback
            answer = (job_id, False, exc)
        try:
            data = _frame(answer)
        except Exception as exc:   # an unpicklable exception
            data = _frame((job_id, False, RuntimeError(f"{type(exc).__name__}: {exc}")))
        _send(out, data)


if __name__ == "__main__":
    serve()
