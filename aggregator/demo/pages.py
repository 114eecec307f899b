"""The demo site's page templates: Jekyll site, GBK portal, RSS site, JSON API (pure: bytes out)."""

from __future__ import annotations

import json
import struct
import zlib
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import quote

from aggregator.demo import corpus
from aggregator.demo.model import (APP_NAME, DemoArticle, FEED_SITE_NAME, JEKYLL_MEDIA, PAGE_SIZE, PORTAL_NAME,
                                   SITE_EPOCH, SITE_NAME, _LINK_RE, _attr, _esc, _h, _rel)
from aggregator.demo.plan import _Plan


def _png(seed: str, width: int = 8, height: int = 6) -> bytes:
    """A tiny valid PNG in a colour derived from ``seed`` (deterministic bytes)."""
    h = _h("png", seed)
    rgb = bytes(((h >> 16) & 255, (h >> 8) & 255, h & 255))
    raw = b"".join(b"\x00" + rgb * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


_GIF_1PX = bytes.fromhex("47494638396101000100800000ffffff00000021f90401000000002c00000000010001000002024401003b")


# -- rendering ------------------------------------------------------------------------------------

_DISCLAIMER = corpus.DISCLAIMER


class _Files(dict):
    """path -> bytes, plus the mtime each file should get."""

    def __init__(self):
        super().__init__()
        self.mtimes: dict[str, float] = {}

    def add(self, path: str, data: str | bytes, encoding: str = "utf-8", when: datetime | None = None) -> None:
        if isinstance(data, str):
            data = data.encode(encoding)
        assert path not in self, f"duplicate file {path}"
        self[path] = data
        self.mtimes[path] = (when or SITE_EPOCH).timestamp()


def _jekyll_layout(title: str, content: str, head_extra: str = "") -> str:
    nav = "".join(f'<a class="page-link" href="/category/{slug}.html">{medium}</a>' for slug, medium, *_ in JEKYLL_MEDIA)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(title)}</title>
{head_extra}<link rel="stylesheet" href="/assets/main.css">
</head>
<body>
<header class="site-header" role="banner">
<div class="wrapper"><a class="site-title" rel="author" href="/">{SITE_NAME}</a>
<nav class="site-nav">{nav}<a class="page-link" href="/about.html">关于</a></nav>
</div>
</header>
<main class="page-content" aria-label="Content">
<div class="wrapper">
{content}
</div>
</main>
<footer class="site-footer h-card">
<div class="wrapper">
<p>{SITE_NAME} · 汇集区内主要媒体新闻</p>
<p>友情链接：<a href="/news/index.html">{PORTAL_NAME}</a> | <a href="/wenlv/index.html">{FEED_SITE_NAME}</a> | <a href="/m/index.html">{APP_NAME}</a></p>
<p>Copyright © 2022 {SITE_NAME} 版权所有 | <a href="/about.html">关于本站</a> | <a href="/admin/login.html">管理登录</a></p>
<p class="disclaimer">{_DISCLAIMER}</p>
</div>
</footer>
</body>
</html>
"""


def _blocks_html(page_path: str, raw_blocks, style: str, image: str | None = None) -> str:
    """Body HTML of one page; ``raw_blocks`` may contain [[label|/path]] links."""
    out = []
    for n, (kind, text) in enumerate(raw_blocks):
        inner = _LINK_RE.sub(lambda m: f'<a href="{_link(page_path, m.group(2), style)}">{_esc(m.group(1))}</a>', _esc(text))
        if kind == "h":
            out.append({
                "jekyll": f"<h3>{inner}</h3>",
                "portal": f'<p style="text-align: center;"><strong>{inner}</strong></p>',
                "feed": f"<h2>{inner}</h2>",
                "json": f'<p class="sub-title"><b>{inner}</b></p>',
            }[style])
        else:
            out.append(f"<p>\u3000\u3000{inner}</p>" if style == "portal" else f"<p>{inner}</p>")
        if n == 0 and image:
            out.append(image)
    return "\n".join(out)


def _link(page_path: str, target: str, style: str) -> str:
    return _rel(page_path, target) if style == "portal" else quote(target)


def _render_jekyll(plan: _Plan, files: _Files) -> None:
    by_path = {a.path: a for a in plan.articles}
    media = {slug: medium for slug, medium, *_ in JEKYLL_MEDIA}
    for src in (s for s in plan.sources if s.structure == "jekyll"):
        medium = src.title
        # category pages
        for k, page in enumerate(src.listing_paths):
            chunk = src.listed[k * PAGE_SIZE:(k + 1) * PAGE_SIZE]
            lis = "\n".join(
                f'<li><span class="post-meta">{by_path[p].listing_date}</span>\n'
                f'<h3><a class="post-link" href="{quote(p)}">{_esc(by_path[p].title)}</a></h3></li>'
                for p in chunk
            )
            nav = [f'<span class="page_number">第 {k + 1} 页 / 共 {len(src.listing_paths)} 页</span>']
            if k > 0:
                nav.insert(0, f'<a href="{src.listing_paths[k - 1]}" class="previous">上一页</a>')
            if k + 1 < len(src.listing_paths):
                nav.append(f'<a href="{src.listing_paths[k + 1]}" class="next">下一页</a>')
            content = (
                f'<div class="home">\n<h1 class="page-heading">{medium}</h1>\n<ul class="post-list">\n{lis}\n</ul>\n'
                f'<nav class="pagination">{" ".join(nav)}</nav>\n</div>'
            )
            files.add(page, _jekyll_layout(f"{medium} | {SITE_NAME}", content))
    # posts (the dual-listed post is rendered once, under its first category)
    posts = [a for a in plan.articles if a.structure == "jekyll"]
    for a in posts:
        slug = a.category
        medium = media[slug]
        same = [p for p in posts if p.category == slug]
        idx = same.index(a)
        newer = same[idx - 1] if idx > 0 else None
        older = same[idx + 1] if idx + 1 < len(same) else None
        dt = datetime.fromisoformat(a.published)
        image = None
        if _h(a.path, "image") % 3 == 0:
            img = f"/images/{slug}/{_h(a.path, 'img') % 100000:05d}.png"
            image = f'<p><img src="{img}" alt="{_attr(a.title)}"></p>'
        seo = {
            "@context": "https://schema.org", "@type": "BlogPosting", "headline": a.title,
            "datePublished": a.published, "url": plan.base_url + a.url_path,
            "publisher": {"@type": "Organization", "name": SITE_NAME},
        }
        head = (
            f'<meta property="og:title" content="{_attr(a.title)}">\n'
            f'<meta property="og:locale" content="zh_CN">\n'
            f'<meta property="og:site_name" content="{SITE_NAME}">\n'
            f'<meta property="og:type" content="article">\n'
            f'<meta property="article:published_time" content="{a.published}">\n'
            f'<link rel="canonical" href="{plan.base_url}{a.url_path}">\n'
            f'<script type="application/ld+json">{json.dumps(seo, ensure_ascii=False, sort_keys=True)}</script>\n'
        )
        post_nav = []
        if newer:
            post_nav.append(f'<a class="newer" href="{newer.url_path}">下一篇：{_esc(newer.title)}</a>')
        if older:
            post_nav.append(f'<a class="older" href="{older.url_path}">上一篇：{_esc(older.title)}</a>')
        content = f"""<article class="post h-entry" itemscope itemtype="http://schema.org/BlogPosting">
