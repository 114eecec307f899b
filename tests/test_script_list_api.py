"""Listing pages whose article list a script loads from a JSON/JSONP API (issue #16).

Pure: which URLs of a page's scripts are list APIs. End to end: a ``listing`` source whose
category page shows no article links, only a script that fetches a JSONP list (and one
that fetches a JSON list named by the ``json_api`` hint), is crawled from a local server
and every article of the lists is stored.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from aggregator.extract.jsonapi import api_urls_in_scripts
from aggregator.server import StaticSiteServer

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>本地要闻_示例新闻网</title>
<script src="/static/jquery.min.js"></script></head><body>
<div class="nav"><a href="/">首页</a> <a href="/about.html">关于我们</a></div>
<h1>本地要闻</h1><ul id="list"><li>加载中……</li></ul>
<script>
var tpl = "/api/list?page=" + page;
$.ajax({url: "{api}", dataType: "jsonp", jsonpCallback: "cb"});
var logo = "/static/logo.png";
</script></body></html>"""

ARTICLE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}_示例新闻网</title></head><body>
<div class="nav"><a href="/">首页</a></div>
<div class="article"><h1>{title}</h1><div class="info">2024-05-{day:02d} 09:30 来源：示例日报</div>
<div class="content"><p>{title}。本报讯，{day}日上午，相关部门召开会议，部署下一阶段的工作，
与会人员就具体措施进行了深入讨论，并对群众关心的问题作出了回应。</p>
<p>会议要求，各单位要抓好落实，确保各项任务按时完成，切实提高服务水平。</p></div></div>
</body></html>"""

TITLES = ["城区道路改造工程开工", "社区食堂正式开放", "夏季防汛演练举行", "图书馆延长开放时间"]


def test_script_urls_that_look_like_list_apis_are_found_on_the_same_host():
    html = """<script src="/a.js"></script><script>
    $.getJSON("/api/news/list?page=1&size=20", f);
    $.ajax({url: "//www.example.cn/cms/getList.jsonp?callback=cb&channel=12"});
    var t = "/api/news/list?page=" + p; var i = "/img/a.png"; var s = "/js/app.js";
    var o = "https://other.example.com/api/list.json"; var d = "/news/2024/05/01/a.html";
    </script>"""
    base = "http://www.example.cn/news/"
    assert api_urls_in_scripts(html, base) == [
        "http://www.example.cn/api/news/list?page=1&size=20",
        "http://www.example.cn/cms/getList.jsonp?callback=cb&channel=12"]
    assert api_urls_in_scripts(html, base, hint=r"getList") == [
        "http://www.example.cn/cms/getList.jsonp?callback=cb&channel=12"]
    assert api_urls_in_scripts("<p>no scripts</p>", base) == []


@pytest.mark.e2e
@pytest.mark.parametrize("shape", ["jsonp", "json-with-hint"])
def test_a_listing_whose_list_a_script_loads_is_crawled_through_its_api(tmp_path, run_cli, shape):
    site = tmp_path / "site"
    (site / "news").mkdir(parents=True)
    (site / "api").mkdir()
    items = [{"title": t, "url": f"/news/2024/05/{i + 1:02d}/a{i}.html", "pubtime": f"2024-05-{i + 1:02d} 09:30"}
             for i, t in enumerate(TITLES)]
    for i, t in enumerate(TITLES):
        (site / "news" / "2024" / "05" / f"{i + 1:02d}").mkdir(parents=True)
        (site / "news" / "2024" / "05" / f"{i + 1:02d}" / f"a{i}.html").write_text(
            ARTICLE.format(title=t, day=i + 1), encoding="utf-8")
    payload = json.dumps({"code": 0, "data": {"list": items}}, ensure_ascii=False)
    if shape == "jsonp":
        api = "/api/newslist.jsonp?callback=cb&channel=3"
        (site / "api" / "newslist.jsonp").write_text(f"cb({payload});", encoding="utf-8")
        hint = ""
    else:
        api = "/svc/cms/feedlist?channel=3"   # no API-like word in the URL: found through the hint
        assert api_urls_in_scripts(PAGE.replace("{api}", api), "http://h/news/") == []
        (site / "svc" / "cms").mkdir(parents=True)
        (site / "svc" / "cms" / "feedlist").write_text(payload, encoding="utf-8")
        hint = "json_api = 'feedlist'\n"
    (site / "news" / "index.html").write_text(PAGE.replace("{api}", api), encoding="utf-8")
    with StaticSiteServer(site) as srv:
        sources = tmp_path / "s.toml"
        sources.write_text(f"""[[source]]
name = "scriptlist"
title = "示例新闻网"
start_urls = ["{srv.url('/news/index.html')}"]
{hint}[source.settings]
AUTOTHROTTLE_ENABLED = false
DOWNLOAD_DELAY = 0
""", encoding="utf-8")
        res = run_cli("crawl", "--sources", sources, "--db", tmp_path / "a.db")
        requested = [path for _m, path, _s in srv.requests]
    assert res.returncode == 0, res.stderr
    assert any(p.startswith(api.split("?")[0]) for p in requested), requested
    conn = sqlite3.connect(tmp_path / "a.db")
    rows = dict(conn.execute("select title, source from articles").fetchall())
    conn.close()
    assert sorted(rows) == sorted(TITLES)
    assert set(rows.values()) == {"示例日报"}
