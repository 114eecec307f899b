"""Fault injection, end to end: the real CLI (`aggregator run`) against tests/faultsite.py.

One crawl over a site whose listing mixes good articles with every fault we know of
(5xx, 404, 429, Retry-After, a hung response, a reset, a truncated body, an empty 200,
binary garbage, a 20 MB page, a 1 MB title, redirect loops, a redirect to another host,
GBK bytes labelled UTF-8, no date, a blank title, endless pagination, robots.txt). The crawl must
finish on its own, store every good article and nothing broken, count every fault by
kind in ``crawl_runs`` and exit 0 (only some articles failed: see
``aggregator.extensions.summarize_stats`` for the verdict rules).

Also here: the robots.txt race of Scrapy 2.19 (a control run with Scrapy's middleware
leaks forbidden pages, ours does not) and ``error_kind`` on every failure type.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import sqlite_utils
from lxml import etree

from aggregator.normalize import MAX_TITLE_CHARS
from tests.faultsite import MAX_BODY_CHARS, MAX_PAGES, MEGA_TITLE_UNIT, article_page, fault_site, listing_html

pytestmark = pytest.mark.e2e

#: The crawl must end on its own well within this (it takes ~5 s; the hung response
#: alone costs DOWNLOAD_TIMEOUT x (RETRY_TIMES + 1) = 4 s).
CRAWL_BOUND_SECONDS = 60


def cli(*args, cwd, timeout=CRAWL_BOUND_SECONDS + 60):
    """Run ``python -m aggregator ARGS`` (the cron path) and time it."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("REDIS_URL", None)
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "aggregator", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    return proc, time.monotonic() - t0


@pytest.fixture(scope="module")
def fault_run(tmp_path_factory):
    """Crawl + export the fault site once; yields (site, proc, seconds, db, run row, stats, feeds dir)."""
    tmp = tmp_path_factory.mktemp("faults")
    with fault_site(tmp / "site") as site:
        sources = tmp / "sources.toml"
        sources.write_text(site.sources_toml(), encoding="utf-8")
        proc, seconds = cli("run", "--sources", sources, "--db", tmp / "a.db", "--out", tmp / "feeds", "--quiet",
                            cwd=tmp)
        db = sqlite_utils.Database(tmp / "a.db")
        (row,) = list(db.query("select * from crawl_runs"))
        stats = json.loads(row["stats"])
        yield site, proc, seconds, db, row, stats, tmp / "feeds"
        db.close()


def _stored(db) -> dict[str, dict]:
    return {r["url"]: r for r in db.query("select * from articles")}


def _fault(site, fragment):
    (f,) = [f for f in site.faults if fragment in f.url]
    return f


