"""Extraction processes (``AGGREGATOR_EXTRACT_PROCESSES``, ``aggregator.offload``).

* A crawl whose article pages are extracted in worker processes stores exactly the
  archive (rows, bodies, fingerprints, search index) that in-process extraction stores.
* A worker killed under a page is replaced; a page that kills its worker twice is an
  error for that page only.
* ``kill -9`` of the crawl leaves no worker behind (nor the crawl's stdout held open).
* Warnings logged while extracting in a worker reach the crawl's log.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from aggregator import offload
from aggregator.demo import build_site, render_sources
from aggregator.server import StaticSiteServer
from aggregator.sources import Source, load_sources
from tests.test_crash import N_ARTICLES, slow_portal, stored  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e

NOW = "2022-03-01T12:00:00+08:00"   # relative dates and undated pages resolve alike in both crawls
# not ``category``: a page reached from two sources keeps the first one's (download order);
# its categories are compared through article_categories
ROW = ("url", "title", "published", "published_guessed", "published_from", "source", "author", "origin_url", "content_hash", "body_fingerprint", "body_html", "body_text")


def _offload_children(pid: int) -> list[int]:
    """Pids of the extraction processes started by process ``pid``."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid and b"aggregator.offload" in cmdline:
            out.append(int(entry.name))
    return out


def _archive(db: Path) -> tuple[dict, dict, set, tuple]:
    """(rows by url, search-index rows by url, duplicate pairs + (url, category), page counts)."""
    with sqlite3.connect(db) as conn:
        rows = {r[0]: r for r in conn.execute(f"SELECT {', '.join(ROW)} FROM articles")}
        search = {r[0]: r[1:] for r in conn.execute(
            "SELECT a.url, s.title, s.lead, s.body FROM articles a JOIN articles_search s ON s.rowid = a.id")}
        # which copy of a syndicated story came first depends on download order: compare clusters
        dups = {frozenset(r) for r in conn.execute(
            "SELECT a.url, d.url FROM articles a JOIN articles d ON d.id = a.duplicate_of")}
        dups |= {r for r in conn.execute(
            "SELECT a.url, c.category FROM articles a JOIN article_categories c ON c.article_id = a.id")}
        stats = conn.execute(
            "SELECT sum(json_extract(stats, '$.\"aggregator/article_pages\"')), "
            "sum(json_extract(stats, '$.\"aggregator/pages_extracted_in_workers\"')) FROM crawl_runs").fetchone()
    return rows, search, dups, stats


