"""Exporter: golden feeds, lxml structural checks, stable ids, dates, idempotence, limits.

The fixture archive (tests/golden/export_archive.json, original text) has three sources,
four categories, a syndicated copy (article 4 = duplicate of 3), control characters and
XML specials in a title, a relative image, an article in two categories, an old article
(2021-06-01) and two articles published at the same instant (2022-01-19 12:20:06 +0800).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from lxml import etree

from aggregator.errors import AggregatorError, ArchiveError
from aggregator.export import NO_BASE_URL_WARNING, export_all
from aggregator.export.model import item_id
from aggregator.export.state import STATE_FILE
from aggregator.normalize import url_key
from aggregator.sources import FeedDefinition

BASE = "https://feeds.example.org/nx/"
NOW = datetime(2022, 1, 20, 12, 0, tzinfo=timezone.utc)
NS = {"atom": "http://www.w3.org/2005/Atom", "content": "http://purl.org/rss/1.0/modules/content/",
      "dc": "http://purl.org/dc/elements/1.1/"}
CUSTOM = (
    FeedDefinition(name="xiangcun", title="乡村振兴", query="乡村振兴"),
    FeedDefinition(name="sannong_new", title="三农（不含展销）", categories=("三农",), exclude=("展销",)),
)
RFC822 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
                    r"\d{2}:\d{2}:\d{2} [+-]\d{4}$")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
FIXTURE_INSTANT = datetime(2022, 1, 19, 4, 20, 6, tzinfo=timezone.utc)  # 2022-01-19 12:20:06 +0800
ARTICLE1 = "https://www.example-yinchuan.cn/news/2022-01/19/content_100001.htm"
DUPLICATE = "https://www.example-yinchuan.cn/news/2022-01/17/content_100003.htm"


def fixture_data() -> dict:
    return json.loads((Path(__file__).parent / "golden" / "export_archive.json").read_text("utf-8"))


def read_tree(root: Path) -> dict[str, bytes]:
    """The exported files (not the exporter's own state file)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != STATE_FILE}


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def exported(export_archive, tmp_path):
    """The fixture archive exported with a base URL, custom feeds and Jekyll posts."""
    db = export_archive()
    out = tmp_path / "feeds"
    report = export_all(db, out, base_url=BASE, now=NOW, feeds=CUSTOM, jekyll_dir=tmp_path / "site")
    return db, out, report


def rss_items(path: Path):
    return etree.parse(str(path)).getroot().findall("channel/item")


def rss_links(path: Path) -> list[str]:
    return [i.findtext("link") for i in rss_items(path)]


# --- golden files -------------------------------------------------------------------------


def test_golden_feeds_with_base_url(exported, golden):
    _, out, report = exported
    assert report.warnings == []
    golden(read_tree(out), "base_url")


def test_golden_jekyll_posts(exported, golden, tmp_path):
    golden(read_tree(tmp_path / "site"), "jekyll")


def test_golden_feeds_without_base_url(export_archive, tmp_path, golden):
    out = tmp_path / "feeds"
    report = export_all(export_archive(), out, now=NOW)
    assert report.warnings == [NO_BASE_URL_WARNING]
    files = read_tree(out)
    # index.opml holds file:// URLs of tmp_path here: checked in test_opml_without_base_url_*
    golden({k: files[k] for k in ("all.xml", "all.atom", "all.json", "index.html")}, "no_base_url")


# --- file layout ----------------------------------------------------------------------------


def test_file_names_per_category_source_all_and_custom(exported):
    _, out, report = exported
    stems = ["all", "guyuanribao", "ningxiaxinwenwang", "sannong", "yinchuanxinwenwang",
             "source/guyuan", "source/nxnews", "source/yinchuan", "feed/xiangcun", "feed/sannong_new"]
    assert report.feeds == stems
    for stem in stems:
        for ext in ("xml", "atom", "json"):
            assert (out / f"{stem}.{ext}").is_file(), f"{stem}.{ext}"
    assert (out / "index.opml").is_file() and (out / "index.html").is_file()
    assert report.files_written == 3 * len(stems) + 4 + 6  # feeds, 3 OPML + index.html, six Jekyll posts
    assert report.files_unchanged == 0
    assert report.bytes_written == sum(os.path.getsize(p) for p in report.paths_written)


# --- RSS structure --------------------------------------------------------------------------


def test_rss_structure(exported):
    _, out, _ = exported
    root = etree.parse(str(out / "yinchuanxinwenwang.xml")).getroot()
    assert root.tag == "rss" and root.get("version") == "2.0"
    ch = root.find("channel")
    assert ch.findtext("title") == "银川新闻网"
    assert ch.findtext("link") == BASE + "index.html#cat-yinchuanxinwenwang"
    assert ch.findtext("description")
    assert ch.findtext("language") == "zh-CN"
    assert ch.findtext("generator") == "aggregator"
    self_link = ch.find("atom:link", NS)
    assert self_link.get("rel") == "self" and self_link.get("href") == BASE + "yinchuanxinwenwang.xml"
    assert self_link.get("type") == "application/rss+xml"
    # feed-level dates come from the data: newest updated_at (article 2, 2022-01-20T01:00Z)
    assert parsedate_to_datetime(ch.findtext("lastBuildDate")) == datetime(2022, 1, 20, 1, 0, tzinfo=timezone.utc)
    assert parsedate_to_datetime(ch.findtext("pubDate")) == FIXTURE_INSTANT
    items = ch.findall("item")
    assert [i.findtext("link") for i in items] == [ARTICLE1, "https://www.example-yinchuan.cn/news/2022-01/18/content_100002.htm"]
    for item in items:
        for tag in ("title", "link", "description", "pubDate", "guid", "content:encoded", "dc:creator", "category"):
            assert item.find(tag, NS) is not None, tag
        assert RFC822.match(item.findtext("pubDate")), item.findtext("pubDate")
        guid = item.find("guid")
        assert guid.get("isPermaLink") == "false"
        assert guid.text == item_id(url_key(item.findtext("link")))
        assert item.find("source").get("url") == BASE + "source/yinchuan.xml"
    first = items[0]
    assert first.findtext("pubDate") == "Wed, 19 Jan 2022 12:20:06 +0800"
    assert first.findtext("dc:creator", namespaces=NS) == "李晓芳"
    assert [c.text for c in first.findall("category")] == ["银川新闻网"]
    assert first.findtext("description").startswith("1月19日上午，银川市春节文化惠民活动")


def test_rss_content_encoded_is_escaped_full_html(exported):
    _, out, _ = exported
    raw = (out / "yinchuanxinwenwang.xml").read_text("utf-8")
    # the HTML is escaped text inside content:encoded, not markup (and not CDATA)
    assert "<content:encoded>&lt;p&gt;1月19日上午" in raw
    assert "CDATA" not in raw
    item = rss_items(out / "yinchuanxinwenwang.xml")[0]
    html = item.findtext("content:encoded", namespaces=NS)
    assert html.startswith("<p>1月19日上午，银川市春节文化惠民活动在新华街广场启动。")
    assert "市文化旅游部门介绍" in html  # the whole body, not a summary
    assert '<a href="https://www.example-yinchuan.cn/zhuanti/chunjie.html"' in html
    assert '<p class="aggregator-source">来源：银川日报' in html


def test_images_absolute_and_no_referrer(exported):
    _, out, _ = exported
    for item in rss_items(out / "all.xml"):
        html = item.findtext("content:encoded", namespaces=NS)
        frag = etree.HTML(f"<div>{html}</div>")
        for img in frag.iter("img"):
            assert img.get("referrerpolicy") == "no-referrer"
            assert img.get("src").startswith("https://")
    curling = [i for i in rss_items(out / "all.xml") if i.findtext("link").endswith("content_100002.htm")][0]
    assert 'src="https://www.example-yinchuan.cn/images/2022/curling.jpg"' in curling.findtext("content:encoded", namespaces=NS)


def test_xml_forbidden_characters_removed(exported):
    _, out, _ = exported
    for path in out.rglob("*"):
        if path.is_file():
            text = path.read_text("utf-8")
            assert "\x0b" not in text and "\x1f" not in text, path
    item = [i for i in rss_items(out / "all.xml") if i.findtext("link").endswith("content_100002.htm")][0]
    assert item.findtext("title") == '> 冰雪运动进校园："冬奥"课堂 #1 开讲 & <体验>冰壶'
    assert "&lt;体验&gt;" in (out / "all.xml").read_text("utf-8")


def test_origin_url_shown(exported):
    _, out, _ = exported
    item = [i for i in rss_items(out / "ningxiaxinwenwang.xml") if i.findtext("link").endswith("c123_456.html")][0]
    assert '<a href="https://www.example-nxrb.cn/2022/0117/a3.html">阅读原文</a>' in item.findtext("content:encoded", namespaces=NS)
    atom = etree.parse(str(out / "ningxiaxinwenwang.atom")).getroot()
    via = atom.xpath("//atom:entry/atom:link[@rel='via']", namespaces=NS)
    assert [v.get("href") for v in via] == ["https://www.example-nxrb.cn/2022/0117/a3.html"]
    doc = json.loads((out / "ningxiaxinwenwang.json").read_text("utf-8"))
    assert [i.get("external_url") for i in doc["items"]] == [None, "https://www.example-nxrb.cn/2022/0117/a3.html"]


# --- Atom and JSON structure ------------------------------------------------------------------


def test_atom_structure(exported):
    _, out, _ = exported
    root = etree.parse(str(out / "all.atom")).getroot()
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-CN"
    assert root.findtext("atom:id", namespaces=NS) == BASE + "all.atom"
    assert root.findtext("atom:updated", namespaces=NS) == "2022-01-20T09:00:00+08:00"
    gen = root.find("atom:generator", NS)
    assert gen.text == "aggregator" and gen.get("version") is None and gen.get("uri") is None
    assert root.xpath("atom:link[@rel='self']/@href", namespaces=NS) == [BASE + "all.atom"]
    entries = root.findall("atom:entry", NS)
    assert len(entries) == 6
    for e in entries:
        for tag in ("id", "title", "updated", "published", "author/atom:name", "content", "summary", "link"):
            assert e.find("atom:" + tag, NS) is not None, tag
        assert RFC3339.match(e.findtext("atom:updated", namespaces=NS))
        assert RFC3339.match(e.findtext("atom:published", namespaces=NS))
        assert e.find("atom:content", NS).get("type") == "html"
        assert e.findtext("atom:id", namespaces=NS) == item_id(url_key(e.find("atom:link", NS).get("href")))
    first = [e for e in entries if e.find("atom:link", NS).get("href") == ARTICLE1][0]
    assert first.findtext("atom:published", namespaces=NS) == "2022-01-19T12:20:06+08:00"
    assert datetime.fromisoformat(first.findtext("atom:published", namespaces=NS)) == FIXTURE_INSTANT


def test_json_feed_structure(exported):
    _, out, _ = exported
    doc = json.loads((out / "all.json").read_bytes())
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["feed_url"] == BASE + "all.json" and doc["language"] == "zh-CN"
    assert doc["home_page_url"] == BASE + "index.html"
    rss_guids = [i.findtext("guid") for i in rss_items(out / "all.xml")]
    assert [i["id"] for i in doc["items"]] == rss_guids
    for item in doc["items"]:
        assert item["content_html"] and item["summary"] and item["title"] and item["url"].startswith("https://")
        assert RFC3339.match(item["date_published"]) and RFC3339.match(item["date_modified"])
        assert len(item["summary"]) <= 201
    assert "银川市启动春节文化惠民活动" in (out / "all.json").read_text("utf-8")  # not \\u-escaped


def test_summary_is_first_200_chars_of_text(export_archive, tmp_path):
    data = fixture_data()
    data["articles"][0]["body_text"] = "长" * 500
    out = tmp_path / "feeds"
    export_all(export_archive(data), out, base_url=BASE, now=NOW)
    desc = rss_items(out / "yinchuanxinwenwang.xml")[0].findtext("description")
    assert desc == "长" * 200 + "…"


# --- selection: duplicates, order, limit, days ----------------------------------------------


def test_syndicated_copy_only_in_its_source_feed(exported):
    _, out, _ = exported
    assert DUPLICATE not in rss_links(out / "all.xml")
    assert DUPLICATE not in rss_links(out / "yinchuanxinwenwang.xml")
    assert DUPLICATE not in rss_links(out / "feed/xiangcun.xml")
    assert DUPLICATE in rss_links(out / "source/yinchuan.xml")


def test_article_in_two_categories_appears_in_both(exported):
    _, out, _ = exported
    original = "https://www.example-nxnews.cn/2022/0117/c123_456.html"
    assert original in rss_links(out / "ningxiaxinwenwang.xml") and original in rss_links(out / "sannong.xml")
    item = [i for i in rss_items(out / "sannong.xml") if i.findtext("link") == original][0]
    assert [c.text for c in item.findall("category")] == ["宁夏新闻网", "三农"]


def test_newest_first_with_stable_tie_break(exported):
    _, out, _ = exported
    links = rss_links(out / "all.xml")
    # two articles share 2022-01-19T04:20:06Z: ordered by URL
    assert links[:2] == ["https://www.example-nxnews.cn/2022/0119/c123_789.html", ARTICLE1]
    dates = [parsedate_to_datetime(i.findtext("pubDate")) for i in rss_items(out / "all.xml")]
    assert dates == sorted(dates, reverse=True)


def test_limit_keeps_the_newest(export_archive, tmp_path):
    out = tmp_path / "feeds"
    export_all(export_archive(), out, base_url=BASE, now=NOW, limit=2)
    assert rss_links(out / "all.xml") == ["https://www.example-nxnews.cn/2022/0119/c123_789.html", ARTICLE1]
    for path in out.rglob("*.xml"):
        assert len(rss_items(path)) <= 2
    assert len(json.loads((out / "all.json").read_text("utf-8"))["items"]) == 2
    assert len(etree.parse(str(out / "all.atom")).getroot().findall("atom:entry", NS)) == 2


def test_days_bounds_age_relative_to_now(export_archive, tmp_path):
    out = tmp_path / "feeds"
    db = export_archive()
    export_all(db, out, base_url=BASE, now=NOW, days=30)
    assert "https://www.example-guyuan.cn/news/2021-06/01/7001.html" not in rss_links(out / "all.xml")
    assert len(rss_links(out / "all.xml")) == 5
    export_all(db, out, base_url=BASE, now=NOW, days=2)  # since 2022-01-18T12:00Z
    assert rss_links(out / "all.xml") == ["https://www.example-nxnews.cn/2022/0119/c123_789.html", ARTICLE1]


def test_custom_feeds_query_and_filters(exported):
    _, out, _ = exported
    both = ["https://www.example-nxnews.cn/2022/0117/c123_456.html", "https://www.example-guyuan.cn/news/2022-01/16/8842.html"]
    assert rss_links(out / "feed/xiangcun.xml") == both
    # categories given by display name; the 展销 article is excluded
    assert rss_links(out / "feed/sannong_new.xml") == both
    ch = etree.parse(str(out / "feed/xiangcun.xml")).getroot().find("channel")
    assert ch.findtext("title") == "乡村振兴"


def test_custom_feed_include_sources_limit_days(export_archive, tmp_path):
    feeds = [
        FeedDefinition(name="roads", title="交通", include=("高速公路", "铁路")),
        FeedDefinition(name="guyuan_recent", title="固原近期", sources=("固原日报",), days=30),
        FeedDefinition(name="one", title="一条", sources=("yinchuan", "nxnews"), limit=1),
    ]
    out = tmp_path / "feeds"
    export_all(export_archive(), out, base_url=BASE, now=NOW, feeds=feeds)
    assert rss_links(out / "feed/roads.xml") == ["https://www.example-nxnews.cn/2022/0119/c123_789.html"]
    assert rss_links(out / "feed/guyuan_recent.xml") == ["https://www.example-guyuan.cn/news/2022-01/16/8842.html"]
    assert len(rss_links(out / "feed/one.xml")) == 1


# --- stability ------------------------------------------------------------------------------------


def test_item_ids_identical_across_formats_and_feeds(exported):
    # one id per (feed file, article) in every format; the same id in every feed, except
    # for a cross-listed article in its second category (see the next test)
    _, out, _ = exported
    ids = {}
    for p in out.rglob("*.xml"):
        stem = p.relative_to(out).as_posix()[:-4]
        for i in rss_items(p):
            ids[(stem, i.findtext("link"))] = i.findtext("guid")
    for path in out.rglob("*.atom"):
        stem = path.relative_to(out).as_posix()[:-5]
        for e in etree.parse(str(path)).getroot().findall("atom:entry", NS):
            assert ids[(stem, e.find("atom:link", NS).get("href"))] == e.findtext("atom:id", namespaces=NS)
    for path in out.rglob("*.json"):
        stem = path.relative_to(out).as_posix()[:-5]
        for item in json.loads(path.read_bytes())["items"]:
            assert ids[(stem, item["url"])] == item["id"]
    by_link = {}
    for (stem, link), guid in ids.items():
        by_link.setdefault(link, set()).add(guid)
    cross = {link for link, guids in by_link.items() if len(guids) > 1}
    assert all(len(by_link[link]) == 2 for link in cross)
    assert len({g for gs in by_link.values() for g in gs}) == len(by_link) + len(cross)


def test_cross_listed_article_has_its_own_id_in_its_second_category(exported):
    _, out, _ = exported
    own = {i.findtext("link"): i.findtext("guid") for i in rss_items(out / "all.xml")}
    second = {i.findtext("link"): i.findtext("guid") for i in rss_items(out / "sannong.xml")}
    primary = {i.findtext("link"): i.findtext("guid") for p in ("guyuanribao.xml", "yinchuanxinwenwang.xml",
                                                                "ningxiaxinwenwang.xml") for i in rss_items(out / p)}
    cross = set(second) & set(primary)
    assert cross
    for link in cross:
        assert primary[link] == own[link] != second[link]
    for link in set(second) - cross:
        assert second[link] == own[link]


def test_recrawl_and_category_change_keep_item_ids(export_archive, tmp_path):
    db = export_archive()
    out = tmp_path / "feeds"
    export_all(db, out, base_url=BASE, now=NOW)
    before = {i.findtext("link"): i.findtext("guid") for i in rss_items(out / "all.xml")}
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE articles SET title = title || '（更新）', body_html = '<p>改写后的正文。</p>', "
                     "body_text = '改写后的正文。', updated_at = '2022-01-21T00:00:00+00:00', "
                     "fetched_at = '2022-01-21T00:00:00+00:00', category = 'guyuanribao' WHERE id = 1")
        conn.execute("INSERT INTO article_categories VALUES (1, 'sannong')")
    conn.close()
    report = export_all(db, out, base_url=BASE, now=NOW)
    after = {i.findtext("link"): i.findtext("guid") for i in rss_items(out / "all.xml")}
    assert after == before
    assert ARTICLE1 in rss_links(out / "sannong.xml") and ARTICLE1 in rss_links(out / "guyuanribao.xml")
    assert "all.xml" in {Path(p).name for p in report.paths_written}


