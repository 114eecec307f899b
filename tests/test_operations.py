"""Cron-grade operations, end to end: the real CLI in a subprocess against local servers.

Quiet success, the lock (exit 75, stale locks), a down site (exit 1, the others still
stored and exported), incremental second runs (request log), and a redesign that breaks
extraction being reported as degraded by `run` and `status`.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import sqlite_utils

from aggregator.server import StaticSiteServer
from tests.sitegen import sources_toml, write_portal

pytestmark = pytest.mark.e2e


@pytest.fixture
def portal(tmp_path):
    site = tmp_path / "site"
    write_portal(site, n_articles=12)
    with StaticSiteServer(site) as srv:
        yield srv, site


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def setup_sources(tmp_path, entries):
    p = tmp_path / "sources.toml"
    p.write_text(sources_toml(entries), encoding="utf-8")
    return p


def test_quiet_run_prints_nothing_and_second_run_fetches_only_first_listing(portal, tmp_path, run_cli):
    srv, _ = portal
    src = setup_sources(tmp_path, [("ceshi", "测试新闻网", srv.url("/news/index.html"))])
    args = ("run", "--sources", src, "--db", tmp_path / "a.db", "--out", tmp_path / "feeds", "--quiet")
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == "" and first.stderr == ""
    db = sqlite_utils.Database(tmp_path / "a.db")
    assert db["articles"].count == 12
    paths = [p for _, p, _ in srv.requests]
    assert "/news/index_1.html" in paths
    assert (tmp_path / "feeds" / "ceshixinwenwang.xml").exists()

    srv.clear_log()
    second = run_cli(*args)
    assert second.returncode == 0 and second.stderr == ""
    fetched = sorted({p for _, p, _ in srv.requests})
    assert fetched == ["/news/index.html", "/robots.txt"], fetched
    assert db["articles"].count == 12

    # third run: the listing's validators were stored by run 2, so the server answers 304
    srv.clear_log()
    third = run_cli(*args)
    assert third.returncode == 0
    statuses = [(p, s) for _, p, s in srv.requests if p == "/news/index.html"]
    assert statuses == [("/news/index.html", 304)]
    runs = list(db.query("select status, items_new from crawl_runs order by id"))
    assert [r["status"] for r in runs] == ["ok", "ok", "ok"]
    assert runs[0]["items_new"] == 12 and runs[1]["items_new"] == 0


def test_second_run_while_locked_exits_75_at_once(portal, tmp_path, run_cli):
    srv, _ = portal
    src = setup_sources(tmp_path, [("ceshi", "测试新闻网", srv.url("/news/index.html"))])
    db = tmp_path / "a.db"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys,time; from aggregator.project import RunLock\n"
         f"with RunLock({str(db)!r}):\n    print('locked', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        t0 = time.monotonic()
        r = run_cli("run", "--sources", src, "--db", db, "--out", tmp_path / "feeds", "--quiet")
        assert r.returncode == 75
        assert time.monotonic() - t0 < 5
        assert "another run holds" in r.stderr and r.stderr.count("\n") == 1
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        holder.stdout.close()
    # the killed holder's lock is stale: the next run is not blocked
    r = run_cli("run", "--sources", src, "--db", db, "--out", tmp_path / "feeds", "--quiet")
    assert r.returncode == 0, r.stderr


def test_down_site_exits_1_naming_it_while_others_are_stored(portal, tmp_path, run_cli):
    srv, _ = portal
    src = setup_sources(tmp_path, [
        ("ceshi", "测试新闻网", srv.url("/news/index.html")),
        ("down", "停机新闻网", f"http://127.0.0.1:{closed_port()}/news/index.html"),
    ])
    r = run_cli("run", "--sources", src, "--db", tmp_path / "a.db", "--out", tmp_path / "feeds", "--quiet")
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "source down failed" in lines[0] and "connection_refused" in lines[0]
    db = sqlite_utils.Database(tmp_path / "a.db")
    assert db["articles"].count == 12
    assert (tmp_path / "feeds" / "ceshixinwenwang.atom").exists()
    st = run_cli("status", "--db", tmp_path / "a.db", "--json")
    verdicts = {json.loads(l)["name"]: json.loads(l)["verdict"] for l in st.stdout.splitlines()}
    assert verdicts["down"] == "failing" and verdicts["ceshi"] == "ok"


def test_redesign_is_reported_degraded(tmp_path, run_cli):
    site = tmp_path / "site"
    write_portal(site, n_articles=8)
    with StaticSiteServer(site) as srv:
        src = setup_sources(tmp_path, [("ceshi", "测试新闻网", srv.url("/news/index.html"))])
        args = ("run", "--sources", src, "--db", tmp_path / "a.db", "--out", tmp_path / "feeds", "--quiet")
        assert run_cli(*args).returncode == 0
        # the site is redesigned: new articles appear, their pages no longer carry a body
        write_portal(site, n_articles=16, layout="redesign")
        r = run_cli(*args)
    assert r.returncode == 1
    assert "source ceshi degraded" in r.stderr and "dropped" in r.stderr
    st = run_cli("status", "--db", tmp_path / "a.db", "--json")
    (rec,) = [json.loads(l) for l in st.stdout.splitlines()]
    assert rec["verdict"] == "degraded"
    db = sqlite_utils.Database(tmp_path / "a.db")
    assert db["articles"].count == 8, "nothing broken was stored, nothing was lost"


def test_crawl_from_another_working_directory(portal, tmp_path, run_cli):
    """cron starts in $HOME: the spiders package and settings are found anyway."""
    srv, _ = portal
    src = setup_sources(tmp_path, [("ceshi", "测试新闻网", srv.url("/news/index.html"))])
    home = tmp_path / "home"
    home.mkdir()
    r = run_cli("crawl", "--sources", src, "--db", "a.db", "--quiet", cwd=home)
    assert r.returncode == 0, r.stderr
    assert (home / "a.db").exists()


def test_redirected_article_is_not_fetched_again(tmp_path, run_cli):
    """A listing that links an old URL redirecting to the article: stored under the new URL,
    and the next run recognises the old one (url_aliases) instead of fetching it again."""
    from aggregator.server_routes import redirect_route

    site = tmp_path / "site"
    write_portal(site, n_articles=3)
    index = site / "news" / "index.html"
    index.write_text(index.read_text(encoding="utf-8").replace('href="/news/2022/03/a2.html"', 'href="/old/a2.html"'),
                     encoding="utf-8")
    with StaticSiteServer(site, routes={"/old/a2.html": redirect_route("/news/2022/03/a2.html", 301)}) as srv:
        src = setup_sources(tmp_path, [("ceshi", "测试新闻网", srv.url("/news/index.html"))])
        args = ("crawl", "--sources", src, "--db", tmp_path / "a.db", "--quiet")
        assert run_cli(*args).returncode == 0
        db = sqlite_utils.Database(tmp_path / "a.db")
        urls = {r["url"].split(str(srv.port))[-1] for r in db.query("select url from articles")}
        assert urls == {"/news/2022/03/a0.html", "/news/2022/03/a1.html", "/news/2022/03/a2.html"}
        srv.clear_log()
        assert run_cli(*args).returncode == 0
        again = {p for _, p, _ in srv.requests}
    assert again == {"/news/index.html", "/robots.txt"}, again


def test_recrawl_changes_nothing_and_an_edited_article_updates_one_row(tmp_path, run_cli):
    """`--refresh` re-fetches everything: an unchanged site leaves rows, updated_at and the
    full-text index alone; one edited article updates exactly its row and adds one revision."""
    from tests.sitegen import article_html

    site = tmp_path / "site"
    write_portal(site, n_articles=6)
    with StaticSiteServer(site) as srv:
        src = setup_sources(tmp_path, [("ceshi", "测试新闻网", srv.url("/news/index.html"))])
        args = ("crawl", "--sources", src, "--db", tmp_path / "a.db", "--quiet", "--refresh")
        assert run_cli(*args).returncode == 0
        db = sqlite_utils.Database(tmp_path / "a.db")

        def snapshot():
            rows = {r["url"]: (r["updated_at"], r["content_hash"]) for r in db.query("select * from articles")}
            fts = db.execute("select count(*) from articles_search where articles_search match '\"记者\"'").fetchone()[0]
            return rows, fts

        before = snapshot()
        assert run_cli(*args).returncode == 0
        assert snapshot() == before
        assert db["article_revisions"].count == 0

        page = site / "news" / "2022" / "03" / "a3.html"
        page.write_text(article_html(3, body_extra="<p>更正：本文第二段中的数据已根据主办方通报修订。</p>"), encoding="utf-8")
        assert run_cli(*args).returncode == 0
    after = snapshot()
    changed = [u for u in before[0] if before[0][u] != after[0][u]]
    assert len(changed) == 1 and changed[0].endswith("/a3.html")
    assert db["article_revisions"].count == 1
    hits = list(db.execute("select rowid from articles_search where articles_search match '\"更正\"'"))
    assert len(hits) == 1