def test_workers_store_the_same_archive_as_in_process_extraction(tmp_path, run_cli):
    """The demo site (GBK portal with a 2-page article, RSS site, JSON API, Jekyll-style
    site) crawled with 0 and with 2 extraction processes: identical archives."""
    site = tmp_path / "site"
    site.mkdir()
    with StaticSiteServer(site) as srv:
        info = build_site(site, srv.base_url)
        sources = render_sources(srv.base_url, tmp_path / "sources.toml")
        results = {}
        for n in (0, 2):
            db = tmp_path / f"a{n}.db"
            r = run_cli("crawl", "--sources", sources, "--db", db, "--quiet", "-s", f"AGGREGATOR_EXTRACT_PROCESSES={n}",
                        "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "DOWNLOAD_DELAY=0", "-s", f"AGGREGATOR_NOW={NOW}")
            assert r.returncode == 0, r.stderr
            results[n] = _archive(db)
    (rows0, search0, dups0, stats0), (rows2, search2, dups2, stats2) = results[0], results[2]
    assert len(rows0) >= len(info.articles) - 2
    assert rows2 == rows0
    assert search2 == search0 and len(search0) == len(rows0)
    assert dups2 == dups0 and dups0
    assert stats0[0] > 100 and stats0[1] is None, "0 processes: every page extracted in the crawl process"
    assert stats2 == (stats0[0], stats0[0]), "2 processes: every article page extracted in them"


def test_source_survives_pickling():
    src = load_sources(Path(__file__).parents[1] / "spiders" / "sources.toml")[0]
    copy = pickle.loads(pickle.dumps(src))
    assert copy == src and type(copy.selectors) is type(src.selectors)


def test_worker_warnings_come_back_with_the_fields():
    """A failing field extractor is logged in the worker; the records travel with the fields."""
    src = Source(name="bad", title="坏选择器网", selectors={"title": "//h1["})   # invalid XPath
    html = ("<html><body><h1>标题</h1><div class='c'><p>" + "这是一段足够长的正文内容，用于测试。" * 20 + "</p></div>"
            "</body></html>").encode()
    fields, records = offload.extract_page(html, "http://example.cn/a.html", "utf-8", src, None, 1_000_000)
    assert fields["body_text"] and fields["prepared_body"].text
    assert any(level == logging.WARNING and "title" in text for _, level, text in records), records


PAGE = ("<html><head><title>示例新闻</title></head><body><h1>区里召开冬季供暖工作会议</h1>"
        "<div class='info'>2022-11-20 09:30 来源：示例日报</div><div class='content'>"
        + "<p>会议要求各供热单位提前检修管网，确保居民室温达标，并公布投诉电话。</p>" * 12 + "</div></body></html>").encode()


def test_a_killed_worker_is_replaced():
    src = Source(name="t", title="示例网")

    async def scenario():
        pool = offload.ExtractPool(1)
        try:
            first, _ = await pool.extract(PAGE, "http://example.cn/1.html", "utf-8", src, None, 1_000_000)
            (pid,) = _offload_children(os.getpid())
            os.kill(pid, signal.SIGKILL)
            second, _ = await pool.extract(PAGE, "http://example.cn/1.html", "utf-8", src, None, 1_000_000)
            assert second["title"] == first["title"] == "区里召开冬季供暖工作会议"
            assert second["prepared_body"] == first["prepared_body"]
            assert _offload_children(os.getpid()) not in ([], [pid])
        finally:
            pool.shutdown()

    asyncio.run(scenario())
    assert _offload_children(os.getpid()) == []


def test_a_page_that_kills_its_worker_twice_is_an_error_for_that_page_only(caplog):
    stop = threading.Event()
    killed = set()

    def killer():   # plays the OOM killer: every extraction process dies as soon as it exists
        while not stop.is_set():
            for pid in _offload_children(os.getpid()):
                if pid not in killed:
                    os.kill(pid, signal.SIGKILL)
                    killed.add(pid)
            time.sleep(0.005)

    src = Source(name="t", title="示例网")

    async def scenario():
        pool = offload.ExtractPool(1)
        thread = threading.Thread(target=killer)
        thread.start()
        try:
            with pytest.raises(offload.ExtractionCrashed):
                await pool.extract(PAGE * 50, "http://example.cn/big.html", "utf-8", src, None, 1_000_000)
        finally:
            stop.set()
            thread.join()
        try:
            assert len(killed) == 2
            assert sum("attempt" in r.getMessage() for r in caplog.records) == 2
            fields, _ = await pool.extract(PAGE, "http://example.cn/2.html", "utf-8", src, None, 1_000_000)
            assert fields["source"] == "示例日报", "the next page is extracted by a fresh worker"
        finally:
            pool.shutdown()

    asyncio.run(scenario())


def test_kill_9_of_the_crawl_takes_its_workers_along(slow_portal, tmp_path):  # noqa: F811
    srv, sources = slow_portal
    db = tmp_path / "a.db"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "aggregator", "crawl", "--sources", str(sources), "--db", str(db),
                             "--quiet", "-s", "AGGREGATOR_EXTRACT_PROCESSES=2"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while stored(db) < 6 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    workers = _offload_children(proc.pid)
    assert proc.poll() is None and len(workers) == 2, "two workers busy in a running crawl"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)   # the workers do not hold the crawl's stdout/stderr open
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{w}").exists() for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = [w for w in workers if Path(f"/proc/{w}").exists() and "Z" not in _state(w)]
    assert alive == [], "extraction processes outlived the crawl"
    assert 6 <= stored(db) < N_ARTICLES


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def test_a_page_that_takes_too_long_is_given_up_and_the_worker_replaced(caplog):
    """The per-page time limit: a page slower than the limit kills its worker (twice, then
    ExtractionCrashed); the next page gets a fresh worker. The clock starts once a worker
    is ready, so its start-up does not count."""
    src = Source(name="t", title="示例网")

    async def scenario():
        pool = offload.ExtractPool(1, timeout=0.2)
        try:
            small, _ = await pool.extract(PAGE, "http://example.cn/1.html", "utf-8", src, None, 1_000_000)
            (first,) = _offload_children(os.getpid())
            big = PAGE.replace(b"</div></body>", b"".join(
                f"<p>第{i}段：供热管网检修进度通报，居民可拨打热线反映室温问题。</p>".encode() for i in range(20000))
                + b"</div></body>")
            started = time.monotonic()
            with pytest.raises(offload.ExtractionCrashed):
                await pool.extract(big, "http://example.cn/big.html", "utf-8", src, None, 10_000_000)
            assert time.monotonic() - started < 30
            again, _ = await pool.extract(PAGE, "http://example.cn/2.html", "utf-8", src, None, 1_000_000)
            assert again["title"] == small["title"]
            assert first not in _offload_children(os.getpid())
        finally:
            pool.shutdown()

    asyncio.run(scenario())
    messages = [r.getMessage() for r in caplog.records]
    assert sum("gave no answer within 0.2 s" in m for m in messages) == 2, messages