def test_fault_crawl_finishes_stores_good_articles_and_counts_every_fault(fault_run, capsys):
    site, proc, seconds, db, row, stats, feeds = fault_run

    # finishes on its own, in bounded time, with the documented status
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert seconds < CRAWL_BOUND_SECONDS
    assert row["finish_reason"] == "finished" and row["status"] == "ok", row["reason"]

    # every good article is stored, with its own title and a clean body
    stored = _stored(db)
    missing = sorted(set(site.good) - set(stored))
    assert not missing, f"good articles lost: {missing}"
    for url, title in site.good.items():
        art = stored[url]
        assert art["title"] == title, url
        assert art["body_text"] and "\ufffd" not in art["body_text"] and "\ufffd" not in art["title"], url
    # nothing broken is stored: the good articles and the (bounded) megabyte page, no more
    mega = _fault(site, "megabyte").url
    assert set(stored) == set(site.good) | {mega}, sorted(set(stored) ^ (set(site.good) | {mega}))

    # a 1 MB title and a 5 MB body are stored, bounded (title by clean_title, body by
    # AGGREGATOR_MAX_BODY_CHARS) and counted
    big = stored[mega]
    assert big["title"].startswith(MEGA_TITLE_UNIT) and len(big["title"]) <= MAX_TITLE_CHARS
    assert 0 < len(big["body_html"]) <= MAX_BODY_CHARS and big["body_text"]
    assert stats.get("aggregator/body_truncated") == 1

    # the faults, each accounted for by kind
    kinds = json.loads(row["error_kinds"])
    dropped = json.loads(row["dropped"])
    assert kinds.get("http_500") == 1
    assert kinds.get("http_404") == 1
    assert kinds.get("http_429") == 1
    assert kinds.get("timeout") == 1
    assert kinds.get("connection_lost") == 1      # reset
    assert kinds.get("data_loss") == 1            # truncated body
    assert kinds.get("cancelled") == 2            # 20 MB with and without Content-Length
    assert kinds.get("robots_forbidden") == 6     # 2 on the portal, 4 on the other host
    assert kinds.get("redirect_loop") == 1
    assert kinds.get("empty_response") == 1
    assert kinds.get("not_html") == 1             # binary garbage served as text/html
    assert dropped == {"MissingTitle": 1}         # the all-white-space title
    assert row["errors"] == sum(kinds.values())
    for f in site.faults:                         # every injected fault is accounted for
        how, _, what = f.expect.partition(":")
        if how == "error":
            assert kinds.get(what), f.name
        elif how == "drop":
            assert dropped.get(what), f.name
        elif how == "stored":
            assert f.url in stored or f.name.startswith("redirect to another host"), f.name

    # retried where it makes sense: the 503 waited for Retry-After (capped at 1 s), then stored
    times = site.flaky.times
    assert len(times) == 2 and times[1] - times[0] >= 0.8, times
    assert stats.get("retry/count", 0) >= 5

    # no date: stored, flagged as guessed; GBK labelled UTF-8: decoded correctly
    nodate = stored[_fault(site, "nodate").url]
    assert nodate["published_guessed"] == 1 and nodate["published"]
    gbk = stored[_fault(site, "gbk").url]
    assert "文化馆举办民俗摄影展" in gbk["body_text"]

    # the redirect to another host is followed and counted; the article is stored under its new URL
    offsite = _fault(site, "offsite").url
    assert offsite not in stored and site.other_url("/a/moved.html") in stored
    assert stats.get("aggregator/redirected_offsite") == 1
    assert stats.get("downloader/response_status_count/301") == 1

    # robots.txt: forbidden paths never reach either server; one robots.txt per host
    for srv, path in site.never_fetched:
        assert path not in [p for _, p, _ in srv.requests], path
    for srv in (site.portal, site.other):
        assert [p for _, p, _ in srv.requests].count("/robots.txt") == 1
    # endless pagination is bounded by max_pages
    portal_paths = {p for _, p, _ in site.portal.requests}
    assert f"/news/list_{MAX_PAGES}.html" in portal_paths
    assert not any(p.startswith("/news/list_") and int(p[11:-5]) > MAX_PAGES for p in portal_paths)
    assert row["listing_pages"] == MAX_PAGES

    # the feeds were written and parse
    for name in ("all.xml", "all.atom"):
        etree.parse(str(feeds / name))
    assert len(json.loads((feeds / "all.json").read_text("utf-8"))["items"]) >= len(site.good)

    with capsys.disabled():
        print(f"\n[figures] fault site: {len(site.faults)} faults injected, "
              f"{len(kinds) + len(dropped)} fault kinds counted ({', '.join(sorted(kinds) + sorted(dropped))}), "
              f"{len(site.good)} good articles stored, crawl {seconds:.1f} s")


def test_an_incremental_run_over_the_same_faults_is_not_degraded(fault_run):
    """The second run finds nothing new; the permanent faults fail again. That is the
    site's state, not a new failure: the run is ok and exits 0."""
    site, proc, seconds, db, row, stats, feeds = fault_run
    tmp = feeds.parent
    again, _ = cli("crawl", "--sources", tmp / "sources.toml", "--db", tmp / "a.db", "--quiet", cwd=tmp)
    (last,) = list(db.query("select status, reason, items_new from crawl_runs order by id desc limit 1"))
    assert last["items_new"] == 0
    assert again.returncode == 0 and last["status"] == "ok", (again.stderr, last)


