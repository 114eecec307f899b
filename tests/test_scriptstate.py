"""Script-rendered pages: the article from inline state (aggregator/extract/scriptstate.py).

Saved pages of our own making in the three common shapes (Next.js ``__NEXT_DATA__``,
Nuxt's ``window.__NUXT__`` function form, ``window.__INITIAL_STATE__`` as a JavaScript
literal), read directly and through a crawl of a local server.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from aggregator.extract.article import extract_article
from aggregator.extract.scriptstate import extract_script_state, read_literal, read_nuxt_function
from aggregator.server import StaticSiteServer
from aggregator.sources import Source
from tests.faultsite import article_page, listing_html
from tests.test_faults import cli

PAGES = Path(__file__).parent / "fixtures" / "scriptstate"
SOURCE = Source(name="spa", title="单页测试网", start_urls=("http://127.0.0.1/",))

EXPECTED = {
    "next_data.html": dict(title="固原市发布春耕生产计划", published="2022-03-03T10:00:00+08:00", source="固原日报",
                           first="3月3日，固原市发布今年春耕生产计划", last="各乡镇同步开展农机具检修。", paragraphs=3),
    "nuxt_function.html": dict(title="银川市正式启动冬季供暖", published="2022-11-01T09:30:00+08:00", source="银川日报",
                               first="11月1日零时，银川市正式启动冬季供暖", last="热源厂已全部满负荷运行。", paragraphs=2),
    "initial_state.html": dict(title="石嘴山开展安全生产大检查", published="2022-03-15T10:30:00+08:00", source="石嘴山日报",
                               first="为确保安全生产形势稳定", last="整改隐患四十余处。", paragraphs=3),
}
#: text of the distractors on the pages (menus, related lists, loading notices) that is not body
NOT_BODY = ("西吉县推广马铃薯新品种", "惠农区开展义诊活动", "加载中", "请启用JavaScript", "首页")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_shape_yields_title_date_source_and_body(name):
    want = EXPECTED[name]
    page = HtmlResponse(url=f"http://127.0.0.1/a/{name}", body=(PAGES / name).read_bytes(), encoding="utf-8")
    out = extract_article(page, SOURCE)
    assert out["title"] == want["title"]
    assert out["published"] == want["published"] and out["published_from"] == "script"
    assert out["source"] == want["source"]
    lines = out["body_text"].split("\n")
    assert len(lines) == want["paragraphs"], lines
    assert lines[0].startswith(want["first"]) and lines[-1].endswith(want["last"])
    for junk in NOT_BODY:
        assert junk not in out["body_text"]


def test_a_page_with_a_real_body_is_not_replaced_by_its_state():
    html = article_page("服务器渲染的正式稿件", 3).replace(
        "</body>", '<script>window.__INITIAL_STATE__={article:{title:"别的标题",content:"短"}}</script></body>')
    out = extract_article(HtmlResponse(url="http://127.0.0.1/a/1.html", body=html.encode(), encoding="utf-8"), SOURCE)
    assert out["title"] == "服务器渲染的正式稿件" and out["published_from"] != "script"


def test_a_page_without_state_or_body_stays_without_body():
    html = "<html><head><title>空页面</title></head><body><div id='app'></div><script>var a = 1;</script></body></html>"
    assert extract_script_state(html) is None
    out = extract_article(HtmlResponse(url="http://127.0.0.1/a/2.html", body=html.encode(), encoding="utf-8"), SOURCE)
    assert not out["body_text"]


def test_the_literal_reader_understands_javascript_and_evaluates_nothing():
    js = ("{a:1, 'b':[1,2,], c:\"x\\u4e2d\\x41\", d:foo(1), e:1+2, f(){return 1}, g:!0, h:void 0, i:.5, "
          "j:0x10, k:new Date(\"2022-01-01\"), /* note */ l:`t`, m:-3e2}")
    assert read_literal(js) == {"a": 1, "b": [1, 2], "c": "x中A", "d": None, "e": None, "g": True, "h": None,
                                "i": 0.5, "j": 16, "k": "2022-01-01", "l": "t", "m": -300.0}
    assert read_literal("{a: 'unterminated}") is None
    deep = read_literal("[" * 5000 + "]" * 5000)   # hostile nesting: cut off, no RecursionError
    depth = 0
    while isinstance(deep, list) and deep:
        deep, depth = deep[0], depth + 1
    assert deep is None and depth < 300


def test_nuxt_parameters_are_bound_to_literal_arguments_only():
    text = '(function(a,b,c){return {x:a,y:[b,c],z:d}}("one",2,alert(3)))'
    assert read_nuxt_function(text, 0) == {"x": "one", "y": [2, None], "z": None}
    assert read_nuxt_function("(function(a){return {x:a}})(\"k\")", 0) == {"x": "k"}


def test_html_in_the_state_is_sanitised_in_a_crawl(tmp_path):
    """A listing of the three shapes on a local server: each stored with title, date,
    source and a sanitised body."""
    site = tmp_path / "site"
    (site / "a").mkdir(parents=True)
    items = ""
    for name, want in EXPECTED.items():
        (site / "a" / name).write_bytes((PAGES / name).read_bytes())
        items += f'<li><a href="/a/{name}">{want["title"]}</a><span>2022-03-15</span></li>'
    (site / "list.html").write_text(listing_html(items, None), encoding="utf-8")
    with StaticSiteServer(site) as srv:
        sources = tmp_path / "sources.toml"
        sources.write_text(
            f'[[source]]\nname = "spa"\ntitle = "单页测试网"\nstart_urls = ["{srv.url("/list.html")}"]\n'
            "article_url = '/a/'\n[source.settings]\nAUTOTHROTTLE_ENABLED = false\nDOWNLOAD_DELAY = 0\n",
            encoding="utf-8")
        proc, _ = cli("crawl", "--sources", sources, "--db", tmp_path / "a.db", "--quiet", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
    con = sqlite3.connect(tmp_path / "a.db")
    rows = {t: (p, s, h, b) for t, p, s, h, b in
            con.execute("select title, published, source, body_html, body_text from articles")}
    con.close()
    assert set(rows) == {w["title"] for w in EXPECTED.values()}
    from datetime import datetime

    for want in EXPECTED.values():
        published, source, html, text = rows[want["title"]]
        assert datetime.fromisoformat(published) == datetime.fromisoformat(want["published"])
        assert source == want["source"]
        assert text.startswith(want["first"]) and text.endswith(want["last"])
        assert "<script" not in html and "onerror" not in html and "alert" not in html


@pytest.mark.parametrize("payload", [
    "window.__X__=[" * 100000,                     # thousands of broken literals
    "window.__X__=" + "[" * 1_000_000,              # nesting far past any page
    "window.__X__={a:'" + "x" * 1_000_000,          # a string that never ends
    "window.__X__=" + "[foo(" * 100000,             # calls that never close
    "a" * 1_000_000 + "State",                      # one long identifier
])
def test_hostile_scripts_cost_little_time(payload):
    import time

    t0 = time.perf_counter()
    assert extract_script_state(f"<html><body><script>{payload}</script></body></html>") is None
    assert time.perf_counter() - t0 < 5


def test_nuxt3_devalue_data_is_read():
    page = ('<html><body><div id="__nuxt"></div><script type="application/json" id="__NUXT_DATA__">'
            '[["ShallowReactive",1],{"data":2,"state":9},["ShallowReactive",3],{"article-77":4},'
            '{"title":5,"publishedAt":6,"source":7,"content":8},"吴忠市举办农民丰收节","2022-09-23T09:00:00+08:00",'
            '"吴忠日报","<p>9月23日，吴忠市举办中国农民丰收节庆祝活动。</p><p>活动现场展示了当地特色农产品。</p>",{"self":1}]'
            "</script></body></html>")
    found = extract_script_state(page)
    assert found["title"] == "吴忠市举办农民丰收节" and found["source"] == "吴忠日报"
    assert found["date"] == "2022-09-23T09:00:00+08:00"
    assert found["body_text"] == "9月23日，吴忠市举办中国农民丰收节庆祝活动。\n活动现场展示了当地特色农产品。"


def test_rich_text_blocks_with_children_are_paragraphs():
    page = ('<html><body><script>window.__PRELOADED_STATE__={post:{headline:"中卫沙漠光伏项目并网",date:"2022-06-01",'
            'body:[{type:"paragraph",children:[{text:"中卫市沙漠光伏项目"},{text:"正式并网发电。",bold:true}]},'
            '{type:"image",url:"/p.jpg"},{type:"paragraph",children:[{text:"年发电量预计十亿千瓦时。"}]}]}}</script>'
            "</body></html>")
    found = extract_script_state(page)
    assert found["title"] == "中卫沙漠光伏项目并网"
    assert found["body_text"] == "中卫市沙漠光伏项目正式并网发电。\n年发电量预计十亿千瓦时。"