def test_second_export_changes_no_byte_and_no_mtime(exported, tmp_path):
    db, out, _ = exported
    site = tmp_path / "site"
    old = 1_000_000_000
    for p in [*out.rglob("*"), *site.rglob("*")]:
        if p.is_file():
            os.utime(p, (old, old))
    before, before_site = snapshot(out), snapshot(site)
    # a different "now" must not matter either: no date in the output comes from the clock
    report = export_all(db, out, base_url=BASE, now=datetime(2030, 1, 1, tzinfo=timezone.utc), feeds=CUSTOM,
                        jekyll_dir=site)
    assert report.files_written == 0 and report.bytes_written == 0 and report.paths_written == []
    assert report.files_unchanged == len([k for k in before if k != STATE_FILE]) + len(before_site)
    assert snapshot(out) == before and snapshot(site) == before_site   # the state file included


def test_only_changed_files_are_rewritten(exported):
    db, out, _ = exported
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE articles SET title = '固原：冬季农田水利建设全面展开', updated_at = '2022-01-20T03:00:00+00:00' WHERE id = 5")
    conn.close()
    report = export_all(db, out, base_url=BASE, now=NOW, feeds=CUSTOM)
    written = {Path(p).relative_to(out).as_posix() for p in report.paths_written}
    assert {"all.xml", "guyuanribao.atom", "sannong.json", "source/guyuan.xml", "feed/xiangcun.xml",
            "index.html", "index.opml"} <= written
    assert not written & {"yinchuanxinwenwang.xml", "source/yinchuan.atom", "ningxiaxinwenwang.json"}