<header class="post-header">
<h1 class="post-title p-name" itemprop="name headline">{_esc(a.title)}</h1>
<p class="post-meta"><time class="dt-published" datetime="{a.published}" itemprop="datePublished">{dt:%Y-%m-%d %H:%M}</time> · <a href="/category/{slug}.html">{medium}</a></p>
</header>
<div class="post-content e-content" itemprop="articleBody">
{_blocks_html(a.path, a.blocks, "jekyll", image)}
<p class="em_media">（文章来源：{a.source}）</p>
</div>
<p class="original-url"><a href="{_attr(a.origin_url)}">{_esc(a.origin_url)}</a></p>
<p class="back-links"><a href="/category/{slug}.html">[返回{medium}]</a> <a href="/">[返回首页]</a></p>
<div class="post-nav">{" ".join(post_nav)}</div>
</article>"""
        files.add(a.path, _jekyll_layout(f"{a.title} | {SITE_NAME}", content, head), when=dt)
        if image:
            files.add(img, _png(img))
    # home, about, admin
    sections = []
    for src in (s for s in plan.sources if s.structure == "jekyll"):
        latest = "".join(
            f'<li><span class="post-meta">{by_path[p].listing_date}</span> <a href="{quote(p)}">{_esc(by_path[p].title)}</a></li>'
            for p in src.listed[:5]
        )
        sections.append(
            f'<section class="home-category"><h2><a href="{src.start_paths[0]}">{src.title}</a></h2>'
            f'<ul class="post-list">{latest}</ul><p><a href="{src.start_paths[0]}">更多{src.title}新闻 »</a></p></section>'
        )
    files.add("/index.html", _jekyll_layout(SITE_NAME, '<div class="home">\n' + "\n".join(sections) + "\n</div>"))
    files.add("/about.html", _jekyll_layout(f"关于 | {SITE_NAME}", (
        f'<article class="post"><h1 class="post-title">关于{SITE_NAME}</h1>'
        f"<p>{SITE_NAME}按媒体分类汇集区内新闻，每个分类页对应一家媒体，文章末尾注明来源并附原文链接。</p>"
        f"<p>{_DISCLAIMER}</p></article>"
    )))
    files.add("/admin/login.html", _jekyll_layout(f"管理登录 | {SITE_NAME}", (
        '<form class="login" method="post" action="/admin/login.html"><p>用户名：<input name="user"></p>'
        '<p>密码：<input type="password" name="password"></p><p><button>登录</button></p></form>'
    )))
    files.add("/assets/main.css", "body{font-family:sans-serif;margin:0}.wrapper{max-width:860px;margin:0 auto;padding:0 16px}"
              ".site-header{border-bottom:1px solid #ddd}.post-meta{color:#888;margin-right:8px}.em_media{color:#666}\n")


_PORTAL_CSS = "body{font:14px/1.8 SimSun,serif}.main{width:1000px;margin:0 auto}.left{float:left;width:700px}.right{float:right;width:280px}\n"
_PORTAL_JS = (
    "function trackView(id){ /* 统计代码 */ }\n"
    "function doZoom(size){ document.getElementById('zoom').style.fontSize = size + 'px'; }\n"
    "function createPageHTML(total, current, prefix, ext){ /* 分页由静态链接提供 */ }\n"
)


def _portal_layout(path: str, title: str, main: str, right: str = "", charset: str = "gb2312") -> str:
    r = lambda target: _rel(path, target)  # noqa: E731 - local shorthand
    meta = (f'<meta http-equiv="Content-Type" content="text/html; charset={charset}" />' if charset == "gb2312"
            else f'<meta charset="{charset}" />')
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
{meta}
<title>{_esc(title)}</title>
<meta name="keywords" content="{PORTAL_NAME},宁夏新闻,本地资讯" />
<link href="{r('/news/css/style.css')}" rel="stylesheet" type="text/css" />
<script type="text/javascript" src="{r('/news/js/common.js')}"></script>
</head>
<body>
<div class="top">
<div class="logo"><a href="{r('/news/index.html')}">{PORTAL_NAME}</a></div>
<ul class="nav"><li><a href="{r('/news/index.html')}">首页</a></li><li><a href="{r('/news/index.html')}">新闻中心</a></li><li><a href="{r('/news/index_1.html')}">本地资讯</a></li></ul>
</div>
<div class="main">
<div class="left">
{main}
</div>
<div class="right">
{right}
</div>
</div>
<div class="footer">
<p>主办：{PORTAL_NAME}　联系电话：0951-0000000　举报邮箱：demo@example.org</p>
<p>{PORTAL_NAME} 版权所有　未经书面授权禁止转载、摘编或建立镜像</p>
<p>{_DISCLAIMER}</p>
</div>
</body>
</html>
"""


