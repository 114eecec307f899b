"""End to end: the real CLI in a subprocess → a real archive.db → real feed files.

The demo site (served on 127.0.0.1 by the same server class the demo uses) is crawled
with the demo sources; a folder of Jekyll posts is crawled as a `jekyll` source.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import feedparser
import pytest
import sqlite_utils
from lxml import etree

from aggregator.demo import build_site, render_sources
from aggregator.server import StaticSiteServer

pytestmark = pytest.mark.e2e

JEKYLL = Path(__file__).parent / "fixtures" / "jekyll"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One crawl+export of the demo site; returns (workdir, site info, server, CompletedProcess list)."""
    import subprocess
    import sys

    work = tmp_path_factory.mktemp("demo")
    site = work / "site"
    site.mkdir()
    with StaticSiteServer(site) as srv:
        info = build_site(site, srv.base_url)
        sources = render_sources(srv.base_url, work / "sources.toml")
        args = [sys.executable, "-m", "aggregator", "run", "--sources", str(sources), "--db", str(work / "archive.db"),
                "--out", str(work / "feeds"), "--base-url", "http://feeds.example.org/news/", "--quiet",
                "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]
        first = subprocess.run(args, capture_output=True, text=True, timeout=300)
        snapshot = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (work / "feeds").rglob("*") if p.is_file()}
        srv.clear_log()
        second = subprocess.run(args, capture_output=True, text=True, timeout=300)
        requests_second = srv.requests
    return work, info, [first, second], snapshot, requests_second


def test_demo_crawl_stores_every_article_with_title_body_date(demo_run):
    work, info, (first, _), _, _ = demo_run
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""
    db = sqlite_utils.Database(work / "archive.db")
    n = db["articles"].count
    assert n >= 120 and n >= len(info.articles) - 2
    spiders = {r["spider"] for r in db.query("select distinct spider from articles")}
    assert len(spiders) >= 4
    bad = list(db.query("select url from articles where coalesce(title,'') = '' or coalesce(body_text,'') = '' "
                        "or published is null"))
    assert bad == []
    # published is UTC ISO 8601 with offset
    for r in db.query("select published from articles"):
        assert r["published"].endswith("+00:00")


def test_demo_fields_match_truth(demo_run):
    from aggregator.demo.run import compare_archive

    work, info, *_ = demo_run
    check = compare_archive(work / "archive.db", info)
    assert check["stored"] >= check["expected"] - 1, check.get("missing")
    assert check["unexpected"] == 0, "a navigation page or a second page was stored as an article"
    # our own text: every title and every body (first and last paragraph) must come through
    assert check["title"] == check["stored"], check["mismatches"]
    assert check["body"] == check["stored"], check["mismatches"]


def test_demo_edge_cases(demo_run):
    work, info, *_ = demo_run
    db = sqlite_utils.Database(work / "archive.db")
    # the article listed in two categories is stored once and belongs to both
    dual = info.dual_listed
    if dual:
        path = dual[0] if isinstance(dual, (list, tuple)) else dual
        path = getattr(path, "path", path)
        rows = list(db.query("select id from articles where url like ?", [f"%{path}"]))
        assert len(rows) == 1
        cats = [r["category"] for r in db.query("select category from article_categories where article_id = ?", [rows[0]["id"]])]
        assert len(cats) == 2
    # the two-page article is stitched into one row
    mp = info.multi_page
    mp = mp[0] if isinstance(mp, (list, tuple)) else mp
    mp_path = getattr(mp, "path", mp)
    rows = list(db.query("select body_text from articles where url like ?", [f"%{mp_path}"]))
    assert len(rows) == 1
    art = info.article(mp_path)
    assert art.first_paragraph[:20] in rows[0]["body_text"] and art.last_paragraph[:20] in rows[0]["body_text"]
    # no script or ad text reached any body
    for r in db.query("select body_html from articles"):
        assert "<script" not in r["body_html"] and "onclick" not in r["body_html"]


