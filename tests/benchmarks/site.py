"""The benchmark site: a generated Chinese regional news portal, static files on disk.

``generate(dest, categories, per_category)`` writes a portal shaped like the ones the
product crawls: every page carries the usual furniture (top bar, search form, a
navigation bar of every category, breadcrumbs, "hot" and picture sidebars, related
links, previous/next article links, share bar, comment box, footer with filing numbers,
inline analytics-like scripts). Article pages are 15–30 KB of UTF-8; listing pages
list ``per_page`` articles (newest first) with TRS-style pagination
(``index.html``, ``index_1.html`` …, numbered links, 下一页/尾页). All text comes from
:mod:`tests.benchmarks.text` (our own generator).

Layout::

    /index.html                                   home: every category, latest headlines
    /robots.txt
    /about.html /contact.html /copyright.html     footer pages
    /c/<slug>/index.html, index_<n>.html          listing pages of a category
    /c/<slug>/<yyyymm>/t<yyyymmdd>_<id>.html      article pages

A ``manifest.json`` records the parameters and page statistics; calling ``generate``
again with the same parameters reuses the folder. Command line::

    .venv/bin/python -m tests.benchmarks.site DEST [--categories 40] [--per-category 500]
"""

from __future__ import annotations

import argparse
import html
import json
import random
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from tests.benchmarks.text import TextGen

GENERATOR_VERSION = 3
SITE_NAME = "塞上新闻网"

#: (slug, display name): the portal's categories, in navigation order
CATEGORIES = (
    ("bendi", "本地新闻"), ("guonei", "国内新闻"), ("guoji", "国际新闻"), ("caijing", "财经"),
    ("keji", "科技"), ("jiaoyu", "教育"), ("jiankang", "健康"), ("wenhua", "文化"), ("tiyu", "体育"),
    ("lvyou", "旅游"), ("fangchan", "房产"), ("qiche", "汽车"), ("nongye", "农业"), ("shengtai", "生态环保"),
    ("zhengwu", "政务"), ("fazhi", "法治"), ("minsheng", "民生"), ("shehui", "社会"), ("tupian", "图片"),
    ("shipin", "视频"), ("pinglun", "评论"), ("zhuanti", "专题"), ("xianqu", "县区"), ("xiangcun", "乡村振兴"),
    ("zhaoshang", "招商引资"), ("jiaotong", "交通"), ("tianqi", "天气"), ("jiuye", "就业"), ("wenlv", "文旅"),
    ("lilun", "理论"), ("dangjian", "党建"), ("gongyi", "公益"), ("renwu", "人物"), ("qiye", "企业"),
    ("xiaofei", "消费"), ("shipinanquan", "食品安全"), ("yingji", "应急管理"), ("qixiang", "气象"),
    ("kepu", "科普"), ("lishi", "历史"),
)

_BASE_TIME = datetime(2024, 6, 30, 21, 0, 0)


@dataclass(frozen=True)
class ArticleRef:
    """Where one generated article lives and what links to it say."""

    cat: int
    index: int          # 0 = newest of its category
    id: int
    when: datetime
    title: str

    @property
    def path(self) -> str:
        """URL path of the article page."""
        slug = CATEGORIES[self.cat][0]
        return f"/c/{slug}/{self.when:%Y%m}/t{self.when:%Y%m%d}_{self.id}.html"


def listing_path(cat: int, page: int) -> str:
    """URL path of listing page ``page`` (0-based) of category ``cat``."""
    slug = CATEGORIES[cat][0]
    return f"/c/{slug}/index.html" if page == 0 else f"/c/{slug}/index_{page}.html"


# --- page furniture ----------------------------------------------------------------------

