"""Jekyll posts from the archive: one ``_posts/YYYY-MM-DD-<slug>.md`` per article.

Owns the post format that the seed's aggregation site publishes and that the ``jekyll``
source type (``aggregator.extract.jekyll.parse_post``) reads back::

    ---
    layout: post
    title: 标题（YAML-escaped by yaml.safe_dump）
    date: 2022-01-19 12:20:06 +0800
    categories: [yinchuanxinwenwang]
    tags: [银川新闻网]
    ---
    <p>body_html …</p><p class="em_media">（文章来源：宁夏日报）</p>

    <https://original.example/article.html>

    [返回银川新闻网](/category/yinchuanxinwenwang.html)｜[返回首页](/)

The date is Beijing time; ``categories`` are the article's category slugs (primary
first), ``tags`` their display names; the ``<…>`` line is ``origin_url`` when the article
republishes another one, else its own URL. Pure: rendering only; writing is done by
:func:`aggregator.export.export_all` through ``write.py``.
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import unquote, urlsplit

import yaml

from aggregator.export.model import Entry, to_display
from aggregator.normalize import slugify

# URL path segments that name a script or a folder, not the article
_GENERIC = {"index", "default", "content", "detail", "details", "article", "articles", "show", "view",
            "page", "news", "info", "post", "read", "html", "shtml"}
_EXT = re.compile(r"\.(s?html?|php\d?|aspx?|jsp|cgi|do|action|md)$", re.I)


def url_slug(url: str) -> str:
    """Slug of an article URL's last path segment (``t20220119_123.shtml`` -> ``t20220119_123``),
    or "" when that segment is generic (``index.html``, ``show.php``) or empty."""
    segments = [s for s in unquote(urlsplit(url).path).split("/") if s]
    if not segments:
        return ""
    stem = _EXT.sub("", segments[-1])
    if not stem or stem.lower() in _GENERIC:
        return ""
    slug = slugify(stem.lower())
    return "" if slug.startswith("x-") else slug


def post_slug(entry: Entry) -> str:
    """File-name slug of a post: from the URL's last segment, else pinyin of the title."""
    return url_slug(entry.url) or slugify(entry.title) or entry.guid.rsplit(":", 1)[-1][:12]


def front_matter(entry: Entry) -> str:
    """The YAML front matter block (between ``---`` lines), safely escaped."""
    data = {
        "layout": "post",
        "title": entry.title,
        "date": f"{to_display(entry.published):%Y-%m-%d %H:%M:%S %z}",
        "categories": [slug for slug, _ in entry.categories],
        "tags": [name for _, name in entry.categories],
    }
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None, width=1_000_000)
    return f"---\n{text}---\n"


def render_post(entry: Entry) -> str:
    """The whole post text (front matter, body + source line, URL line, back links)."""
    source = entry.source or entry.spider_title
    if entry.categories:
        slug, name = entry.categories[0]
        back = f"[返回{name}](/category/{slug}.html)｜[返回首页](/)"
    else:
        back = "[返回首页](/)"
    body = (entry.body_html or "").strip()
    # the source paragraph follows the body directly, as on the seed site
    body += f'<p class="em_media">（文章来源：{escape(source, quote=False)}）</p>'
    return f"{front_matter(entry)}{body}\n\n<{entry.origin_url or entry.url}>\n\n{back}\n"


class PostNamer:
    """Unique ``_posts/…`` names, given posts oldest first.

    A name already taken by an earlier post gets a short stable suffix derived from the
    item id, so it does not depend on how many posts collide.
    """

    def __init__(self):
        self.used: set[str] = set()

    def name(self, e: Entry) -> str:
        """The file name (relative to the Jekyll folder) of the post of ``e``."""
        day = f"{to_display(e.published):%Y-%m-%d}"
        slug = post_slug(e)
        name = f"_posts/{day}-{slug}.md"
        if name in self.used:
            name = f"_posts/{day}-{slug}-{e.guid.rsplit(':', 1)[-1].replace('-', '')[:8]}.md"
        self.used.add(name)
        return name


def post_paths(entries: list[Entry]) -> list[tuple[str, Entry]]:
    """Unique ``_posts/…`` names for ``entries`` (named oldest first, ties by URL)."""
    namer = PostNamer()
    return [(namer.name(e), e) for e in sorted(entries, key=lambda e: (e.published, e.url))]
