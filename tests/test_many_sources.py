"""Many sources, one run: one engine for every source (aggregator.multisource).

Real ``aggregator`` subprocesses crawl :class:`tests.manysite.ManySite` on 127.0.0.1,
which counts the requests it has in flight at once and every robots.txt fetch.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from aggregator.multisource import run_settings
from aggregator.sources import load_sources
from tests.manysite import ManySite

pytestmark = pytest.mark.e2e


def _rows(db, sql, args=()):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def test_per_host_budget_holds_across_sources_and_robots_is_fetched_once(tmp_path, run_cli):
    """20 sources on one host: the strictest source's per-host budget (2) holds for all of
    them together; robots.txt once per run; per-source rows; a second run fetches only
    the 20 listing pages."""
    with ManySite(categories=20, per_category=4, delay=0.05) as site:
        sources = tmp_path / "sources.toml"
        sources.write_text(site.sources_toml(CONCURRENT_REQUESTS_PER_DOMAIN=4,
                                             per_source={"cat7": {"CONCURRENT_REQUESTS_PER_DOMAIN": 2}}),
                           encoding="utf-8")
        db = tmp_path / "archive.db"
        r = run_cli("crawl", "--sources", sources, "--db", db, "--quiet", "-s", "AGGREGATOR_EXTRACT_PROCESSES=0")
        assert r.returncode == 0, r.stderr
        assert site.hits["/robots.txt"] == 1
        assert 1 < site.max_in_flight <= 2, site.max_in_flight
        rows = _rows(db, "select spider, status, items_new, listing_pages from crawl_runs order by spider")
        assert len(rows) == 20
        assert all(status == "ok" and new == 4 and listing == 1 for _, status, new, listing in rows), rows
        per_source = dict(_rows(db, "select spider, count(*) from articles group by spider"))
        assert per_source == {f"cat{k}": 4 for k in range(20)}

        site.max_in_flight = 0
        r = run_cli("crawl", "--sources", sources, "--db", db, "--quiet", "-s", "AGGREGATOR_EXTRACT_PROCESSES=0")
        assert r.returncode == 0, r.stderr
        assert site.hits["/robots.txt"] == 2            # once per run
        assert all(n == 1 for p, n in site.hits.items() if "/a" in p)   # no article fetched again
        assert sum(n for p, n in site.hits.items() if p.endswith("index.html")) == 40
        assert site.max_in_flight <= 2
        second = _rows(db, "select status, items_new from crawl_runs where id > 20")
        assert len(second) == 20 and all(s == "ok" and n == 0 for s, n in second)


def test_two_sources_linking_one_article_each_get_it(tmp_path, run_cli):
    """Two sources (two categories) over the same listing page: one article row each, in
    both categories, and each source's run counts the articles it brought."""
    with ManySite(categories=1, per_category=3) as site:
        sources = tmp_path / "sources.toml"
        text = site.sources_toml(names=[("first", 0)]) + "\n" + site.sources_toml(names=[("second", 0)])
        sources.write_text(text.replace('category = "lanmu0"', 'category = "lanmu_a"', 1), encoding="utf-8")
        db = tmp_path / "archive.db"
        r = run_cli("crawl", "--sources", sources, "--db", db, "--quiet")
        assert r.returncode == 0, r.stderr
        assert _rows(db, "select count(*) from articles") == [(3,)]
        cats = _rows(db, "select category, count(*) from article_categories group by category order by category")
        assert cats == [("lanmu0", 3), ("lanmu_a", 3)]
        runs = dict(_rows(db, "select spider, items_new + items_updated + items_unchanged from crawl_runs"))
        assert runs == {"first": 3, "second": 3}


def test_run_settings_merge_by_the_stricter_value(tmp_path):
    """Per host: the lowest concurrency, the highest delay; AutoThrottle on when any source
    on the host wants it; a host of one source keeps that source's values."""
    from scrapy.settings import Settings

    from aggregator.spiderloader import SourceSpiderLoader

    (tmp_path / "s.toml").write_text(
        '[[source]]\nname = "a"\ntitle = "甲"\nstart_urls = ["https://one.example/a/"]\n'
        "[source.settings]\nCONCURRENT_REQUESTS_PER_DOMAIN = 8\nDOWNLOAD_DELAY = 0\nAUTOTHROTTLE_ENABLED = false\n"
        '[[source]]\nname = "b"\ntitle = "乙"\nstart_urls = ["https://one.example/b/"]\n'
        "[source.settings]\nCONCURRENT_REQUESTS_PER_DOMAIN = 3\nDOWNLOAD_DELAY = 1.5\nAUTOTHROTTLE_ENABLED = true\n"
        '[[source]]\nname = "c"\ntitle = "丙"\nstart_urls = ["https://two.example/"]\n'
        "[source.settings]\nCONCURRENT_REQUESTS_PER_DOMAIN = 6\nDOWNLOAD_DELAY = 0.25\nAUTOTHROTTLE_ENABLED = false\n",
        encoding="utf-8")
    settings = Settings()
    settings.setmodule("aggregator.settings", priority="project")
    settings.set("AGGREGATOR_SOURCES", str(tmp_path / "s.toml"))
    loader = SourceSpiderLoader(settings)
    pairs = [(s, loader.load(s.name)) for s in load_sources(tmp_path / "s.toml")]
    out = run_settings(settings, pairs)
    assert out["DOWNLOAD_SLOTS"] == {"one.example": {"concurrency": 3, "delay": 1.5},
                                     "two.example": {"concurrency": 6, "delay": 0.25}}
    assert out["AUTOTHROTTLE_ENABLED"] is True
    assert out["AGGREGATOR_THROTTLED_HOSTS"] == ["one.example"]
    # a value given on the command line beats every source, as it does for one source
    settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 1, priority="cmdline")
    assert run_settings(settings, pairs)["DOWNLOAD_SLOTS"]["two.example"]["concurrency"] == 1
    json.dumps(out)   # plain data: it goes into Scrapy settings as it is


def test_crawl_delay_holds_for_every_source_on_the_host(tmp_path, run_cli):
    """robots.txt says ``Crawl-delay: 1``: requests of three sources on that host, together,
    start at least ~1 s apart (the sources themselves ask for no delay at all)."""
    with ManySite(categories=3, per_category=1, robots="Crawl-delay: 1\n") as site:
        sources = tmp_path / "sources.toml"
        sources.write_text(site.sources_toml(CONCURRENT_REQUESTS_PER_DOMAIN=8), encoding="utf-8")
        db = tmp_path / "archive.db"
        r = run_cli("crawl", "--sources", sources, "--db", db, "--quiet")
        assert r.returncode == 0, r.stderr
        starts = [t for t, path in site.times if path != "/robots.txt"]
    assert len(starts) == 6                       # 3 listing pages + 3 articles
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert min(gaps) >= 0.95, gaps                # a minimum: no jitter below it
    assert _rows(db, "select count(*) from articles") == [(3,)]
