"""JSON Feed 1.1 rendering of a :class:`~aggregator.export.model.Feed`.

Owns the bytes of ``*.json`` (https://jsonfeed.org/version/1.1): UTF-8, not ASCII-escaped,
keys in a fixed order, dates in RFC 3339 with +08:00, ``content_html`` plus a plain-text
``summary``; ``external_url`` is the original article when the page republishes one.
Pure: no I/O.
"""

from __future__ import annotations

import json

from aggregator.export.model import LANGUAGE, Feed, to_display

VERSION = "https://jsonfeed.org/version/1.1"


def render_json(feed: Feed) -> bytes:
    """The feed as JSON Feed 1.1 bytes (deterministic: same feed, same bytes)."""
    doc: dict = {"version": VERSION, "title": feed.title, "home_page_url": feed.html_url}
    if feed.self_urls:
        doc["feed_url"] = feed.self_urls["json"]
    doc["description"] = feed.description
    doc["language"] = LANGUAGE
    doc["authors"] = [{"name": feed.title}]
    items = []
    for e in feed.entries:
        item: dict = {"id": e.guid, "url": e.url}
        if e.origin_url and e.origin_url != e.url:
            item["external_url"] = e.origin_url
        item["title"] = e.title
        item["content_html"] = e.content_html
        if e.summary:
            item["summary"] = e.summary
        item["date_published"] = to_display(e.published).isoformat()
        item["date_modified"] = to_display(e.updated).isoformat()
        item["authors"] = [{"name": e.author or e.source or feed.title}]
        tags = [name for _, name in e.categories]
        if tags:
            item["tags"] = tags
        items.append(item)
    doc["items"] = items
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