_ANALYTICS = """<script>
(function(){var sid="%s",q=window._stq=window._stq||[];q.push(["page",location.pathname,document.referrer]);
var s=document.createElement("script");s.async=true;s.src="/static/js/stat.js?sid="+sid+"&t="+(+new Date());
var f=document.getElementsByTagName("script")[0];f.parentNode.insertBefore(s,f);})();
function setFont(n){var c=document.getElementById("content");if(c){c.style.fontSize=n+"px";}}
function addFav(){try{window.external.addFavorite(location.href,document.title);}catch(e){alert("请使用Ctrl+D收藏本页");}}
var shareCfg={"common":{"bdSnsKey":{},"bdText":"","bdMini":"2","bdPic":"","bdStyle":"0","bdSize":"16"},"share":{}};
</script>"""

_TAIL_SCRIPT = """<script>
window.addEventListener("load",function(){var b=document.getElementById("gotop");if(!b)return;
window.addEventListener("scroll",function(){b.style.display=(document.documentElement.scrollTop>600)?"block":"none";});
b.onclick=function(){window.scrollTo(0,0);return false;};
var v=document.getElementById("views");if(v){var x=new XMLHttpRequest();x.open("GET","/api/views?id="+(v.getAttribute("data-id")||""));
x.onload=function(){if(x.status==200){v.innerHTML=x.responseText;}};x.send();}
var tabs=document.querySelectorAll(".tabs li");for(var i=0;i<tabs.length;i++){(function(k){tabs[k].onmouseover=function(){
for(var j=0;j<tabs.length;j++){tabs[j].className=(j==k)?"on":"";document.getElementById("tab"+j).style.display=(j==k)?"block":"none";}};})(i);}
});
</script>"""


def _nav(active: int | None) -> str:
    items = ['<li><a href="/index.html">首页</a></li>']
    for k, (slug, name) in enumerate(CATEGORIES):
        cls = ' class="on"' if k == active else ""
        items.append(f'<li{cls}><a href="/c/{slug}/index.html">{name}</a></li>')
    return f'<div class="nav"><ul class="clearfix">{"".join(items)}</ul></div>'


def _header(day: datetime) -> str:
    return (
        '<div class="topbar"><div class="w1200"><span class="date">'
        f"{day:%Y年%m月%d日}</span> <a href=\"/about.html\">关于我们</a> | <a href=\"/contact.html\">联系我们</a> | "
        '<a href="javascript:addFav()">加入收藏</a> | <a href="/m/">手机版</a></div></div>'
        f'<div class="header w1200"><div class="logo"><a href="/index.html"><img src="/static/img/logo.png" alt="{SITE_NAME}"></a></div>'
        '<div class="search"><form action="/search/" method="get"><input type="text" name="q" placeholder="请输入关键词">'
        '<button type="submit">搜索</button></form></div></div>'
    )


_FOOTER = (
    '<div class="footer"><div class="w1200"><p><a href="/about.html">关于我们</a> | <a href="/contact.html">联系我们</a> | '
    '<a href="/copyright.html">版权声明</a> | <a href="/contact.html">广告服务</a> | <a href="/contact.html">违法和不良信息举报</a></p>'
    f"<p>{SITE_NAME} 版权所有 未经授权禁止复制或建立镜像</p>"
    "<p>本站为性能测试生成的示例站点，所有文字均为程序生成 备案号：示例ICP备00000000号-1</p>"
    "<p>举报电话：0000-0000000 举报邮箱：example@example.invalid</p></div></div>"
    '<a id="gotop" href="#">返回顶部</a>'
)


def _head(title: str, desc: str, sid: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta http-equiv="X-UA-Compatible" content="IE=edge"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}_{SITE_NAME}</title>"
        f'<meta name="keywords" content="{html.escape(title)},{SITE_NAME}"><meta name="description" content="{html.escape(desc)}">'
        '<link rel="stylesheet" href="/static/css/reset.css"><link rel="stylesheet" href="/static/css/main.css?v=20240601">'
        '<script src="/static/js/jquery.min.js"></script>'
        + (_ANALYTICS % sid) + "</head>"
    )


