"""OPML 2.0 subscription list (``index.opml``) of every exported feed.

Owns the bytes of ``index.opml``: one ``<outline type="rss">`` per feed (its RSS file)
with ``text``, ``title``, ``xmlUrl`` and ``htmlUrl``, grouped in folders 全部 / 分类
(categories) / 来源 (sources) / 自定义订阅 (custom feeds), which readers import as
folders. ``xmlUrl`` is absolute with a base URL; without one it is relative to the OPML
file (the exporter then warns that feeds lack absolute URLs). Pure: no I/O.
"""

from __future__ import annotations

from email.utils import format_datetime

from lxml import etree

from aggregator.export.model import LANGUAGE, Feed, to_display

SITE_TITLE = "地方新闻订阅"
GROUPS = (("all", "全部"), ("category", "分类"), ("source", "来源"), ("custom", "自定义订阅"))


def feed_link(feed: Feed, fmt: str) -> str:
    """The URL of one of a feed's files: absolute with a base URL, else relative."""
    return feed.self_urls.get(fmt) or feed.path(fmt)


def render_opml(feeds: list[Feed], title: str = SITE_TITLE) -> bytes:
    """``index.opml`` for ``feeds`` (OPML 2.0; dates from the data, never "now")."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    newest = max((f.updated for f in feeds), default=None)
    if newest is not None and any(f.entries for f in feeds):
        etree.SubElement(head, "dateModified").text = format_datetime(to_display(newest))
    body = etree.SubElement(root, "body")
    for kind, label in GROUPS:
        members = [f for f in feeds if f.kind == kind]
        if not members:
            continue
        # a folder: ``text`` only (anything more makes validators ask for a ``type``)
        group = etree.SubElement(body, "outline", text=label)
        for f in members:
            etree.SubElement(
                group, "outline", type="rss", version="RSS2", text=f.title, title=f.title,
                description=f.description, language=LANGUAGE, xmlUrl=feed_link(f, "xml"), htmlUrl=f.html_url,
            )
    return etree.tostring(root, pretty_print=True, encoding="UTF-8", xml_declaration=True)