def _render_portal(plan: _Plan, files: _Files) -> None:
    src = next(s for s in plan.sources if s.structure == "portal")
    arts = [a for a in plan.articles if a.structure == "portal"]
    by_path = {a.path: a for a in arts}
    total_pages = len(src.listing_paths)
    for k, page in enumerate(src.listing_paths):
        rows = []
        for p in src.listed[k * PAGE_SIZE:(k + 1) * PAGE_SIZE]:
            a = by_path[p]
            shown = a.title if len(a.title) <= 20 else a.title[:19] + "…"
            date = f'<span class="date">{a.listing_date}</span>' if a.listing_date else ""
            rows.append(f'<li><a href="{_rel(page, p)}" target="_blank" title="{_attr(a.title)}">{_esc(shown)}</a>{date}</li>')
        pager = [f"共{len(src.listed)}条　第{k + 1}/{total_pages}页", f'<a href="{_rel(page, src.listing_paths[0])}">首页</a>']
        if k > 0:
            pager.append(f'<a href="{_rel(page, src.listing_paths[k - 1])}">上一页</a>')
        if k + 1 < total_pages:
            pager.append(f'<a href="{_rel(page, src.listing_paths[k + 1])}">下一页</a>')
        pager.append(f'<a href="{_rel(page, src.listing_paths[-1])}">尾页</a>')
        main = (
            f'<div class="position">您的位置：<a href="{_rel(page, "/news/index.html")}">首页</a> &gt; 新闻中心</div>\n'
            f'<div class="list-box"><div class="hd">新闻中心</div>\n<ul class="list-news">\n' + "\n".join(rows) + "\n</ul>\n"
            f'<div class="pagination">{"　".join(pager)}</div>\n'
            f'<script type="text/javascript">createPageHTML({total_pages}, {k}, "index", "html");</script>\n</div>'
        )
        files.add(page, _portal_layout(page, f"新闻中心_{PORTAL_NAME}", main, charset="gbk"), encoding="gbk")
    hot = arts[:6]
    for a in arts:
        extra = plan.extra[a.path]
        raw = corpus.MULTI_PAGE["blocks"] if a.path == plan.special["multi_page"][0] else a.blocks
        if raw is corpus.MULTI_PAGE["blocks"]:
            raw = tuple((k, t.format(zt=plan.special["no_date"])) for k, t in raw)
            split = [i for i, (k, _) in enumerate(raw) if k == "page"][0]
            parts = [raw[:split], raw[split + 1:]]
        else:
            parts = [a.blocks]
        related = [b for b in arts if b.path != a.path][_h(a.path, "rel") % 10:][:3]
        when = datetime.fromisoformat(a.published) if a.published else None
        for n, (page, blocks) in enumerate(zip(a.pages, parts)):
            info = []
            if when:
                info.append(f"<span>发布时间：{when:%Y年%m月%d日 %H:%M}</span>")
            info.append(f"<span>来源：{a.source}</span>")
            if a.author:
                info.append(f"<span>作者：{a.author}</span>")
            info.append('<span class="font">【字号：<a href="javascript:doZoom(16)">大</a> <a href="javascript:doZoom(14)">中</a> <a href="javascript:doZoom(12)">小</a>】</span>')
            image = None
            if _h(a.path, "image", n) % 2 == 0:
                img = f"/news/images/{extra['id'] // 100}/{extra['id']}_{n + 1}.png"
                image = (f'<p style="text-align: center;"><img data-src="{_rel(page, img)}" '
                         f'src="{_rel(page, "/news/images/blank.gif")}" alt="" class="lazy" /></p>')
                if img not in files:
                    files.add(img, _png(img))
            body = _blocks_html(page, blocks, "portal", image).split("\n")
            ad = (f'<div class="ad"><a href="{_rel(page, "/news/index.html")}" target="_blank">'
                  f'<img src="{_rel(page, "/news/images/ad/banner.gif")}" alt="" /></a><span>广告</span></div>')
            body.insert(min(2, len(body)), ad)
            body.insert(0, f'<script type="text/javascript">var _articleId = "{extra["id"]}"; trackView(_articleId);</script>')
            if n == len(a.pages) - 1:
                body.append(f'<p class="editor" style="text-align: right;">（责任编辑：{extra["editor"]}）</p>')
            pagebar = ""
            if len(a.pages) > 1:
                bits = []
                if n > 0:
                    bits.append(f'<a href="{_rel(page, a.pages[n - 1])}">上一页</a>')
                for m, p in enumerate(a.pages):
                    bits.append(f'<span class="cur">{m + 1}</span>' if m == n else f'<a href="{_rel(page, p)}">{m + 1}</a>')
                if n + 1 < len(a.pages):
                    bits.append(f'<a href="{_rel(page, a.pages[n + 1])}">下一页</a>')
                pagebar = f'<div class="pagebar">{" ".join(bits)}</div>\n'
            rel_items = "".join(f'<li><a href="{_rel(page, b.path)}" target="_blank">{_esc(b.title)}</a></li>' for b in related)
            main = f"""<div class="position">您的位置：<a href="{_rel(page, '/news/index.html')}">首页</a> &gt; <a href="{_rel(page, '/news/index.html')}">新闻中心</a> &gt; 正文</div>
<div class="article">
<h1 class="title">{_esc(a.title)}</h1>
<div class="info">{"　".join(info)}</div>
<div class="share">分享到：<a href="javascript:void(0)" class="wx">微信</a> <a href="javascript:void(0)" class="wb">微博</a> <a href="javascript:void(0)" class="qq">QQ空间</a></div>
<div class="content TRS_Editor" id="zoom">
{chr(10).join(body)}
</div>
{pagebar}<div class="related"><div class="hd">相关链接</div><ul>{rel_items}</ul></div>
</div>"""
            right = ('<div class="hot"><div class="hd">热点排行</div><ol>'
                     + "".join(f'<li><a href="{_rel(page, b.path)}">{_esc(b.title)}</a></li>' for b in hot)
                     + "</ol></div>")
            files.add(page, _portal_layout(page, f"{a.title}_{PORTAL_NAME}", main, right), encoding="gbk", when=when)
        if a.path == plan.special["wrong_charset_header"]:
            # a server that lies: claims UTF-8 for GBK bytes (the <meta> is right)
            files.add(a.path + ".headers", "# served by aggregator.server.StaticSiteServer\nContent-Type: text/html; charset=utf-8\n")
    files.add("/news/css/style.css", _PORTAL_CSS)
    files.add("/news/js/common.js", _PORTAL_JS)
    files.add("/news/images/blank.gif", _GIF_1PX)
    files.add("/news/images/ad/banner.gif", _GIF_1PX)


