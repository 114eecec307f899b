"""``index.html``: the page for people listing every feed with its latest headlines.

Owns the bytes of ``index.html``: UTF-8 with ``<meta charset="utf-8">`` and
``lang="zh-CN"``; per feed (all, each category, each source, each custom feed) its
title, links to the RSS/Atom/JSON Feed files, a read-only field with the feed URL and a
copy button (a few lines of inline JavaScript; without a base URL the script makes the
relative URL absolute from the page's own address), and the newest headlines. Every
date shown comes from the data (Beijing time), so the page is byte-stable. Pure: no I/O.
"""

from __future__ import annotations

from html import escape

from aggregator.export.model import Feed, to_display
from aggregator.export.opml import GROUPS, SITE_TITLE, feed_link

HEADLINES = 5
_FORMATS = (("xml", "RSS", "application/rss+xml"), ("atom", "Atom", "application/atom+xml"),
            ("json", "JSON Feed", "application/feed+json"))

_CSS = """\
body{font-family:system-ui,-apple-system,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif;max-width:60rem;margin:0 auto;padding:1rem;line-height:1.6;color:#222}
h1{font-size:1.6rem}h2{border-bottom:1px solid #ccc;margin-top:2rem}h3{margin:.2rem 0}
section.feed{border:1px solid #e3e3e3;border-radius:6px;padding:.6rem 1rem;margin:1rem 0}
.formats a{margin-right:.8rem}.copy input{width:70%;font-family:monospace;font-size:.9rem}
ol.headlines{margin:.4rem 0;padding-left:1.4rem}ol.headlines time,ol.headlines .src{color:#777;font-size:.85rem;margin-left:.4rem}
.empty{color:#777}
"""

_JS = """\
document.querySelectorAll("input.feed-url").forEach(function (input) {
  input.setAttribute("value", new URL(input.getAttribute("data-href"), document.baseURI).href);
});
document.querySelectorAll("button.copy-url").forEach(function (button) {
  button.addEventListener("click", function () {
    var input = document.getElementById(button.getAttribute("data-target"));
    var done = function () { button.textContent = "已复制"; setTimeout(function () { button.textContent = "复制"; }, 1500); };
    // without clipboard access the URL stays selected, ready for Ctrl+C
    var fallback = function () { input.focus(); input.select(); try { if (document.execCommand("copy")) { done(); } } catch (e) {} };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, fallback);
    } else {
      fallback();
    }
  });
});
"""


def anchor(feed: Feed) -> str:
    """The HTML id of a feed's section (``cat-<stem>``, ``src-<name>``, ``feed-<name>``, ``all``)."""
    if feed.kind == "all":
        return "all"
    prefix = {"category": "cat-", "source": "src-", "custom": "feed-"}[feed.kind]
    return prefix + feed.stem.rsplit("/", 1)[-1]


def _section(feed: Feed) -> list[str]:
    a = anchor(feed)
    out = [f'<section class="feed" id="{a}" data-kind="{feed.kind}">',
           f'<h3>{escape(feed.title)}</h3>',
           '<p class="formats">']
    for fmt, label, mime in _FORMATS:
        out.append(f'<a href="{escape(feed_link(feed, fmt))}" type="{mime}">{label}</a>')
    out.append("</p>")
    rss = feed_link(feed, "xml")
    out.append(f'<p class="copy"><label for="url-{a}">订阅地址</label> '
               f'<input class="feed-url" id="url-{a}" type="text" readonly value="{escape(rss)}" data-href="{escape(rss)}"> '
               f'<button type="button" class="copy-url" data-target="url-{a}">复制</button></p>')
    if feed.entries:
        out.append('<ol class="headlines">')
        for e in feed.entries[:HEADLINES]:
            when = to_display(e.published)
            src = f' <span class="src">{escape(e.source)}</span>' if e.source and feed.kind != "source" else ""
            out.append(f'<li><a href="{escape(e.url)}" rel="noopener noreferrer">{escape(e.title)}</a> '
                       f'<time datetime="{when.isoformat()}">{when:%Y-%m-%d %H:%M}</time>{src}</li>')
        out.append("</ol>")
    else:
        out.append('<p class="empty">暂无文章</p>')
    out.append("</section>")
    return out


def render_index(feeds: list[Feed], title: str = SITE_TITLE) -> bytes:
    """``index.html`` for ``feeds`` (same feeds, same bytes)."""
    newest = max((f.updated for f in feeds if f.entries), default=None)
    out = ["<!DOCTYPE html>", '<html lang="zh-CN">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{escape(title)}</title>"]
    for f in feeds:
        if f.kind == "all":
            out.append(f'<link rel="alternate" type="application/rss+xml" title="{escape(f.title)}" href="{escape(feed_link(f, "xml"))}">')
            out.append(f'<link rel="alternate" type="application/atom+xml" title="{escape(f.title)}" href="{escape(feed_link(f, "atom"))}">')
    out += [f"<style>\n{_CSS}</style>", "</head>", "<body>", "<header>", f"<h1>{escape(title)}</h1>"]
    meta = []
    if newest is not None:
        meta.append(f'最近更新：<time datetime="{to_display(newest).isoformat()}">{to_display(newest):%Y-%m-%d %H:%M}</time>（北京时间）')
    meta.append('<a href="index.opml" type="text/x-opml">OPML：全部分类</a>')
    meta.append('<a href="sources.opml" type="text/x-opml">OPML：全部来源</a>')
    if any(f.kind == "custom" for f in feeds):
        meta.append('<a href="custom.opml" type="text/x-opml">OPML：自定义订阅</a>')
    out.append("<p>" + " · ".join(meta) + "</p>")
    nav = [f'<a href="#group-{kind}">{label}</a>' for kind, label in GROUPS if any(f.kind == kind for f in feeds)]
    out += ['<nav>' + " · ".join(nav) + "</nav>", "</header>", "<main>"]
    for kind, label in GROUPS:
        members = [f for f in feeds if f.kind == kind]
        if not members:
            continue
        out.append(f'<h2 id="group-{kind}">{label}</h2>')
        for f in members:
            out += _section(f)
    out += ["</main>", f"<script>\n{_JS}</script>", "</body>", "</html>", ""]
    return "\n".join(out).encode("utf-8")
