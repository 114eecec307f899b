"""Crash safety: ``kill -9`` mid-crawl and mid-export loses nothing and corrupts nothing.

* A crawl of a slow site is killed after some articles were stored: the archive passes
  ``PRAGMA integrity_check``, the next run completes and the archive then holds every
  article exactly once (row count = distinct ``url_key`` = articles on the site).
* An export of many feeds is killed half-way: every feed file parses and is byte for byte
  either the old version or the new one (atomic replace), and the next export completes.
* A reader holding a read transaction (WAL) does not block a crawl, and keeps its snapshot.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import etree

from aggregator.server import StaticSiteServer
from tests.sitegen import article_html, write_portal

pytestmark = pytest.mark.e2e

N_ARTICLES = 60


def _env():
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("REDIS_URL", None)
    return env


def aggregator(*args, cwd) -> subprocess.Popen:
    """Start ``python -m aggregator ARGS`` (the cron path)."""
    return subprocess.Popen([sys.executable, "-m", "aggregator", *map(str, args)], cwd=cwd, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen, timeout: float = 120) -> tuple[int, str]:
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err


def ro(db: Path):
    """A read-only connection, closed when the ``with`` block ends."""
    return contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10))


def stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with ro(db) as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:  # schema not created yet
        return 0


def check_archive(db: Path) -> tuple[int, int]:
    """integrity_check ok; returns (rows, distinct url_key)."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        return conn.execute("SELECT count(*), count(DISTINCT url_key) FROM articles").fetchone()
    finally:
        conn.close()


@pytest.fixture
def slow_portal(tmp_path):
    """The test portal with article pages that take 0.2 s each (keeps a crawl busy)."""
    site = tmp_path / "site"
    write_portal(site, n_articles=N_ARTICLES, per_page=N_ARTICLES)

    def slow_article(req):
        time.sleep(0.2)
        i = int(re.search(r"/a(\d+)\.html", req.path).group(1))
        req.respond(200, article_html(i), content_type="text/html; charset=utf-8")

    with StaticSiteServer(site, routes={re.compile(r"/news/2022/03/a\d+\.html"): slow_article}) as srv:
        sources = tmp_path / "sources.toml"
        sources.write_text(
            f'[[source]]\nname = "slow"\ntitle = "慢速新闻网"\nstart_urls = ["{srv.url("/news/index.html")}"]\n'
            "[source.settings]\nAUTOTHROTTLE_ENABLED = false\nDOWNLOAD_DELAY = 0\nCONCURRENT_REQUESTS_PER_DOMAIN = 4\n"
            "AGGREGATOR_BATCH_SIZE = 3\n", encoding="utf-8")
        yield srv, sources


def test_kill_9_during_a_crawl_loses_nothing(slow_portal, tmp_path):
    srv, sources = slow_portal
    db = tmp_path / "a.db"
    args = ("run", "--sources", sources, "--db", db, "--out", tmp_path / "feeds", "--quiet")
    proc = aggregator(*args, cwd=tmp_path)
    deadline = time.monotonic() + 60
    while stored(db) < 12 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the crawl ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    before = stored(db)
    assert 12 <= before < N_ARTICLES
    rows, keys = check_archive(db)
    assert rows == keys == before

    # the next run is not blocked by the dead run's lock, completes, and adds the rest once
    code, err = finish(aggregator(*args, cwd=tmp_path))
    assert code == 0, err
    rows, keys = check_archive(db)
    assert rows == keys == N_ARTICLES
    with ro(db) as conn:
        urls = [u for (u,) in conn.execute("SELECT url FROM articles")]
        runs = conn.execute("SELECT status, items_new FROM crawl_runs").fetchall()
    assert len(set(urls)) == N_ARTICLES
    assert runs == [("ok", N_ARTICLES - before)], runs
    for f in ("all.xml", "all.atom"):
        etree.parse(str(tmp_path / "feeds" / f))


# --- export -------------------------------------------------------------------------------------------

N_CATEGORIES = 80