def _feed_layout(title: str, content: str, head_extra: str = "", body_class: str = "") -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{_esc(title)}</title>
{head_extra}<link rel="alternate" type="application/rss+xml" title="{FEED_SITE_NAME}" href="/rss.xml">
<link rel="stylesheet" href="/wenlv/css/site.css">
</head>
<body class="{body_class}">
<div class="topbar"><a class="logo" href="/wenlv/index.html">{FEED_SITE_NAME}</a>
<nav><a href="/wenlv/index.html">首页</a> <a href="/wenlv/index.html">文旅资讯</a> <a href="/rss.xml">RSS订阅</a></nav></div>
<div class="container">
{content}
</div>
<footer class="footer"><p>© 2022 {FEED_SITE_NAME} 版权所有</p><p>{_DISCLAIMER}</p></footer>
</body>
</html>
"""


def _render_feed(plan: _Plan, files: _Files) -> None:
    src = next(s for s in plan.sources if s.structure == "feed")
    arts = [a for a in plan.articles if a.structure == "feed"]
    base = plan.base_url
    for i, a in enumerate(arts):
        section = plan.extra[a.path]["theme"]
        dt = datetime.fromisoformat(a.published)
        image = None
        if _h(a.path, "image") % 3 == 0:
            img = f"/images/wenlv/{_h(a.path, 'img') % 100000:05d}.png"
            image = f'<p class="pic"><img src="/images/placeholder.png" data-original="{img}" alt="{_attr(a.title)}"></p>'
            files.add(img, _png(img))
        related = [b for b in arts if b.path != a.path][i % 5:][:3]
        head = (
            f'<meta name="description" content="{_attr(_summary(a))}">\n'
            f'<meta property="og:type" content="article">\n'
            f'<meta property="og:title" content="{_attr(a.title)}">\n'
            f'<meta property="og:site_name" content="{FEED_SITE_NAME}">\n'
            f'<meta property="og:url" content="{base}{a.url_path}">\n'
            f'<meta property="article:published_time" content="{a.published}">\n'
            f'<meta property="article:section" content="{section}">\n'
            f'<meta name="author" content="{_attr(a.author or "")}">\n'
            f'<link rel="canonical" href="{base}{a.url_path}">\n'
        )
        content = f"""<div class="crumbs"><a href="/wenlv/index.html">首页</a> / <span>{section}</span></div>