# --- the robots.txt race ---------------------------------------------------------------------


SCRAPY_ROBOTS = "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"
OUR_ROBOTS = "aggregator.robots.RobotsTxtMiddleware"


@pytest.mark.parametrize("middleware", [OUR_ROBOTS, SCRAPY_ROBOTS])
def test_robots_txt_is_obeyed_by_every_request_waiting_for_it(tmp_path, middleware):
    """Five links to a host not seen yet wait together for its robots.txt: none of the
    forbidden ones may be fetched. Scrapy 2.19's own middleware hands the parser to the
    first waiter only and lets the others through (the control case: if it ever stops
    leaking, Scrapy fixed the race and aggregator/robots.py can go)."""
    from aggregator.server import StaticSiteServer

    other_dir, portal_dir = tmp_path / "other", tmp_path / "portal"
    (other_dir / "private").mkdir(parents=True)
    (other_dir / "pub").mkdir()
    portal_dir.mkdir()
    (other_dir / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n", encoding="utf-8")
    with StaticSiteServer(other_dir) as other:
        other_base = f"http://localhost:{other.port}"
        items = []
        for k in range(5):
            (other_dir / "private" / f"a{k}.html").write_text(article_page(f"内部稿件第{k}篇不得抓取", k), encoding="utf-8")
            (other_dir / "pub" / f"a{k}.html").write_text(article_page(f"公开稿件第{k}篇可以抓取", 10 + k), encoding="utf-8")
            items.append(f'<li><a href="{other_base}/private/a{k}.html">内部稿件第{k}篇不得抓取</a><span>2022-03-0{k + 1}</span></li>')
            items.append(f'<li><a href="{other_base}/pub/a{k}.html">公开稿件第{k}篇可以抓取</a><span>2022-03-0{k + 1}</span></li>')
        (portal_dir / "index.html").write_text(listing_html("".join(items), None), encoding="utf-8")
        with StaticSiteServer(portal_dir) as portal:
            sources = tmp_path / "sources.toml"
            sources.write_text(
                f'[[source]]\nname = "robots"\ntitle = "机器人协议测试网"\nstart_urls = ["{portal.url("/index.html")}"]\n'
                "article_url = '/(private|pub)/'\n[source.settings]\nAUTOTHROTTLE_ENABLED = false\n"
                "DOWNLOAD_DELAY = 0\nCONCURRENT_REQUESTS_PER_DOMAIN = 8\n"
                'AGGREGATOR_ALLOWED_HOSTS = ["localhost"]\n', encoding="utf-8")
            args = ["crawl", "--sources", sources, "--db", tmp_path / "a.db", "--quiet"]
            if middleware == SCRAPY_ROBOTS:
                # --set replaces the whole dict: the project's middlewares with robots.txt swapped
                from aggregator import settings as project

                swapped = {**project.DOWNLOADER_MIDDLEWARES, OUR_ROBOTS: None, SCRAPY_ROBOTS: 100}
                args += ["--set", f"DOWNLOADER_MIDDLEWARES={json.dumps(swapped)}"]
            proc, _ = cli(*args, cwd=tmp_path)
            assert proc.returncode == 0, proc.stderr
        fetched = [p for _, p, _ in other.requests]
    leaked = sorted(p for p in fetched if p.startswith("/private/"))
    assert sorted(p for p in fetched if p.startswith("/pub/")) == [f"/pub/a{k}.html" for k in range(5)]
    if middleware == OUR_ROBOTS:
        assert leaked == [], f"robots.txt ignored for {leaked}"
    else:
        assert leaked, "Scrapy's RobotsTxtMiddleware no longer leaks: drop aggregator/robots.py"


def test_articles_forbidden_by_robots_txt_do_not_make_a_source_degraded(tmp_path):
    """robots.txt is the site's policy, not a download failure: a listing that links more
    forbidden articles than allowed ones is still an ok run (exit 0)."""
    from aggregator.server import StaticSiteServer

    site = tmp_path / "site"
    for d in ("pub", "members"):
        (site / d).mkdir(parents=True)
    (site / "robots.txt").write_text("User-agent: *\nDisallow: /members/\n", encoding="utf-8")
    items = []
    for k in range(3):
        (site / "pub" / f"a{k}.html").write_text(article_page(f"公开稿件第{k}篇可以抓取", k), encoding="utf-8")
        items.append(f'<li><a href="/pub/a{k}.html">公开稿件第{k}篇可以抓取</a><span>2022-03-0{k + 1}</span></li>')
    for k in range(5):
        items.append(f'<li><a href="/members/a{k}.html">会员稿件第{k}篇不许抓取</a><span>2022-03-0{k + 1}</span></li>')
    (site / "index.html").write_text(listing_html("".join(items), None), encoding="utf-8")
    with StaticSiteServer(site) as srv:
        sources = tmp_path / "sources.toml"
        sources.write_text(
            f'[[source]]\nname = "members"\ntitle = "会员制新闻网"\nstart_urls = ["{srv.url("/index.html")}"]\n'
            "article_url = '/(pub|members)/'\n[source.settings]\nAUTOTHROTTLE_ENABLED = false\nDOWNLOAD_DELAY = 0\n",
            encoding="utf-8")
        proc, _ = cli("crawl", "--sources", sources, "--db", tmp_path / "a.db", "--quiet", cwd=tmp_path)
        assert not [p for _, p, _ in srv.requests if p.startswith("/members/")]
    db = sqlite_utils.Database(tmp_path / "a.db")
    (row,) = list(db.query("select status, reason, error_kinds from crawl_runs"))
    assert db["articles"].count == 3
    assert proc.returncode == 0 and row["status"] == "ok", (proc.stderr, row)


# --- error kinds ----------------------------------------------------------------------------------


def _failure(exc, cause=None):
    from twisted.python.failure import Failure

    if cause is not None:
        exc.__cause__ = cause
    try:
        raise exc
    except type(exc):
        return Failure()


def test_error_kind_names_every_failure_type():
    from scrapy import Request
    from scrapy import exceptions as sx
    from scrapy.http import Response
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.internet import error as terr
    from twisted.python.failure import Failure
    from twisted.web._newclient import ResponseFailed, _DataLoss

    from spiders.generic import error_kind

    resp = Response("http://x.test/a", status=503, request=Request("http://x.test/a"))
    cases = {
        "http_503": HttpError(resp, "503"),
        "timeout": sx.DownloadTimeoutError("took longer than 2.0 seconds"),
        "dns": sx.CannotResolveHostError("no such host"),
        "connection_refused": sx.DownloadConnectionRefusedError("refused"),
        "connection_lost": sx.DownloadFailedError("lost"),
        "data_loss": sx.ResponseDataLossError(),
        "cancelled": sx.DownloadCancelledError(),
        "unsupported_scheme": sx.UnsupportedURLSchemeError("gopher"),
        "robots_forbidden": sx.IgnoreRequest("Forbidden by robots.txt"),
        "redirect_loop": sx.IgnoreRequest("max redirections reached"),
        "offsite": sx.IgnoreRequest("Filtered offsite request to 'x.test'"),
        "ignored": sx.IgnoreRequest(),
        "value_error": ValueError("boom"),
    }
    for kind, exc in cases.items():
        assert error_kind(_failure(exc)) == kind, kind
    # Twisted's own classes (older Scrapy, other download handlers)
    assert error_kind(_failure(terr.TimeoutError())) == "timeout"
    assert error_kind(_failure(terr.DNSLookupError())) == "dns"
    assert error_kind(_failure(terr.ConnectionRefusedError())) == "connection_refused"
    assert error_kind(_failure(terr.ConnectionLost())) == "connection_lost"
    assert error_kind(_failure(ResponseFailed([Failure(_DataLoss())]))) == "data_loss"
    assert error_kind(_failure(sx.DownloadFailedError("x"), ResponseFailed([Failure(terr.ConnectionLost())]))) == "connection_lost"
