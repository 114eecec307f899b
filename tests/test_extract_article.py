"""Field extractors of ``extract_article`` on small hand-written pages and saved fixtures."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from parsel import Selector
from scrapy import Request
from scrapy.http import HtmlResponse

from aggregator.extract import article as article_mod
from aggregator.extract.article import FIELDS, extract_article, stitch_pages
from aggregator.sources import Source

NOW = datetime(2022, 3, 18, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
URL = "http://www.news.example/a/2022/0318/c1.html"

PARAS = [
    "记者从市交通运输局获悉，本月起城区新增三条夜间公交线路，覆盖火车站、大学城和主要商圈。",
    "夜间线路每三十分钟一班，末班车延长至次日凌晨一点，票价与日间线路相同，可使用各类公交卡。",
    "交通部门表示，将根据乘客出行数据继续优化线路走向和发车间隔，方便市民夜间出行。",
]


def article_page(head: str = "", header: str = "", body_extra: str = "", after: str = "",
                 title_tag: str = "<h1>城区新增三条夜间公交线路</h1>", paras=PARAS) -> Selector:
    ps = "".join(f"<p>{p}</p>" for p in paras)
    html = (f"<html><head><meta charset='utf-8'><title>城区新增三条夜间公交线路_城市新闻网</title>{head}</head>"
            f"<body><div class='nav'><a href='/'>首页</a><a href='/a/'>本地</a><a href='/b/'>民生</a></div>"
            f"<div class='article'>{title_tag}<div class='info'>{header}</div>"
            f"<div class='content'>{ps}{body_extra}</div></div>{after}"
            f"<div class='footer'>Copyright © 2003-2022 城市新闻网 版权所有</div></body></html>")
    return Selector(text=html)


def run(sel, **kw):
    kw.setdefault("url", URL)
    kw.setdefault("now", NOW)
    return extract_article(sel, **kw)


# --- interface ---------------------------------------------------------------------


def test_returns_every_field_for_selector_and_response():
    sel = article_page(header="2022-03-18 10:00 来源：城市日报")
    got = run(sel)
    assert set(FIELDS) <= set(got)
    body = sel.root.getroottree().getroot()
    resp = HtmlResponse(url=URL, body=article_page().get().encode("utf-8"), encoding="utf-8", request=Request(URL))
    got2 = extract_article(resp, None, None, now=NOW)
    assert got2["title"] == "城区新增三条夜间公交线路"
    assert body is sel.root.getroottree().getroot()  # the caller's tree is not replaced
    assert "<p>" in got["body_html"]


def test_caller_tree_is_not_modified():
    sel = article_page(header="2022-03-18 10:00 来源：城市日报", body_extra="<p>责任编辑：李明</p>")
    before = sel.get()
    run(sel)
    assert sel.get() == before


def test_failing_field_is_logged_and_others_survive(monkeypatch, caplog):
    def boom(ctx):
        raise ValueError("broken")

    monkeypatch.setattr(article_mod, "_extract_author", boom)
    with caplog.at_level(logging.WARNING, logger="aggregator.extract.article"):
        got = run(article_page(header="2022-03-18 10:00 来源：城市日报 作者：张三"))
    assert got["author"] is None
    assert got["title"] == "城区新增三条夜间公交线路" and got["source"] == "城市日报"
    assert any(URL in r.getMessage() and "author" in r.getMessage() for r in caplog.records)


# --- title -------------------------------------------------------------------------


def test_title_is_the_headline_not_the_title_tag():
    assert run(article_page())["title"] == "城区新增三条夜间公交线路"


def test_title_falls_back_to_title_tag_without_site_name():
    got = run(article_page(title_tag=""), source=Source(name="city", title="城市新闻网"))
    assert got["title"] == "城区新增三条夜间公交线路"


def test_two_line_headline_in_one_heading_is_joined():
    sel = article_page(title_tag="<h1>城区新增三条<br>夜间公交线路</h1>")
    assert run(sel)["title"] == "城区新增三条 夜间公交线路"


def test_kicker_is_not_part_of_the_title():
    sel = article_page(title_tag="<h3 class='kicker'>方便市民夜间出行</h3><h1>城区新增三条夜间公交线路</h1>")
    got = run(sel)
    assert got["title"] == "城区新增三条夜间公交线路"
    assert "方便市民夜间出行\n" not in got["body_text"]


def test_logo_h1_is_not_the_title():
    sel = article_page(title_tag="<div class='art-title'>城区新增三条夜间公交线路</div>",
                       head="", header="2022-03-18 10:00")
    html = sel.get().replace("<body>", "<body><h1 class='logo'><a href='/'>城市新闻网</a></h1>")
    assert run(Selector(text=html))["title"] == "城区新增三条夜间公交线路"


# --- published -----------------------------------------------------------------------


@pytest.mark.parametrize("header, expected, origin", [
    ("发布时间：2022-03-18 10:05:30", "2022-03-18T10:05:30+08:00", "text"),
    ("2022年03月18日 10:05 来源：城市日报", "2022-03-18T10:05:00+08:00", "text"),
    ("来源：城市日报 | 3小时前", "2022-03-18T12:30:00+08:00", "text"),
    ("昨天 08:30", "2022-03-17T08:30:00+08:00", "text"),
    ("03-17 21:10", "2022-03-17T21:10:00+08:00", "text"),
])
def test_published_from_the_header_line(header, expected, origin):
    got = run(article_page(header=header))
    assert (got["published"], got["published_from"]) == (expected, origin)


def test_published_from_meta_then_jsonld_then_script_then_url():
    meta = "<meta property='article:published_time' content='2022-03-18T02:05:00Z'>"
    got = run(article_page(head=meta))
    assert (got["published"], got["published_from"]) == ("2022-03-18T10:05:00+08:00", "meta")
    ld = '<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2022-03-16T09:00:00+08:00"}</script>'
    got = run(article_page(head=ld))
    assert (got["published"], got["published_from"]) == ("2022-03-16T09:00:00+08:00", "jsonld")
    script = "<script>var article = {pubTime: '2022-03-15 07:45:00'};</script>"
    got = run(article_page(head=script))
    assert (got["published"], got["published_from"]) == ("2022-03-15T07:45:00+08:00", "script")
    got = run(article_page())
    assert (got["published"], got["published_from"]) == ("2022-03-18T00:00:00+08:00", "url")
    got = run(article_page(), url="http://www.news.example/a/123.html")
    assert (got["published"], got["published_from"]) == (None, None)


def test_no_year_takes_it_from_machine_readable_date():
    meta = "<meta itemprop='dateUpdate' content='2019-10-08 12:00:57'>"
    got = run(article_page(head=meta, header="发布时间：10-08 12:00"), url="http://www.news.example/x/1.html")
    assert got["published"] == "2019-10-08T12:00:00+08:00"


def test_relative_date_prefers_absolute_script_timestamp():
    script = '<script>var ct = "1581517074";</script>'
    got = run(article_page(head=script, header="昨天"), url="http://www.news.example/s/1")
    assert (got["published"], got["published_from"]) == ("2020-02-12T22:17:54+08:00", "script")


def test_comment_times_and_related_dates_are_not_the_date():
    after = ("<div class='comments'><div class='c'><span>网友</span><span>2022-03-18 14:00</span>"
             "<p>这条线路太方便了，下班终于不用打车回家了。</p></div></div>"
             "<div class='related'><ul><li><a href='/a/1.html'>公交线路调整</a> 2022-03-10 09:00</li></ul></div>")
    got = run(article_page(after=after), url="http://www.news.example/a/99.html")
    assert got["published"] is None
    assert "下班终于不用打车" not in got["body_text"]


def test_copyright_year_is_not_a_date():
    got = run(article_page(after="<p>© 2022 城市新闻网</p>"), url="http://www.news.example/a/99.html")
    assert got["published"] is None


def test_source_time_zone_is_used():
    src = Source(name="paris", title="巴黎新闻", timezone="Europe/Paris")
    got = run(article_page(header="2022-03-18 10:00"), source=src)
    assert got["published"] == "2022-03-18T10:00:00+01:00"


# --- source and author ---------------------------------------------------------------


@pytest.mark.parametrize("header, source, author", [
    ("2022-03-18 10:00 来源：城市日报 作者：张三", "城市日报", "张三"),
    ("文章来源：城市晚报　责任编辑：李四", "城市晚报", None),
    ("信息来源: 市交通运输局 | 发布时间: 2022-03-18", "市交通运输局", None),
    ("稿件来源：《城市日报》 记者 王五 赵六", "城市日报", "王五 赵六"),
    ("来源：本站原创 作者：医院宣传科", None, "医院宣传科"),
    ("来源：转载文章 2022-03-18", None, None),
    ("原创 城市日报 2022-03-18 10:00:00", "城市日报", None),
    ("2022-03-18 10:00 城市晚报 记者 王五／报道", "城市晚报", "王五"),
    ("文/张小北 2022-03-18", None, "张小北"),
    ("编辑：李四 2022-03-18", None, None),
])
def test_source_and_author_from_the_header(header, source, author):
    got = run(article_page(header=header))
    assert (got["source"], got["author"]) == (source, author)


def test_closing_lines_give_source_and_author_and_are_not_body():
    extra = "<p>（记者 刘洋）</p><p>来源：城市日报</p><p>责任编辑：李四</p>"
    got = run(article_page(body_extra=extra))
    assert (got["source"], got["author"]) == ("城市日报", "刘洋")
    for text in ("刘洋", "来源", "责任编辑"):
        assert text not in got["body_text"]


def test_source_selectors_override_generic_rules():
    src = Source(name="city", title="城市新闻网", selectors={
        "title": "div.info::text", "published": "//div[@class='footer']/text()",
        "source": ".nav a:last-child", "author": "h1", "body": "div.nav"})
    got = run(article_page(header="另一个标题"), source=src)
    assert got["title"] == "另一个标题"
    assert got["published"] is None or got["published_from"] != "selector"
    assert got["source"] == "民生"
    assert "首页" in got["body_text"] and "夜间线路" not in got["body_text"]


# --- body ------------------------------------------------------------------------------


def test_body_keeps_paragraphs_and_drops_furniture():
    extra = ("<p>原标题：《夜间公交来了》</p><div class='share'>分享到：<a href='#'>微信</a></div>"
             "<p class='img'><img src='/p.jpg'></p><p>图为夜间公交首发现场。</p>"
             "<table><tr><td>线路</td><td>首末班</td></tr><tr><td>夜1路</td><td>21:00-01:00</td></tr></table>"
             "<h3>乘车提示</h3><p>乘客上车后请扶稳坐好，注意随身财物安全。</p>"
             "<div class='pages'><a href='c1.html'>1</a> <a href='c1_2.html'>2</a> <a href='c1_2.html'>下一页</a></div>")
    got = run(article_page(body_extra=extra))
    text = got["body_text"]
    assert text.splitlines()[0] == PARAS[0]
    for keep in ("图为夜间公交首发现场。", "夜1路", "乘车提示", "注意随身财物安全。"):
        assert keep in text
    for drop in ("原标题", "分享到", "下一页", "Copyright", "首页"):
        assert drop not in text and drop not in got["body_html"]
    assert "<img" in got["body_html"] and "<table>" in got["body_html"]
    assert got["next_page"] == "http://www.news.example/a/2022/0318/c1_2.html"


def test_ads_and_link_boxes_inside_the_text_are_dropped():
    box = "<div class='box'><ul>" + "".join(
        f"<li><a href='/x/{i}.html'>广告链接标题第{i}条</a></li>" for i in range(8)) + "</ul></div>"
    paras = PARAS[:2] + [box] + PARAS[2:]
    got = run(article_page(paras=paras))
    assert "广告链接" not in got["body_text"]
    assert PARAS[2] in got["body_text"] and PARAS[0] in got["body_text"]


# --- multi-page -------------------------------------------------------------------------


def test_stitch_pages_joins_bodies_once():
    first = {"title": "T", "published": "2022-03-18T10:00:00+08:00", "published_from": "text",
             "source": "S", "author": None, "body_html": "<div><p>一</p></div>", "body_text": "一",
             "next_page": "http://x/2"}
    second = {"title": "T", "published": None, "published_from": None, "source": None,
              "author": "A", "body_html": "<div><p>二</p></div>", "body_text": "二", "next_page": None}
    out = stitch_pages(first, [second, dict(second)])
    assert out["body_text"] == "一\n二"
    assert out["body_html"].count("<p>") == 2
    assert out["next_page"] is None and out["pages"] == 2
    assert out["author"] == "A" and out["source"] == "S"
    assert first["body_text"] == "一"  # inputs are not modified


@pytest.mark.parametrize("html", ["", " ", "<p>短</p>", "只有一行文字", "<html><body></body></html>",
                                  "<html><body><script>var a = 1;</script><!-- x --></body></html>"])
def test_degenerate_pages_give_empty_fields_not_errors(html):
    got = extract_article(Selector(text=html or " "), url="http://a.example/x.html", now=NOW)
    assert set(FIELDS) <= set(got)
    assert got["published"] is None and got["source"] is None
    assert (got["body_html"] == "") == (got["body_text"] == "")


def test_single_short_line_is_kept():
    got = extract_article(Selector(text="<html><body><p>x</p></body></html>"), url="http://a.example/")
    assert got["body_text"] == "x"
