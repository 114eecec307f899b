"""Real feed readers load the exported feeds: feedparser, newsboat and sfeed.

Every item must arrive with its Chinese title intact, and the fixture article published
at 2022-01-19 12:20:06 +0800 must read as that instant (1642566006). newsboat and sfeed
are Debian packages (``.ci/install --test`` installs them); their tests skip, saying so,
only when the binary is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from urllib.request import urlopen

import feedparser
import pytest
from lxml import etree

from aggregator.export import export_all
from aggregator.sources import FeedDefinition

BASE = "https://feeds.example.org/nx/"
NOW = datetime(2022, 1, 20, 12, 0, tzinfo=timezone.utc)
ARTICLE1 = "https://www.example-yinchuan.cn/news/2022-01/19/content_100001.htm"
ARTICLE1_TITLE = "银川市启动春节文化惠民活动 百余场演出进社区"
INSTANT = 1642566006  # 2022-01-19T12:20:06+08:00
SPECIAL_TITLE = '> 冰雪运动进校园："冬奥"课堂 #1 开讲 & <体验>冰壶'


@pytest.fixture(scope="module")
def feeds_dir(tmp_path_factory):
    """The fixture archive exported once (with base URL and a custom feed)."""
    tmp = tmp_path_factory.mktemp("readers")
    data = json.loads((Path(__file__).parent / "golden" / "export_archive.json").read_text("utf-8"))
    import sqlite_utils

    from aggregator.normalize import url_key

    db = sqlite_utils.Database(tmp / "archive.db")
    db["sources"].insert_all(data["sources"], pk="name")
    db["categories"].insert_all(data["categories"], pk="slug")
    for a in data["articles"]:
        db["articles"].insert({**{k: v for k, v in a.items() if k not in ("categories", "first_version")}, "url_key": url_key(a["url"])}, pk="id")
        for c in a["categories"]:
            db["article_categories"].insert({"article_id": a["id"], "category": c}, pk=("article_id", "category"))
    db.close()
    out = tmp / "feeds"
    export_all(tmp / "archive.db", out, base_url=BASE, now=NOW,
               feeds=[FeedDefinition(name="xiangcun", title="乡村振兴", query="乡村振兴")])
    return out


def xml_feeds(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in (".xml", ".atom"))


def expected_items(path: Path) -> list[tuple[str, str]]:
    """(link, title) of every item, read with lxml (the reference the readers must match)."""
    root = etree.parse(str(path)).getroot()
    if root.tag == "rss":
        return [(i.findtext("link"), i.findtext("title")) for i in root.iter("item")]
    ns = {"a": "http://www.w3.org/2005/Atom"}
    return [(e.find("a:link", ns).get("href"), e.findtext("a:title", namespaces=ns)) for e in root.findall("a:entry", ns)]


def test_fixture_export_has_every_feed(feeds_dir):
    assert len(xml_feeds(feeds_dir)) == 18  # 9 feeds x (RSS, Atom)


# --- feedparser -------------------------------------------------------------------------------


def test_feedparser_reads_every_feed_without_bozo(feeds_dir):
    for path in xml_feeds(feeds_dir):
        d = feedparser.parse(path.read_bytes())
        assert d.bozo == 0, f"{path.name}: {d.get('bozo_exception')}"
        assert d.version in ("rss20", "atom10")
        assert d.feed.get("language", "zh-CN") == "zh-CN"
        assert [(e.link, e.title) for e in d.entries] == expected_items(path)
        for e in d.entries:
            assert e.id.startswith("urn:uuid:") and e.get("published_parsed") and e.get("content")


@pytest.mark.parametrize("name", ["all.xml", "all.atom", "yinchuanxinwenwang.xml", "source/yinchuan.atom"])
def test_feedparser_reads_the_fixture_instant(feeds_dir, name):
    d = feedparser.parse((feeds_dir / name).read_bytes())
    entry = [e for e in d.entries if e.link == ARTICLE1][0]
    assert entry.title == ARTICLE1_TITLE
    assert datetime(*entry.published_parsed[:6], tzinfo=timezone.utc) == datetime(2022, 1, 19, 4, 20, 6, tzinfo=timezone.utc)
    assert "2022" in entry.published and ("12:20:06 +0800" in entry.published or "12:20:06+08:00" in entry.published)
    assert entry.content[0].value.startswith("<p>1月19日上午")


def test_feedparser_sees_escaped_specials_as_text(feeds_dir):
    d = feedparser.parse((feeds_dir / "all.xml").read_bytes())
    assert SPECIAL_TITLE in [e.title for e in d.entries]


def test_json_feeds_parse(feeds_dir):
    # feedparser 6.0 has no JSON Feed support; check the documents against the spec's rules
    for path in sorted(feeds_dir.rglob("*.json")):
        doc = json.loads(path.read_bytes())
        assert doc["version"] == "https://jsonfeed.org/version/1.1" and doc["title"]
        ids = [i["id"] for i in doc["items"]]
        assert len(ids) == len(set(ids))
        for item in doc["items"]:
            assert isinstance(item["id"], str) and item.get("content_html")
            datetime.fromisoformat(item["date_published"])


# --- newsboat ---------------------------------------------------------------------------------

NEWSBOAT = shutil.which("newsboat")


def newsboat_items(feed: Path, tmp: Path) -> list[tuple]:
    """Load one feed into a fresh newsboat cache (``-x reload``) and read the cache."""
    # one cache per feed: newsboat keeps one item per guid across all feeds of a cache
    work = tmp / feed.relative_to(feed.parents[1]).as_posix().replace("/", "_")
    work.mkdir()
    (work / "urls").write_text(feed.resolve().as_uri() + "\n", "utf-8")
    (work / "config").write_text("", "utf-8")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "LANG": "C.UTF-8",
           "XDG_CONFIG_HOME": str(work), "XDG_DATA_HOME": str(work)}
    proc = subprocess.run([NEWSBOAT, "-x", "reload", "-u", str(work / "urls"), "-c", str(work / "cache.db"),
                           "-C", str(work / "config")], env=env, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    conn = sqlite3.connect(work / "cache.db")
    try:
        return conn.execute("SELECT url, title, guid, pubDate, author, content FROM rss_item ORDER BY pubDate DESC, url").fetchall()
    finally:
        conn.close()


@pytest.mark.skipif(NEWSBOAT is None, reason="newsboat not installed (Debian package newsboat; .ci/install --test)")
def test_newsboat_loads_every_item_with_chinese_titles(feeds_dir, tmp_path):
    for path in xml_feeds(feeds_dir):
        rows = newsboat_items(path, tmp_path)
        expected = expected_items(path)
        assert sorted((r[0], r[1]) for r in rows) == sorted(expected), path.name
        assert all(r[2].startswith("urn:uuid:") and r[5] for r in rows), path.name
        if ARTICLE1 in [link for link, _ in expected]:
            row = [r for r in rows if r[0] == ARTICLE1][0]
            assert row[1] == ARTICLE1_TITLE and row[3] == INSTANT, path.name
            assert row[4] == "李晓芳"


@pytest.mark.skipif(NEWSBOAT is None, reason="newsboat not installed (Debian package newsboat; .ci/install --test)")
def test_newsboat_same_guids_in_rss_and_atom(feeds_dir, tmp_path):
    atom = {r[0]: r[2] for r in newsboat_items(feeds_dir / "all.atom", tmp_path)}
    rss = {r[0]: r[2] for r in newsboat_items(feeds_dir / "all.xml", tmp_path)}
    assert atom == rss and len(rss) == 6  # RSS guid == Atom id for every article


# --- sfeed --------------------------------------------------------------------------------------

SFEED = shutil.which("sfeed")


@pytest.mark.skipif(SFEED is None, reason="sfeed not installed (Debian package sfeed; .ci/install --test)")
def test_sfeed_reads_every_item(feeds_dir):
    for path in xml_feeds(feeds_dir):
        proc = subprocess.run([SFEED], input=path.read_bytes(), capture_output=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        rows = [line.split("\t") for line in proc.stdout.decode("utf-8").splitlines()]
        # sfeed TSV: timestamp, title, link, content, content-type, id, author, enclosure, category
        assert [(r[2], r[1]) for r in rows] == expected_items(path), path.name
        for r in rows:
            assert r[5].startswith("urn:uuid:") and r[4] == "html" and r[3]
        if ARTICLE1 in [r[2] for r in rows]:
            row = [r for r in rows if r[2] == ARTICLE1][0]
            assert int(row[0]) == INSTANT and row[1] == ARTICLE1_TITLE


# --- a subscription made as the README says: import the OPML files as they are ----------------


def newsboat_import(opml: Path, work: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """``newsboat -i OPML`` then ``-x reload`` in a fresh profile, as a user would.

    Returns the subscribed feed URLs and (item url, feed url) of every cached item.
    """
    work.mkdir()
    urls = work / "urls"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "LANG": "C.UTF-8",
           "XDG_CONFIG_HOME": str(work), "XDG_DATA_HOME": str(work), "http_proxy": "", "https_proxy": ""}
    base = [NEWSBOAT, "-u", str(urls), "-c", str(work / "cache.db"), "-C", str(work / "config")]
    (work / "config").write_text("", "utf-8")
    urls.write_text("", "utf-8")
    for args in (["-i", str(opml)], ["-x", "reload"]):
        proc = subprocess.run(base + args, env=env, capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, proc.stderr
    subscribed = [line.split()[0] for line in urls.read_text("utf-8").splitlines() if line.strip()]
    conn = sqlite3.connect(work / "cache.db")
    try:
        return subscribed, conn.execute("SELECT url, feedurl FROM rss_item").fetchall()
    finally:
        conn.close()


def feed_file_links(url: str, root: Path, base: str) -> list[str]:
    """Item links of the feed file behind a subscribed URL (file:// or under ``base``)."""
    rel = url[len(base):]
    return [link for link, _ in expected_items(root / rel)]


def _check_subscription(opml: Path, feeds: Path, base: str, work: Path, must_reach: set[str]) -> None:
    subscribed, rows = newsboat_import(opml, work)
    assert subscribed and all(u.startswith(base) for u in subscribed), subscribed
    shown = {}
    for link, feedurl in rows:
        shown.setdefault(feedurl, set()).add(link)
    for url in subscribed:
        in_file = feed_file_links(url, feeds, base)
        # no subscribed feed stays empty while its file has items
        assert not in_file or shown.get(url), f"{url}: {len(in_file)} items in the file, none shown"
    # every article is shown at least once
    assert must_reach <= {link for links in shown.values() for link in links}


@pytest.mark.skipif(NEWSBOAT is None, reason="newsboat not installed (Debian package newsboat; .ci/install --test)")
@pytest.mark.parametrize("with_base", [False, True], ids=["no_base_url", "base_url_served"])
def test_newsboat_importing_the_opml_files_shows_every_article(tmp_path, with_base):
    from aggregator.server import StaticSiteServer

    data = json.loads((Path(__file__).parent / "golden" / "export_archive.json").read_text("utf-8"))
    import sqlite_utils

    from aggregator.normalize import url_key

    db = sqlite_utils.Database(tmp_path / "archive.db")
    db["sources"].insert_all(data["sources"], pk="name")
    db["categories"].insert_all(data["categories"], pk="slug")
    for a in data["articles"]:
        db["articles"].insert({**{k: v for k, v in a.items() if k not in ("categories", "first_version")},
                               "url_key": url_key(a["url"])}, pk="id")
        for c in a["categories"]:
            db["article_categories"].insert({"article_id": a["id"], "category": c}, pk=("article_id", "category"))
    stored = {r[0] for r in db.execute("select url from articles where duplicate_of is null")}
    every = {r[0] for r in db.execute("select url from articles")}
    db.close()
    assert len(stored) >= 5 and every > stored  # the fixture has syndicated copies
    feeds = tmp_path / "feeds"
    # the README's way: feeds served by `aggregator serve` (the server is the one it runs)
    with StaticSiteServer(feeds.parent, rewrite_opml=True) as srv:
        base_url = srv.url("/feeds/") if with_base else None
        export_all(tmp_path / "archive.db", feeds, base_url=base_url, now=NOW)
        if with_base:
            base = base_url
            opmls = {}
            for name in ("index.opml", "sources.opml"):
                (tmp_path / name).write_bytes(urlopen(srv.url(f"/feeds/{name}")).read())
                opmls[name] = tmp_path / name
        else:
            base = feeds.resolve().as_uri() + "/"
            opmls = {name: feeds / name for name in ("index.opml", "sources.opml")}
        # categories: every article not a syndicated copy; sources: every stored row
        _check_subscription(opmls["index.opml"], feeds, base, tmp_path / "nb-index", stored)
        _check_subscription(opmls["sources.opml"], feeds, base, tmp_path / "nb-sources", every)


def test_serve_answers_an_opml_written_without_base_url_with_its_own_address(tmp_path):
    from aggregator.server import StaticSiteServer

    import sqlite_utils

    db = sqlite_utils.Database(tmp_path / "a.db")
    db.close()
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    local = feeds.resolve().as_uri() + "/"
    (feeds / "index.opml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><head><title>t</title></head><body>'
        f'<outline type="rss" text="a" xmlUrl="{local}a.xml" htmlUrl="https://example.org/"/>'
        '<outline type="rss" text="b" xmlUrl="source/b.xml"/></body></opml>', "utf-8")
    with StaticSiteServer(feeds, rewrite_opml=True) as srv:
        body = urlopen(srv.url("/index.opml")).read()
    urls = [o.get("xmlUrl") for o in etree.fromstring(body).iter("outline")]
    assert urls == [srv.url("/a.xml"), srv.url("/source/b.xml")]
    assert b"https://example.org/" in body
    with StaticSiteServer(feeds) as srv:  # not asked to: the file as it is
        assert urlopen(srv.url("/index.opml")).read() == (feeds / "index.opml").read_bytes()
