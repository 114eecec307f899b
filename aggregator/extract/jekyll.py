"""Jekyll posts (``_posts/YYYY-MM-DD-slug.md``) → article fields.

The aggregation sites we target publish their archive as Jekyll posts: YAML front matter
(title, date with offset, categories, tags), then an HTML or Markdown body that ends with
``（文章来源：X）``, a ``<original-url>`` line and "返回…" navigation links. Only the body
is body: the source line, the URL line and the navigation become fields or vanish.
Dates without an offset are in the site's zone: Jekyll reads them in the ``timezone`` of
the site's ``_config.yml`` (:func:`site_timezone`), so do we; without one, the source's.
Pure apart from reading that config file: no network, no Scrapy engine.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from dateutil import parser as dateutil_parser

from aggregator.normalize import collapse_ws, html_to_text, slugify
from aggregator.project import DEFAULT_TZ_NAME

_FRONT = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_FILENAME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})-(.+?)\.(md|markdown|html)$")
# （文章来源：X） as its own paragraph (HTML) or line (Markdown)
_SOURCE_P = re.compile(r"<p[^>]*>\s*[（(]?\s*(?:文章|信息|稿件)?来源\s*[：:]\s*(?P<src>[^<）)]{1,60}?)\s*[）)]?\s*</p>", re.S)
_SOURCE_LINE = re.compile(r"^\s*[（(]?\s*(?:文章|信息|稿件)?来源\s*[：:]\s*(?P<src>[^）)\n]{1,60}?)\s*[）)]?\s*$", re.M)
_URL_LINE = re.compile(r"^\s*<(?P<url>(?:https?:)?//[^>\s]+)>\s*$", re.M)
# "[返回银川新闻网新闻](//x/category/y.html)｜[返回首页](//x/)" navigation lines
_NAV_LINE = re.compile(r"^\s*\[返回[^\]]*\]\([^)]*\)(?:\s*[｜|]\s*\[[^\]]*\]\([^)]*\))*\s*$", re.M)
_LOOKS_HTML = re.compile(r"^\s*<(p|div|h[1-6]|ul|ol|table|figure|section|blockquote|img)\b", re.I)


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v for v in str(value).split() if v]


@lru_cache(maxsize=32)
def _config_timezone(folder: str) -> str | None:
    for name in ("_config.yml", "_config.yaml"):
        cfg = Path(folder) / name
        if not cfg.is_file():
            continue
        try:
            data = yaml.load(cfg.read_text("utf-8-sig"), Loader=yaml.BaseLoader) or {}
        except (yaml.YAMLError, OSError, UnicodeDecodeError):
            return None
        zone = data.get("timezone") if isinstance(data, dict) else None
        if isinstance(zone, str) and zone.strip():
            try:
                ZoneInfo(zone.strip())
            except (ZoneInfoNotFoundError, ValueError):
                return None
            return zone.strip()
        return None
    return None


def site_timezone(file_url: str | None) -> str | None:
    """The ``timezone`` of the Jekyll site a ``file://`` post belongs to (``_config.yml``
    next to its ``_posts`` folder), or None."""
    if not file_url or not file_url.startswith("file://"):
        return None
    post = Path(unquote(urlsplit(file_url).path))
    for folder in (post.parent.parent, post.parent):
        zone = _config_timezone(str(folder))
        if zone:
            return zone
    return None


def parse_post(text: str, filename: str, site: str | None = None, category: str | None = None,
               tz: str = DEFAULT_TZ_NAME, file_url: str | None = None) -> dict | None:
    """Fields of one Jekyll post, or None when it has no front matter.

    Returns url (permalink ``SITE/CATEGORY/YYYY/MM/DD/SLUG.html``, or ``file_url`` when no
    SITE is configured), title, published (ISO with offset), published_from, category,
    category_name, source, origin_url, body_html, body_text.
    """
    m = _FRONT.match(text)
    if not m:
        return None
    try:
        meta = yaml.load(m.group(1), Loader=yaml.BaseLoader) or {}
    except yaml.YAMLError:
        return None
    if not isinstance(meta, dict):
        return None
    body = text[m.end():]

    fm = _FILENAME.match(filename)
    slug = fm.group(4) if fm else re.sub(r"\.\w+$", "", filename)
    published = None
    dt: datetime | None = None
    raw_date = meta.get("date")
    if isinstance(raw_date, str) and raw_date.strip():
        try:
            dt = dateutil_parser.parse(raw_date.strip())
        except (ValueError, OverflowError):
            dt = None
    if dt is None and fm:
        dt = datetime(int(fm.group(1)), int(fm.group(2)), int(fm.group(3)))
    if dt is not None and dt.tzinfo is None:
        # the site's own zone, as Jekyll reads the date (its build may show it shifted)
        dt = dt.replace(tzinfo=ZoneInfo(site_timezone(file_url) or tz))
    if dt is not None:
        published = dt.isoformat()

    cats = _as_list(meta.get("categories") or meta.get("category"))
    cat = slugify(cats[0]) if cats else (category or "")
    tags = _as_list(meta.get("tags"))

    origin = None
    um = _URL_LINE.search(body)
    if um:
        origin = um.group("url")
        if origin.startswith("//"):
            origin = "https:" + origin
    body = _URL_LINE.sub("", body)
    body = _NAV_LINE.sub("", body)
    source = None
    sm = _SOURCE_P.search(body)
    if sm:
        source = collapse_ws(sm.group("src"))
        body = _SOURCE_P.sub("", body)
    else:
        sl = _SOURCE_LINE.search(body)
        if sl:
            source = collapse_ws(sl.group("src"))
            body = _SOURCE_LINE.sub("", body)
    body = body.strip()
    if _LOOKS_HTML.match(body):
        body_html = body
    else:
        import markdown

        body_html = markdown.markdown(body, extensions=["tables"], output_format="html")

    cat_name = None
    for cand in [*tags, *(t[:-2] for t in tags if t.endswith("新闻")), source]:
        if cand and slugify(cand) == cat:
            cat_name = cand
            break
    if dt is not None and site:
        local = dt
        url = f"{site.rstrip('/')}/{cat or 'posts'}/{local:%Y/%m/%d}/{slug}.html"
    else:
        url = file_url or filename
    title = collapse_ws(str(meta.get("title") or ""))
    return {
        "url": url,
        "title": title,
        "published": published,
        "published_from": "front_matter" if published else None,
        "category": cat,
        "category_name": cat_name,
        "tags": tags,
        "source": source,
        "origin_url": origin,
        "body_html": body_html,
        "body_text": html_to_text(body_html),
    }