# --- base URL, hostile names, errors ------------------------------------------------------------


def test_without_base_url_no_self_links_and_one_warning(export_archive, tmp_path):
    out = tmp_path / "feeds"
    report = export_all(export_archive(), out, now=NOW, feeds=CUSTOM)
    assert len(report.warnings) == 1 and "--base-url" in report.warnings[0]
    for path in out.rglob("*.xml"):
        assert etree.parse(str(path)).getroot().find("channel/atom:link", NS) is None
        assert not rss_items(path) or all(i.find("source") is None for i in rss_items(path))
    for path in out.rglob("*.atom"):
        assert not etree.parse(str(path)).getroot().xpath("atom:link[@rel='self']", namespaces=NS)
    for path in out.rglob("*.json"):
        assert "feed_url" not in json.loads(path.read_bytes())
    ch = etree.parse(str(out / "yinchuanxinwenwang.xml")).getroot().find("channel")
    assert ch.findtext("link") == "https://www.example-yinchuan.cn/category/yinchuanxinwenwang.html"


def test_base_url_must_be_http(export_archive, tmp_path):
    with pytest.raises(AggregatorError, match="base-url"):
        export_all(export_archive(), tmp_path / "feeds", base_url="feeds.example.org/x")


def test_base_url_without_trailing_slash(export_archive, tmp_path):
    out = tmp_path / "feeds"
    export_all(export_archive(), out, base_url="https://feeds.example.org/nx", now=NOW)
    assert etree.parse(str(out / "all.xml")).getroot().find("channel/atom:link", NS).get("href") == BASE + "all.xml"


