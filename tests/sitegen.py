"""A tiny generated news portal for end-to-end tests (our own text, written here).

``write_portal(dest, n_articles, layout)`` writes ``/news/index.html``, ``index_1.html`` …
(10 links per page) and article pages. ``layout="redesign"`` imitates a site redesign that
breaks extraction: article pages keep their URLs but the text moves into a script-rendered
shell, so no body can be found.
"""

from __future__ import annotations

from pathlib import Path

TOPICS = [
    ("银川市新建十处口袋公园", "城市管理部门介绍，新建公园均设置了健身步道和儿童游乐设施，方便周边居民就近休闲。"),
    ("宁夏枸杞产业链延伸至深加工", "多家企业引进冻干和萃取生产线，产品附加值明显提高，带动农户增收。"),
    ("黄河沿岸湿地迎来越冬候鸟", "保护区工作人员在巡护中记录到灰鹤、白琵鹭等多种鸟类，数量较去年有所增加。"),
    ("中卫沙漠光伏项目并网发电", "项目采用板上发电、板下种植的模式，兼顾新能源开发与防沙治沙。"),
    ("固原乡村学校开设书法课堂", "学校邀请本地书法家定期授课，学生在课后服务时间可自愿参加练习。"),
    ("石嘴山老旧小区改造完工", "改造内容包括管网更新、外墙保温和加装电梯，居民居住条件明显改善。"),
    ("吴忠早茶文化节开幕", "来自各县区的餐饮企业集中展示特色早茶，吸引了大量市民和游客品尝。"),
    ("贺兰山东麓葡萄酒获国际奖项", "参赛酒庄表示，将继续在品质提升和品牌推广上下功夫。"),
]


def article_html(i: int, layout: str = "normal", body_extra: str = "") -> str:
    """One article page (UTF-8)."""
    title, lead = TOPICS[i % len(TOPICS)]
    title = f"{title}（第{i + 1}期）"
    day = 1 + i % 28
    if layout == "redesign":
        return f"""<!doctype html><html><head><meta charset="utf-8"><title>{title}_测试新闻网</title></head>
<body><div id="app"></div><script>window.__DATA__ = {{"id": {i}}};</script></body></html>"""
    paras = "".join(f"<p>{lead}第{k + 1}段补充说明，记者在现场进行了采访。</p>" for k in range(4))
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{title}_测试新闻网</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/news/index.html">本地新闻</a></div>
<div class="article"><h1>{title}</h1>
<div class="info">发布时间：2022年03月{day:02d}日 09:{i % 60:02d}　来源：测试日报</div>
<div class="content"><p>{lead}</p>{paras}{body_extra}</div>
<div class="editor">责任编辑：王编辑</div></div>
<div class="footer">版权所有 测试新闻网</div></body></html>"""


def _list_items(chunk: list[str], list_layout: str) -> str:
    """The article list of one listing page in one of several common layouts."""
    def num(p):
        return int(p.split("/a")[-1][:-5])

    def title(p):
        return f"{TOPICS[num(p) % len(TOPICS)][0]}（第{num(p) + 1}期）"

    def date(p):
        return f"2022-03-{1 + num(p) % 28:02d}"

    if list_layout == "cards":
        cards = "".join(
            f'<div class="card"><a href="{p}"><img src="/img/{num(p)}.jpg"></a><h3><a href="{p}">{title(p)}</a></h3>'
            f'<p class="summary">{TOPICS[num(p) % len(TOPICS)][1][:30]}……</p><span class="time">{date(p)}</span></div>'
            for p in chunk)
        return f'<div class="cards">{cards}</div><div class="side"><h4>热点</h4><a href="/hot/1.html">热</a></div>'
    if list_layout == "table":
        rows = "".join(f'<tr><td class="t"><a href="{p}">{title(p)}</a></td><td>{date(p)}</td></tr>' for p in chunk)
        return f'<table class="list"><tr><th>标题</th><th>日期</th></tr>{rows}</table>'
    items = "".join(f'<li><a href="{p}">{title(p)}</a><span>{date(p)}</span></li>' for p in chunk)
    return f'<ul class="list">{items}</ul>'


def write_portal(dest: Path, n_articles: int = 12, layout: str = "normal", per_page: int = 10,
                 list_layout: str = "ul") -> list[str]:
    """Write the portal; returns the article paths (``/news/2022/03/a<i>.html``).

    ``list_layout`` is ``ul`` (list items with dates), ``cards`` (image + headline +
    summary blocks beside a hot-links box) or ``table`` (rows of a table).
    """
    dest = Path(dest)
    (dest / "news" / "2022" / "03").mkdir(parents=True, exist_ok=True)
    (dest / "robots.txt").write_text("User-agent: *\nDisallow: /admin/\n", encoding="utf-8")
    paths = [f"/news/2022/03/a{i}.html" for i in range(n_articles)]
    for i, p in enumerate(paths):
        (dest / p.lstrip("/")).write_text(article_html(i, layout), encoding="utf-8")
    pages = [paths[k:k + per_page] for k in range(0, len(paths), per_page)] or [[]]
    for n, chunk in enumerate(pages):
        name = "index.html" if n == 0 else f"index_{n}.html"
        items = _list_items(chunk, list_layout)
        nxt = f'<a href="index_{n + 1}.html">下一页</a>' if n + 1 < len(pages) else ""
        (dest / "news" / name).write_text(
            f"""<!doctype html><html><head><meta charset="utf-8"><title>本地新闻_测试新闻网</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/news/index.html">本地新闻</a> <a href="/about.html">关于我们</a></div>
{items}<div class="pages">{nxt}</div>
<div class="footer"><a href="/about.html">联系我们</a> 版权所有</div></body></html>""",
            encoding="utf-8",
        )
    return paths


def sources_toml(entries: list[tuple[str, str, str]]) -> str:
    """A sources file: entries of (name, title, start_url)."""
    out = []
    for name, title, url in entries:
        out.append(f'[[source]]\nname = "{name}"\ntitle = "{title}"\nstart_urls = ["{url}"]\n'
                   f"[source.settings]\nAUTOTHROTTLE_ENABLED = false\nDOWNLOAD_DELAY = 0\n"
                   f"DOWNLOAD_TIMEOUT = 5\nRETRY_TIMES = 0\n")
    return "\n".join(out)


def toml_value(v) -> str:
    """A setting's value as TOML (booleans, strings, numbers; a list of strings as Python prints it)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    return str(v)