def _link_list(refs, cls: str, heading: str, dates: bool = False) -> str:
    lis = []
    for r in refs:
        d = f"<span>{r.when:%m-%d}</span>" if dates else ""
        lis.append(f'<li><a href="{r.path}" target="_blank" title="{html.escape(r.title)}">{html.escape(r.title)}</a>{d}</li>')
    return f'<div class="{cls}"><h3>{heading}</h3><ul>{"".join(lis)}</ul></div>'


def _sidebar(rng: random.Random, refs_by_cat, gen: TextGen) -> str:
    hot = [rng.choice(rng.choice(refs_by_cat)) for _ in range(10)]
    pics = [rng.choice(rng.choice(refs_by_cat)) for _ in range(4)]
    pic_html = "".join(
        f'<li><a href="{r.path}" target="_blank"><img src="/static/upload/{r.when:%Y%m}/p{r.id}.jpg" alt="{html.escape(r.title)}">'
        f"<p>{html.escape(r.title)}</p></a></li>" for r in pics)
    tabs = ('<div class="tabs"><ul><li class="on">24小时</li><li>一周</li><li>一月</li></ul></div>')
    ad = f'<div class="ad"><a href="/contact.html"><img src="/static/ad/side{rng.randint(1, 9)}.gif" alt="广告"></a></div>'
    return (
        f'<div class="right">{tabs}{_link_list(hot, "hot", "热点排行")}'
        f'<div class="pic"><h3>图片新闻</h3><ul>{pic_html}</ul></div>{ad}'
        f'<div class="notice"><h3>网站公告</h3><p>{html.escape(gen.sentence())}</p></div></div>'
    )


# --- pages ---------------------------------------------------------------------------