def test_hostile_names_stay_inside_out_dir(export_archive, tmp_path):
    data = fixture_data()
    data["categories"] += [{"slug": "../../evil", "name": "越界"}, {"slug": "all", "name": "名为all的分类"},
                           {"slug": "/etc/passwd", "name": "绝对路径"}]
    data["sources"].append({"name": "a/../../b", "title": "坏名字", "type": "listing", "category": "../../evil",
                            "start_urls": "[]", "config": "{}"})
    data["articles"].append({**data["articles"][6], "id": 8, "url": "https://bad.example.cn/1.html",
                             "category": "../../evil", "spider": "a/../../b", "categories": ["all", "/etc/passwd"]})
    root = tmp_path / "deep" / "er"
    out = root / "feeds"
    report = export_all(export_archive(data, raw=True), out, base_url=BASE, now=NOW)
    written = [Path(p).resolve() for p in report.paths_written]
    assert all(out.resolve() in p.parents for p in written)
    assert not any(p.is_file() for p in (tmp_path / "deep").rglob("*") if out not in p.parents and p != out)
    names = {p.relative_to(out.resolve()).as_posix() for p in written}
    assert "all-category.xml" in names  # a category called "all" does not overwrite all.xml
    assert "etc-passwd.xml" in names and "evil.xml" in names
    assert any(n.startswith("source/") and ".." not in n and n.count("/") == 1 for n in names if "a-b" in n)
    assert "https://bad.example.cn/1.html" in rss_links(out / "all-category.xml")
    assert "https://bad.example.cn/1.html" in rss_links(out / "all.xml")