def test_demo_feeds_per_category_opml_and_parse(demo_run):
    work, info, *_ = demo_run
    feeds = work / "feeds"
    db = sqlite_utils.Database(work / "archive.db")
    cats = [r["category"] for r in db.query("select distinct category from article_categories")]
    assert len(cats) >= 6
    opml = etree.parse(str(feeds / "index.opml"))
    xml_urls = {o.get("xmlUrl") for o in opml.iter("outline") if o.get("xmlUrl")}
    for c in cats:
        for ext in ("xml", "atom", "json"):
            assert (feeds / f"{c}.{ext}").is_file(), f"{c}.{ext} missing"
        assert any(u.endswith(f"/{c}.xml") or u.endswith(f"/{c}.atom") for u in xml_urls)
    files = sorted(feeds.rglob("*.xml")) + sorted(feeds.rglob("*.atom"))
    assert len(files) >= 2 * len(cats)
    for f in files:
        parsed = feedparser.parse(f.read_bytes())
        assert parsed.bozo == 0, (f, parsed.get("bozo_exception"))
        assert parsed.entries, f
    for f in feeds.rglob("*.json"):
        data = json.loads(f.read_text(encoding="utf-8"))
        assert data["version"] == "https://jsonfeed.org/version/1.1"


def test_second_run_is_idempotent_and_incremental(demo_run):
    work, info, (_, second), snapshot, requests_second = demo_run
    assert second.returncode == 0, second.stderr
    now = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (work / "feeds").rglob("*") if p.is_file()}
    assert now == snapshot, "an unchanged archive rewrote feed files"
    article_paths = {a.path for a in info.articles}
    refetched = [p for _, p, _ in requests_second if p.split("?")[0] in article_paths]
    assert refetched == [], f"known articles fetched again: {refetched[:5]}"


def test_jekyll_source_end_to_end(tmp_path, run_cli):
    posts = tmp_path / "site"
    shutil.copytree(JEKYLL, posts)
    src = tmp_path / "sources.toml"
    src.write_text(f'[[source]]\nname = "finews"\ntitle = "新闻汇"\ntype = "jekyll"\npath = "{posts}"\n'
                   f'site = "https://finews.example.com"\n', encoding="utf-8")
    r = run_cli("run", "--sources", src, "--db", tmp_path / "a.db", "--out", tmp_path / "feeds", "--quiet")
    assert r.returncode == 0, r.stderr
    db = sqlite_utils.Database(tmp_path / "a.db")
    rows = {r["title"]: r for r in db.query("select * from articles")}
    a = rows["银川连夜清雪保障市民出行：环卫工人坚守一线"]
    assert a["published"] == "2022-01-19T04:20:06+00:00" and a["published_guessed"] == 0
    assert a["category"] == "yinchuanxinwenwang" and a["source"] == "银川新闻网"
    assert a["origin_url"] == "http://www.example-yinchuan.cn/news/2022-01/19/content_100001.htm"
    assert a["url"] == "https://finews.example.com/yinchuanxinwenwang/2022/01/19/yinchuan-snow-clearing.html"
    assert a["body_text"].split("\n")[1] == "机械作业与人工清扫结合"
    for gone in ("文章来源", "返回", "example-yinchuan"):
        assert gone not in a["body_text"]
    assert (tmp_path / "feeds" / "yinchuanxinwenwang.atom").is_file()
    name = dict(db.execute("select slug, name from categories").fetchall())
    assert name["yinchuanxinwenwang"] == "银川新闻网"


def test_scrapy_list_and_scrapy_crawl_share_the_code_path(tmp_path):
    """`scrapy list` / `scrapy crawl NAME` work from the checkout, for TOML sources."""
    import os
    import subprocess
    import sys

    from tests.sitegen import sources_toml, write_portal

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("REDIS_URL", None)
    listed = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=root, capture_output=True, text=True,
                            env=env, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert "yinchuan" in listed.stdout.split()
    site = tmp_path / "site"
    write_portal(site, n_articles=5)
    with StaticSiteServer(site) as srv:
        src = tmp_path / "sources.toml"
        src.write_text(sources_toml([("ceshi", "测试新闻网", srv.url("/news/index.html"))]), encoding="utf-8")
        r = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "ceshi", "-s", f"AGGREGATOR_SOURCES={src}",
                            "-s", f"AGGREGATOR_DB={tmp_path / 'a.db'}", "-s", "LOG_LEVEL=WARNING"],
                           cwd=root, capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    db = sqlite_utils.Database(tmp_path / "a.db")
    assert db["articles"].count == 5
    assert [row["status"] for row in db.query("select status from crawl_runs")] == ["ok"]