def article_page(ref: ArticleRef, rng: random.Random, gen: TextGen, refs_by_cat, target: int) -> str:
    """One article page of about ``target`` bytes."""
    cat_slug, cat_name = CATEGORIES[ref.cat]
    cat_refs = refs_by_cat[ref.cat]
    related = [cat_refs[(ref.index + d) % len(cat_refs)] for d in (3, 5, 8, 13, 21, 34) if len(cat_refs) > 1]
    prev_ref = cat_refs[ref.index + 1] if ref.index + 1 < len(cat_refs) else None
    next_ref = cat_refs[ref.index - 1] if ref.index > 0 else None
    publisher = gen.publisher()
    author = gen.person()
    editor = gen.person()
    pn = []
    if prev_ref:
        pn.append(f'<p>上一篇：<a href="{prev_ref.path}">{html.escape(prev_ref.title)}</a></p>')
    if next_ref:
        pn.append(f'<p>下一篇：<a href="{next_ref.path}">{html.escape(next_ref.title)}</a></p>')
    top = (
        f'<div class="main w1200 clearfix"><div class="left">'
        f'<div class="crumb">当前位置：<a href="/index.html">首页</a> &gt; <a href="/c/{cat_slug}/index.html">{cat_name}</a> &gt; 正文</div>'
        f'<div class="article"><h1>{html.escape(ref.title)}</h1>'
        f'<div class="info"><span class="time">{ref.when:%Y-%m-%d %H:%M:%S}</span>'
        f'<span class="source">来源：{publisher}</span><span class="author">作者：{author}</span>'
        f'<span class="views">阅读：<em id="views" data-id="{ref.id}">--</em></span>'
        '<span class="font">字号：<a href="javascript:setFont(18)">大</a> <a href="javascript:setFont(16)">中</a> '
        '<a href="javascript:setFont(14)">小</a></span></div>'
    )
    tail = (
        f'<div class="editor">（责任编辑：{editor}）</div>'
        '<div class="share">分享到：<a class="wx" href="javascript:;">微信</a><a class="wb" href="javascript:;">微博</a>'
        '<a class="qq" href="javascript:;">QQ空间</a></div>'
        f'<div class="prevnext">{"".join(pn)}</div></div>'
        + _link_list(related, "related", "相关新闻", dates=True)
        + '<div class="comment"><h3>网友评论</h3><form action="/comment/" method="post"><textarea name="c"></textarea>'
        '<button type="submit">发表评论</button></form><p>已有0人参与评论，请遵守互联网相关规定。</p></div></div>'
        + _sidebar(rng, refs_by_cat, gen) + "</div>"
    )
    frame = _head(ref.title, "", f"a{ref.id}") + "<body>" + _header(ref.when) + _nav(ref.cat) + top + tail + _FOOTER + _TAIL_SCRIPT + "</body></html>"
    # the body fills the page up to the target size (Chinese text: 3 bytes a character)
    frame_bytes = len(frame.encode("utf-8"))
    chars = max(600, (target - frame_bytes - 200) // 3)
    paras = gen.body(chars)
    body = []
    for n, p in enumerate(paras):
        body.append(f"<p>{p}</p>")
        if n == 1 and rng.random() < 0.5:
            body.append(f'<p style="text-align:center"><img src="/static/upload/{ref.when:%Y%m}/{ref.id}_1.jpg" alt=""></p>'
                        f'<p class="caption">图为{html.escape(gen.short_title())}现场。{author} 摄</p>')
    content = f'<div class="content" id="content">{"".join(body)}</div>'
    desc = paras[0][:80]
    return (_head(ref.title, desc, f"a{ref.id}") + "<body>" + _header(ref.when) + _nav(ref.cat) + top + content
            + tail + _FOOTER + _TAIL_SCRIPT + "</body></html>")


def listing_page(cat: int, page: int, n_pages: int, refs, rng, gen, refs_by_cat) -> str:
    """Listing page ``page`` (0-based) of category ``cat``."""
    slug, name = CATEGORIES[cat]
    items = "".join(
        f'<li><a href="{r.path}" target="_blank">{html.escape(r.title)}</a><span class="date">{r.when:%Y-%m-%d}</span></li>'
        for r in refs)
    pager = []
    if page > 0:
        pager.append(f'<a href="{listing_path(cat, 0)}">首页</a><a href="{listing_path(cat, page - 1)}">上一页</a>')
    for p in range(max(0, page - 4), min(n_pages, page + 5)):
        pager.append(f"<span>{p + 1}</span>" if p == page else f'<a href="{listing_path(cat, p)}">{p + 1}</a>')
    if page + 1 < n_pages:
        pager.append(f'<a href="{listing_path(cat, page + 1)}">下一页</a><a href="{listing_path(cat, n_pages - 1)}">尾页</a>')
    pager.append(f"<span>共{n_pages}页</span>")
    day = refs[0].when if refs else _BASE_TIME
    return (
        _head(name, f"{SITE_NAME}{name}频道", f"l{cat}_{page}") + "<body>" + _header(day) + _nav(cat)
        + f'<div class="main w1200 clearfix"><div class="left"><div class="crumb">当前位置：<a href="/index.html">首页</a> &gt; {name}</div>'
        + f'<div class="list"><h2>{name}</h2><ul class="news-list">{items}</ul></div>'
        + f'<div class="pages">{"".join(pager)}</div></div>'
        + _sidebar(rng, refs_by_cat, gen) + "</div>" + _FOOTER + _TAIL_SCRIPT + "</body></html>"
    )


def home_page(refs_by_cat, rng, gen) -> str:
    """The home page: every category with its five latest headlines."""
    blocks = []
    for k, refs in enumerate(refs_by_cat):
        slug, name = CATEGORIES[k]
        blocks.append(f'<div class="block"><h2><a href="/c/{slug}/index.html">{name}</a></h2>'
                      + _link_list(refs[:5], "latest", "最新") + "</div>")
    return (_head(SITE_NAME, SITE_NAME, "home") + "<body>" + _header(_BASE_TIME) + _nav(None)
            + f'<div class="main w1200">{"".join(blocks)}</div>' + _FOOTER + _TAIL_SCRIPT + "</body></html>")


def _plain_page(title: str, gen: TextGen) -> str:
    return (_head(title, title, "p") + "<body>" + _header(_BASE_TIME) + _nav(None)
            + f'<div class="main w1200"><h1>{title}</h1><p>{gen.paragraph(300)}</p></div>' + _FOOTER + "</body></html>")


# --- the site --------------------------------------------------------------------------


def generate(dest: str | Path, categories: int = 40, per_category: int = 500, per_page: int = 20,
             seed: int = 20240630, log=None) -> dict:
    """Write the site into ``dest`` (reused when its manifest matches); returns the manifest."""
    dest = Path(dest)
    spec = {"version": GENERATOR_VERSION, "categories": categories, "per_category": per_category,
            "per_page": per_page, "seed": seed}
    mf = dest / "manifest.json"
    if mf.is_file():
        try:
            old = json.loads(mf.read_text())
            if old.get("spec") == spec:
                return old
        except ValueError:
            pass
    if categories > len(CATEGORIES):
        raise ValueError(f"at most {len(CATEGORIES)} categories")
    started = time.monotonic()
    rng = random.Random(seed)
    gen = TextGen(rng)
    refs_by_cat = []
    for k in range(categories):
        refs = []
        when = _BASE_TIME - timedelta(minutes=rng.randint(0, 120))
        for j in range(per_category):
            refs.append(ArticleRef(k, j, (k + 1) * 100000 + per_category - j, when, gen.headline()))
            when -= timedelta(minutes=rng.randint(20, 400), seconds=rng.randint(0, 59))
        refs_by_cat.append(refs)
    sizes = []
    dest.mkdir(parents=True, exist_ok=True)
    if mf.exists():
        mf.unlink()
    dirs = set()
    for k, refs in enumerate(refs_by_cat):
        for ref in refs:
            path = dest / ref.path.lstrip("/")
            if path.parent not in dirs:
                path.parent.mkdir(parents=True, exist_ok=True)
                dirs.add(path.parent)
            data = article_page(ref, rng, gen, refs_by_cat, rng.randint(15_500, 29_500)).encode("utf-8")
            path.write_bytes(data)
            sizes.append(len(data))
        n_pages = (len(refs) + per_page - 1) // per_page
        for p in range(n_pages):
            path = dest / listing_path(k, p).lstrip("/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(listing_page(k, p, n_pages, refs[p * per_page:(p + 1) * per_page], rng, gen, refs_by_cat),
                            encoding="utf-8")
        if log:
            log(f"site: category {k + 1}/{categories} written")
    (dest / "index.html").write_text(home_page(refs_by_cat, rng, gen), encoding="utf-8")
    for name, title in (("about", "关于我们"), ("contact", "联系我们"), ("copyright", "版权声明")):
        (dest / f"{name}.html").write_text(_plain_page(title, gen), encoding="utf-8")
    (dest / "robots.txt").write_text("User-agent: *\nDisallow: /search/\nDisallow: /comment/\n", encoding="utf-8")
    listing_pages = categories * ((per_category + per_page - 1) // per_page)
    manifest = {
        "spec": spec,
        "articles": categories * per_category,
        "listing_pages": listing_pages,
        "pages_per_category": (per_category + per_page - 1) // per_page + per_category,
        "article_bytes": {"min": min(sizes), "median": int(statistics.median(sizes)), "max": max(sizes),
                          "total": sum(sizes)},
        "categories": [{"slug": CATEGORIES[k][0], "name": CATEGORIES[k][1], "start": listing_path(k, 0)}
                       for k in range(categories)],
        "seconds": round(time.monotonic() - started, 1),
    }
    mf.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def main(argv=None) -> int:
    """Command line: generate the site into DEST."""
    ap = argparse.ArgumentParser(description="Generate the benchmark news site")
    ap.add_argument("dest")
    ap.add_argument("--categories", type=int, default=40)
    ap.add_argument("--per-category", type=int, default=500)
    ap.add_argument("--per-page", type=int, default=20)
    ap.add_argument("--seed", type=int, default=20240630)
    args = ap.parse_args(argv)
    m = generate(args.dest, args.categories, args.per_category, args.per_page, args.seed,
                 log=lambda s: print(s, file=sys.stderr))
    print(json.dumps({k: v for k, v in m.items() if k != "categories"}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