def test_missing_archive_is_an_archive_error(tmp_path):
    with pytest.raises(ArchiveError, match="not found"):
        export_all(tmp_path / "nope.db", tmp_path / "feeds")
    sqlite3.connect(tmp_path / "other.db").execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(ArchiveError, match="not an aggregator archive"):
        export_all(tmp_path / "other.db", tmp_path / "feeds")


def test_empty_archive_exports_empty_feeds(export_archive, tmp_path):
    out = tmp_path / "feeds"
    report = export_all(export_archive({"sources": [], "categories": [{"slug": "kong", "name": "空分类"}], "articles": []}),
                        out, base_url=BASE, now=NOW)
    assert report.feeds == ["all", "kong"]
    assert rss_items(out / "kong.xml") == []
    atom = etree.parse(str(out / "kong.atom")).getroot()
    assert atom.findtext("atom:updated", namespaces=NS) == "1970-01-01T08:00:00+08:00"
    assert "暂无文章" in (out / "index.html").read_text("utf-8")


def test_exporter_does_not_write_to_the_archive(export_archive, tmp_path):
    db = export_archive()
    before = db.read_bytes()
    os.chmod(db, 0o444)
    try:
        export_all(db, tmp_path / "feeds", base_url=BASE, now=NOW, feeds=CUSTOM)
    finally:
        os.chmod(db, 0o644)
    assert db.read_bytes() == before


