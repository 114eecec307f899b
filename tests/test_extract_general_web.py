"""General-web rules of the extractor: dates, bylines, titles and body choice on pages that do
not follow the Chinese portal conventions (hand-written pages; see also the page fixtures in
tests/fixtures/pages/general_web)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from parsel import Selector

from aggregator.extract.article import extract_article
from aggregator.extract.byline import markup_author, names_from_english_byline
from aggregator.extract.dates import date_from_url, find_dates, parse_date

NOW = datetime(2023, 5, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SH = ZoneInfo("Asia/Shanghai")
PARAS = ("<p>The city council voted on Tuesday to build four kilometres of protected cycle lanes in the "
         "old town, after two years of consultations with residents and shop owners.</p>"
         "<p>Work is due to start in spring and to last until the end of the summer holidays, the mayor said.</p>")


def page(head: str = "", top: str = "", body: str = PARAS, after: str = "", title: str = "City News",
         h1: str = "<h1>Council approves new cycle lanes</h1>", lang: str = "en") -> Selector:
    return Selector(text=(
        f"<html lang='{lang}'><head><meta charset='utf-8'><title>{title}</title>{head}</head><body>"
        f"<div class='nav'><a href='/'>Home</a> <a href='/local'>Local</a> <a href='/sport'>Sport</a></div>"
        f"<div class='wrap'>{h1}<div class='meta'>{top}</div><div class='story'>{body}</div></div>{after}"
        f"<div class='footer'>© 2021 City News. All rights reserved.</div></body></html>"))


def run(sel, url="https://news.example/local/cycle-lanes", **kw):
    kw.setdefault("now", NOW)
    return extract_article(sel, url=url, **kw)


# --- dates -------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("Wed, 19 Oct 2022", datetime(2022, 10, 19, tzinfo=SH)),
    ("10.11.2017", datetime(2017, 11, 10, tzinfo=SH)),          # day first with dots
    ("01/23/2021", datetime(2021, 1, 23, tzinfo=SH)),           # month first with slashes
    ("23/01/2021 10:30", datetime(2021, 1, 23, 10, 30, tzinfo=SH)),  # impossible month: day first
    ("October 19th, 2022 at 3:45 pm", datetime(2022, 10, 19, 15, 45, tzinfo=SH)),
    ("19. Oktober 2022", datetime(2022, 10, 19, tzinfo=SH)),
    ("19 de octubre de 2022", datetime(2022, 10, 19, tzinfo=SH)),
    ("le 3 mars 2021 à 14h05", datetime(2021, 3, 3, 14, 5, tzinfo=SH)),
    ("2022年1月19日 12:20", datetime(2022, 1, 19, 12, 20, tzinfo=SH)),  # Chinese rules unchanged
    ("2014-12-25 HKT 22:40", datetime(2014, 12, 25, 22, 40, tzinfo=SH)),
    ("2009年01月08日09:43", datetime(2009, 1, 8, 9, 43, tzinfo=SH)),
])
def test_human_dates_of_other_languages(text, expected):
    assert parse_date(text) == expected


def test_version_numbers_and_words_are_not_dates():
    assert find_dates("release v1.2.2019 notes") == []
    assert find_dates("the marching band played 5 songs in 2020") == []


def test_url_date_shapes():
    assert date_from_url("https://x.example/2019/6/26/story-slug") == datetime(2019, 6, 26, tzinfo=SH)
    assert date_from_url("https://x.example/news/2019-05-05-flood.html") == datetime(2019, 5, 5, tzinfo=SH)
    assert date_from_url("https://x.example/news/2019/13/40/x") is None


@pytest.mark.parametrize("head, top, expected", [
    ("<meta name='DC.date.created' content='2021-01-23'>", "", "2021-01-23T00:00:00+08:00"),
    ("<meta name='dc:created' content='2021-01-23T08:00:00Z'>", "", "2021-01-23T16:00:00+08:00"),
    ("<meta name='sailthru.date' content='2021-01-23 10:00:00'>", "", "2021-01-23T10:00:00+08:00"),
    ("<meta name='parsely-pub-date' content='2021-01-23T02:00:00Z'>", "", "2021-01-23T10:00:00+08:00"),
    ("", "<span itemprop='datePublished' content='2021-01-23T09:15:00+08:00'>Jan 23</span>",
     "2021-01-23T09:15:00+08:00"),
    ("", "<time datetime='2021-01-23T09:15:00+08:00'>two days ago</time>", "2021-01-23T09:15:00+08:00"),
    ('<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebPage"},'
     '{"@type":"NewsArticle","datePublished":"2021-01-22T07:00:00+08:00"}]}</script>', "",
     "2021-01-22T07:00:00+08:00"),
])
def test_machine_readable_publication_dates(head, top, expected):
    got = run(page(head=head, top=top), url="https://news.example/local/cycle-lanes")
    assert got["published"] == expected


def test_updated_is_never_taken_for_published():
    head = ("<meta property='og:updated_time' content='2021-02-02T08:00:00+08:00'>"
            "<meta property='article:modified_time' content='2021-02-02T08:00:00+08:00'>")
    top = ("<time class='updated' datetime='2021-02-02T08:00:00+08:00'>Feb 2</time>"
           "<span itemprop='dateModified' content='2021-02-02T08:00:00+08:00'></span>")
    got = run(page(head=head, top=top))
    assert got["published"] is None   # only update times: no publication date at all
    got = run(page(head=head, top="Updated: Feb 2, 2021 · Published: Jan 23, 2021"))
    assert got["published"] == "2021-01-23T00:00:00+08:00"
    got = run(page(top="Updated Feb 2, 2021 08:00 | Jan 23, 2021"))
    assert got["published"] == "2021-01-23T00:00:00+08:00"


def test_printed_time_takes_the_offset_of_the_machine_date():
    # 06/02/2022 - 13:48 printed in Paris time (day first); <time> says 12:48 UTC
    top = "Published <time datetime='2022-02-06T12:48:06+00:00'>06/02/2022 - 13:48</time>"
    got = run(page(top=top, lang="fr"))
    assert got["published"] == "2022-02-06T20:48:06+08:00"


def test_date_line_under_the_photo_caption():
    body = ("<figure><img src='/p.jpg'><figcaption>下月将法拍的房子位在万大路一带。（图翻摄自网络）</figcaption></figure>"
            "<span class='viewtime'>2018-07-31 08:19</span>"
            "<p>〔即时新闻／综合报道〕2008年，万华区发生一起命案，过了10年，这栋房子即将进入法拍程序。</p>")
    head = "<meta name='pubdate' content='2018-07-31T08:19:35Z'>"   # a local time labelled Z
    sel = Selector(text=f"<html lang='zh-TW'><head><title>凶宅将法拍</title>{head}</head><body><h1>凶宅将法拍</h1>"
                        f"<div class='content'>{body}</div></body></html>")
    assert run(sel)["published"] == "2018-07-31T08:19:00+08:00"


def test_image_path_date_and_related_boxes():
    body = PARAS + "<img src='/uploads/2019-05-05/cycle-lanes.jpg'>"
    related = ("<div class='related'><ul><li><a href='/a/1'>Older story</a> 2018-03-10</li>"
               "<li><a href='/a/2'>Another one</a> 2018-03-09</li></ul></div>")
    got = run(page(body=body, after=related), url="https://news.example/local/cycle-lanes")
    assert (got["published"], got["published_from"]) == ("2019-05-05T00:00:00+08:00", "url")
    got = run(page(after=related), url="https://news.example/local/cycle-lanes")
    assert got["published"] is None   # a related box's date is not the page's


# --- title and byline -----------------------------------------------------------------


def test_site_name_title_gives_way_to_the_heading():
    head = "<meta property='og:title' content='City News'><meta property='og:site_name' content='City News'>"
    side = "<div class='side'><h2>Most read</h2><ul><li><a href='/x'>Something else happened</a></li></ul></div>"
    got = run(page(head=head, after=side))
    assert got["title"] == "Council approves new cycle lanes"
    got = run(page(head=head, h1="<h2 class='headline'>Council approves new cycle lanes</h2>", after=side))
    assert got["title"] == "Council approves new cycle lanes"


@pytest.mark.parametrize("title", ["WHO TV - Des Moines: Prairie grass could fuel the region's buses",
                                   "Valley News Station - Fair. Accurate. -Prairie grass could fuel the region's buses"])
def test_title_segment_shown_in_a_table_cell_with_the_story(title):
    # an old table layout: the headline in <b> in the same cell as the credit and the story;
    # the <title> joins station, place and headline with any separator
    sel = Selector(text=(
        f"<html><head><title>{title}</title></head><body>"
        "<table><tr><td><a href='/'>Home</a> <a href='/news'>News</a></td></tr>"
        "<tr><td><b>Prairie grass could fuel the region's buses</b><br>Associated Press<br>"
        f"{PARAS}</td></tr></table></body></html>"))
    got = run(sel)
    assert got["title"] == "Prairie grass could fuel the region's buses"
    assert "Prairie grass" not in got["body_text"] and got["body_text"].endswith("the mayor said.")


def test_hidden_widget_label_inside_the_heading_is_not_title():
    h1 = ("<h1><span class='t'>Council approves new cycle lanes</span>"
          "<div class='tts'>Listen to this article</div></h1>")
    got = run(page(h1=h1, head="<meta property='og:title' content='Council approves new cycle lanes'>"))
    assert got["title"] == "Council approves new cycle lanes"


@pytest.mark.parametrize("top, expected", [
    ("By Jane Doe | January 23, 2021", "Jane Doe"),
    ("By Jane Doe and John Roe, Staff Writers", "Jane Doe John Roe"),
    ("Par LILIAN ALEMAGNA, LAURE BRETTON Envoyés spéciaux à Toulouse", "LILIAN ALEMAGNA LAURE BRETTON"),
    ("<a rel='author' href='/staff/jd'>Jane Doe</a>", "Jane Doe"),
    ("<span itemprop='author' itemscope><span itemprop='name'>Jane Doe</span></span>", "Jane Doe"),
    ("By Reuters", None),
])
def test_english_and_microdata_bylines(top, expected):
    assert run(page(top=top))["author"] == expected


def test_jsonld_and_meta_author_on_non_chinese_pages_only():
    ld = ('<script type="application/ld+json">{"@type":"NewsArticle","author":[{"@type":"Person",'
          '"name":"Jane Doe"},{"@type":"Person","name":"John Roe"}]}</script>')
    assert run(page(head=ld))["author"] == "Jane Doe John Roe"
    assert run(page(head="<meta name='author' content='Jane Doe'>"))["author"] == "Jane Doe"
    assert run(page(head="<meta name='author' content='City News'>"))["author"] is None
    zh_ld = '<script type="application/ld+json">{"@type":"NewsArticle","author":{"name":"张毅"}}</script>'
    zh = page(head=zh_ld, lang="zh-CN", h1="<h1>城区新增三条夜间公交线路</h1>",
              body="<p>记者从市交通运输局获悉，本月起城区新增三条夜间公交线路，覆盖火车站和主要商圈。</p>")
    assert run(zh)["author"] is None   # not shown on the page: often the editor there


def test_htmldate_fallback_reads_markup_our_rules_do_not_know():
    body = PARAS + "<abbr class='published' title='2021-01-23T09:15:00'>Jan 23</abbr>"
    got = run(page(body=body), url="https://news.example/local/cycle-lanes")
    assert (got["published"], got["published_from"]) == ("2021-01-23T09:15:00+08:00", "htmldate")
    zh = page(body="<p>记者从市交通运输局获悉，本月起城区新增三条夜间公交线路，覆盖火车站和主要商圈。</p>"
                   "<abbr class='published' title='2021-01-23T09:15:00'>1月23日</abbr>",
              h1="<h1>城区新增三条夜间公交线路</h1>", lang="zh-CN")
    assert run(zh, url="https://news.example/local/1")["published_from"] != "htmldate"   # Chinese rules only


def test_byline_helpers():
    assert names_from_english_byline("Written by Ana María Pérez") == "Ana María Pérez"
    assert names_from_english_byline("by admin") is None
    assert names_from_english_byline("Jane Doe", bare=True) == "Jane Doe"
    assert names_from_english_byline("Read more", bare=True) is None
    root = Selector(text="<html><body><a rel='author' href='/u/1'>https://x.example/u/1</a></body></html>").root
    assert markup_author(root.xpath("//a"), [], {}) is None
    assert markup_author([], [{"author": {"name": "Jane Doe"}}], {}) == "Jane Doe"


# --- body --------------------------------------------------------------------------------


def test_one_sentence_bulletin_is_an_article_and_an_empty_page_is_not():
    teasers = "<div class='stream'>" + "".join(
        f"<div class='item'><h3><a href='/n/{i}'>Headline number {i} about something else</a></h3>"
        f"<p>A one-sentence summary of story number {i}, which is long enough to look like prose.</p></div>"
        for i in range(6)) + "</div>"
    got = run(page(body="<p>Snow closed the pass today.</p>", after=teasers))
    assert got["body_text"] == "Snow closed the pass today."
    got = run(page(body="", after=""))
    assert got["body_text"] == ""


@pytest.mark.parametrize("notice", [
    "<div class='note'><p>Disclaimer: the views expressed in this article are those of the author and do not "
    "necessarily reflect the official policy or position of this publication, its editors or owners.</p></div>",
    "<div id='cc'><p>We use cookies and similar technologies to improve your experience and to analyse "
    "traffic. By clicking accept you agree to our use of cookies as described in our privacy policy.</p></div>",
])
def test_a_disclaimer_or_cookie_notice_does_not_win_over_a_short_article(notice):
    short = "<p>The pass reopened at noon after crews cleared the snow, police said.</p>"
    sel = Selector(text=(
        f"<html lang='en'><head><title>City News</title></head><body>{notice}"
        f"<div class='wrap'><h1>Mountain pass reopens</h1><div class='story'>{short}</div></div>{notice}"
        f"</body></html>"))
    got = run(sel)
    assert got["body_text"] == "The pass reopened at noon after crews cleared the snow, police said."


def test_script_revealed_content_container_is_read():
    # WeChat-style: the article container is visibility:hidden until a script shows it
    body = ("<div class='rich_media_content' id='js_content' style='visibility: hidden;'>"
            "<p>记者从市交通运输局获悉，本月起城区新增三条夜间公交线路，覆盖火车站、大学城和主要商圈。</p>"
            "<p>夜间线路每三十分钟一班，末班车延长至次日凌晨一点，票价与日间线路相同。</p></div>"
            "<div style='display:none'><p>这段隐藏的文字不属于正文，也不应出现在提取结果里面。</p></div>")
    sel = Selector(text=f"<html><head><title>城区新增三条夜间公交线路</title></head><body>"
                        f"<h1>城区新增三条夜间公交线路</h1>{body}</body></html>")
    got = run(sel)
    assert "夜间线路每三十分钟一班" in got["body_text"]
    assert "隐藏的文字" not in got["body_text"]


def test_related_second_article_does_not_replace_the_headline_text():
    main = ("<div class='article-main'><h1>美官员否认事故存在谋杀行为</h1>"
            "<div class='article-content'><p>据美国媒体报道，美方官员表示没有证据显示事故存在人为因素。</p></div></div>")
    other = ("<div class='recommend-article'><h2>另一篇较长的推荐文章标题在这里</h2><div class='article-content'>"
             + "".join(f"<p>这是推荐文章的第{i}段内容，篇幅比正文长很多，但并不是本页要提取的文章。</p>" for i in range(8))
             + "</div></div>")
    sel = Selector(text=f"<html><head><title>美官员否认事故存在谋杀行为_快讯</title>"
                        f"<meta property='og:title' content='美官员否认事故存在谋杀行为'></head><body>"
                        f"{main}{other}</body></html>")
    got = run(sel)
    assert got["title"] == "美官员否认事故存在谋杀行为"
    assert got["body_text"] == "据美国媒体报道，美方官员表示没有证据显示事故存在人为因素。"


def test_flat_teaser_stream_beside_a_short_article_is_cut():
    # linked headline + one-sentence summary, five times in one <dl> (no per-item wrapper),
    # in the same column as a two-paragraph story: the column is not the article
    teasers = "".join(
        f"<dt><a href='/story/{i}'>Other story number {i} about the region today</a></dt>"
        f"<dd>A summary sentence of the other story number {i}, long enough to read like prose "
        f"in a paragraph of the page.</dd>" for i in range(5))
    sel = Selector(text=(
        "<html><head><title>Council approves new cycle lanes</title></head><body>"
        "<div class='column'><h1>Council approves new cycle lanes</h1>"
        f"<div class='story'>{PARAS}</div>"
        f"<div class='lineup'><h3>Region Headlines</h3><dl>{teasers}</dl></div></div></body></html>"))
    got = run(sel)
    assert "cycle lanes in the old town" in got["body_text"]
    assert "other story number" not in got["body_text"]
    # the same summaries each under their own paragraph of prose are the article's text
    prose = "".join(f"<p><a href='/x/{i}'>A linked sentence {i} inside the story text</a></p>"
                    f"<p>The story goes on with paragraph {i} of its own reporting, a plain sentence.</p>"
                    for i in range(2))
    got = run(Selector(text="<html><body><h1>Council approves new cycle lanes</h1>"
                            f"<div class='story'>{PARAS}{prose}</div></body></html>"))
    assert "paragraph 1 of its own reporting" in got["body_text"]


@pytest.mark.parametrize("opener", ["Comments (12)", "Posted by: Jo Smith on 4:05pm Tue 1 Jan 08",
                                    "3 comments", "Leave a comment", "网友评论", "共 5 条评论"])
def test_readers_comments_under_the_story_are_cut(opener):
    comments = (f"<p>{opener}</p><p>I have been saying this for years, the council never listens to anyone "
                "who cycles to work.</p><p>Great news for the old town, finally something sensible.</p>")
    got = run(page(body=PARAS + comments))
    assert got["body_text"].endswith("the mayor said.")
    # the same words inside the text, before the story has started, are not an opener
    got = run(page(body="<p>Comments</p>" + PARAS))
    assert "the mayor said." in got["body_text"]
    # a link that opens the comments elsewhere, between two paragraphs, is not the comments
    got = run(page(body=PARAS + "<div class='launch'><a href='#c'>Comments</a></div>"
                        "<p>The last paragraph of the story comes after the button, as on some sites.</p>"))
    assert got["body_text"].endswith("as on some sites.")


def test_second_opinion_rule():
    import trafilatura  # noqa: F401  (a dependency: a broken install fails here)
    from aggregator.extract.bodypick import second_opinion

    paras = [f"Paragraph {i} of the flood story tells how the river rose by {i} metres overnight and "
             f"how the volunteers of the town filled sandbags until the morning of day {i}." for i in range(6)]
    html = ("<html><body><div class='nav'><a href='/'>Home</a> <a href='/news'>News</a></div>"
            "<article><h1>River rises</h1>" + "".join(f"<p>{p}</p>" for p in paras) + "</article>"
            "<div class='footer'>Contact us</div></body></html>")
    root = Selector(text=html).root
    theirs = second_opinion(root, paras[0])             # ours: a fragment of the article
    assert theirs and all(p in theirs for p in paras)
    junk = "\n".join(["Home News Sport Weather Contact Jobs Advertise With Us Newsletter"] * 30)
    got = second_opinion(root, "\n".join(paras) + "\n" + junk)   # ours: the article plus furniture
    assert got and "Advertise" not in got and paras[5] in got
    assert second_opinion(root, "\n".join(paras)) is None        # the same text: ours stays
    assert second_opinion(root, "A different text entirely, about the weather.") is None
    assert second_opinion(root, "") is None                       # no text stays no text
    assert "<article>" in Selector(text=html).get() and root.find(".//article") is not None  # tree untouched


ZH_TEXT = "<p>记者从市交通运输局获悉，本月起城区新增三条夜间公交线路，覆盖火车站、大学城和主要商圈。</p>"


def zh_page(header: str, head: str = "") -> Selector:
    return Selector(text=(
        f"<html lang='zh-CN'><head><title>城区新增三条夜间公交线路</title>{head}</head><body>"
        f"<div class='main'><h1>城区新增三条夜间公交线路</h1>{header}<div class='content'>{ZH_TEXT}</div></div>"
        f"</body></html>"))


@pytest.mark.parametrize("header, head, source, author", [
    # a platform account block: the account is the publisher, even with a person-like name
    ("<div class='author-info'><a class='author-info__name' href='/u/1'>管不饿</a>"
     "<div class='author-info__follow'>关注</div></div><div class='t'>2024-05-10 16:08</div>", "", "管不饿", None),
    # a bare name in an author slot is the byline
    ("<div class='meta'><span class='time'>2023-06-15 08:10</span><span id='author_x'>王帆</span></div>",
     "", None, "王帆"),
    # a media name next to the date, starting with digits; an IP-location line is no source
    ("<h4><span>原创：</span><span>39健康网</span><span>2024-04-23 12:27:25</span></h4>", "", "39健康网", None),
    ("<div class='info'>2024-01-25 18:03 来自内蒙古自治区</div>", "", None, None),
    # the publisher named only in a meta tag
    ("<div class='info'>2024-01-25 18:03</div>", "<meta name='mediaid' content='NBA广角'>", "NBA广角", None),
])
def test_platform_sources(header, head, source, author):
    got = run(zh_page(header, head), url="https://www.platform.example/a/1.html")
    assert (got["source"], got["author"]) == (source, author)


def test_xinhua_dateline_names_the_reporters():
    body = "<p>新华社深圳5月12日电（记者戴小河、印朋）由我国自主设计建造的亚洲首艘圆筒型浮式生产储卸油装置完成海上安装。</p>"
    sel = Selector(text=f"<html><head><title>亚洲首艘圆筒型装置完成安装</title></head><body><h1>亚洲首艘圆筒型装置完成安装</h1>"
                        f"<div class='info'>2024-05-12 10:00</div><div class='content'>{body}</div></body></html>")
    assert run(sel)["author"] == "戴小河 印朋"


def test_xhtml_parsed_as_xml_is_read_like_html():
    xhtml = ("<?xml version='1.0' encoding='utf-8'?>\n<html xmlns='http://www.w3.org/1999/xhtml'><head>"
             "<title>City News</title></head><body><div class='wrap'><h1>Council approves new cycle lanes</h1>"
             f"<div class='story'>{PARAS}</div></div></body></html>")
    sel = Selector(text=xhtml, type="xml")
    got = run(sel)
    assert got["title"] == "Council approves new cycle lanes"
    assert got["body_text"].startswith("The city council voted on Tuesday")


def test_title_from_a_joined_title_tag_keeps_the_headline_segment():
    sel = Selector(text="<html><head><title>熱血時報 | 悼念林彬 毋忘土共暴行 | 熱血編輯部</title></head><body>"
                        "<div class='c'><p>一九六七年八月二十四日，商業電台播音員林彬在上班途中遇襲，其後傷重不治。</p></div></body></html>")
    assert run(sel)["title"] == "悼念林彬 毋忘土共暴行"


def test_media_names_are_not_bylines():
    sel = zh_page("<div class='info'>2024-05-10 16:08 作者：中新网</div>")
    assert run(sel)["author"] is None
    sel = zh_page("<div class='info'>2024-05-10 16:08 記者 綜合報導</div>")
    assert run(sel)["author"] is None


@pytest.mark.parametrize("slot, expected", [
    ("<p class='authorCredit'>Jane Roe, Example News Australia</p>", "Jane Roe"),
    ("<div class='cntNewsAuthorHolder'><h5>Jane Roe</h5></div>", "Jane Roe"),
    ("<p class='firma'><em>Ana Pérez</em> | Madrid</p>", "Ana Pérez"),
])
def test_byline_slots_named_in_camel_case_or_other_languages(slot, expected):
    assert run(page(top=slot))["author"] == expected


@pytest.mark.parametrize("top, after, expected", [
    ("<div class='byline'>By Jo Roe</div><div class='credit'>ASSOCIATED PRESS</div>", "", "ASSOCIATED PRESS"),
    ("<p>By JO ROE<br>Example Post-Gazette<br>Tuesday, January 15, 2008</p>", "", "Example Post-Gazette"),
    ("<p>By Jo Roe</p>", "", None),
])
def test_agency_credit_and_publication_under_the_byline_are_the_source(top, after, expected):
    assert run(page(top=top, after=after))["source"] == expected


def test_closing_agency_line_is_the_source():
    from aggregator.extract.byline import closing_credit
    assert closing_credit("Agence France-Presse") == "Agence France-Presse"
    assert closing_credit("Reuters/Billboard") == "Reuters"
    assert closing_credit("Reuters reported the figures on Monday.") is None


def test_title_suffix_on_the_site_and_a_date_before_the_headline():
    sel = page(title="Council approves new cycle lanes on CityNews.com", h1="",
               top="<font class='headline'>Council approves new cycle lanes</font><br>")
    assert run(sel)["title"] == "Council approves new cycle lanes"
    sel = page(title="Council approves new cycle lanes - Local - City News",
               h1="<h1><span class='stamp'>Wednesday, 09 January 2008</span> Council approves new cycle lanes</h1>")
    assert run(sel)["title"] == "Council approves new cycle lanes"


def test_byline_opening_the_first_paragraph():
    lead = ("<p><b class='Dateline'>By Jo Roe, Associate Sports Editor -- </b>(Example Wire) - The city council "
            "voted on Tuesday to build four kilometres of protected cycle lanes in the old town, after two years "
            "of consultations with residents and shop owners.</p>")
    assert run(page(body=lead))["author"] == "Jo Roe"
    plain = ("<p>By the end of the year the council will have built four kilometres of protected cycle lanes in "
             "the old town -- after two years of consultations with residents and shop owners.</p>")
    assert run(page(body=plain))["author"] is None


def test_a_discussion_or_forum_subheading_is_not_the_comments():
    body = (PARAS + "<h3>Discussion</h3><p>Residents argued for a year about where the lanes should go, and the "
            "council held eleven public meetings before the vote.</p>")
    assert run(page(body=body))["body_text"].endswith("before the vote.")