def test_jekyll_export_round_trip(demo_run, tmp_path, run_cli):
    """`export --jekyll` posts, read back by a `jekyll` source, give the same articles."""
    work, *_ = demo_run
    r = run_cli("export", "--db", work / "archive.db", "--out", tmp_path / "feeds", "--jekyll", tmp_path / "site",
                "--quiet")
    assert r.returncode == 0, r.stderr
    posts = list((tmp_path / "site" / "_posts").glob("*.md"))
    src = tmp_path / "sources.toml"
    src.write_text(f'[[source]]\nname = "reimport"\ntitle = "重新导入"\ntype = "jekyll"\npath = "{tmp_path / "site"}"\n'
                   f'site = "https://mirror.example.org"\n', encoding="utf-8")
    r = run_cli("crawl", "--sources", src, "--db", tmp_path / "b.db", "--quiet")
    assert r.returncode == 0, r.stderr
    orig = sqlite_utils.Database(work / "archive.db")
    back = sqlite_utils.Database(tmp_path / "b.db")
    want = {(row["title"], row["published"], row["source"], row["body_text"])
            for row in orig.query("select * from articles where duplicate_of is null")}
    got = {(row["title"], row["published"], row["source"], row["body_text"]) for row in back.query("select * from articles")}
    assert len(posts) == len(want) == len(got)
    assert got == want
    # the original URL survives as origin_url (or the archive's own origin_url)
    origins = {row["origin_url"] for row in back.query("select origin_url from articles")}
    urls = {row["origin_url"] or row["url"] for row in orig.query("select url, origin_url from articles where duplicate_of is null")}
    assert origins == urls


@pytest.mark.parametrize("list_layout", ["ul", "cards", "table"])
def test_minimal_source_crawls_every_article_and_no_navigation(tmp_path, run_cli, list_layout):
    """A source with only name, title and start_urls: all articles over 3 listing pages,
    none of the navigation, about or hot-link pages."""
    from tests.sitegen import write_portal

    site = tmp_path / "site"
    paths = write_portal(site, n_articles=23, list_layout=list_layout)
    (site / "about.html").write_text("<html><body><h1>关于我们</h1><p>本站简介。</p></body></html>", encoding="utf-8")
    with StaticSiteServer(site) as srv:
        src = tmp_path / "sources.toml"
        src.write_text(f'[[source]]\nname = "ceshi"\ntitle = "测试新闻网"\nstart_urls = ["{srv.url("/news/index.html")}"]\n'
                       f'[source.settings]\nAUTOTHROTTLE_ENABLED = false\nDOWNLOAD_DELAY = 0\n', encoding="utf-8")
        r = run_cli("crawl", "--sources", src, "--db", tmp_path / "a.db", "--quiet")
        requested = {p for _, p, _ in srv.requests}
    assert r.returncode == 0, r.stderr
    db = sqlite_utils.Database(tmp_path / "a.db")
    stored = {row["url"].split(str(srv.port))[-1] for row in db.query("select url from articles")}
    assert stored == set(paths)
    assert "/about.html" not in requested and not any(p.startswith("/hot/") for p in requested)


def test_sitemap_source_with_index_and_news_dates(tmp_path, run_cli):
    """`type = "sitemap"`: a sitemap index → a news sitemap → article pages."""
    from tests.sitegen import write_portal

    site = tmp_path / "site"
    paths = write_portal(site, n_articles=4)
    (site / "sitemap_index.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<sitemap><loc>/sitemap_news.xml</loc></sitemap></sitemapindex>", encoding="utf-8")
    urls = "".join(
        f"<url><loc>{p}</loc><news:news><news:publication_date>2022-03-0{i + 1}T08:00:00+08:00"
        f"</news:publication_date><news:title>稿件{i}</news:title></news:news></url>" for i, p in enumerate(paths))
    (site / "sitemap_news.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + urls + "</urlset>", encoding="utf-8")
    with StaticSiteServer(site) as srv:
        src = tmp_path / "sources.toml"
        src.write_text(f'[[source]]\nname = "ditu"\ntitle = "地图新闻网"\ntype = "sitemap"\n'
                       f'start_urls = ["{srv.url("/sitemap_index.xml")}"]\n'
                       f'[source.settings]\nAUTOTHROTTLE_ENABLED = false\nDOWNLOAD_DELAY = 0\n', encoding="utf-8")
        r = run_cli("crawl", "--sources", src, "--db", tmp_path / "a.db", "--quiet")
    assert r.returncode == 0, r.stderr
    db = sqlite_utils.Database(tmp_path / "a.db")
    assert db["articles"].count == 4
    assert {row["published_guessed"] for row in db.query("select published_guessed from articles")} == {0}