<div class="main-col">
<article>
<h1 class="headline">{_esc(a.title)}</h1>
<div class="byline"><span class="time">{dt:%Y/%m/%d %H:%M}</span> <span class="author">作者：{_esc(a.author or "")}</span> <span class="src">来源：{a.source}</span></div>
<div class="article-body">
{_blocks_html(a.path, a.blocks, "feed", image)}
</div>
<div class="share-bar">分享到：<a href="javascript:;">微信</a> <a href="javascript:;">微博</a> <a href="javascript:;">QQ空间</a></div>
<div class="tags">标签：<a href="/wenlv/index.html">{section}</a></div>
</article>
<section class="related"><h2>相关阅读</h2><ul>{"".join(f'<li><a href="{b.url_path}">{_esc(b.title)}</a></li>' for b in related)}</ul></section>
</div>
<aside class="side-col"><h3>热门排行</h3><ol>{"".join(f'<li><a href="{b.url_path}">{_esc(b.title)}</a></li>' for b in arts[:5])}</ol></aside>"""
        files.add(a.path, _feed_layout(f"{a.title} - {FEED_SITE_NAME}", content, head, "article-page"), when=dt)
    lis = "".join(f'<li><a href="{a.url_path}">{_esc(a.title)}</a> <span class="time">{a.published[:10]}</span></li>' for a in arts)
    files.add("/wenlv/index.html", _feed_layout(FEED_SITE_NAME, f'<div class="main-col"><h1>文旅资讯</h1><ul class="news">{lis}</ul></div>'))
    files.add("/wenlv/css/site.css", "body{margin:0;font-family:sans-serif}.container{display:flex;gap:24px}.main-col{flex:3}.side-col{flex:1}\n")
    files.add("/images/placeholder.png", _png("placeholder", 2, 2))
    # the feed itself: absolute links with tracking parameters, as CMS feeds have
    items = []
    for a in arts:
        link = f"{base}{a.url_path}?utm_source=rss&utm_medium=feed"
        items.append(f"""<item>
