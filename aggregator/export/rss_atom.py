"""RSS 2.0 and Atom 1.0 rendering of a :class:`~aggregator.export.model.Feed` (feedgen).

Owns the XML of ``*.xml`` and ``*.atom``. Avoids feedgen's traps: entries are added in
order with ``order="append"``; every date (feed ``updated``/``lastBuildDate``/
``pubDate``, entry ``updated``/``published``) is set explicitly from the data and is
tz-aware; the generator is set without a version. Dates are printed in Beijing time
(+08:00): RFC 822 in RSS, RFC 3339 in Atom. Pure: no I/O.
"""

from __future__ import annotations

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from aggregator.export.model import GENERATOR, LANGUAGE, Entry, Feed, to_display


class _ViaFeedExtension(BaseExtension):
    """Feed half of the ``via`` extension (nothing at feed level)."""


class _ViaEntryExtension(BaseEntryExtension):
    """Adds ``<link rel="via">`` (the original article) to an Atom entry.

    feedgen 1.0 drops ``rel``/``type`` of every entry link but the first one it writes
    (it reuses the variable), so a second link cannot go through ``FeedEntry.link``.
    """

    def __init__(self):
        self.href = None

    def extend_atom(self, entry):
        """Append the via link after feedgen's own links."""
        if self.href:
            # feedgen builds the Atom tree without namespaces (xmlns is a plain attribute)
            link = etree.Element("link", href=self.href, rel="via", type="text/html")
            last = entry.findall("link")
            if last:
                last[-1].addnext(link)
            else:
                entry.append(link)
        return entry


def _rss_entry(fg: FeedGenerator, e: Entry, feed: Feed, source_feed_url: str | None) -> None:
    fe = fg.add_entry(order="append")
    fe.title(e.title)
    fe.link(href=e.url, rel="alternate")
    fe.guid(e.guid, permalink=False)
    fe.description(e.summary or e.title)
    fe.content(e.content_html)
    fe.published(to_display(e.published))
    fe.updated(to_display(e.updated))
    fe.dc.dc_creator(e.author or e.source or feed.title)
    if e.categories:
        fe.category([{"term": slug, "label": name} for slug, name in e.categories])
    if source_feed_url and e.spider_title:
        fe.source(url=source_feed_url, title=e.spider_title)


def render_rss(feed: Feed, source_feed_urls: dict[str, str] | None = None) -> bytes:
    """RSS 2.0 (with ``content:encoded``, ``dc:creator`` and ``atom:link rel=self``).

    ``source_feed_urls`` maps spider name -> absolute URL of its source feed, for the
    items' ``<source url=…>`` element (only known with a base URL).
    """
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.title(feed.title)
    fg.description(feed.description)
    fg.id(feed.feed_id)
    fg.language(LANGUAGE)
    fg.generator(GENERATOR)
    if feed.self_urls:
        fg.link(href=feed.self_urls["xml"], rel="self", type="application/rss+xml")
    # feedgen uses the last link given as the channel's <link>
    fg.link(href=feed.html_url, rel="alternate")
    fg.lastBuildDate(to_display(feed.updated))
    if feed.entries:
        fg.pubDate(to_display(feed.published))
    for e in feed.entries:
        _rss_entry(fg, e, feed, (source_feed_urls or {}).get(e.spider))
    return fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)


def render_atom(feed: Feed) -> bytes:
    """Atom 1.0 (``content type="html"``, text ``summary``, ``xml:lang``, self link)."""
    fg = FeedGenerator()
    fg.register_extension("via", _ViaFeedExtension, _ViaEntryExtension, atom=True, rss=False)
    fg.id(feed.feed_id)
    fg.title(feed.title)
    fg.subtitle(feed.description)
    fg.language(LANGUAGE)
    fg.generator(GENERATOR)
    fg.author({"name": feed.title})
    fg.link(href=feed.html_url, rel="alternate", type="text/html")
    if feed.self_urls:
        fg.link(href=feed.self_urls["atom"], rel="self", type="application/atom+xml")
    fg.updated(to_display(feed.updated))
    for e in feed.entries:
        fe = fg.add_entry(order="append")
        fe.id(e.guid)
        fe.title(e.title)
        fe.updated(to_display(e.updated))
        fe.published(to_display(e.published))
        fe.author({"name": e.author or e.source or feed.title})
        fe.content(e.content_html, type="html")
        fe.link(href=e.url, rel="alternate", type="text/html")
        if e.origin_url and e.origin_url != e.url:
            fe.via.href = e.origin_url
        if e.summary:
            fe.summary(e.summary)
        if e.categories:
            fe.category([{"term": slug, "label": name} for slug, name in e.categories])
    return fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