# --- OPML ---------------------------------------------------------------------------------------


def test_opml_files_split_feeds_that_share_items(exported):
    # readers such as newsboat keep one item per id across all feeds: each OPML file
    # lists feeds that do not overlap (categories; sources; custom feeds)
    _, out, report = exported
    urls = {}
    for name in ("index.opml", "sources.opml", "custom.opml"):
        root = etree.parse(str(out / name)).getroot()
        assert root.get("version") == "2.0" and root.findtext("head/title")
        feeds = root.xpath("//outline[@type='rss']")
        for f in feeds:
            assert f.get("text") and f.get("title") and f.get("htmlUrl").startswith("https://")
        urls[name] = [f.get("xmlUrl") for f in feeds]
    stems = report.feeds
    assert urls["index.opml"] == [BASE + s + ".xml" for s in stems if s not in ("all",) and "/" not in s]
    assert urls["sources.opml"] == [BASE + s + ".xml" for s in stems if s.startswith("source/")]
    assert urls["custom.opml"] == [BASE + s + ".xml" for s in stems if s.startswith("feed/")]
    root = etree.parse(str(out / "sources.opml")).getroot()
    assert root.find("body/outline").get("htmlUrl") == "https://www.example-guyuan.cn/news/"


def test_opml_without_base_url_has_absolute_file_urls_and_says_how_to_fix(export_archive, tmp_path):
    out = tmp_path / "feeds"
    export_all(export_archive(), out, now=NOW)
    assert not (out / "custom.opml").exists()
    text = (out / "index.opml").read_text("utf-8")
    assert "base_url" in text and "aggregator serve" in text
    root = etree.fromstring(text.encode())
    urls = [f.get("xmlUrl") for f in root.xpath("//outline[@type='rss']")]
    assert urls and all(u.startswith(out.resolve().as_uri() + "/") for u in urls)
    for u in urls:
        assert (out / u[len(out.resolve().as_uri()) + 1:]).is_file()


