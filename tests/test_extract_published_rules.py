"""Publication-date rules on small hand-written pages: times printed in brackets or before
the date, a date in the headline's own cell, relative dates without a fetch time, labelled
metadata dates above the text, linked date lines."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from parsel import Selector

from aggregator.extract.article import extract_article
from aggregator.extract.dates import find_dates, parse_date

SH = ZoneInfo("Asia/Shanghai")
PARAS = (
    "<p>记者从市交通运输局获悉，本月起城区新增三条夜间公交线路，覆盖火车站、大学城和主要商圈。</p>"
    "<p>夜间线路每三十分钟一班，末班车延长至次日凌晨一点，票价与日间线路相同，可使用各类公交卡。</p>"
    "<p>交通部门表示，将根据乘客出行数据继续优化线路走向和发车间隔，方便市民夜间出行。</p>"
)


def extract(html: str, now: datetime | None = None) -> dict:
    return extract_article(Selector(text=html), url="http://news.example/a/123.html", now=now)


# --- dates.py ---------------------------------------------------------------------------


def test_time_in_brackets_after_the_date():
    (d,) = find_dates("2014-12-17 (16:31)")
    assert d[0] == datetime(2014, 12, 17, 16, 31, tzinfo=SH) and d[3]
    assert parse_date("2014-12-17（9:05）") == datetime(2014, 12, 17, 9, 5, tzinfo=SH)
    # a weekday in brackets is still not a time
    (d,) = find_dates("2014-12-17（周三）")
    assert not d[3]


def test_time_printed_before_the_date():
    (d,) = find_dates("14:36 2018/07/27")
    assert d[0] == datetime(2018, 7, 27, 14, 36, tzinfo=SH) and d[3]
    assert parse_date("08:05 | 2018-07-27") == datetime(2018, 7, 27, 8, 5, tzinfo=SH)
    # the time of an earlier date is not lent to the next one
    a, b = find_dates("2018-07-27 10:00 2018-07-28")
    assert a[3] and not b[3]
    # a score is not a time
    (d,) = find_dates("比分 1.5:30 2018-07-27")
    assert not d[3]


# --- published.py -----------------------------------------------------------------------


def test_date_and_time_in_the_headline_cell_when_the_headline_comes_from_title():
    html = ("<html><head><meta charset='utf-8'><title>城区新增三条夜间公交线路 - 城市日報網頁</title></head><body>"
            "<table><tr><td><form><select><option>其他新聞 2014-12-16 (10:00)</option></select></form>"
            "城区新增三条夜间公交线路 (本地) <span><br>2014-12-17 (16:31)</span></td></tr>"
            f"<tr><td>{PARAS}</td></tr></table></body></html>")
    r = extract(html)
    assert r["published"] == "2014-12-17T16:31:00+08:00"


def test_relative_date_without_a_fetch_time_is_no_date():
    html = (f"<html><head><meta charset='utf-8'><title>夜间公交</title></head><body><div class='article'>"
            f"<h1>城区新增三条夜间公交线路</h1><div class='info'>今日 09:18</div>{PARAS}</div></body></html>")
    assert extract(html)["published"] is None
    now = datetime(2022, 3, 18, 15, 30, tzinfo=SH)
    assert extract(html, now=now)["published"] == "2022-03-18T09:18:00+08:00"


GOV = ("<html><head><meta charset='utf-8'><title>关于做好防火工作的通知</title></head><body>"
       "<table class='meta'><tr><td>索 引 号：</td><td>0001/2023-01</td></tr>"
       "<tr><td>成文日期：</td><td>2023-04-10</td></tr>{meta}</table>"
       "<h1>关于做好防火工作的通知</h1><div class='views'>访问量：1632</div>"
       "<div class='content'><p>县政府办公室</p><p>（2023年4月12日）</p>" + PARAS + "</div></body></html>")


def test_labelled_metadata_date_beats_an_unlabelled_day_in_the_text():
    r = extract(GOV.format(meta="<tr><td>发文日期：</td><td>2023-04-18</td></tr>"))
    assert r["published"].startswith("2023-04-18")


def test_plain_date_label_in_metadata_counts_but_not_a_drafting_date():
    r = extract(GOV.format(meta="<tr><td>生成日期：</td><td>2023-05-11</td></tr>"))
    assert r["published"].startswith("2023-05-11")
    # only 成文日期 (the drafting date) in the table: the date printed in the text stays
    r = extract(GOV.format(meta=""))
    assert r["published"].startswith("2023-04-12")


def test_a_linked_date_line_in_the_header_is_read_but_not_a_related_headline():
    head = "<html><head><meta charset='utf-8'><title>t</title></head><body><div class='article'>"
    html = (head + "<h1>城区新增三条夜间公交线路</h1><div class='info'>"
            "<a href='/u/1'>2024年01月25日 18:03:35 来自内蒙古</a></div>" + PARAS + "</div></body></html>")
    assert extract(html)["published"] == "2024-01-25T18:03:35+08:00"
    html = (head + "<h1>城区新增三条夜间公交线路</h1><div class='info'>"
            "<a href='/a/9'>全市公交线路调整方案公布 2024年01月20日</a></div>" + PARAS + "</div></body></html>")
    assert extract(html)["published"] is None


def test_time_before_an_english_date():
    (d,) = find_dates("4:24 a.m. January 10, 2008")
    assert d[0] == datetime(2008, 1, 10, 4, 24, tzinfo=SH) and d[3]
    (d,) = find_dates("13:36, December 28, 2007")
    assert d[0] == datetime(2007, 12, 28, 13, 36, tzinfo=SH)
    a, b = find_dates("January 9, 2008 10:00 January 10, 2008")
    assert a[3] and not b[3]


EN_PARAS = ("<p>The city council voted on Tuesday to add three night bus routes, covering the station and the campus.</p>"
            "<p>Night buses will run every thirty minutes, and the last bus leaves at one in the morning.</p>"
            "<p>Officials said the routes would be adjusted as ridership data comes in over the winter.</p>")


def test_day_and_month_order_follows_the_url_date():
    html = ("<html><head><title>Night buses</title></head><body><div class='story'><h1>Council adds night buses</h1>"
            f"<div class='date'>17:08 10/04/2011</div>{EN_PARAS}</div></body></html>")
    r = extract_article(Selector(text=html), url="http://news.example/world/20110410/1634.html")
    assert r["published"].startswith("2011-04-10T17:08")
    r = extract_article(Selector(text=html), url="http://news.example/world/1634.html")
    assert r["published"].startswith("2011-10-04T17:08")


def test_a_day_from_the_url_takes_the_time_printed_on_that_day_in_the_byline():
    html = ("<html><head><title>Night buses</title></head><body><div class='story'><h1>Council adds night buses</h1>"
            "<div class='photo'><img src='/a.jpg'><p class='caption'>A night bus.</p></div>"
            "<p class='author'>16th Jan 2008, 09:28am by Jane Doe.</p>"
            f"{EN_PARAS}</div></body></html>")
    r = extract_article(Selector(text=html), url="http://news.example/articles/2008/01/16/night_buses")
    assert r["published"].startswith("2008-01-16T09:28")


def test_posted_line_a_few_lines_above_the_headline():
    html = ("<html><head><title>Night buses</title></head><body><div class='story'><h1>Local</h1>"
            "<h5>Posted on Thu, Jan. 17, 2008 10:15 PM</h5><div class='tools'><a href='/p'>reprint or license</a> "
            "<a href='/q'>print</a></div><div class='share'><a href='/d'>Digg it</a></div>"
            "<div class='more'><a href='/e'>email</a></div>"
            f"<h1>Council adds night buses</h1><h4>By Jane Doe</h4>{EN_PARAS}</div></body></html>")
    r = extract_article(Selector(text=html), url="http://news.example/story/4487.html")
    assert r["published"].startswith("2008-01-17T22:15")


def test_time_and_dash_before_an_ordinal_date():
    (d,) = find_dates("15:43 - 13th, Jan 2008")
    assert d[0] == datetime(2008, 1, 13, 15, 43, tzinfo=SH) and d[3]


def test_dateline_opening_the_first_paragraph():
    html = ("<html><head><title>Council</title></head><body><div class='story'><h2>Council adds night buses</h2>"
            "<div class='text'><p>16 January 2008 – The city council voted on Tuesday to add three night bus routes, "
            "covering the station and the campus.</p>" + EN_PARAS + "</div></div></body></html>")
    r = extract_article(Selector(text=html), url="http://news.example/story.asp?id=3")
    assert r["published"].startswith("2008-01-16")


def test_labelled_date_just_after_the_text_under_the_tags():
    html = ("<html><head><meta charset='utf-8'><title>夜间公交</title></head><body><div class='article'>"
            f"<h1>城区新增三条夜间公交线路</h1><div class='content'>{PARAS}</div>"
            "<div class='tags'><a href='/t/1'>公交</a> <a href='/t/2'>夜间</a></div>"
            "<div class='tags'>所属分类：交通</div><div class='tags'>时间：2019-09-24 17:08</div>"
            "<div class='share'>分享到：</div></div></body></html>")
    assert extract(html)["published"] == "2019-09-24T17:08:00+08:00"


def test_dated_closing_line_of_the_text_but_not_a_related_item():
    html = ("<html><head><meta charset='utf-8'><title>夜间公交</title></head><body><div class='article'>"
            f"<h1>城区新增三条夜间公交线路</h1><div class='content'>{PARAS}"
            "<div class='date'>（2011年4月15日12時24分 城市报）</div></div></div></body></html>")
    assert extract(html)["published"] == "2011-04-15T12:24:00+08:00"
    related = ("<html><head><meta charset='utf-8'><title>夜间公交</title></head><body><div class='article'>"
               f"<h1>城区新增三条夜间公交线路</h1><div class='content'>{PARAS}</div></div>"
               "<ul class='more'><li><a href='/a/1'>银川马拉松报名启动</a><span>2021-12-01 10:00</span></li></ul>"
               "</body></html>")
    assert extract(related)["published"] is None


def test_short_dated_line_opening_the_text():
    html = ("<html><head><title>City TV - News, Weather and Sports | Council adds night buses</title></head><body>"
            "<div class='story'><div id='storyBody'><p><em>City Wire, Providence - January 11, 2008 4:13 PM ET</em></p>" + EN_PARAS
            + "</div></div></body></html>")
    r = extract_article(Selector(text=html), url="http://news.example/story.asp?S=77")
    assert r["published"].startswith("2008-01-11T16:13")


# --- title (article.py, titles.py) --------------------------------------------------------


def test_site_only_title_tag_yields_to_og_title_headline():
    html = ("<html><head><meta charset='utf-8'><title> - 城市日報網頁</title>"
            "<meta property='og:title' content='城区新增三条夜间公交线路- 城市日報網頁'></head><body>"
            "<table><tr><td class='bodyhead'><form><select><option>其他新聞</option></select></form>"
            "城区新增三条夜间公交线路 (本地) <span><br>2014-12-17 (15:16)</span></td></tr>"
            f"<tr><td>{PARAS}</td></tr></table></body></html>")
    r = extract(html)
    assert r["title"] == "城区新增三条夜间公交线路"
    assert r["published"] == "2014-12-17T15:16:00+08:00"


def test_headline_list_link_loses_to_the_fuller_heading_above_the_text():
    nav = "".join(f"<dd class='PostTitle'><a href='/n/{k}'>{t}</a></dd>" for k, t in enumerate(
        ("全市公交线路调整方案公布", "城区新增三条夜间公交线路 末班车延长", "地铁二号线本周试运行")))
    html = ("<html><head><meta charset='utf-8'><title>城区新增三条夜间公交线路 末班车延长 - 城市电视</title></head><body>"
            f"<dl class='list'>{nav}</dl><div id='Heading'>城区新增三条夜间公交线路 末班车延长 票价不变</div>"
            f"<div class='date'>2014/12/12</div><div class='text'>{PARAS}</div></body></html>")
    r = extract(html)
    assert r["title"] == "城区新增三条夜间公交线路 末班车延长 票价不变"
    assert r["published"].startswith("2014-12-12")


def test_headline_segment_of_a_joined_title_tag_anchors_the_date_line():
    html = ("<html><head><meta charset='utf-8'><title>城市時報 | 城区新增三条夜间公交线路 | 新聞編輯部 | 城市新聞 | 熱門專題</title>"
            "</head><body><div class='path'><a href='/'>首頁</a> » 專題</div>"
            "<div class='h'>城区新增三条夜间公交线路</div><p class='by'>- 新聞編輯部 @ 03-18-2022 / 1 year ago</p>"
            f"<div class='text'>{PARAS}</div></body></html>")
    r = extract(html)
    assert r["title"] == "城区新增三条夜间公交线路"
    assert r["published"].startswith("2022-03-18")


def test_title_tag_that_is_the_host_name_does_not_pick_a_masthead():
    html = ("<html><head><title>Brandon Sun Online</title></head><body>"
            "<div class='masthead'><p>Brandon Sun</p></div><div id='section'><h1>Entertainment</h1></div>"
            "<div id='story'><h2>Thursday, January 17th, 2008</h2><h1>Musical comes to Broadway this fall</h1>"
            f"{EN_PARAS}</div></body></html>")
    r = extract_article(Selector(text=html), url="http://www.brandonsun.com/story.php?story_id=1")
    assert r["title"] == "Musical comes to Broadway this fall"


def test_longest_segment_of_a_three_part_title_is_the_headline():
    html = ("<html><head><title>City TV - Council adds three night bus routes - City News, Shows and Sports</title>"
            "</head><body><h2>City TV</h2><div class='photo'><img src='/a.jpg'><p>The mayor speaks at a bus depot "
            "on Monday, explaining the plan.</p></div><h3>Council adds three night bus routes</h3>"
            f"<div class='story'>{EN_PARAS}</div></body></html>")
    r = extract_article(Selector(text=html), url="http://city.example/story/1")
    assert r["title"] == "Council adds three night bus routes"


def test_site_name_helpers():
    from aggregator.extract.titles import is_site_name, longest_segment

    assert is_site_name("Winnipeg Free Press", "www.winnipegfreepress.com")
    assert not is_site_name("Brandon man charged", "www.brandonsun.com")
    assert not is_site_name("城区新增三条夜间公交线路", "www.news.cn")
    assert longest_segment("A - Headline here - B") == "Headline here"
    assert longest_segment("Headline - Site") is None


def test_section_link_above_the_headline_in_one_cell_is_not_part_of_it():
    html = ("<html><head><title>City Online &gt; News &gt; World -- Council adds three night bus routes</title>"
            "</head><body><table><tr><td><font><a href='/world/'><b>More World news</b></a></font><br>"
            "<font class='head'>Council adds three night bus routes<br></font></td></tr></table>"
            f"<div class='story'>{EN_PARAS}</div></body></html>")
    r = extract_article(Selector(text=html), url="http://city.example/news/world/20080108-0356-buses.html")
    assert r["title"] == "Council adds three night bus routes"


def test_linked_headline_next_to_the_text_still_wins():
    html = ("<html><head><meta charset='utf-8'><title>城区新增三条夜间公交线路_城市新闻网</title></head><body>"
            "<div class='article'><div class='title'><a href='/a/123.html'>城区新增三条夜间公交线路</a></div>"
            f"<div class='content'>{PARAS}</div></div></body></html>")
    assert extract(html)["title"] == "城区新增三条夜间公交线路"


def test_todays_date_in_a_top_bar_is_not_a_metadata_date():
    html = ("<html><head><meta charset='utf-8'><title>夜间公交</title></head><body>"
            "<div class='top'>今天日期：2026-12-07</div><div class='article'><h1>城区新增三条夜间公交线路</h1>"
            f"<div class='info'>2022-03-18</div><div class='content'>{PARAS}</div></div></body></html>")
    assert extract(html)["published"].startswith("2022-03-18")


def test_a_headline_with_the_site_name_appended_is_not_the_site_name():
    from aggregator.extract.titles import is_site_name

    assert not is_site_name("엘제이 진흙탕 싸움, 이유 - Entermedia", "entermedia.co.kr")
    assert not is_site_name("城区新增三条夜间公交线路 - Citynews", "www.citynews.example")


def test_a_kicker_inside_the_heading_stays_in_the_title():
    html = ("<html><head><meta charset='utf-8'><title>城区新增三条夜间公交线路_城市新闻网</title></head><body>"
            "<div class='article'><h1><span class='tag'>【独家】</span><span>城区新增三条夜间公交线路</span></h1>"
            f"<div class='content'>{PARAS}</div></div></body></html>")
    assert extract(html)["title"] == "【独家】城区新增三条夜间公交线路"


def test_a_label_in_its_own_element_after_the_title_segment_is_no_longer_headline():
    # the <title>'s headline segment plus a label in a span of the heading: the label is not
    # headline, so the heading earns no prefix credit and the exact headline above wins
    html = ("<html><head><meta charset='utf-8'><title>城区新增三条夜间公交线路 - 城市报</title></head><body>"
            "<div class='headline'>城区新增三条夜间公交线路</div><div class='m'>2024-01-20</div>"
            "<div class='m'>来源：城市报</div><div class='m'>编辑：王明</div><div class='m'><a href='#'>分享</a> 字号</div>"
            "<h2>城区新增三条夜间公交线路<span class='tag'>（图）</span></h2>"
            f"<div class='content'>{PARAS}</div></body></html>")
    assert extract(html)["title"] == "城区新增三条夜间公交线路"


def test_a_headline_going_on_past_the_title_segment_in_one_run():
    # (on a page: test_headline_list_link_loses_to_the_fuller_heading_above_the_text)
    from aggregator.extract.titles import continues_in_run

    assert continues_in_run(["城区新增三条夜间公交线路　末班车延长"], 12)
    assert not continues_in_run(["城区新增三条夜间公交线路", "（图）"], 12)
    assert not continues_in_run(["城区新增", "三条夜间公交线路", "末班车延长"], 12)
    assert continues_in_run(["城区新增", "三条夜间公交线路末班车延长"], 12)


def test_calendar_badge_under_the_headline():
    # day and year-month printed as two blocks of a calendar badge, in either order
    for badge in ("<div class='day'>21</div><div class='ym'>2024年02月</div>",
                  "<div class='ym'>2024-02</div><div class='day'>21</div>"):
        html = (f"<html><body><div class='main'><h1>城区新增三条夜间公交线路</h1>"
                f"<div class='info'>{badge}<div class='share'>分享</div></div>"
                f"<div class='content'>{PARAS}</div></div></body></html>")
        got = extract(html)
        assert got["published"].startswith("2024-02-21"), badge
    # a lone number beside a month is not a day when nothing pairs them (a counter, a page)
    html = ("<html><body><div class='main'><h1>城区新增三条夜间公交线路</h1>"
            f"<div class='info'><div>阅读</div><div>21</div></div><div class='content'>{PARAS}</div></div></body></html>")
    assert extract(html)["published"] is None


def test_date_in_the_text_right_after_the_headline_end_tag():
    # <div class=title><h3>headline</h3> 发布时间 …</div>: the date line opens with the tail
    # of the heading, inside the heading's parent
    html = ("<html><body><div class='main'><div class='title'><h3>城区新增三条夜间公交线路</h3>"
            "发布时间&nbsp;2021-05-19 10:41:27</div>"
            f"<div class='content'>{PARAS}</div></div></body></html>")
    assert extract(html)["published"] == "2021-05-19T10:41:27+08:00"