def _many_feeds_archive(path: Path, version: int) -> None:
    """An archive with N_CATEGORIES categories (and sources), two articles each; each
    ``version`` adds one more article to every category, so every feed changes."""
    from aggregator.archive import Archive
    from aggregator.items import Article
    from aggregator.sources import Source

    with Archive(path) as archive:
        archive.upsert_sources([Source(name=f"s{c:03d}", title=f"第{c}号来源", start_urls=(f"https://s{c}.example.cn/",),
                                       category=f"cat{c:03d}", category_name=f"第{c}类") for c in range(N_CATEGORIES)])
        arts = []
        for c in range(N_CATEGORIES):
            for k in range(2 + version):
                body = "".join(f"<p>第{c}类第{k}篇第{p}段：社区服务中心为居民办理各类事项，工作人员耐心解答。{c * 100 + k}</p>"
                               for p in range(6))
                arts.append(Article(url=f"https://s{c}.example.cn/a{k}.html", title=f"第{c}类的第{k}篇新闻稿件",
                                    published=f"2022-03-{1 + k:02d}T08:00:00+08:00", category=f"cat{c:03d}",
                                    categories=[f"cat{c:03d}"], category_name=f"第{c}类", spider=f"s{c:03d}",
                                    body_html=body, body_text=body.replace("<p>", "").replace("</p>", "\n"),
                                    source=f"第{c}号来源", fetched_at="2022-03-10T00:00:00+00:00"))
        archive.store_articles(arts, now="2022-03-10T00:00:00+00:00")


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _parse(name: str, data: bytes) -> None:
    if name.endswith((".xml", ".atom", ".opml")):
        etree.fromstring(data)
    elif name.endswith(".json"):
        json.loads(data)


def test_kill_9_during_an_export_leaves_old_or_new_feeds(tmp_path):
    db, out, fresh = tmp_path / "a.db", tmp_path / "feeds", tmp_path / "fresh"
    _many_feeds_archive(db, 0)
    export = ("export", "--db", db, "--base-url", "https://feeds.example.org/", "--quiet")
    code, err = finish(aggregator(*export, "--out", out, cwd=tmp_path))
    assert code == 0, err
    old = _snapshot(out)
    assert len(old) > 3 * N_CATEGORIES

    _many_feeds_archive(db, 1)        # every feed changes
    code, err = finish(aggregator(*export, "--out", fresh, cwd=tmp_path))
    assert code == 0, err
    new = _snapshot(fresh)
    assert set(new) == set(old)

    started = time.time()
    proc = aggregator(*export, "--out", out, cwd=tmp_path)
    changed = 0
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        changed = 0
        for e in os.scandir(out):
            try:
                changed += not e.name.endswith(".tmp") and e.stat().st_mtime >= started
            except FileNotFoundError:  # a temp file renamed under our feet
                pass
        if changed >= 20:
            break
    proc.send_signal(signal.SIGKILL)
    proc.communicate()

    after = _snapshot(out)
    leftovers = [n for n in after if n not in old]
    finals = {n: b for n, b in after.items() if n in old}
    n_new = sum(1 for n, b in finals.items() if b == new[n] != old[n])
    assert 0 < n_new < len(old), f"not killed mid-way ({n_new} of {len(old)} files new): make the export bigger"
    for name, data in finals.items():
        assert data in (old[name], new[name]), f"{name} is neither the old nor the new version"
        _parse(name, data)
    assert all(re.fullmatch(r"(.*/)?\.[^/]+\.tmp", n) for n in leftovers), leftovers   # only temp files

    # the next export completes and the folder then equals a fresh export
    code, err = finish(aggregator(*export, "--out", out, cwd=tmp_path))
    assert code == 0, err
    final = _snapshot(out)
    assert {n: b for n, b in final.items() if n in new} == new
    assert [n for n in final if n not in new] == [], "temp files of the killed export were left behind"


# --- readers ---------------------------------------------------------------------------------------------


def test_a_reader_holding_a_read_transaction_does_not_block_the_crawl(tmp_path):
    site = tmp_path / "site"
    write_portal(site, n_articles=6, per_page=30)
    with StaticSiteServer(site) as srv:
        sources = tmp_path / "sources.toml"
        sources.write_text(
            f'[[source]]\nname = "ceshi"\ntitle = "测试新闻网"\nstart_urls = ["{srv.url("/news/index.html")}"]\n'
            "[source.settings]\nAUTOTHROTTLE_ENABLED = false\nDOWNLOAD_DELAY = 0\nAGGREGATOR_BATCH_SIZE = 2\n",
            encoding="utf-8")
        db = tmp_path / "a.db"
        args = ("crawl", "--sources", sources, "--db", db, "--quiet")
        code, err = finish(aggregator(*args, cwd=tmp_path))
        assert code == 0, err
        write_portal(site, n_articles=20, per_page=30)

        reader = sqlite3.connect(db, isolation_level=None)
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 6   # snapshot taken
        try:
            t0 = time.monotonic()
            code, err = finish(aggregator(*args, cwd=tmp_path))
            took = time.monotonic() - t0
            assert code == 0, err
            assert took < 30, f"the crawl waited for the reader ({took:.1f} s)"
            assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 6   # still its snapshot
        finally:
            reader.execute("COMMIT")
        assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 20
        reader.close()
    rows, keys = check_archive(db)
    assert rows == keys == 20
