"""aggregator.extract.feeds and aggregator.extract.jsonapi on saved files (tests/fixtures/feeds/, ours)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from aggregator.extract import jsonapi
from aggregator.extract.feeds import feed_links, read_sitemap

FEEDS = Path(__file__).resolve().parent / "fixtures" / "feeds"


def _read(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


def test_rss_items_in_their_declared_encoding():
    links = feed_links(_read("rss.xml"), "http://news.example.cn/rss.xml")
    assert [link["url"] for link in links] == [
        "http://news.example.cn/2024/05/a1.html", "http://news.example.cn/2024/05/a2.html",
        "http://news.example.cn/2024/05/a3.html", "http://news.example.cn/zhuanti/index.html"]
    first, second = links[0], links[1]
    assert first["text"] == "市区新增三条公交线路"          # gb2312 decoded as the XML declares
    assert first["date"] == "Tue, 14 May 2024 08:30:00 +0800" and first["author"] == "李记者"
    assert second["date"] == "2024-05-13T10:00:00+08:00"    # guid as link, dc:date as date


def test_rss_article_url_filter():
    links = feed_links(_read("rss.xml"), "http://news.example.cn/rss.xml", article_url=r"/\d{4}/\d{2}/")
    assert len(links) == 3 and all("zhuanti" not in link["url"] for link in links)


def test_atom_entries():
    links = feed_links(_read("atom.xml"), "https://www.example.org/atom.xml")
    assert links == [
        {"url": "https://www.example.org/edu/b1.html", "text": "乡村学校开设书法课",
         "date": "2024-05-12T09:00:00+08:00", "author": "王编辑"},
        {"url": "https://www.example.org/edu/b2.html", "text": "只有 id 的条目", "date": "2024-05-11T09:00:00Z",
         "author": None},
    ]


@pytest.mark.parametrize("body", [b"", b"<html><body>not xml", b"\xff\xfe garbage"])
def test_not_a_feed(body):
    assert not feed_links(body, "http://x.example/feed")


def test_news_sitemap():
    sm = read_sitemap(_read("sitemap.xml"), "https://www.example.org/sitemap.xml")
    assert not sm.index
    assert [(link["url"], link["date"], link["text"]) for link in sm.links] == [
        ("https://www.example.org/news/2024/05/c1.html", "2024-05-14T07:00:00+08:00", "黄河沿岸植树活动启动"),
        ("https://www.example.org/news/2024/05/c2.html", "2024-05-13", None),
        ("https://www.example.org/about.html", None, None),
    ]
    only_news = read_sitemap(_read("sitemap.xml"), "https://www.example.org/sitemap.xml", article_url="/news/")
    assert len(only_news.links) == 2


def test_sitemap_index_and_gzip():
    sm = read_sitemap(_read("sitemap_index.xml"), "https://www.example.org/sitemap.xml")
    assert sm.index and sm.children == ["https://www.example.org/sitemap-news-1.xml",
                                        "https://www.example.org/sitemap-news-2.xml.gz"]
    gz = read_sitemap(gzip.compress(_read("sitemap.xml")), "https://www.example.org/s.xml.gz")
    assert len(gz.links) == 3
    assert read_sitemap(b"\x1f\x8b broken gzip", "https://www.example.org/s.xml.gz") is None


def test_json_list_found_and_fields_read():
    data = jsonapi.loads(_read("api.json").decode())
    links = jsonapi.api_links(data, "https://www.example.org/api/list?page=1")
    assert [link["url"] for link in links] == ["https://www.example.org/content/11.html",
                                               "https://m.example.org/content/12.html",
                                               "https://www.example.org/content/13.html"]
    assert links[0]["text"] == "新能源项目并网发电" and links[0]["source"] == "示例日报"
    assert links[0]["date"] == "2024-05-14T01:30:00+00:00"        # epoch seconds → ISO UTC
    assert links[1]["date"] == "2024-05-13 09:30" and links[1]["author"] == "赵记者"
    assert links[2]["body_html"] == "<p>北向资金净流入达30亿元。</p>"
    assert links[2]["date"] == "2024-05-13T01:30:00+00:00"        # epoch milliseconds
    assert jsonapi.next_page(data, "https://www.example.org/api/list?page=1", 1) == (
        "https://www.example.org/api/list?page=2", False)


def test_jsonp_and_script_assignment_lists():
    data = jsonapi.loads(_read("api.jsonp").decode())
    links = jsonapi.api_links(data, "http://www.example.org/api")
    assert [(link["url"], link["text"]) for link in links] == [
        ("http://www.example.org/wh/d1.html", "文化馆举办摄影展"), ("http://www.example.org/wh/d2.html", "志愿者清理河道")]
    assert links[0]["date"] == "2024-05-12 18:00"
    data = jsonapi.loads(_read("api_var.js").decode())
    assert jsonapi.api_links(data, "https://lib.example.org/")[0]["url"] == "https://lib.example.org/lib/e1.html"
    with pytest.raises(ValueError):
        jsonapi.loads("<html>not json</html>")


def test_json_items_path_and_field_map():
    data = {"r": {"rows": [{"info": {"u": "/x/1.html", "t": "标题一"}}]}}
    links = jsonapi.api_links(data, "https://a.example/", json_items="r.rows",
                              json_fields={"url": "info.u", "title": "info.t"})
    assert links == [{"url": "https://a.example/x/1.html", "text": "标题一"}]
    assert jsonapi.api_links(data, "https://a.example/", json_items="r.missing") is None


@pytest.mark.parametrize("url, page, expect", [
    ("https://a.example/api?page=3&size=20", 3, "https://a.example/api?page=4&size=20"),
    ("https://a.example/api?pn=1", 1, "https://a.example/api?pn=2"),
    ("https://a.example/list_2.json", 2, "https://a.example/list_3.json"),
    ("https://a.example/list.json", 1, None),
])
def test_guessed_next_page(url, page, expect):
    assert jsonapi.next_page({}, url, page) == (expect, True)
