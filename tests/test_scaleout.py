"""Scale-out with a real redis-server: shared frontier, seeding once, idle exit, reliable ingest.

The fixture starts ``redis-server`` on 127.0.0.1 on a free port (no persistence, temporary
folder) and stops it afterwards; the tests are skipped only when the binary is missing.
End-to-end tests run the real CLI (``python -m aggregator crawl|ingest``) in subprocesses
against a generated local site of 520 articles and check the server's request log.
"""

from __future__ import annotations

import collections
import inspect
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.sitegen import TOPICS, article_html

pytestmark = pytest.mark.redis

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
ROOT = Path(__file__).resolve().parent.parent


# --- fixtures ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """URL of a private redis-server (started here, stopped at the end of the module)."""
    if not os.path.exists(REDIS_SERVER):
        pytest.skip("redis-server is not installed (Debian package redis-server; `.ci/install --test` installs it)")
    import redis

    folder = tmp_path_factory.mktemp("redis")
    for _ in range(5):   # the free port may be taken between probe and bind: try another
        port = _free_port()
        proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(folder), "--logfile", str(folder / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        if proc.poll() is None:
            break
    else:
        pytest.fail(f"redis-server did not start: {(folder / 'redis.log').read_text(errors='replace')[-500:]}")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def redis_url(redis_server):
    """The module's Redis, emptied for this test."""
    import redis

    r = redis.Redis.from_url(redis_server)
    r.flushall()
    r.close()
    return redis_server


@pytest.fixture
def r(redis_url):
    """A client of the test's Redis."""
    import redis

    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


# --- a generated site: 4 sections x 130 articles, 20 links per listing page -----------------

SECTIONS, PER_SECTION, PER_PAGE = 4, 130, 20


def write_site(dest: Path, sections: int = SECTIONS, per_section: int = PER_SECTION) -> list[str]:
    """The site; returns the article paths. Article text comes from tests/sitegen.py."""
    (dest / "robots.txt").parent.mkdir(parents=True, exist_ok=True)
    (dest / "robots.txt").write_text("User-agent: *\nDisallow: /admin/\n", encoding="utf-8")
    paths, i = [], 0
    for k in range(sections):
        section = []
        for _ in range(per_section):
            p = f"/s{k}/2022/03/a{i}.html"
            f = dest / p.lstrip("/")
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(article_html(i, body_extra=f"<p>第{k}版第{i}号稿件附记：采访于当日完成。</p>"), encoding="utf-8")
            section.append((i, p))
            i += 1
        pages = [section[j:j + PER_PAGE] for j in range(0, len(section), PER_PAGE)]
        for n, chunk in enumerate(pages):
            items = "".join(f'<li><a href="{p}">{TOPICS[a % len(TOPICS)][0]}（第{a + 1}期）</a>'
                            f"<span>2022-03-{1 + a % 28:02d}</span></li>" for a, p in chunk)
            nxt = f'<a href="index_{n + 1}.html">下一页</a>' if n + 1 < len(pages) else ""
            (dest / f"s{k}" / ("index.html" if n == 0 else f"index_{n}.html")).write_text(
                f'<!doctype html><html><head><meta charset="utf-8"><title>第{k}版_测试新闻网</title></head>'
                f'<body><ul class="list">{items}</ul><div class="pages">{nxt}</div></body></html>', encoding="utf-8")
        paths += [p for _, p in section]
    return paths


def sources_toml(base_url: str, sections: int = SECTIONS) -> str:
    """One source per section; politeness off for the local test server."""
    out = []
    for k in range(sections):
        out.append(f"""[[source]]
name = "ban{k}"
title = "测试新闻网第{k}版"
category = "ban{k}"
start_urls = ["{base_url}/s{k}/index.html"]
article_url = '/s{k}/2022/03/a\\d+\\.html$'
max_pages = 100
[source.settings]
AUTOTHROTTLE_ENABLED = false
DOWNLOAD_DELAY = 0
CONCURRENT_REQUESTS_PER_DOMAIN = 8
""")
    return "\n".join(out)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(server, article paths, sources file) of the generated site, served on 127.0.0.1."""
    from aggregator.server import StaticSiteServer

    root = tmp_path_factory.mktemp("site")
    paths = write_site(root)
    with StaticSiteServer(root) as srv:
        src = root.parent / f"{root.name}-sources.toml"
        src.write_text(sources_toml(srv.base_url), encoding="utf-8")
        yield srv, paths, src


def slow_articles(srv, seconds: float = 0.02):
    """Serve article pages after a short wait, so workers always hold requests in flight."""
    pattern = re.compile(r"/s\d+/2022/03/a\d+\.html")

    def handler(req):
        time.sleep(seconds)
        path = req.site.resolve(req.path.split("?", 1)[0])
        req.respond(200, path.read_bytes(), content_type="text/html; charset=utf-8")

    srv.add_route(pattern, handler)
    return pattern


def _env(redis_url: str) -> dict:
    return {**os.environ, "REDIS_URL": redis_url, "PYTHONWARNINGS": "ignore", "PYTHONPATH": str(ROOT)}


def start_worker(tmp_path: Path, name: str, sources: Path, redis_url: str, idle_exit: float = 2.0):
    """``aggregator crawl --idle-exit S`` as a worker (log in tmp_path/<name>.log)."""
    with open(tmp_path / f"{name}.err", "w") as log:   # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "aggregator", "crawl", "--sources", str(sources), "--idle-exit", str(idle_exit),
             "-s", "AGGREGATOR_WORKER_TTL=2", "--log-file", str(tmp_path / f"{name}.log")],
            cwd=tmp_path, env=_env(redis_url), stdout=log, stderr=subprocess.STDOUT)


def start_ingest(tmp_path: Path, db: Path, redis_url: str, *args: str):
    """``aggregator ingest --db DB ARGS`` (stderr in tmp_path/ingest-N.err)."""
    n = len(list(tmp_path.glob("ingest-*.err")))
    with open(tmp_path / f"ingest-{n}.err", "w") as log:
        return subprocess.Popen([sys.executable, "-m", "aggregator", "ingest", "--db", str(db), *args],
                                cwd=tmp_path, env=_env(redis_url), stdout=log, stderr=subprocess.STDOUT)


def wait_all(procs, tmp_path: Path, timeout: float = 90) -> list[int]:
    """Return codes; on a timeout kill everything and show the logs."""
    deadline = time.monotonic() + timeout
    codes = []
    for p in procs:
        try:
            codes.append(p.wait(max(0.1, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            logs = "\n".join(f"--- {f.name}\n{f.read_text(errors='replace')[-3000:]}" for f in sorted(tmp_path.glob("*.err")))
            pytest.fail(f"processes did not finish in {timeout} s\n{logs}")
    return codes


def logs(tmp_path: Path) -> str:
    """Every captured stderr (for assertion messages)."""
    return "\n".join(f"--- {f.name}\n{f.read_text(errors='replace')[-2000:]}" for f in sorted(tmp_path.glob("*.err")))


def article_counts(db: Path) -> tuple[int, int]:
    """(rows, distinct url_keys) in the archive."""
    with sqlite3.connect(db) as conn:
        return conn.execute("select count(*), count(distinct url_key) from articles").fetchone()


# --- compatibility: why aggregator.scaleout.Scheduler exists --------------------------------


def _crawler(settings: dict, name: str = "compat"):
    import scrapy
    from scrapy.utils.test import get_crawler

    spidercls = type("CompatSpider", (scrapy.Spider,), {"name": name})
    crawler = get_crawler(spidercls, settings)
    crawler.spider = spidercls.from_crawler(crawler)
    return crawler


def test_stock_scrapy_redis_scheduler_is_not_fit_for_scrapy_219(redis_url):
    """scrapy-redis 0.9.1 on Scrapy 2.19: without its own DUPEFILTER_CLASS it crashes
    (Scrapy's filter lost ``from_settings``); with it, a deprecation warning per request
    (``spider=`` to the stats), and with SCHEDULER_PERSIST its duplicate filter outlives
    the run, so a later run never fetches listing page 2 again. Our Scheduler fixes all three."""
    from scrapy import Request
    from scrapy.exceptions import ScrapyDeprecationWarning
    from scrapy_redis.scheduler import Scheduler as StockScheduler

    with pytest.raises(AttributeError, match="from_settings"):
        StockScheduler.from_crawler(_crawler({"REDIS_URL": redis_url}))
    settings = {"REDIS_URL": redis_url, "SCHEDULER_PERSIST": True,
                "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter"}
    crawler = _crawler(settings)
    stock = StockScheduler.from_crawler(crawler)
    stock.open(crawler.spider)
    with pytest.warns(ScrapyDeprecationWarning, match="spider"):
        assert stock.enqueue_request(Request("http://127.0.0.1/list_2.html"))
        assert stock.enqueue_request(Request("http://127.0.0.1/list_3.html", priority=-1))
        assert stock.next_request().url.endswith("list_2.html")   # fetched in this run
    stock.close("finished")
    # the next scheduled run (list_3 is still queued: a worker joining a queue with work)
    stock2 = StockScheduler.from_crawler(_crawler(settings))
    with pytest.warns(ScrapyDeprecationWarning, match="Spider.log"):
        stock2.open(crawler.spider)
    assert stock2.enqueue_request(Request("http://127.0.0.1/list_2.html")) is False   # filtered forever


def test_our_scheduler_warns_nothing_and_filters_per_run(redis_url, r, recwarn):
    """Same calls through aggregator.scaleout.Scheduler: no warning (pytest runs with
    warnings as errors), duplicates filtered within a run, not across runs."""
    from scrapy import Request

    from aggregator.scaleout import Keys, ScaleOut, Scheduler

    def open_run():
        crawler = _crawler({"REDIS_URL": redis_url, "AGGREGATOR_WORKER_TTL": 2})
        s = Scheduler.from_crawler(crawler)
        s.open(crawler.spider)
        return crawler, s

    crawler, s = open_run()
    assert ScaleOut.of(crawler).seeder
    assert s.enqueue_request(Request("http://127.0.0.1/list_2.html"))
    assert not s.enqueue_request(Request("http://127.0.0.1/list_2.html"))
    req = s.next_request()
    assert req.url == "http://127.0.0.1/list_2.html" and s.next_request() is None
    s.queue.ack(None)
    s.close("finished")
    ScaleOut.of(crawler).spider_closed(crawler.spider, "finished")   # last worker out: run ends
    assert not r.exists(Keys.spider("compat", "run"))
    _, s2 = open_run()
    assert s2.enqueue_request(Request("http://127.0.0.1/list_2.html"))   # a new run fetches it again
    assert not [w for w in recwarn if "deprecat" in str(w.message).lower()]


def test_redisspider_and_engine_internals_we_depend_on():
    """Why we keep scrapy-redis's scheduler but not its RedisSpider, and a canary for the two
    private engine attributes the lease acks and wake-ups use."""
    import scrapy
    from scrapy.core.engine import ExecutionEngine, _Slot

    import scrapy_redis.spiders

    assert "spider" not in inspect.signature(ExecutionEngine.crawl).parameters
    assert "engine.crawl(req, spider=self)" in inspect.getsource(scrapy_redis.spiders)   # TypeError on 2.19
    # RedisSpider reads its first batch in start_requests(), which Scrapy 2.19's start() never calls
    assert "start_requests" in vars(scrapy_redis.spiders.RedisMixin)
    assert "start_requests" not in inspect.getsource(scrapy.Spider.start).split('"""')[2]
    init = inspect.getsource(_Slot.__init__)
    assert "self.inprogress" in init and "self.nextcall" in init


def test_addon_switches_only_with_redis_url():
    """Without REDIS_URL nothing changes; with it (also from -s) the scale-out parts are in."""
    from scrapy.settings import Settings

    from aggregator.pipelines import StorePipeline
    from aggregator.scaleout import RedisItemPipeline
    from aggregator.scaleout import ScaleOut, ScaleOutAddon, SeedOnce

    plain = Settings()
    plain.setmodule("aggregator.settings", priority="project")
    plain.set("REDIS_URL", None, priority="cmdline")
    ScaleOutAddon().update_settings(plain)
    assert plain["SCHEDULER"] == "scrapy.core.scheduler.Scheduler"
    assert "aggregator.pipelines.StorePipeline" in plain.getdict("ITEM_PIPELINES")

    scaled = Settings()
    scaled.setmodule("aggregator.settings", priority="project")
    scaled.set("REDIS_URL", "redis://127.0.0.1:1/0", priority="cmdline")
    ScaleOutAddon().update_settings(scaled)
    assert scaled["SCHEDULER"] == "aggregator.scaleout.Scheduler"
    pipes = scaled.getdict("ITEM_PIPELINES")
    assert pipes.get(RedisItemPipeline) == 900 and StorePipeline not in pipes
    assert "aggregator.pipelines.StorePipeline" not in pipes
    assert ScaleOut in scaled.getdict("EXTENSIONS") and SeedOnce in scaled.getdict("SPIDER_MIDDLEWARES")


# --- the frontier's atomic steps ---------------------------------------------------------------


def test_exactly_one_worker_seeds_and_a_dead_run_is_taken_over(r):
    """Ten workers arrive at once: one seeds. When every worker of a run died, the next seeds."""
    from aggregator.scaleout import _JOIN, _LEAVE, Keys

    join, leave = r.register_script(_JOIN), r.register_script(_LEAVE)
    k = lambda what: Keys.spider("demo", what)  # noqa: E731
    results = [join(keys=[k("run"), k("workers")], args=[f"run-{i}", 60, f"w{i}", k("alive:"), 60000])
               for i in range(10)]
    assert sum(seeded for seeded, _ in results) == 1
    assert {run for _, run in results} == {b"run-0"}
    for i in range(10):
        leave(keys=[k("run"), k("workers"), Keys.worker("demo", "alive", f"w{i}"), Keys.worker("demo", "busy", f"w{i}"),
                    Keys.worker("demo", "leases", f"w{i}"), k("dupefilter:run-0")], args=["run-0", f"w{i}", k("alive:")])
    assert not r.exists(k("run"))   # the last one out ended the run
    # a crashed run: its only worker's heartbeat expired, the run key is still there
    join(keys=[k("run"), k("workers")], args=["run-a", 60, "wa", k("alive:"), 60000])
    r.delete(Keys.worker("demo", "alive", "wa"))
    seeded, run = join(keys=[k("run"), k("workers")], args=["run-b", 60, "wb", k("alive:"), 60000])
    assert (seeded, run) == (1, b"run-b")


def test_leases_of_a_dead_worker_go_back_to_the_queue(r):
    """Popped requests stay leased until acked; re-queueing restores them with their priority."""
    import scrapy
    from scrapy import Request

    from aggregator.scaleout import _REQUEUE, LeasedQueue

    spider = scrapy.Spider(name="lease")
    q = LeasedQueue(r, spider, "aggregator:lease:requests", "aggregator:lease:leases:w1")
    q.push(Request("http://127.0.0.1/a.html", priority=5))
    q.push(Request("http://127.0.0.1/b.html"))
    first = q.pop()
    assert first.url.endswith("/a.html") and first.priority == 5
    assert len(q) == 1 and r.hlen(q.leases_key) == 1
    assert r.register_script(_REQUEUE)(keys=[q.leases_key, q.key]) == 1
    assert len(q) == 2 and not r.exists(q.leases_key)
    survivor = LeasedQueue(r, spider, q.key, "aggregator:lease:leases:w2")
    again = survivor.pop()
    assert again.url.endswith("/a.html")   # still first: priority kept
    assert survivor.ack({again}) == 0 and r.hlen(survivor.leases_key) == 1   # still in progress
    assert survivor.ack(set()) == 1 and r.hlen(survivor.leases_key) == 0     # finished: released


# --- ingest ---------------------------------------------------------------------------------------


def _article(i: int, spider: str = "ban0", **kw):
    """An article as a worker pushes it: finished by its NormalizePipeline (ingest trusts it)."""
    from aggregator.items import Article
    from aggregator.normalize import normalize_article

    title, lead = TOPICS[i % len(TOPICS)]
    return normalize_article(Article(url=f"http://127.0.0.1/s0/2022/03/a{i}.html", title=f"{title}（第{i + 1}期）",
                   published="2022-03-01T09:00:00+08:00", category="ban0", categories=["ban0"],
                   category_name="测试新闻网第0版", spider=spider,
                   body_html=f"<p>{lead}</p><p>第{i}号稿件附记。</p>", fetched_at="2022-03-02T00:00:00+00:00", **kw))[0]


def test_ingest_stores_redeliveries_once_and_recovers_a_killed_batch(redis_url, r, tmp_path, monkeypatch):
    """Items pushed twice, plus a batch a killed ingest left in the processing list: each
    article is stored once, lists end empty, the known set answers the workers' lookup,
    and a redelivered run part is not counted twice."""
    from aggregator.items import ArticleLink
    import aggregator.scaleout as so
    from aggregator.scaleout import Ingest, ItemQueue, Keys, KnownUrls, envelope

    monkeypatch.setitem(so._RUNS, "ban0", "run-1")   # what a worker's ScaleOut.open_run sets
    q = ItemQueue(redis_url)
    for i in range(30):
        q.push(_article(i))
    for i in range(10):
        q.push(_article(i))   # duplicate deliveries
    q.push(ArticleLink(url="https://www.127.0.0.1/s0/2022/03/a3.html", category="toutiao", category_name="头条", spider="ban1"))
    row = {"spider": "ban0", "finish_reason": "idle_exit", "stats": json.dumps({"response_received_count": 40,
           "aggregator/listing_pages": 2, "aggregator/article_pages": 38, "aggregator/start_urls": 1}),
           "started_at": "2022-03-02T00:00:00+00:00", "finished_at": "2022-03-02T00:01:00+00:00"}
    r.lpush(Keys.items, envelope("run", row, "ban0"), envelope("run", row, "ban0"))   # the same part twice
    # what a killed ingest leaves behind: entries moved to processing, never acked
    for i in (30, 31):
        r.lpush(Keys.processing, envelope("article", _article(i).to_dict(), "ban0"))
    report = Ingest(redis_url, tmp_path / "a.db", batch_size=7, idle_exit=0.3).run()
    assert report.requeued == 2
    assert article_counts(tmp_path / "a.db") == (32, 32)
    assert report.articles["new"] == 32 and report.articles["unchanged"] == 10 and report.links == 1
    assert r.llen(Keys.items) == 0 and r.llen(Keys.processing) == 0
    known = KnownUrls(r)
    assert known.lookup("http://127.0.0.1/s0/2022/03/a5.html")["categories"] == ["ban0"]
    assert known.lookup("http://127.0.0.1/s0/2022/03/a3.html")["categories"] == ["ban0", "toutiao"]
    assert known.lookup("http://127.0.0.1/s0/2022/03/a99.html") is None
    with sqlite3.connect(tmp_path / "a.db") as conn:
        runs = conn.execute("select spider, status, pages, items_new, items_unchanged from crawl_runs").fetchall()
    assert runs == [("ban0", "ok", 40, 32, 10)]
    # a new ingest rebuilds the known set from the archive
    r.delete(Keys.known)
    Ingest(redis_url, tmp_path / "a.db", idle_exit=0.1).run()
    assert r.hlen(Keys.known) == 32


def test_killed_ingest_restarted_loses_and_duplicates_nothing(redis_url, r, tmp_path):
    """SIGKILL an `aggregator ingest` mid-way through 600 queued articles (some queued twice),
    restart it: every article is stored exactly once and both lists end empty."""
    from aggregator.scaleout import ItemQueue, Keys

    q = ItemQueue(redis_url)
    n = 600
    pipe = r.pipeline(transaction=False)
    q_pipe = ItemQueue(server=pipe)
    for i in range(n):
        q_pipe.push(_article(i))
        if i % 10 == 0:
            q_pipe.push(_article(i))
    pipe.execute()
    total = r.llen(Keys.items)
    db = tmp_path / "a.db"
    first = start_ingest(tmp_path, db, redis_url, "--batch-size", "10")
    deadline = time.monotonic() + 60
    stored = 0
    while time.monotonic() < deadline:
        if db.exists():
            try:
                stored = article_counts(db)[0]
            except sqlite3.OperationalError:
                stored = 0
        if stored >= 150:
            break
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    left = r.llen(Keys.items) + r.llen(Keys.processing)
    assert 0 < stored < n and 0 < left < total, logs(tmp_path)
    second = start_ingest(tmp_path, db, redis_url, "--idle-exit", "0.5")
    assert wait_all([second], tmp_path) == [0], logs(tmp_path)
    assert article_counts(db) == (n, n)
    assert r.llen(Keys.items) == 0 and r.llen(Keys.processing) == 0
    assert r.hlen(Keys.known) == n
    assert len(q) == 0


def test_ingest_without_flag_runs_until_sigterm_then_exits_0(redis_url, r, tmp_path):
    """The systemd mode: no --idle-exit, store what arrives, stop cleanly on SIGTERM."""
    from aggregator.scaleout import ItemQueue, Keys

    db = tmp_path / "a.db"
    proc = start_ingest(tmp_path, db, redis_url)
    q = ItemQueue(redis_url)
    for i in range(5):
        q.push(_article(i))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (db.exists() and r.llen(Keys.items) == 0 and r.llen(Keys.processing) == 0):
        time.sleep(0.05)
    time.sleep(1.5)
    assert proc.poll() is None, "still running without --idle-exit"
    proc.send_signal(signal.SIGTERM)
    assert wait_all([proc], tmp_path, timeout=10) == [0], logs(tmp_path)
    assert article_counts(db) == (5, 5)
    assert "ingested 5 articles (5 new" in (tmp_path / "ingest-0.err").read_text()


def test_second_ingest_on_the_same_archive_exits_75(redis_url, tmp_path):
    """One writer per archive: a second ingest finds archive.db.ingest.lock held and exits 75."""
    from aggregator.project import RunLock

    db = tmp_path / "a.db"
    with RunLock(f"{db}.ingest"):
        proc = start_ingest(tmp_path, db, redis_url, "--idle-exit", "0")
        assert wait_all([proc], tmp_path, timeout=30) == [75]
    assert "another run holds" in (tmp_path / "ingest-0.err").read_text()


def test_ingest_needs_redis_url(run_cli, tmp_path):
    """One line on stderr and exit 1 when there is no Redis to read from."""
    res = run_cli("ingest", "--db", tmp_path / "a.db", "--idle-exit", "0")
    assert res.returncode == 1
    assert res.stderr.strip().splitlines() == ["aggregator: REDIS_URL is not set: ingest reads the items crawl workers push to Redis"]


# --- end to end: workers + ingest against the local site -------------------------------------------


def test_three_workers_and_ingest_fetch_and_store_every_article_once(site, redis_url, r, tmp_path):
    """Three `crawl` processes share one frontier: every article page is fetched once, every
    listing page once (seeded once per run), every article stored once; all exit 0 by
    themselves. A second run fetches only the first listing pages (incremental rules)."""
    from aggregator.scaleout import Keys

    srv, paths, sources = site
    srv.clear_log()
    db = tmp_path / "archive.db"
    ingest = start_ingest(tmp_path, db, redis_url, "--idle-exit", "10")
    workers = [start_worker(tmp_path, f"w{i}", sources, redis_url) for i in range(3)]
    codes = wait_all(workers + [ingest], tmp_path)
    assert codes == [0, 0, 0, 0], logs(tmp_path)

    fetched = collections.Counter(p for _, p, status in srv.requests if status == 200)
    assert [p for p in paths if fetched[p] != 1] == [], "every article page exactly once"
    listing = {p: c for p, c in fetched.items() if "/index" in p}
    assert len(listing) == SECTIONS * -(-PER_SECTION // PER_PAGE) and set(listing.values()) == {1}
    assert article_counts(db) == (len(paths), len(paths))
    with sqlite3.connect(db) as conn:
        runs = conn.execute("select spider, status, items_new, listing_pages, article_pages, "
                            "json_extract(stats, '$.\"aggregator/run_workers\"') from crawl_runs order by spider").fetchall()
    assert [(s, st, new, lp, ap, w) for s, st, new, lp, ap, w in runs] == [
        (f"ban{k}", "ok", PER_SECTION, -(-PER_SECTION // PER_PAGE), PER_SECTION, 3) for k in range(SECTIONS)]
    per_worker = [sum(map(int, re.findall(r"'aggregator/article_pages': (\d+)", (tmp_path / f"w{i}.log").read_text())))
                  for i in range(3)]   # from the stats each crawler dumps at INFO
    assert sum(per_worker) == len(paths) and min(per_worker) > 0, f"the frontier is shared: {per_worker}"
    assert r.hlen(Keys.known) == len(paths)
    assert not r.keys("aggregator:ban*"), "runs ended, queues empty, no leases left"

    # second run on the unchanged site: only the first listing page of each source
    srv.clear_log()
    ingest = start_ingest(tmp_path, db, redis_url, "--idle-exit", "3")
    workers = [start_worker(tmp_path, f"v{i}", sources, redis_url, idle_exit=1) for i in range(2)]
    assert wait_all(workers + [ingest], tmp_path) == [0, 0, 0], logs(tmp_path)
    fetched = collections.Counter(p for _, p, _ in srv.requests if p != "/robots.txt")
    assert fetched == {f"/s{k}/index.html": 1 for k in range(SECTIONS)}
    assert article_counts(db) == (len(paths), len(paths))


def test_killed_worker_leaves_the_frontier_to_the_others(site, redis_url, r, tmp_path):
    """SIGKILL one of three workers mid-crawl: the survivors re-queue the requests it held,
    finish the frontier and exit 0; every article is fetched and stored exactly once in the
    archive (a page may be fetched twice only if the dead worker held it)."""
    from aggregator.scaleout import Keys

    srv, paths, sources = site
    srv.clear_log()
    pattern = slow_articles(srv)
    try:
        db = tmp_path / "archive.db"
        ingest = start_ingest(tmp_path, db, redis_url, "--idle-exit", "10")
        workers = [start_worker(tmp_path, f"w{i}", sources, redis_url) for i in range(3)]
        victim = f"*:leases:*:{workers[0].pid}:*"   # WORKER_ID = host:pid:token
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = sum(1 for _, p, _ in srv.requests if "/a" in p)
            # kill only once the victim holds leases: on a loaded machine it may start late
            if done >= 150 and any(r.hlen(k) for k in r.keys(f"aggregator:{victim}")):
                break
            time.sleep(0.01)
        workers[0].send_signal(signal.SIGKILL)
        codes = wait_all(workers[1:] + [ingest], tmp_path)
        workers[0].wait(10)
    finally:
        srv.remove_route(pattern)
    assert codes == [0, 0, 0], logs(tmp_path)
    assert 150 <= done < len(paths)
    fetched = collections.Counter(p for _, p, status in srv.requests if status == 200)
    assert [p for p in paths if not fetched[p]] == [], "the frontier was finished"
    requeued = sum(int(v) for v in r.hgetall(Keys.counters).values())
    assert requeued > 0, "the dead worker held requests; the survivors put them back"
    assert sum(fetched[p] - 1 for p in paths) <= requeued
    assert article_counts(db) == (len(paths), len(paths))
    assert not r.keys("aggregator:ban*")


def test_down_site_still_fails_the_worker_that_hit_it(redis_url, tmp_path):
    """Scale-out keeps cron's alarm: the worker whose listing request failed exits 1 naming
    the source, the idle joiner exits 0, and the merged crawl_runs row says failed."""
    port = _free_port()   # nothing listens there
    sources = tmp_path / "down.toml"
    sources.write_text(f"""[[source]]
name = "down"
title = "停刊测试报"
start_urls = ["http://127.0.0.1:{port}/news/index.html"]
[source.settings]
AUTOTHROTTLE_ENABLED = false
DOWNLOAD_DELAY = 0
RETRY_TIMES = 0
ROBOTSTXT_OBEY = false
""", encoding="utf-8")
    db = tmp_path / "archive.db"
    ingest = start_ingest(tmp_path, db, redis_url, "--idle-exit", "10")
    workers = [start_worker(tmp_path, f"w{i}", sources, redis_url, idle_exit=1) for i in range(2)]
    codes = wait_all(workers + [ingest], tmp_path)
    assert sorted(codes[:2]) == [0, 1] and codes[2] == 0, logs(tmp_path)
    failed = [i for i in range(2) if codes[i] == 1][0]
    assert "source down failed: site unreachable" in (tmp_path / f"w{failed}.err").read_text()
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select status, reason, json_extract(stats, '$.\"aggregator/run_workers\"') "
                            "from crawl_runs where spider = 'down'").fetchall()
    assert len(rows) == 1 and rows[0][0] == "failed" and "connection_refused" in rows[0][1] and rows[0][2] == 2
