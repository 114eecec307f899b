"""The aggregation site as Jekyll renders it: the shipped catalogue's sources crawl an
imitation of it (tests/jekyll_site.py) on a local server and store every post with its
original article's URL and the right time."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest
import sqlite_utils

from aggregator.normalize import slugify
from aggregator.server import StaticSiteServer
from aggregator.sources import DEFAULT_SOURCES, load_sources, select_sources
from tests.jekyll_site import CATEGORIES, write_site

pytestmark = pytest.mark.e2e
REAL = "https://finews.withounder.com"


def catalogue():
    return [s for s in load_sources() if s.name.startswith("finews_")]


def test_catalogue_entries_are_category_pages_named_by_their_pinyin():
    entries = catalogue()
    assert len(entries) >= 10
    for s in entries:
        assert not s.enabled and s.type == "listing"
        assert s.start_urls == (f"{REAL}/category/{s.category}.html",)
        # the site's slug is the pinyin of the medium's name (catches mislabelled entries)
        assert slugify(s.title) == s.category == s.name.removeprefix("finews_"), s.name
        assert s.category_name == s.title
        assert re.search(s.article_url, f"{REAL}/{s.category}/2022/02/22/202202221234567.html")
        assert not re.search(s.article_url, f"{REAL}/category/{s.category}.html")
        assert not re.search(s.article_url, f"{REAL}/othermedium/2022/02/22/1.html")


def test_a_run_naming_no_source_leaves_the_catalogue_alone():
    everything = load_sources()
    default = select_sources(everything, [])
    assert default and not any(s.name.startswith("finews_") for s in default)
    assert [s.name for s in select_sources(everything, ["finews_ningxiaribao"])] == ["finews_ningxiaribao"]


def test_listing_and_scrapy_list_stay_fast(run_cli):
    started = time.monotonic()
    r = run_cli("sources")
    assert r.returncode == 0 and "finews_ningxiaribao" in r.stdout and "crawled only when named" in r.stdout
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=DEFAULT_SOURCES.parent.parent,
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0 and "finews_anhuiribao" in proc.stdout.split()
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("layout", ["minima", "minimal"])
def test_catalogue_sources_crawl_the_rendered_site(tmp_path, run_cli, layout):
    site = tmp_path / "site"
    posts = write_site(site, posts_per_category=5, layout=layout)
    with StaticSiteServer(site) as srv:
        # the catalogue's own stanzas, pointed at the local imitation instead of the real host
        text = (DEFAULT_SOURCES.parent / "finews_catalogue.toml").read_text("utf-8")
        text = text.replace(REAL, srv.base_url).replace("enabled = false\n", "")
        sources = tmp_path / "sources.toml"
        sources.write_text(text, "utf-8")
        names = [f"finews_{slug}" for slug, _, _ in CATEGORIES]
        r = run_cli("run", *names, "--sources", sources, "--db", tmp_path / "a.db", "--out", tmp_path / "feeds",
                    "--quiet", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0")
        assert r.returncode == 0, r.stderr
    db = sqlite_utils.Database(tmp_path / "a.db")
    rows = {row["url"].removeprefix(srv.base_url): row for row in db.query("select * from articles")}
    db.close()
    assert set(rows) == {p.path for p in posts}
    for p in posts:
        row = rows[p.path]
        assert row["origin_url"] == p.origin_url, p.path
        assert row["title"] == p.title
        assert row["category"] == p.category
        # the page prints the site's local time without an offset: Beijing time, not UTC
        assert row["published"] == p.utc, (p.path, p.local_time, row["published"])
        assert "返回" not in row["body_text"] and "tags:" not in row["body_text"]
        assert row["body_text"].startswith(p.first_paragraph), (p.path, row["body_text"][:80])
