"""OPML 2.0 subscription lists of the exported feeds.

Owns the bytes of the OPML files: one ``<outline type="rss">`` per feed (its RSS file)
with ``text``, ``title``, ``xmlUrl`` and ``htmlUrl``. Readers such as newsboat keep one
item per id across *all* their feeds, so a list that subscribes to overlapping feeds
(``all`` plus every category plus every source) shows items under one feed only and
leaves the others empty. Each file therefore holds feeds that do not overlap:

- ``index.opml``: the category feeds (the default subscription; every article has a
  category, so every article is reachable);
- ``sources.opml``: one feed per source (disjoint too: an article has one source);
- ``custom.opml``: the custom ``[[feed]]`` feeds (written only when there are some).

``all.*`` is listed in ``index.html`` for readers that want one feed.

``xmlUrl`` is always absolute: under the base URL when one is known, else a ``file://``
URL of the feeds folder (a local reader imports it as it is; ``aggregator serve``
answers the file with its own address). Pure: no I/O.
"""

from __future__ import annotations

from email.utils import format_datetime
from urllib.parse import urljoin

from lxml import etree

from aggregator.export.model import LANGUAGE, Feed, to_display

SITE_TITLE = "地方新闻订阅"
#: feed kinds and their group names, in index order (index.html's sections)
GROUPS = (("all", "全部"), ("category", "分类"), ("source", "来源"), ("custom", "自定义订阅"))
#: file name -> (feed kinds it lists, title suffix)
OPML_FILES = {
    "index.opml": (("category",), "分类"),
    "sources.opml": (("source",), "来源"),
    "custom.opml": (("custom",), "自定义订阅"),
}

NO_BASE_NOTE = (
    " Feed URLs point at the feeds folder on this disk (file://), because no base URL was set."
    " To publish: set base_url in the [export] table of the sources file (or give the export command a base URL option, or"
    " AGGREGATOR_BASE_URL) and export again. `aggregator serve` answers this file with its own address. "
)


def feed_link(feed: Feed, fmt: str, local_base: str | None = None) -> str:
    """The URL of one of a feed's files: under the base URL, else under ``local_base``."""
    if feed.self_urls.get(fmt):
        return feed.self_urls[fmt]
    return urljoin(local_base, feed.path(fmt)) if local_base else feed.path(fmt)


def render_opml(feeds: list[Feed], title: str = SITE_TITLE, *, local_base: str | None = None,
                kinds: tuple[str, ...] | None = None) -> bytes:
    """One OPML file for the ``feeds`` of the given ``kinds`` (all kinds when None).

    ``local_base`` (a ``file://`` URL of the feeds folder, ending in ``/``) makes the feed
    URLs absolute when the feeds have no base URL. Dates come from the data, never "now".
    """
    members = [f for f in feeds if kinds is None or f.kind in kinds]
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    newest = max((f.updated for f in members), default=None)
    if newest is not None and any(f.entries for f in members):
        etree.SubElement(head, "dateModified").text = format_datetime(to_display(newest))
    if any(not f.self_urls for f in members):
        head.append(etree.Comment(NO_BASE_NOTE))
    body = etree.SubElement(root, "body")
    for f in members:
        etree.SubElement(
            body, "outline", type="rss", version="RSS2", text=f.title, title=f.title,
            description=f.description, language=LANGUAGE, xmlUrl=feed_link(f, "xml", local_base), htmlUrl=f.html_url,
        )
    return etree.tostring(root, pretty_print=True, encoding="UTF-8", xml_declaration=True)


def opml_file_names(feeds: list[Feed]) -> list[str]:
    """The OPML files written for ``feeds``: ``index.opml`` always, the others when they list a feed."""
    return [name for name, (kinds, _) in OPML_FILES.items()
            if name == "index.opml" or any(f.kind in kinds for f in feeds)]


def render_opml_files(feeds: list[Feed], *, local_base: str | None = None) -> dict[str, bytes]:
    """Every OPML file (name -> bytes): see the module docstring for what each lists."""
    return {name: render_opml(feeds, f"{SITE_TITLE}：{OPML_FILES[name][1]}", local_base=local_base,
                              kinds=OPML_FILES[name][0])
            for name in opml_file_names(feeds)}


def rewrite_opml(data: bytes, *, own_base: str, opml_url: str, local_base: str) -> bytes:
    """``data`` with feed URLs under ``local_base`` (or relative ones) moved to ``own_base``.

    For a server answering an OPML file written without a base URL: ``file://`` URLs of
    the folder it serves, and relative URLs (files of older versions), become URLs of the
    server. Other URLs, and anything that is not OPML, are left as they are.
    """
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return data
    if root.tag != "opml":
        return data
    changed = False
    for node in root.iter("outline"):
        for attr in ("xmlUrl", "htmlUrl"):
            value = node.get(attr)
            if not value:
                continue
            if value.startswith(local_base):
                new = own_base + value[len(local_base):]
            elif "://" not in value and not value.startswith(("mailto:", "//")):
                new = urljoin(opml_url, value)
            else:
                continue
            node.set(attr, new)
            changed = True
    if not changed:
        return data
    return etree.tostring(root.getroottree(), pretty_print=True, encoding="UTF-8", xml_declaration=True)