def test_exporter_does_not_import_scrapy():
    import subprocess
    import sys

    code = ("import sys, aggregator.export; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('scrapy', 'twisted')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_recrawl_through_the_archive_keeps_item_ids(export_archive, tmp_path):
    from aggregator import archive as archive_mod
    from aggregator.items import Article

    db = export_archive()
    out = tmp_path / "feeds"
    export_all(db, out, base_url=BASE, now=NOW)
    before = {i.findtext("link"): i.findtext("guid") for p in out.rglob("*.xml") for i in rss_items(p)}
    first = fixture_data()["articles"][0]
    with archive_mod.Archive(db) as archive:
        # the same article found again under another URL variant, edited, and in a new category
        outcome = archive.store_articles([Article(
            url=first["url"].replace("https://www.", "http://") + "?utm_source=wx", title=first["title"] + "（更新）",
            published=first["published"], source=first["source"], author=first["author"], category="sannong",
            spider="yinchuan", body_html="<p>活动日程调整。</p>", body_text="活动日程调整。",
        )], now="2022-01-21T00:00:00+00:00")
        assert outcome == ["updated"]
        assert archive.link_category(first["url"], "guyuanribao")
    report = export_all(db, out, base_url=BASE, now=NOW)
    after = {i.findtext("link"): i.findtext("guid") for p in out.rglob("*.xml") for i in rss_items(p)}
    assert set(after) == set(before) and all(after[link] == guid for link, guid in before.items())
    assert {ARTICLE1} <= set(rss_links(out / "sannong.xml")) & set(rss_links(out / "guyuanribao.xml"))
    assert report.files_written > 0
    item = [i for i in rss_items(out / "all.xml") if i.findtext("link") == ARTICLE1][0]
    assert item.findtext("title").endswith("（更新）") and item.findtext("guid") == before[ARTICLE1]


def test_raw_rows_are_sanitised_again(export_archive, tmp_path):
    data = fixture_data()
    data["articles"][0]["body_html"] = (
        '<p onclick="steal()">正文第一段。</p><script>alert(1)</script>'
        '<p><a href="javascript:alert(2)">链接</a><img src="x.jpg" onerror="alert(3)"></p>'
        '<iframe src="https://evil.example/"></iframe><p style="position:fixed">第二段。</p>'
    )
    out = tmp_path / "feeds"
    export_all(export_archive(data, raw=True), out, base_url=BASE, now=NOW)
    for name in ("all.xml", "all.atom", "all.json", "yinchuanxinwenwang.xml", "index.html"):
        text = (out / name).read_text("utf-8").lower()
        for bad in ("alert", "onclick", "onerror", "iframe", "evil.example", "javascript:", "position:fixed"):
            assert bad not in text, (name, bad)
        # the page's own copy-button script is the only one
        assert text.count("script>") == (2 if name == "index.html" else 0), name
    html = [i for i in rss_items(out / "all.xml") if i.findtext("link") == ARTICLE1][0].findtext("content:encoded", namespaces=NS)
    assert "<p>正文第一段。</p>" in html and "第二段。" in html
    assert '<img src="https://www.example-yinchuan.cn/news/2022-01/19/x.jpg"' in html