<title>{_esc(a.title)}</title>
<link>{_esc(link)}</link>
<guid isPermaLink="false">huanghe-{a.path.rsplit("/", 1)[1].split(".")[0]}</guid>
<pubDate>{format_datetime(datetime.fromisoformat(a.published))}</pubDate>
<dc:creator>{_esc(a.author or "")}</dc:creator>
<category>{plan.extra[a.path]["theme"]}</category>
<description>{_esc(_summary(a))}</description>
</item>""")
    newest = max(datetime.fromisoformat(a.published) for a in arts)
    rss = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{FEED_SITE_NAME}</title>
<link>{base}/wenlv/index.html</link>
<description>{FEED_SITE_NAME}：文化旅游资讯（演示站点，内容均为虚构）</description>
<language>zh-cn</language>
<lastBuildDate>{format_datetime(newest)}</lastBuildDate>
<atom:link href="{base}{src.start_paths[0]}" rel="self" type="application/rss+xml"/>
{chr(10).join(items)}
</channel>
</rss>
"""
    files.add("/rss.xml", rss)


def _summary(a: DemoArticle, limit: int = 60) -> str:
    text = a.first_paragraph
    return text if len(text) <= limit else text[:limit] + "…"


def _render_json(plan: _Plan, files: _Files) -> None:
    src = next(s for s in plan.sources if s.structure == "json")
    arts = [a for a in plan.articles if a.structure == "json"]
    base = plan.base_url
    for i, a in enumerate(arts):
        art_id = plan.extra[a.path]["id"]
        dt = datetime.fromisoformat(a.published)
        image = None
        if _h(a.path, "image") % 3 == 0:
            img = f"/images/m/{art_id}.png"
            image = f'<p class="img"><img src="{img}" style="width:100%"></p>'
            files.add(img, _png(img))
        recommend = [b for b in arts if b.path != a.path][i % 7:][:3]
        state = {"id": str(art_id), "title": a.title, "publishTime": f"{dt:%Y-%m-%d %H:%M:%S}", "source": a.source}
        page = f"""<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width,initial-scale=1,maximum-scale=1,user-scalable=no">
<title>{_esc(a.title)}_{APP_NAME}</title>
<link rel="stylesheet" href="/m/css/app.css">
</head>
<body>
<div id="app">
<div class="m-header"><a class="back" href="/m/index.html">返回</a><span class="logo">{APP_NAME}</span></div>
<div class="detail-wrap">
<div class="d-title">{_esc(a.title)}</div>
<div class="d-info"><span class="d-src">来源：{a.source}</span> <span class="d-time">{dt:%Y-%m-%d %H:%M}</span></div>
<div class="d-content" id="detailContent">
{_blocks_html(a.path, a.blocks, "json", image)}
</div>
<div class="d-statement">声明：本文由{APP_NAME}原创，转载请注明出处。</div>
<div class="d-open"><a href="/m/index.html">打开凤城晚报APP，阅读更多精彩内容</a></div>
<div class="d-recommend"><div class="hd">为你推荐</div><ul>{"".join(f'<li><a href="{b.url_path}">{_esc(b.title)}</a></li>' for b in recommend)}</ul></div>
</div>
</div>
<script>window.__INITIAL_STATE__={json.dumps(state, ensure_ascii=False, sort_keys=True)};</script>
<script src="/m/js/app.js"></script>
</body>
</html>
"""
        files.add(a.path, page, when=dt)
    for k, path in enumerate(src.listing_paths):
        chunk = arts[k * PAGE_SIZE:(k + 1) * PAGE_SIZE]
        data = {
            "code": 0,
            "msg": "success",
            "data": {
                "page": k + 1,
                "page_size": PAGE_SIZE,
                "pages": len(src.listing_paths),
                "total": len(arts),
                "next": f"{base}{src.listing_paths[k + 1]}" if k + 1 < len(src.listing_paths) else None,
                "list": [
                    {
                        "id": str(plan.extra[a.path]["id"]),
                        "title": a.title,
                        "link": f"{base}{a.url_path}",
                        "time": f"{datetime.fromisoformat(a.published):%Y-%m-%d %H:%M:%S}",
                        "source": a.source,
                        "summary": _summary(a, 40),
                    }
                    for a in chunk
                ],
            },
        }
        files.add(path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n")
    files.add("/m/index.html", (
        f'<!DOCTYPE html>\n<html><head><meta charset="UTF-8"><title>{APP_NAME}</title>'
        f'<link rel="stylesheet" href="/m/css/app.css"></head>\n<body><div id="app"><p>请下载{APP_NAME}客户端阅读全部新闻。</p>'
        f"<p>{_DISCLAIMER}</p></div></body></html>\n"
    ))
    files.add("/m/css/app.css", "body{margin:0;font-size:16px}.d-title{font-size:22px;font-weight:bold}.d-info{color:#999}\n")
    files.add("/m/js/app.js", "(function(){ /* 客户端唤起与统计 */ })();\n")
