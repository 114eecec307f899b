"""Link discovery on saved listing pages (tests/fixtures/listings/*.html + .expect.toml)."""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path

import pytest
from parsel import Selector
from scrapy import Request
from scrapy.http import HtmlResponse

from aggregator.extract.encoding import detect_encoding
from aggregator.extract.links import LinkInfo, Links, discover_links
from aggregator.sources import Source

LISTINGS = Path(__file__).parent / "fixtures" / "listings"
CASES = sorted(LISTINGS.glob("*.expect.toml"))


def listing(name: str) -> tuple[dict, HtmlResponse]:
    """Expectations and response of one listing fixture."""
    with (LISTINGS / f"{name}.expect.toml").open("rb") as fh:
        expect = tomllib.load(fh)
    body = (LISTINGS / f"{name}.html").read_bytes()
    url = expect["url"]
    resp = HtmlResponse(url=url, body=body, request=Request(url))
    return expect, resp.replace(encoding=detect_encoding(body, None))


@pytest.mark.parametrize("case", CASES, ids=[c.name[:-12] for c in CASES])
def test_generic_discovery(case):
    expect, resp = listing(case.name[:-12])
    now = datetime.fromisoformat(expect["now"]) if expect.get("now") else None
    links = discover_links(resp, None, now=now)
    assert [a.url for a in links.articles] == expect["articles"]
    assert links.next_pages == expect["next_pages"]
    by_url = {a.url: a for a in links.articles}
    for url, day in expect.get("dates", {}).items():
        assert (by_url[url].date or "").startswith(day)


def test_link_text_and_dates_of_items():
    _, resp = listing("ul_li_dates")
    links = discover_links(resp)
    first = links.articles[0]
    assert isinstance(first, LinkInfo)
    assert first.text == "银川今冬首场降雪如期而至"
    assert first.date == "2022-01-19T00:00:00+08:00"


def test_dates_without_year_take_the_year_from_now():
    _, resp = listing("table_layout")
    links = discover_links(resp, now=datetime.fromisoformat("2022-01-05T12:00:00+08:00"))
    assert links.articles[0].date.startswith("2021-12-18")


def test_navigation_sidebar_and_other_hosts_are_not_articles():
    _, resp = listing("list_with_hot_sidebar")
    urls = {a.url for a in discover_links(resp).articles}
    assert not any("/ty/" in u for u in urls)
    assert not any("partner.example.com" in u or "xinhua" in u for u in urls)
    assert "https://www.saishang.example/xw/" not in urls


def test_card_layout_gives_one_link_per_card_with_its_title():
    _, resp = listing("div_cards")
    arts = discover_links(resp).articles
    assert len(arts) == len({a.url for a in arts}) == 8
    assert all(a.text != "更多" and len(a.text) >= 6 for a in arts)


def test_article_url_regex_replaces_generic_discovery():
    _, resp = listing("list_with_hot_sidebar")
    src = Source(name="saishang", title="塞上新闻网", article_url=r"/ty/\d{4}/\d{2}/\d{2}/art_\d+\.shtml$")
    links = discover_links(resp, src)
    assert [a.url.rsplit("/", 1)[-1] for a in links.articles] == ["art_9901.shtml", "art_9902.shtml", "art_9903.shtml"]


def test_next_page_selector_replaces_generic_pagination():
    _, resp = listing("ul_li_dates")
    css = Source(name="yc", title="银川新闻网", next_page=".page a:nth-of-type(2)")
    assert discover_links(resp, css).next_pages == ["http://www.ycnews.example/bdxw/index_2.html"]
    xpath = Source(name="yc", title="银川新闻网", next_page="//div[@class='page']/a[last()]/@href")
    assert discover_links(resp, xpath).next_pages == ["http://www.ycnews.example/bdxw/index_9.html"]


def test_base_url_argument_and_base_href():
    html = ('<html><head><base href="http://b.example/news/"></head><body><ul>'
            + "".join(f'<li><a href="2022/0{i}/01/{i}.html">第{i}条本地新闻标题比较长</a></li>' for i in range(1, 6))
            + "</ul></body></html>")
    links = discover_links(Selector(text=html), base_url="http://b.example/news/list.html")
    assert [a.url for a in links.articles][0] == "http://b.example/news/2022/01/01/1.html"
    assert len(links.articles) == 5


def test_page_without_links():
    links = discover_links(Selector(text="<html><body><p>空页面</p></body></html>"), base_url="http://a.example/")
    assert links == Links(articles=[], next_pages=[])


def test_last_page_has_no_next_page():
    html = ('<html><body><ul>' + "".join(f'<li><a href="/a/{i}.html">本地新闻标题第{i}条内容</a></li>' for i in range(5))
            + '</ul><div class="pages"><a href="list_1.html">1</a> <a href="list_2.html">2</a> <span>3</span></div></body></html>')
    links = discover_links(Selector(text=html), base_url="http://a.example/n/list_3.html")
    assert links.next_pages == []
    assert len(links.articles) == 5


def test_last_page_with_two_items_still_yields_its_articles():
    """A list's last page may hold one or two items: no block repeats three times."""
    from tests.conftest import make_response
    from aggregator.extract.links import discover_links

    html = ('<html><body><div class="nav"><a href="/">首页</a> <a href="/news/">新闻</a> <a href="/about.html">关于</a></div>'
            '<ul class="list"><li><a href="/news/2022/03/a10.html">银川新建十处口袋公园方便居民休闲</a><span>2022-03-11</span></li>'
            '<li><a href="/news/2022/03/a11.html">宁夏枸杞产业链延伸至深加工环节</a><span>2022-03-12</span></li></ul>'
            '<div class="footer"><a href="/about.html">联系我们</a></div></body></html>')
    r = make_response(html, url="http://site.example.cn/news/index_1.html")
    links = discover_links(r, None, base_url=r.url)
    assert [l.url for l in links.articles] == ["http://site.example.cn/news/2022/03/a10.html",
                                              "http://site.example.cn/news/2022/03/a11.html"]
